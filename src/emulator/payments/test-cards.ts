// The test-card catalogue of Stripe's testing page as plain data: which card a number, a `pm_card_*`
// id or a `tok_*` token stands for, and what that card does when it is attached, set up or charged.
// Pure: no state, no I/O. The behaviour functions live in ./card-outcome.ts.

export type CardBrand =
  | 'visa'
  | 'mastercard'
  | 'amex'
  | 'discover'
  | 'diners'
  | 'jcb'
  | 'unionpay'
  | 'unknown';
export type CardFunding = 'credit' | 'debit' | 'prepaid' | 'unknown';

/** A card error as Stripe reports it: `code` always, `decline_code` for issuer declines. */
export interface CardDecline {
  code: string;
  declineCode: string | null;
  message: string;
  /** The card field Stripe blames (`exp_month` for an expired card, `cvc` for a wrong one). */
  param?: string;
}

/**
 * How the card reacts to 3D Secure:
 * - `not_supported` / `not_enrolled` / `optional`: never challenged;
 * - `always`: every payment needs authentication (off-session attempts fail);
 * - `unless_set_up`: on-session payments need it; off-session ones only until the card is set up;
 * - `on_session_only`: on-session payments need it; off-session ones always go through.
 */
export type ThreeDSecureBehaviour =
  | 'not_supported'
  | 'not_enrolled'
  | 'optional'
  | 'always'
  | 'unless_set_up'
  | 'on_session_only';

export type RiskLevel = 'normal' | 'elevated' | 'highest';

export interface DisputeBehaviour {
  reason: string;
  /** An inquiry (`warning_needs_response`) moves no funds. */
  inquiry: boolean;
  enhancedEligibility: 'visa_compelling_evidence_3' | null;
}

/** Refund cards: a refund starts `pending` and later succeeds, or starts `succeeded` and later fails. */
export type RefundBehaviour = 'pending_then_succeeded' | 'succeeded_then_failed';

export interface TestCard {
  number: string;
  brand: CardBrand;
  funding: CardFunding;
  country: string;
  /** Every charge fails with this (before any authentication is asked for). */
  decline: CardDecline | null;
  /** Issuer-decline cards cannot even be attached to a customer; the charge-fail cards can. */
  declinesOnAttach: boolean;
  /** Declined only once authentication has been completed (or skipped because the card was set up). */
  declineAfterAuthentication: CardDecline | null;
  threeDSecure: ThreeDSecureBehaviour;
  risk: RiskLevel;
  /** Radar blocks the payment (outcome `blocked`) rather than the issuer declining it. */
  radarBlocks: boolean;
  cvcCheckFails: boolean;
  postalCheckFails: boolean;
  line1CheckFails: boolean;
  /** The address checks report `unavailable`. */
  addressUnchecked: boolean;
  dispute: DisputeBehaviour | null;
  /** The issuer reports fraud: an early fraud warning (no dispute) once the charge is captured. */
  earlyFraudWarning: boolean;
  refund: RefundBehaviour | null;
}

const messages = {
  declined: 'Your card was declined.',
  insufficient: 'Your card has insufficient funds.',
  expired: 'Your card has expired.',
  cvc: "Your card's security code is incorrect.",
  processing: 'An error occurred while processing your card. Try again in a little bit.',
  number: 'Your card number is incorrect.',
  zip: "Your card's zip code failed validation.",
  authentication: 'Your card was declined. This transaction requires authentication.',
} as const;

