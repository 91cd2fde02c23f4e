// Payment methods (create, attach, detach, list, update) and setup intents through the official SDK.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emulator.close());

const cardError = (e: unknown) => {
  expect(e).toBeInstanceOf(Stripe.errors.StripeCardError);
  return e as Stripe.errors.StripeCardError;
};

describe('payment methods', () => {
  it('validates expiry and CVC at creation, as card errors naming the field', async () => {
    const base = { number: '4242424242424242', exp_month: 12, exp_year: 2040 };
    const month = await h.stripe.paymentMethods
      .create({ type: 'card', card: { ...base, exp_month: 13 } })
      .catch(cardError);
    expect(month).toMatchObject({ code: 'invalid_expiry_month', param: 'card[exp_month]' });
    const year = await h.stripe.paymentMethods
      .create({ type: 'card', card: { ...base, exp_year: 2001 } })
      .catch(cardError);
    expect(year).toMatchObject({ code: 'invalid_expiry_year' });
    const cvc = await h.stripe.paymentMethods
      .create({ type: 'card', card: { ...base, cvc: '99' } })
      .catch(cardError);
    expect(cvc).toMatchObject({ code: 'invalid_cvc' });
  });

  it('creates from a tok_* token and keeps a stable fingerprint per card number', async () => {
    const a = await h.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_mastercard' } });
    const b = await h.stripe.paymentMethods.create({
      type: 'card',
      card: { number: '5555555555554444', exp_month: 1, exp_year: 2041 },
    });
    expect(a.card).toMatchObject({ brand: 'mastercard', last4: '4444' });
    expect(a.card?.fingerprint).toBe(b.card?.fingerprint);
    const unknown = await h.stripe.paymentMethods
      .create({ type: 'card', card: { token: 'tok_nope' } })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it('attaches, lists by customer on both endpoints, updates and detaches, with events', async () => {
    const customer = await h.stripe.customers.create();
    const pm = await h.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    const attached = await h.stripe.paymentMethods.attach(pm.id, { customer: customer.id });
    expect(attached.customer).toBe(customer.id);
    const other = await h.stripe.customers.create();
    const taken = await h.stripe.paymentMethods
      .attach(pm.id, { customer: other.id })
      .catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);

    expect((await h.stripe.customers.listPaymentMethods(customer.id)).data.map((x) => x.id)).toEqual([pm.id]);
    expect((await h.stripe.paymentMethods.list({ customer: customer.id })).data.map((x) => x.id)).toEqual([
      pm.id,
    ]);
    expect((await h.stripe.customers.retrievePaymentMethod(customer.id, pm.id)).id).toBe(pm.id);

    const updated = await h.stripe.paymentMethods.update(pm.id, {
      billing_details: { name: 'Ada Lovelace' },
      metadata: { label: 'work' },
    });
    expect(updated).toMatchObject({ billing_details: { name: 'Ada Lovelace' }, metadata: { label: 'work' } });

    const detached = await h.stripe.paymentMethods.detach(pm.id);
    expect(detached.customer).toBeNull();
    expect((await h.stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);
    const events = await h.stripe.events.list({ limit: 20 });
    const types = events.data
      .filter((e) => (e.data.object as { id: string }).id === pm.id)
      .map((e) => e.type)
      .reverse();
    expect(types).toEqual(['payment_method.attached', 'payment_method.updated', 'payment_method.detached']);
  });

  it('a card charged without a customer, or detached, may not be used again; an attached one may', async () => {
    const pay = (payment_method: string, customer?: string) =>
      h.stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method,
        confirm: true,
        ...(customer ? { customer } : {}),
      });
    const loose = await h.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    await pay(loose.id);
    const again = await pay(loose.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(again).toMatchObject({ statusCode: 400, message: expect.stringMatching(/may not be used again/) });
    const customer = await h.stripe.customers.create();
    await expect(h.stripe.paymentMethods.attach(loose.id, { customer: customer.id })).rejects.toThrow(
      /previously used without being attached to a Customer/,
    );
    // A declined attempt spends it too.
    const declined = await h.stripe.paymentMethods.create({
      type: 'card',
      card: { token: 'tok_chargeCustomerFail' },
    });
    await expect(pay(declined.id)).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
    await expect(pay(declined.id)).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);

    const kept = await h.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    await h.stripe.paymentMethods.attach(kept.id, { customer: customer.id });
    await pay(kept.id, customer.id);
    await expect(pay(kept.id, customer.id)).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('detaching clears the customer default it was, and the card cannot be attached again', async () => {
    const customer = await h.stripe.customers.create();
    const pm = await h.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    await h.stripe.paymentMethods.attach(pm.id, { customer: customer.id });
    await h.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
    await h.stripe.paymentMethods.detach(pm.id);
    const after = await h.stripe.customers.retrieve(customer.id);
    expect((after as Stripe.Customer).invoice_settings.default_payment_method).toBeNull();
    const updated = (await h.stripe.events.list({ type: 'customer.updated', limit: 1 })).data[0]!;
    expect(updated.data.object).toMatchObject({ id: customer.id });
    expect(updated.data.previous_attributes).toEqual({
      invoice_settings: { default_payment_method: pm.id },
    });
    await expect(h.stripe.paymentMethods.attach(pm.id, { customer: customer.id })).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/detached from a Customer/),
    });
    await expect(h.stripe.paymentMethods.detach(pm.id)).rejects.toMatchObject({
      statusCode: 400,
      code: 'payment_method_unexpected_state',
      message: expect.stringMatching(/not attached to a customer so detachment is impossible/),
    });
  });

  it('payment_method_data creates the card inline on an intent, exclusive with payment_method', async () => {
    const pi = await h.stripe.paymentIntents.create({
      amount: 1200,
      currency: 'usd',
      confirm: true,
      payment_method_data: {
        type: 'card',
        card: { token: 'tok_visa_debit' },
        billing_details: { name: 'Grace' },
      },
    } as Stripe.PaymentIntentCreateParams);
    expect(pi.status).toBe('succeeded');
    const pm = await h.stripe.paymentMethods.retrieve(pi.payment_method as string);
    expect(pm).toMatchObject({
      card: { funding: 'debit', last4: '5556' },
      billing_details: { name: 'Grace' },
    });
    const both = await h.stripe.paymentIntents
      .create({
        amount: 1200,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        payment_method_data: { type: 'card', card: { token: 'tok_visa' } },
      } as Stripe.PaymentIntentCreateParams)
      .catch((e: unknown) => e);
    expect((both as Stripe.errors.StripeInvalidRequestError).code).toBe('parameters_exclusive');
  });

  it('a pm_card_* id used as payment_method creates a fresh payment method each time', async () => {
    const one = await h.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
    });
    const two = await h.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
    });
    expect(one.payment_method).toMatch(/^pm_/);
    expect(one.payment_method).not.toBe('pm_card_visa');
    expect(one.payment_method).not.toBe(two.payment_method);
  });
});

