// Payment intents, customer-facing messages and refunds, against the emulator through the SDK.
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  describePayment,
  paymentErrorMessage,
  toCofferError,
  ValidationError,
} from '../../src/billing/index.js';
import { createOperations, scopeKey } from '../../src/billing/operations/index.js';
import { validateCurrency } from '../../src/billing/payments/amount.js';
import { validateChargeAmount } from '../../src/billing/payments/index.js';
import { StripeUpstreamError } from '../../src/shared/errors.js';
import { eventually, useBillingApp } from '../support/billing-app.js';
import { uniqueUser, useTestEmulator } from '../support/billing-emulator.js';
import { storeTargets } from '../support/store.js';

const emu = useTestEmulator();

/** What the browser does with the client secret (Stripe.js), done here with the SDK. */
const confirm = (id: string, paymentMethod: string) =>
  emu.stripe.paymentIntents.confirm(id, {
    payment_method: paymentMethod,
    return_url: 'https://shop.example/back',
  });

const fieldOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.field;
    throw error;
  }
  return undefined;
};

describe('amount validation', () => {
  it('names the field and explains zero-decimal, three-decimal, minimum and non-integer amounts', () => {
    expect(validateChargeAmount(500, 'jpy')).toBe(500);
    expect(validateChargeAmount(1230, 'kwd')).toBe(1230);
    expect(() => validateChargeAmount(500.5, 'jpy')).toThrow(/JPY has no decimals/);
    expect(() => validateChargeAmount(19.99, 'usd')).toThrow(/would be 1999/);
    expect(() => validateChargeAmount(1235, 'kwd')).toThrow(/must end in 0/);
    expect(() => validateChargeAmount(49, 'jpy')).toThrow(/minimum charge of 50 JPY/);
    expect(() => validateChargeAmount(49, 'usd')).toThrow(/minimum charge of 0.50 USD/);
    expect(() => validateChargeAmount(29, 'gbp')).toThrow(/0.30 GBP/);
    expect(() => validateChargeAmount(100_000_000, 'usd')).toThrow(/at most 99999999/);
    expect(fieldOf(() => validateChargeAmount(0, 'usd'))).toBe('amount');
    expect(fieldOf(() => validateChargeAmount(-5, 'usd'))).toBe('amount');
    expect(fieldOf(() => validateChargeAmount('100', 'usd'))).toBe('amount');
    expect(fieldOf(() => validateChargeAmount(Number.NaN, 'usd'))).toBe('amount');
  });

  it('takes ISO 4217 currencies in any case and refuses made-up ones, naming currency', () => {
    expect(validateCurrency('EUR')).toBe('eur');
    expect(validateCurrency('xof')).toBe('xof');
    expect(() => validateCurrency('zzz')).toThrow(/"zzz" is not an ISO 4217 currency code/);
    expect(fieldOf(() => validateCurrency('zzz'))).toBe('currency');
    expect(fieldOf(() => validateCurrency('us'))).toBe('currency');
  });
});

describe('messages', () => {
  it('turns declines into plain words and hides fraud-related reasons', () => {
    const failed = (decline_code: string) =>
      describePayment({
        status: 'requires_payment_method',
        last_payment_error: { code: 'card_declined', decline_code },
      });
    expect(failed('insufficient_funds').message).toMatch(/insufficient funds/);
    expect(failed('stolen_card').message).toBe(
      'Your card was declined. Try another card or contact your bank.',
    );
    expect(failed('fraudulent').message).not.toMatch(/fraud/i);
    expect(
      describePayment({ status: 'requires_action', next_action: { type: 'redirect_to_url' } }),
    ).toMatchObject({
      status: 'requires_action',
      canRetry: true,
      nextAction: 'redirect_to_url',
    });
  });
});