export const declines = {
  generic: { code: 'card_declined', declineCode: 'generic_decline', message: messages.declined },
  insufficientFunds: {
    code: 'card_declined',
    declineCode: 'insufficient_funds',
    message: messages.insufficient,
  },
  lostCard: { code: 'card_declined', declineCode: 'lost_card', message: messages.declined },
  stolenCard: { code: 'card_declined', declineCode: 'stolen_card', message: messages.declined },
  velocity: { code: 'card_declined', declineCode: 'card_velocity_exceeded', message: messages.declined },
  fraudulent: { code: 'card_declined', declineCode: 'fraudulent', message: messages.declined },
  expiredCard: {
    code: 'expired_card',
    declineCode: 'expired_card',
    message: messages.expired,
    param: 'exp_month',
  },
  incorrectCvc: { code: 'incorrect_cvc', declineCode: 'incorrect_cvc', message: messages.cvc, param: 'cvc' },
  processingError: {
    code: 'processing_error',
    declineCode: 'processing_error',
    message: messages.processing,
  },
  incorrectNumber: { code: 'incorrect_number', declineCode: null, message: messages.number },
  incorrectZip: { code: 'incorrect_zip', declineCode: 'incorrect_zip', message: messages.zip },
  authenticationRequired: {
    code: 'authentication_required',
    declineCode: 'authentication_required',
    message: messages.authentication,
  },
} satisfies Record<string, CardDecline>;

interface CardSpec extends Partial<Omit<TestCard, 'number'>> {
  /** `pm_card_<name>` and `tok_<name>` both resolve to this card. */
  names?: readonly string[];
  /** Extra token-only aliases (`tok_…`). */
  tokens?: readonly string[];
}