describe('setup intents', () => {
  it('sets up a card: attached to the customer, events in order', async () => {
    const customer = await h.stripe.customers.create();
    const si = await h.stripe.setupIntents.create({
      customer: customer.id,
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { k: 'v' },
    });
    expect(si).toMatchObject({ status: 'succeeded', usage: 'off_session', metadata: { k: 'v' } });
    expect(si.client_secret).toMatch(new RegExp(`^${si.id}_secret_`));
    const pm = await h.stripe.paymentMethods.retrieve(si.payment_method as string);
    expect(pm.customer).toBe(customer.id);
    const events = await h.stripe.events.list({ limit: 10 });
    const types = events.data.map((e) => e.type).reverse();
    expect(types.slice(-3)).toEqual([
      'setup_intent.created',
      'payment_method.attached',
      'setup_intent.succeeded',
    ]);
  });

  it('an issuer-decline card fails set-up with a card error and setup_intent.setup_failed', async () => {
    const customer = await h.stripe.customers.create();
    const err = cardError(
      await h.stripe.setupIntents
        .create({
          customer: customer.id,
          payment_method: 'pm_card_visa_chargeDeclinedLostCard',
          confirm: true,
        })
        .catch((e: unknown) => e),
    );
    expect(err.decline_code).toBe('lost_card');
    expect(err.setup_intent?.status).toBe('requires_payment_method');
    expect(err.setup_intent?.last_setup_error?.decline_code).toBe('lost_card');
  });

  it('3D Secure failure on set-up returns to requires_payment_method', async () => {
    const si = await h.stripe.setupIntents.create({
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
    });
    expect(si.status).toBe('requires_action');
    const failed = await h.control(`/_emulator/intents/${si.id}/authenticate`, { outcome: 'fail' });
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_setup_error.code).toBe('setup_intent_authentication_failure');
  });

  it('each confirmation is a SetupAttempt, named by latest_attempt and listed by setup_intent', async () => {
    const customer = await h.stripe.customers.create();
    // A decline, then a 3D Secure card on the same intent: two attempts.
    const si = await h.stripe.setupIntents.create({ customer: customer.id });
    const declined = cardError(
      await h.stripe.setupIntents
        .confirm(si.id, { payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds' })
        .catch((e: unknown) => e),
    );
    const failedAttempt = declined.setup_intent?.latest_attempt as string;
    expect(failedAttempt).toMatch(/^setatt_/);
    const challenged = await h.stripe.setupIntents.confirm(si.id, {
      payment_method: 'pm_card_authenticationRequired',
    });
    expect(challenged.status).toBe('requires_action');
    const waiting = challenged.latest_attempt as string;
    expect(waiting).not.toBe(failedAttempt);
    const done = await h.control(`/_emulator/intents/${si.id}/authenticate`, { outcome: 'complete' });
    expect(done).toMatchObject({ status: 'succeeded', latest_attempt: waiting });

    const attempts = await h.stripe.setupAttempts.list({ setup_intent: si.id });
    expect(attempts.url).toBe('/v1/setup_attempts');
    expect(attempts.data.map((a) => [a.id, a.status])).toEqual([
      [waiting, 'succeeded'],
      [failedAttempt, 'failed'],
    ]);
    const [won, lost] = attempts.data as [Stripe.SetupAttempt, Stripe.SetupAttempt];
    expect(won).toMatchObject({
      object: 'setup_attempt',
      setup_intent: si.id,
      customer: customer.id,
      usage: 'off_session',
      setup_error: null,
      payment_method_details: { type: 'card', card: { three_d_secure: { result: 'authenticated' } } },
    });
    expect(lost.setup_error).toMatchObject({ code: 'card_declined', decline_code: 'insufficient_funds' });
    expect(lost.payment_method_details.card?.three_d_secure).toBeNull();
    await expect(h.stripe.setupAttempts.list({} as never)).rejects.toMatchObject({
      code: 'parameter_missing',
      param: 'setup_intent',
    });
  });

  it('confirms later, cancels, and lists by customer', async () => {
    const customer = await h.stripe.customers.create();
    const a = await h.stripe.setupIntents.create({ customer: customer.id });
    expect(a.status).toBe('requires_payment_method');
    const b = await h.stripe.setupIntents.create({ customer: customer.id });
    const confirmed = await h.stripe.setupIntents.confirm(b.id, { payment_method: 'pm_card_amex' });
    expect(confirmed.status).toBe('succeeded');
    const canceled = await h.stripe.setupIntents.cancel(a.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    const again = await h.stripe.setupIntents.cancel(b.id).catch((e: unknown) => e);
    expect((again as Stripe.errors.StripeInvalidRequestError).code).toBe('setup_intent_unexpected_state');
    const listed = await h.stripe.setupIntents.list({ customer: customer.id });
    expect(listed.data.map((x) => x.id)).toEqual([b.id, a.id]);
  });
});
