// The test-card catalogue and card verdicts as pure functions (the end-to-end behaviour through the SDK
// is covered in the other payments-*.test.ts files).
import { describe, expect, it } from 'vitest';
import {
  type ChargeAttempt,
  cardChecks,
  chargeVerdict,
  setupVerdict,
} from '../../src/emulator/payments/card-outcome.js';
import { unexpectedStateMessage } from '../../src/emulator/payments/intent-state.js';
import { disputeFee, minimumChargeAmount, processingFee } from '../../src/emulator/payments/money.js';
import {
  cardForNumber,
  cardForToken,
  catalogueNumbers,
  isDecline,
  passesLuhn,
  type TestCard,
} from '../../src/emulator/payments/test-cards.js';

const onSession: ChargeAttempt = {
  offSession: false,
  setUpForOffSession: false,
  authenticated: false,
  cvcSupplied: true,
  postalCodeSupplied: false,
};

function token(name: string): TestCard {
  const card = cardForToken(name);
  if (!card) throw new Error(`unknown token ${name}`);
  return card;
}

describe('test-card catalogue', () => {
  it('every catalogue number passes the Luhn check', () => {
    for (const n of catalogueNumbers()) expect(passesLuhn(n), n).toBe(true);
  });

  it('maps pm_card_* ids and tok_* tokens to brand, funding and country', () => {
    expect(token('pm_card_visa')).toMatchObject({
      number: '4242424242424242',
      brand: 'visa',
      funding: 'credit',
      country: 'US',
    });
    expect(token('tok_mastercard_prepaid')).toMatchObject({ brand: 'mastercard', funding: 'prepaid' });
    expect(token('pm_card_amex').brand).toBe('amex');
    expect(token('pm_card_unionpay').brand).toBe('unionpay');
    expect(token('pm_card_de').country).toBe('DE');
    expect(cardForToken('pm_card_nope')).toBeUndefined();
  });

  it('an unknown Luhn-valid number is an ordinary card; a Luhn failure is incorrect_number', () => {
    const other = cardForNumber('4111 1111 1111 1111');
    expect(isDecline(other)).toBe(false);
    const bad = cardForNumber('4242424242424241');
    expect(isDecline(bad) && bad.code).toBe('incorrect_number');
  });
});

describe('card verdicts', () => {
  it('issuer-decline cards fail set-up and charges with their decline code', () => {
    const card = token('pm_card_visa_chargeDeclinedInsufficientFunds');
    expect(setupVerdict(card, false)).toMatchObject({
      kind: 'decline',
      decline: { declineCode: 'insufficient_funds' },
    });
    expect(chargeVerdict(card, onSession)).toMatchObject({
      kind: 'decline',
      decline: { code: 'card_declined' },
    });
  });

  it('4000000000000341 sets up but every charge fails', () => {
    const card = token('pm_card_chargeCustomerFail');
    expect(setupVerdict(card, false).kind).toBe('succeed');
    expect(chargeVerdict(card, onSession).kind).toBe('decline');
  });

  it('3155 needs authentication on-session always, off-session only until set up', () => {
    const card = token('pm_card_authenticationRequiredOnSetup');
    expect(chargeVerdict(card, onSession).kind).toBe('requires_action');
    expect(chargeVerdict(card, { ...onSession, setUpForOffSession: true }).kind).toBe('requires_action');
    expect(chargeVerdict(card, { ...onSession, offSession: true })).toMatchObject({
      kind: 'decline',
      decline: { code: 'authentication_required' },
    });
    expect(chargeVerdict(card, { ...onSession, offSession: true, setUpForOffSession: true }).kind).toBe(
      'succeed',
    );
  });

  it('1629 is declined after authentication; radar block is an outcome of type blocked', () => {
    const card = token('pm_card_threeDSecureRequiredChargeDeclined');
    expect(chargeVerdict(card, { ...onSession, authenticated: true })).toMatchObject({ kind: 'decline' });
    const blocked = chargeVerdict(token('pm_card_radarBlock'), onSession);
    expect(blocked).toMatchObject({ kind: 'decline', outcome: { type: 'blocked', riskLevel: 'highest' } });
  });

  it('cvc check failure declines only when a CVC is supplied', () => {
    const card = token('pm_card_cvcCheckFail');
    expect(chargeVerdict(card, onSession)).toMatchObject({ decline: { code: 'incorrect_cvc' } });
    expect(chargeVerdict(card, { ...onSession, cvcSupplied: false }).kind).toBe('succeed');
    expect(cardChecks(card, { cvc: true, postalCode: false, line1: false }).cvc_check).toBe('fail');
  });
});

describe('intent state and money', () => {
  it('names the allowed statuses when an operation is not allowed', () => {
    expect(unexpectedStateMessage('PaymentIntent', 'requires_capture', 'cancel')).toBeNull();
    expect(unexpectedStateMessage('PaymentIntent', 'succeeded', 'cancel')).toContain(
      'may be canceled: requires_payment_method, requires_capture',
    );
  });

  it('fees: 2.9 % + 30 for two-decimal currencies, scaled for others', () => {
    expect(processingFee(2000, 'usd')).toBe(88);
    expect(processingFee(1000, 'jpy')).toBe(29);
    expect(disputeFee('usd')).toBe(1500);
    expect(minimumChargeAmount('gbp')).toBe(30);
    expect(minimumChargeAmount('xyz')).toBe(50);
  });
});