describe.each(storeTargets)('payments on $name', (target) => {
  const billing = useBillingApp(emu, target);

  it('creates an intent for the user’s customer with automatic payment methods and the client secret', async () => {
    const userId = uniqueUser('pay');
    const intent = await billing.payments.createIntent({
      userId,
      amount: 500,
      currency: 'JPY',
      metadata: { cart: 'c1' },
    });
    expect(intent).toMatchObject({ amount: 500, currency: 'jpy', status: 'requires_payment_method' });
    expect(intent.clientSecret).toMatch(/^pi_.+_secret_/);
    const stored = await emu.stripe.paymentIntents.retrieve(intent.id);
    expect(stored).toMatchObject({
      customer: (await billing.customers.get(userId))?.customerId,
      automatic_payment_methods: { enabled: true },
      metadata: { cart: 'c1', user_id: userId },
    });
  });

  it('a repeat while unpaid returns the same intent; once paid, the same purchase gets a new one', async () => {
    const userId = uniqueUser('repeat');
    const input = { userId, amount: 2500, currency: 'usd' };
    const first = await billing.payments.createIntent(input);
    const repeat = await billing.payments.createIntent(input);
    expect(repeat.id).toBe(first.id);
    expect(repeat.clientSecret).toBe(first.clientSecret);
    await confirm(first.id, 'pm_card_visa');
    const next = await billing.payments.createIntent(input);
    expect(next.id).not.toBe(first.id);
    const named = await billing.payments.createIntent({ ...input, operationId: 'order-77' });
    expect(named.id).not.toBe(next.id);
  });

  it('rejects invalid amounts before calling Stripe, naming the field', async () => {
    const userId = uniqueUser('invalid');
    const refused = [
      { amount: 12.5, currency: 'jpy', field: 'amount' },
      { amount: 1005, currency: 'kwd', field: 'amount' },
      { amount: 10, currency: 'usd', field: 'amount' },
      { amount: 1000, currency: 'dollars', field: 'currency' },
      { amount: 1000, currency: 'zzz', field: 'currency' },
    ];
    for (const { field, ...money } of refused) {
      await expect(billing.payments.createIntent({ userId, ...money })).rejects.toMatchObject({ field });
    }
    // Nothing reached Stripe: the user got no customer either.
    expect(await billing.customers.get(userId)).toBeUndefined();
  });

  it('a declined card gives the customer a plain message, from the error and from the mirror', async () => {
    const userId = uniqueUser('declined');
    const intent = await billing.payments.createIntent({ userId, amount: 1999, currency: 'usd' });
    const error = await confirm(intent.id, 'pm_card_visa_chargeDeclinedInsufficientFunds').catch(
      (e: unknown) => e,
    );
    expect(paymentErrorMessage(toCofferError('confirm', error))).toBe(
      'Your card has insufficient funds. Try another card.',
    );
    const status = await eventually(async () => {
      const s = await billing.payments.status(intent.id);
      return s.status === 'requires_payment_method' && 'declineCode' in s ? s : undefined;
    }, 'the failed payment in the mirror');
    expect(status).toMatchObject({
      message: 'Your card has insufficient funds. Try another card.',
      canRetry: true,
      declineCode: 'insufficient_funds',
      amount: 1999,
    });
    expect(JSON.stringify(status)).not.toMatch(/ch_|req_|sk_/);
  });

  it('a card needing authentication reads as requires_action', async () => {
    const userId = uniqueUser('3ds');
    const intent = await billing.payments.createIntent({ userId, amount: 1500, currency: 'eur' });
    const confirmed = await confirm(intent.id, 'pm_card_authenticationRequired');
    expect(describePayment(confirmed)).toMatchObject({
      status: 'requires_action',
      message: 'Your bank needs you to confirm this payment.',
    });
  });

  it('refunds partially then fully, idempotent per operation, never beyond what is left', async () => {
    const userId = uniqueUser('refund');
    const intent = await billing.payments.createIntent({ userId, amount: 2000, currency: 'usd' });
    await confirm(intent.id, 'pm_card_visa');

    const partial = await billing.payments.refund(intent.id, {
      amount: 500,
      reason: 'requested_by_customer',
    });
    expect(partial).toMatchObject({ amount: 500, currency: 'usd', paymentIntentId: intent.id });
    const again = await billing.payments.refund(intent.id, { amount: 500, reason: 'requested_by_customer' });
    expect(again.id).toBe(partial.id);

    await expect(billing.payments.refund(intent.id, { amount: 1600 })).rejects.toMatchObject({
      field: 'amount',
    });
    const rest = await billing.payments.refund(intent.id);
    expect(rest.amount).toBe(1500);
    await expect(billing.payments.refund(intent.id, { newAttempt: true })).rejects.toMatchObject({
      field: 'paymentIntentId',
    });
    const refunds = await emu.stripe.refunds.list({ payment_intent: intent.id });
    expect(refunds.data.map((r: Stripe.Refund) => r.amount).sort()).toEqual([1500, 500]);

    await expect(billing.payments.refund(intent.id, { reason: 'oops' as never })).rejects.toMatchObject({
      field: 'reason',
    });
    await expect(billing.payments.refund('ch_123')).rejects.toMatchObject({ field: 'paymentIntentId' });
  });

  it('a refund named by the caller’s operationId is checked against what is left like any other', async () => {
    const userId = uniqueUser('named-refund');
    const intent = await billing.payments.createIntent({ userId, amount: 1000, currency: 'usd' });
    await confirm(intent.id, 'pm_card_visa');

    const first = await billing.payments.refund(intent.id, { amount: 600, operationId: 'return-1' });
    expect(first.amount).toBe(600);
    // The same return again is the same refund, even though less is left now.
    expect((await billing.payments.refund(intent.id, { amount: 600, operationId: 'return-1' })).id).toBe(
      first.id,
    );
    // A second return for more than is left is refused before Stripe, naming the field.
    await expect(
      billing.payments.refund(intent.id, { amount: 600, operationId: 'return-2' }),
    ).rejects.toMatchObject({ field: 'amount' });
    const refunds = await emu.stripe.refunds.list({ payment_intent: intent.id });
    expect(refunds.data.map((r: Stripe.Refund) => r.amount)).toEqual([600]);
  });

  it('the same operationId with other parameters is refused, never a second payment or refund', async () => {
    const userId = uniqueUser('op-params');
    const first = await billing.payments.createIntent({
      userId,
      amount: 1000,
      currency: 'usd',
      operationId: 'order-9',
    });
    await expect(
      billing.payments.createIntent({ userId, amount: 1500, currency: 'usd', operationId: 'order-9' }),
    ).rejects.toMatchObject({ field: 'operationId', message: expect.stringMatching(/other parameters/) });
    // The same request under the same id is still the same intent.
    expect(
      (await billing.payments.createIntent({ userId, amount: 1000, currency: 'usd', operationId: 'order-9' }))
        .id,
    ).toBe(first.id);
    const customer = (await billing.customers.get(userId))?.customerId;
    const intents = await emu.stripe.paymentIntents.list({ customer });
    expect(intents.data.map((i: Stripe.PaymentIntent) => i.id)).toEqual([first.id]);

    const paid = await billing.payments.createIntent({ userId, amount: 2000, currency: 'usd' });
    await confirm(paid.id, 'pm_card_visa');
    await billing.payments.refund(paid.id, { amount: 600, operationId: 'return-1' });
    await expect(billing.payments.refund(paid.id, { operationId: 'return-1' })).rejects.toMatchObject({
      field: 'operationId',
    });
    const refunds = await emu.stripe.refunds.list({ payment_intent: paid.id });
    expect(refunds.data.map((r: Stripe.Refund) => r.amount)).toEqual([600]);
  });

  it('two refunds of the same amount for different returns (metadata) are two refunds; a retry is one', async () => {
    const userId = uniqueUser('two-returns');
    const intent = await billing.payments.createIntent({ userId, amount: 2000, currency: 'usd' });
    await confirm(intent.id, 'pm_card_visa');
    const r1 = await billing.payments.refund(intent.id, { amount: 500, metadata: { return_id: 'r1' } });
    const retry = await billing.payments.refund(intent.id, { amount: 500, metadata: { return_id: 'r1' } });
    const r2 = await billing.payments.refund(intent.id, { amount: 500, metadata: { return_id: 'r2' } });
    expect(retry.id).toBe(r1.id);
    expect(r2.id).not.toBe(r1.id);
    const refunds = await emu.stripe.refunds.list({ payment_intent: intent.id });
    expect(refunds.data.map((r: Stripe.Refund) => r.amount).sort()).toEqual([500, 500]);
  });

  it('a refund answered 500 after Stripe made it is found by its key, never made twice', async () => {
    const userId = uniqueUser('refund-500');
    const intent = await billing.payments.createIntent({ userId, amount: 2000, currency: 'usd' });
    await confirm(intent.id, 'pm_card_visa');
    const operations = createOperations(billing.store.db, billing.clock);
    const request = { payment_intent: intent.id, amount: 500, metadata: { user_id: userId } };
    // Stripe refunded, then answered 500 (and replays that 500 for the key).
    await expect(
      operations.run({
        kind: 'refund.create',
        scope: scopeKey({ pi: intent.id, amount: 500 }),
        userId,
        request,
        call: async (params, idempotencyKey) => {
          await emu.stripe.refunds.create(params, { idempotencyKey });
          throw new StripeUpstreamError('refunds.create', { statusCode: 500, message: 'api_error' });
        },
      }),
    ).rejects.toBeInstanceOf(StripeUpstreamError);

    const again = await billing.payments.refund(intent.id, { amount: 500 });
    const refunds = await emu.stripe.refunds.list({ payment_intent: intent.id });
    expect(refunds.data.map((r: Stripe.Refund) => r.id)).toEqual([again.id]);
  });

  it('refuses to refund a payment that has not succeeded', async () => {
    const intent = await billing.payments.createIntent({
      userId: uniqueUser('unpaid'),
      amount: 900,
      currency: 'usd',
    });
    await expect(billing.payments.refund(intent.id)).rejects.toMatchObject({ field: 'paymentIntentId' });
  });
});
