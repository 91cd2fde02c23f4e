// Payment intents end to end through the official SDK: every successful brand, every issuer-decline
// card, the attach-then-fail card, manual capture, cancel, saving cards while paying, and the events
// in order. 3D Secure is in payments-3ds.test.ts.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypesAbout, type Harness, payWith, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emulator.close());

const eventTypes = (...objectIds: string[]) => eventTypesAbout(h.stripe, ...objectIds);
const pay = (payment_method: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) =>
  payWith(h.stripe, payment_method, extra);

async function declineOf(payment_method: string): Promise<Stripe.errors.StripeCardError> {
  const err = await pay(payment_method).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
  return err as Stripe.errors.StripeCardError;
}

describe('successful cards', () => {
  it.each([
    ['pm_card_visa', 'visa', '4242', 'credit'],
    ['pm_card_visa_debit', 'visa', '5556', 'debit'],
    ['pm_card_mastercard', 'mastercard', '4444', 'credit'],
    ['pm_card_mastercard_debit', 'mastercard', '8210', 'debit'],
    ['pm_card_mastercard_prepaid', 'mastercard', '5100', 'prepaid'],
    ['pm_card_amex', 'amex', '0005', 'credit'],
    ['pm_card_discover', 'discover', '1117', 'credit'],
    ['pm_card_diners', 'diners', '0004', 'credit'],
    ['pm_card_jcb', 'jcb', '0505', 'credit'],
    ['pm_card_unionpay', 'unionpay', '0005', 'credit'],
  ])('%s succeeds with a %s charge ending %s', async (token, brand, last4, funding) => {
    const pi = await pay(token, { expand: ['latest_charge'] });
    expect(pi.status).toBe('succeeded');
    expect(pi.amount_received).toBe(2000);
    const charge = pi.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, captured: true, amount_captured: 2000 });
    expect(charge.payment_method_details?.card).toMatchObject({ brand, last4, funding });
    expect(charge.outcome).toMatchObject({ type: 'authorized', network_status: 'approved_by_network' });
  });

  it('accepts a raw test card number through POST /v1/payment_methods', async () => {
    const pm = await h.stripe.paymentMethods.create({
      type: 'card',
      card: { number: '4242424242424242', exp_month: 12, exp_year: 2040, cvc: '123' },
    });
    expect(pm.card).toMatchObject({
      brand: 'visa',
      last4: '4242',
      country: 'US',
      checks: { cvc_check: 'pass' },
    });
    expect((await pay(pm.id)).status).toBe('succeeded');
  });

  it('emits created, charge.succeeded and succeeded in order', async () => {
    const pi = await pay('pm_card_visa');
    const charge = pi.latest_charge as string;
    expect(await eventTypes(pi.id, charge)).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
    ]);
  });
});

