// What a test card does at each step — attach, set up, charge — as pure functions of the card and
// the circumstances of the attempt. The resources turn these verdicts into objects and events.

import { type CardDecline, declines, type RiskLevel, type TestCard } from './test-cards.js';

/** What the emulator knows about a payment attempt besides the card. */
export interface ChargeAttempt {
  /** `off_session=true` on the payment intent: the customer is not there to authenticate. */
  offSession: boolean;
  /** The payment method was set up for off-session use (SetupIntent, or `setup_future_usage`). */
  setUpForOffSession: boolean;
  /** The customer completed 3D Secure for this attempt. */
  authenticated: boolean;
  /** A CVC / postal code was supplied with the card, so those checks run. */
  cvcSupplied: boolean;
  postalCodeSupplied: boolean;
}

export interface ChargeOutcome {
  type: 'authorized' | 'issuer_declined' | 'blocked';
  networkStatus: 'approved_by_network' | 'declined_by_network' | 'not_sent_to_network';
  reason: string | null;
  riskLevel: RiskLevel;
  riskScore: number;
  sellerMessage: string;
}

export type ChargeVerdict =
  | { kind: 'succeed'; outcome: ChargeOutcome }
  | { kind: 'requires_action' }
  | { kind: 'decline'; decline: CardDecline; outcome: ChargeOutcome };

const RISK_SCORE: Record<RiskLevel, number> = { normal: 12, elevated: 67, highest: 95 };

function approved(card: TestCard): ChargeOutcome {
  return {
    type: 'authorized',
    networkStatus: 'approved_by_network',
    reason: card.risk === 'elevated' ? 'elevated_risk_level' : null,
    riskLevel: card.risk,
    riskScore: RISK_SCORE[card.risk],
    sellerMessage: 'Payment complete.',
  };
}

function declinedOutcome(card: TestCard, decline: CardDecline): ChargeOutcome {
  if (card.radarBlocks) {
    return {
      type: 'blocked',
      networkStatus: 'not_sent_to_network',
      reason: 'highest_risk_level',
      riskLevel: card.risk,
      riskScore: RISK_SCORE[card.risk],
      sellerMessage: 'Stripe blocked this payment as too risky.',
    };
  }
  return {
    type: 'issuer_declined',
    networkStatus: 'declined_by_network',
    reason: decline.declineCode ?? decline.code,
    riskLevel: card.risk,
    riskScore: RISK_SCORE[card.risk],
    sellerMessage: 'The bank did not return any further details with this decline.',
  };
}

/** A decline of this card with `d`, with the outcome Stripe would report. */
export const declineVerdict = (card: TestCard, d: CardDecline): ChargeVerdict => ({
  kind: 'decline',
  decline: d,
  outcome: declinedOutcome(card, d),
});

/** Does this attempt need (more) 3D Secure before it can go to the issuer? */
function needsAuthentication(card: TestCard, attempt: ChargeAttempt): boolean {
  if (attempt.authenticated) return false;
  switch (card.threeDSecure) {
    case 'always':
      return true;
    case 'unless_set_up':
      return !(attempt.offSession && attempt.setUpForOffSession);
    case 'on_session_only':
      return !attempt.offSession;
    default:
      return false;
  }
}

/** The verdict of one charge attempt with this card. */
export function chargeVerdict(card: TestCard, attempt: ChargeAttempt): ChargeVerdict {
  if (card.decline) return declineVerdict(card, card.decline);
  if (card.cvcCheckFails && attempt.cvcSupplied) return declineVerdict(card, declines.incorrectCvc);
  if (card.postalCheckFails && attempt.postalCodeSupplied) return declineVerdict(card, declines.incorrectZip);
  if (needsAuthentication(card, attempt)) {
    return attempt.offSession
      ? declineVerdict(card, declines.authenticationRequired)
      : { kind: 'requires_action' };
  }
  if (card.declineAfterAuthentication) return declineVerdict(card, card.declineAfterAuthentication);
  return { kind: 'succeed', outcome: approved(card) };
}

export type SetupVerdict =
  | { kind: 'succeed' }
  | { kind: 'requires_action' }
  | { kind: 'decline'; decline: CardDecline };

/** Setting a card up for later (SetupIntent confirm): issuer-decline cards fail, 3DS cards ask. */
export function setupVerdict(card: TestCard, authenticated: boolean): SetupVerdict {
  if (card.declinesOnAttach && card.decline) return { kind: 'decline', decline: card.decline };
  const asks =
    card.threeDSecure === 'always' ||
    card.threeDSecure === 'unless_set_up' ||
    card.threeDSecure === 'on_session_only';
  if (asks && !authenticated) return { kind: 'requires_action' };
  return { kind: 'succeed' };
}

/** Attaching to a customer: only the issuer-decline cards refuse. */
export const attachDecline = (card: TestCard): CardDecline | null =>
  card.declinesOnAttach ? card.decline : null;

export type CheckResult = 'pass' | 'fail' | 'unavailable' | 'unchecked' | null;

/** The `card.checks` Stripe reports on the payment method and on the charge. */
export function cardChecks(
  card: TestCard,
  supplied: { cvc: boolean; postalCode: boolean; line1: boolean },
): { cvc_check: CheckResult; address_postal_code_check: CheckResult; address_line1_check: CheckResult } {
  const address = (isSupplied: boolean, fails: boolean): CheckResult => {
    if (!isSupplied) return null;
    if (card.addressUnchecked) return 'unavailable';
    return fails ? 'fail' : 'pass';
  };
  return {
    cvc_check: supplied.cvc ? (card.cvcCheckFails ? 'fail' : 'pass') : null,
    address_postal_code_check: address(supplied.postalCode, card.postalCheckFails),
    address_line1_check: address(supplied.line1, card.line1CheckFails),
  };
}