// number → behaviour; brand, funding and country are derived from the number unless given.
const SPECS: Readonly<Record<string, CardSpec>> = {
  // 2.1 successful brands
  '4242424242424242': { names: ['visa', 'us'] },
  '4000056655665556': { names: ['visa_debit'], funding: 'debit' },
  '5555555555554444': { names: ['mastercard'] },
  '5200828282828210': { names: ['mastercard_debit'], funding: 'debit' },
  '5105105105105100': { names: ['mastercard_prepaid'], funding: 'prepaid' },
  '378282246310005': { names: ['amex', 'amex_threeDSecureNotSupported'], threeDSecure: 'not_supported' },
  '371449635398431': { threeDSecure: 'not_supported' },
  '6011111111111117': { names: ['discover'] },
  '6011000990139424': {},
  '3056930009020004': { names: ['diners'] },
  '36227206271667': {},
  '3566002020360505': { names: ['jcb'] },
  '6200000000000005': { names: ['unionpay'] },
  '4000000000000077': { names: ['bypassPending'] },
  '4000003720000278': { names: ['bypassPendingInternational'] },
  // per-country cards (country read from the ISO numeric in the number)
  '4000008260000000': { names: ['gb'] },
  '4000002760000016': { names: ['de'] },
  '4000002500000003': { names: ['fr'] },
  '4000001240000000': { names: ['ca'] },
  '4000000360000006': { names: ['au'] },
  '4000003920000003': { names: ['jp'] },
  '4000000760000002': { names: ['br'] },
  '4000005280000002': { names: ['nl'] },
  '4000007240000007': { names: ['es'] },
  '4000003800000008': { names: ['it'] },
  '4000003720000005': { names: ['ie'] },
  // 2.2 issuer declines: the card cannot be attached and every charge fails
  '4000000000000002': {
    names: ['visa_chargeDeclined', 'chargeDeclined'],
    decline: declines.generic,
    declinesOnAttach: true,
  },
  '4000000000009995': {
    names: ['visa_chargeDeclinedInsufficientFunds'],
    tokens: ['tok_visa_debit_chargeDeclinedInsufficientFunds'],
    decline: declines.insufficientFunds,
    declinesOnAttach: true,
  },
  '4000000000009987': {
    names: ['visa_chargeDeclinedLostCard'],
    decline: declines.lostCard,
    declinesOnAttach: true,
  },
  '4000000000009979': {
    names: ['visa_chargeDeclinedStolenCard'],
    decline: declines.stolenCard,
    declinesOnAttach: true,
  },
  '4000000000000069': {
    names: ['chargeDeclinedExpiredCard'],
    decline: declines.expiredCard,
    declinesOnAttach: true,
  },
  '4000000000000127': {
    names: ['chargeDeclinedIncorrectCvc'],
    decline: declines.incorrectCvc,
    declinesOnAttach: true,
  },
  '4000000000000119': {
    names: ['chargeDeclinedProcessingError'],
    decline: declines.processingError,
    declinesOnAttach: true,
  },
  '4000000000006975': {
    names: ['visa_chargeDeclinedVelocityLimitExceeded'],
    decline: declines.velocity,
    declinesOnAttach: true,
  },
  '4100000000000019': {
    names: ['radarBlock'],
    tokens: ['tok_visa_chargeDeclinedFraudulent'],
    decline: declines.fraudulent,
    declinesOnAttach: true,
    radarBlocks: true,
    risk: 'highest',
  },
  // 2.3 attaches, but charges fail; Radar risk and verification checks
  '4000000000000341': {
    names: ['chargeCustomerFail', 'visa_chargeCustomerFail'],
    decline: declines.generic,
  },
  '4000000000004954': {
    names: ['riskLevelHighest'],
    risk: 'highest',
    radarBlocks: true,
    decline: declines.fraudulent,
  },
  '4000000000009235': { names: ['riskLevelElevated'], risk: 'elevated' },
  '4000000000000101': { names: ['cvcCheckFail'], cvcCheckFails: true },
  '4000000000000036': { names: ['avsZipFail'], postalCheckFails: true },
  '4000058400307872': { names: ['cvcCheckFailElevatedRisk'], cvcCheckFails: true, risk: 'elevated' },
  '4000058400306072': { names: ['avsZipFailElevatedRisk'], postalCheckFails: true, risk: 'elevated' },
  '4000000000000028': { names: ['avsLine1Fail'], line1CheckFails: true },
  '4000000000000010': { names: ['avsFail'], line1CheckFails: true, postalCheckFails: true },
  '4000000000000044': { names: ['avsUnchecked'], addressUnchecked: true },
  // 2.4 3D Secure
  '4000002500003155': { names: ['authenticationRequiredOnSetup'], threeDSecure: 'unless_set_up' },
  '4000002760003184': { names: ['authenticationRequired'], threeDSecure: 'always' },
  '4000003800000446': {
    names: ['authenticationRequiredSetupForOffSession'],
    threeDSecure: 'on_session_only',
  },
  '4000008260003178': {
    names: ['authenticationRequiredChargeDeclinedInsufficientFunds'],
    threeDSecure: 'unless_set_up',
    declineAfterAuthentication: declines.insufficientFunds,
  },
  '4000000000003220': { names: ['threeDSecure2Required'], threeDSecure: 'always' },
  '4000008400001629': {
    names: ['threeDSecureRequiredChargeDeclined'],
    threeDSecure: 'always',
    declineAfterAuthentication: declines.generic,
  },
  '4000008400001280': { names: ['threeDSecureRequiredProcessingError'], decline: declines.processingError },
  '4000000000003055': { names: ['threeDSecureOptional'], threeDSecure: 'optional' },
  '4000000000003097': { names: ['threeDSecureOptionalProcessingError'], threeDSecure: 'optional' },
  // 2.5 disputes
  '4000000000000259': {
    names: ['createDispute'],
    dispute: { reason: 'fraudulent', inquiry: false, enhancedEligibility: null },
  },
  '4000000000002685': {
    names: ['createDisputeProductNotReceived'],
    dispute: { reason: 'product_not_received', inquiry: false, enhancedEligibility: null },
  },
  '4000000000001976': {
    names: ['createDisputeInquiry'],
    dispute: { reason: 'general', inquiry: true, enhancedEligibility: null },
  },
  '4000000000005423': { names: ['createIssuerFraudRecord'], earlyFraudWarning: true },
  '4000000404000079': {
    names: ['createMultipleDisputes'],
    dispute: { reason: 'fraudulent', inquiry: false, enhancedEligibility: null },
  },
  '4000000404000038': {
    names: ['createCe3EligibleDispute'],
    dispute: { reason: 'fraudulent', inquiry: false, enhancedEligibility: 'visa_compelling_evidence_3' },
  },
  '4000008400000779': {
    names: ['createComplianceDispute'],
    dispute: { reason: 'noncompliant', inquiry: false, enhancedEligibility: null },
  },
  // 2.6 refunds
  '4000000000007726': { names: ['pendingRefund'], refund: 'pending_then_succeeded' },
  '4000000000005126': { names: ['refundFail'], refund: 'succeeded_then_failed' },
};