describe('issuer declines', () => {
  it.each([
    ['pm_card_visa_chargeDeclined', 'card_declined', 'generic_decline', undefined],
    ['pm_card_visa_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds', undefined],
    ['pm_card_visa_chargeDeclinedLostCard', 'card_declined', 'lost_card', undefined],
    ['pm_card_visa_chargeDeclinedStolenCard', 'card_declined', 'stolen_card', undefined],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card', 'exp_month'],
    ['pm_card_chargeDeclinedIncorrectCvc', 'incorrect_cvc', 'incorrect_cvc', 'cvc'],
    ['pm_card_chargeDeclinedProcessingError', 'processing_error', 'processing_error', undefined],
    [
      'pm_card_visa_chargeDeclinedVelocityLimitExceeded',
      'card_declined',
      'card_velocity_exceeded',
      undefined,
    ],
    ['pm_card_radarBlock', 'card_declined', 'fraudulent', undefined],
  ])(
    '%s raises StripeCardError %s / %s and leaves the intent retryable',
    async (token, code, declineCode, param) => {
      const err = await declineOf(token);
      expect(err.statusCode).toBe(402);
      expect(err.code).toBe(code);
      expect(err.decline_code).toBe(declineCode);
      // Stripe names the card field at fault for an expired card or a wrong CVC.
      expect(err.param).toBe(param);
      expect(err.raw).toMatchObject({ charge: expect.stringMatching(/^ch_/) });
      const pi = err.payment_intent!;
      expect(pi.status).toBe('requires_payment_method');
      expect(pi.last_payment_error).toMatchObject({ type: 'card_error', code, decline_code: declineCode });
      expect(pi.last_payment_error?.param).toBe(param);
      // The failed method is kept on the error only; a retry must name a payment method.
      expect(pi.payment_method).toBeNull();
      expect(pi.last_payment_error?.payment_method?.id).toMatch(/^pm_/);
      const charge = await h.stripe.charges.retrieve(pi.latest_charge as string);
      expect(charge).toMatchObject({ status: 'failed', failure_code: code, paid: false });
      expect(await eventTypes(pi.id, charge.id)).toEqual([
        'payment_intent.created',
        'charge.failed',
        'payment_intent.payment_failed',
      ]);
      // The same intent succeeds with another card.
      const retried = await h.stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
      expect(retried).toMatchObject({ status: 'succeeded', last_payment_error: null });
    },
  );

  it('radar block is reported as a blocked outcome with the highest risk level', async () => {
    const err = await declineOf('pm_card_radarBlock');
    const charge = await h.stripe.charges.retrieve(err.payment_intent!.latest_charge as string);
    expect(charge.outcome).toMatchObject({ type: 'blocked', risk_level: 'highest' });
  });

  it('an incorrect number fails when the payment method is created', async () => {
    const err = await h.stripe.paymentMethods
      .create({ type: 'card', card: { number: '4242424242424241', exp_month: 12, exp_year: 2040 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((err as Stripe.errors.StripeCardError).code).toBe('incorrect_number');
  });
});

describe('risk and verification-check cards', () => {
  it('a failed CVC check declines incorrect_cvc; a failed postal check declines incorrect_zip', async () => {
    expect((await declineOf('pm_card_cvcCheckFail')).code).toBe('incorrect_cvc');
    expect((await declineOf('pm_card_avsZipFail')).code).toBe('incorrect_zip');
  });

  it('highest risk is blocked; elevated risk and a failed line1 check still succeed', async () => {
    const blocked = await declineOf('pm_card_riskLevelHighest');
    const charge = await h.stripe.charges.retrieve(blocked.payment_intent!.latest_charge as string);
    expect(charge.outcome).toMatchObject({ type: 'blocked', risk_level: 'highest' });
    const elevated = await pay('pm_card_riskLevelElevated', { expand: ['latest_charge'] });
    expect((elevated.latest_charge as Stripe.Charge).outcome).toMatchObject({
      type: 'authorized',
      risk_level: 'elevated',
    });
    const line1 = await pay('pm_card_avsLine1Fail', { expand: ['latest_charge'] });
    expect((line1.latest_charge as Stripe.Charge).payment_method_details?.card?.checks).toMatchObject({
      address_line1_check: 'fail',
    });
  });

  it('country cards report their country', async () => {
    const gb = await pay('pm_card_gb', { expand: ['latest_charge'] });
    expect((gb.latest_charge as Stripe.Charge).payment_method_details?.card?.country).toBe('GB');
  });
});

describe('attach rules', () => {
  it('issuer-decline cards cannot be attached; 4000000000000341 attaches and then fails every charge', async () => {
    const customer = await h.stripe.customers.create();
    const declined = await h.stripe.paymentMethods
      .attach('pm_card_visa_chargeDeclined', { customer: customer.id })
      .catch((e: unknown) => e);
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((declined as Stripe.errors.StripeCardError).decline_code).toBe('generic_decline');

    const pm = await h.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    expect(pm).toMatchObject({ customer: customer.id, card: { last4: '0341' } });
    const err = await pay(pm.id, { customer: customer.id, off_session: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((err as Stripe.errors.StripeCardError).decline_code).toBe('generic_decline');
    const listed = await h.stripe.customers.listPaymentMethods(customer.id);
    expect(listed.data.map((x) => x.id)).toEqual([pm.id]);
  });
});

describe('manual capture and cancel', () => {
  it('holds, then captures part of the amount', async () => {
    const pi = await pay('pm_card_visa', { capture_method: 'manual' });
    expect(pi).toMatchObject({ status: 'requires_capture', amount_capturable: 2000, amount_received: 0 });
    const captured = await h.stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1500 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 1500, amount_capturable: 0 });
    const charge = await h.stripe.charges.retrieve(pi.latest_charge as string, {
      expand: ['balance_transaction'],
    });
    expect(charge).toMatchObject({ captured: true, amount_captured: 1500 });
    const txn = charge.balance_transaction as Stripe.BalanceTransaction;
    expect(txn).toMatchObject({ amount: 1500, fee: 74, net: 1426, type: 'charge' });
    expect(await eventTypes(pi.id, charge.id)).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.amount_capturable_updated',
      'charge.captured',
      'payment_intent.succeeded',
    ]);
  });

  it('an authorization not captured within 7 days lapses: canceled automatically, hold released', async () => {
    const pi = await pay('pm_card_visa', { capture_method: 'manual' });
    await h.control('/_emulator/settings', { clock: { offset_seconds: 8 * 86_400 } });
    try {
      const lapsed = await h.stripe.paymentIntents.retrieve(pi.id);
      expect(lapsed).toMatchObject({
        status: 'canceled',
        cancellation_reason: 'automatic',
        amount_capturable: 0,
      });
      const charge = await h.stripe.charges.retrieve(pi.latest_charge as string);
      expect(charge).toMatchObject({ captured: false, refunded: true, amount_refunded: 2000 });
    } finally {
      await h.control('/_emulator/settings', { clock: null });
    }
  });

  it('refuses to capture more than was authorized', async () => {
    const pi = await pay('pm_card_visa', { capture_method: 'manual' });
    const err = await h.stripe.paymentIntents
      .capture(pi.id, { amount_to_capture: 2001 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((err as Stripe.errors.StripeInvalidRequestError).param).toBe('amount_to_capture');
  });

  it('cancels with a reason, and refuses to cancel a succeeded intent', async () => {
    const open = await h.stripe.paymentIntents.create({ amount: 500, currency: 'eur' });
    const canceled = await h.stripe.paymentIntents.cancel(open.id, {
      cancellation_reason: 'requested_by_customer',
    });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'requested_by_customer' });
    const done = await pay('pm_card_visa');
    const err = await h.stripe.paymentIntents.cancel(done.id).catch((e: unknown) => e);
    expect((err as Stripe.errors.StripeInvalidRequestError).code).toBe('payment_intent_unexpected_state');
    expect((err as Error).message).toContain('status of succeeded');
  });
});

describe('validation, list and search', () => {
  it('rejects amounts below the currency minimum and non-integer amounts', async () => {
    const small = await h.stripe.paymentIntents
      .create({ amount: 20, currency: 'gbp' })
      .catch((e: unknown) => e);
    expect((small as Stripe.errors.StripeInvalidRequestError).code).toBe('amount_too_small');
    expect((await h.stripe.paymentIntents.create({ amount: 30, currency: 'gbp' })).status).toBe(
      'requires_payment_method',
    );
    const fractional = await h.raw('/v1/payment_intents', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'amount=10.5&currency=usd',
    });
    expect(fractional.status).toBe(400);
    expect(fractional.body.error.code).toBe('parameter_invalid_integer');
  });

  it('lists by customer and searches by metadata and status', async () => {
    const customer = await h.stripe.customers.create();
    const a = await h.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      customer: customer.id,
      metadata: { order: 'o-77' },
    });
    const b = await pay('pm_card_visa', { customer: customer.id });
    const listed = await h.stripe.paymentIntents.list({ customer: customer.id });
    expect(listed.data.map((x) => x.id)).toEqual([b.id, a.id]);
    const found = await h.stripe.paymentIntents.search({ query: "metadata['order']:'o-77'" });
    expect(found.data.map((x) => x.id)).toEqual([a.id]);
    const charges = await h.stripe.charges.list({ payment_intent: b.id });
    expect(charges.data).toHaveLength(1);
  });
});

describe('saving cards while paying, updates and retries', () => {
  it('setup_future_usage attaches the card and, once authenticated, 3155 pays off-session', async () => {
    const customer = await h.stripe.customers.create();
    const first = await pay('pm_card_authenticationRequiredOnSetup', {
      customer: customer.id,
      setup_future_usage: 'off_session',
    });
    expect(first.status).toBe('requires_action');
    const done = await h.control(`/_emulator/intents/${first.id}/authenticate`, { outcome: 'complete' });
    expect(done.status).toBe('succeeded');
    const saved = await h.stripe.paymentMethods.retrieve(first.payment_method as string);
    expect(saved.customer).toBe(customer.id);
    const later = await pay(saved.id, { customer: customer.id, off_session: true });
    expect(later.status).toBe('succeeded');
    expect(await eventTypes(first.id, saved.id)).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
      'payment_method.attached',
      'payment_intent.succeeded',
    ]);
  });

  it('creates without confirming, updates the amount, then confirms with a payment method', async () => {
    const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', description: 'draft' });
    expect(pi).toMatchObject({
      status: 'requires_payment_method',
      automatic_payment_methods: { enabled: true },
      payment_method_types: ['card'],
    });
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_`));
    const updated = await h.stripe.paymentIntents.update(pi.id, { amount: 1250, metadata: { step: '2' } });
    expect(updated).toMatchObject({ amount: 1250, metadata: { step: '2' }, description: 'draft' });
    const missing = await h.stripe.paymentIntents.confirm(pi.id).catch((e: unknown) => e);
    expect((missing as Stripe.errors.StripeInvalidRequestError).code).toBe('payment_intent_unexpected_state');
    const confirmed = await h.stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    expect(confirmed).toMatchObject({ status: 'succeeded', amount_received: 1250 });
  });

  it('an idempotent retry of a declined confirmation replays the 402 without charging again', async () => {
    const key = `decline-${Date.now()}`;
    const a = await h.stripe.paymentIntents
      .create(
        { amount: 700, currency: 'usd', payment_method: 'pm_card_visa_chargeDeclined', confirm: true },
        { idempotencyKey: key },
      )
      .catch((e: unknown) => e as Stripe.errors.StripeCardError);
    const b = await h.stripe.paymentIntents
      .create(
        { amount: 700, currency: 'usd', payment_method: 'pm_card_visa_chargeDeclined', confirm: true },
        { idempotencyKey: key },
      )
      .catch((e: unknown) => e as Stripe.errors.StripeCardError);
    expect(a).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(b).toBeInstanceOf(Stripe.errors.StripeCardError);
    const ea = a as Stripe.errors.StripeCardError;
    const eb = b as Stripe.errors.StripeCardError;
    expect(eb.payment_intent?.id).toBe(ea.payment_intent?.id);
    const charges = await h.stripe.charges.list({ payment_intent: ea.payment_intent!.id });
    expect(charges.data).toHaveLength(1);
  });
});

describe('currencies', () => {
  it('refuses a made-up currency code, naming the parameter, as Stripe does', async () => {
    const err = await h.stripe.paymentIntents
      .create({ amount: 2000, currency: 'zzz' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((err as Stripe.errors.StripeInvalidRequestError).param).toBe('currency');
    expect((err as Error).message).toMatch(/Invalid currency: zzz/);
    const ok = await h.stripe.paymentIntents.create({ amount: 2000, currency: 'EUR' });
    expect(ok.currency).toBe('eur');
  });
});