// ISO 3166 numeric → alpha-2, for the `4000 00CC C…` country cards Stripe publishes.
const COUNTRY_BY_NUMERIC: Readonly<Record<string, string>> = {
  '036': 'AU',
  '076': 'BR',
  '124': 'CA',
  '250': 'FR',
  '276': 'DE',
  '372': 'IE',
  '380': 'IT',
  '392': 'JP',
  '528': 'NL',
  '724': 'ES',
  '826': 'GB',
  '840': 'US',
};

/** Brand from the number's prefix (IIN ranges of the schemes Stripe's test cards use). */
export function brandOf(number: string): CardBrand {
  if (/^4/.test(number)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  if (/^(6011|64[4-9]|65)/.test(number)) return 'discover';
  if (/^(30[0-5]|36|38|39)/.test(number)) return 'diners';
  if (/^35/.test(number)) return 'jcb';
  if (/^62/.test(number)) return 'unionpay';
  return 'unknown';
}

function countryOf(number: string): string {
  const match = /^400000(\d{3})/.exec(number);
  return (match && COUNTRY_BY_NUMERIC[match[1] ?? '']) || 'US';
}

/** Luhn check digit validation. */
export function passesLuhn(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function buildCard(number: string, spec: CardSpec): TestCard {
  return {
    number,
    brand: spec.brand ?? brandOf(number),
    funding: spec.funding ?? 'credit',
    country: spec.country ?? countryOf(number),
    decline: spec.decline ?? null,
    declinesOnAttach: spec.declinesOnAttach ?? false,
    declineAfterAuthentication: spec.declineAfterAuthentication ?? null,
    threeDSecure: spec.threeDSecure ?? 'not_enrolled',
    risk: spec.risk ?? 'normal',
    radarBlocks: spec.radarBlocks ?? false,
    cvcCheckFails: spec.cvcCheckFails ?? false,
    postalCheckFails: spec.postalCheckFails ?? false,
    line1CheckFails: spec.line1CheckFails ?? false,
    addressUnchecked: spec.addressUnchecked ?? false,
    dispute: spec.dispute ?? null,
    earlyFraudWarning: spec.earlyFraudWarning ?? false,
    refund: spec.refund ?? null,
  };
}

const BY_NUMBER = new Map<string, TestCard>();
const BY_TOKEN = new Map<string, TestCard>();
for (const [number, spec] of Object.entries(SPECS)) {
  const card = buildCard(number, spec);
  BY_NUMBER.set(number, card);
  for (const name of spec.names ?? []) {
    BY_TOKEN.set(`pm_card_${name}`, card);
    BY_TOKEN.set(`tok_${name}`, card);
  }
  for (const token of spec.tokens ?? []) BY_TOKEN.set(token, card);
}

/** Every card number of the catalogue (for tests and the docs). */
export const catalogueNumbers = (): string[] => [...BY_NUMBER.keys()];

/** Every `pm_card_*` id the catalogue knows. */
export const paymentMethodTokens = (): string[] =>
  [...BY_TOKEN.keys()].filter((t) => t.startsWith('pm_card_'));

/** `pm_card_visa`, `tok_visa`… → the card, or undefined when the name is not a known test token. */
export const cardForToken = (token: string): TestCard | undefined => BY_TOKEN.get(token);

export const isTestCardToken = (value: string): boolean => /^(pm_card_|tok_)/.test(value);

/**
 * A raw card number → its card. Numbers outside the catalogue that pass the Luhn check behave as
 * ordinary successful cards of the brand their prefix names; others are `incorrect_number`.
 */
export function cardForNumber(raw: string): TestCard | CardDecline {
  const number = raw.replace(/[\s-]/g, '');
  const known = BY_NUMBER.get(number);
  if (known) return known;
  if (!passesLuhn(number)) return declines.incorrectNumber;
  return buildCard(number, {});
}

export const isDecline = (value: TestCard | CardDecline): value is CardDecline => 'code' in value;
