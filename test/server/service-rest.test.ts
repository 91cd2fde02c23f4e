// The REST API over real billing and the emulator, on each store: bearer auth (and closed when no key
// is configured), each endpoint's happy path, validation errors naming the field, and the error table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../src/server/index.js';
import { responseSchemas } from '../../src/server/openapi-responses.js';
import { closeStores, storeTargets } from '../support/store.js';
import { API_KEY, eventually, type ServiceHarness, startHarness } from './support/service.js';

afterAll(closeStores);

const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; field?: string } }).error;

/** Reads a JSON body and checks it has every field the OpenAPI document calls required. */
async function documented<T>(response: Response, schema: keyof typeof responseSchemas): Promise<T> {
  const body = (await response.json()) as Record<string, unknown>;
  for (const field of responseSchemas[schema].required)
    expect(body, `${schema}.${field}`).toHaveProperty(field);
  return body as T;
}

describe.each(storeTargets)('REST API on $name', (target) => {
  let h: ServiceHarness;
  const urls = { successUrl: 'https://app.example/ok', cancelUrl: 'https://app.example/cancel' };
  beforeAll(async () => {
    h = await startHarness(target);
    const product = await h.stripe.products.create({ name: 'REST test plan' });
    await h.stripe.prices.create({
      product: product.id,
      unit_amount: 2_500,
      currency: 'usd',
      lookup_key: 'rest_test_plan',
    });
  });
  afterAll(() => h?.close());

  describe('routes of the program embedding the service', () => {
    it('are served beside the API, and cannot replace its JSON 404 or take its paths', async () => {
      const app = createService({
        billing: h.billing,
        apiKey: API_KEY,
        routes: (extra) => {
          extra.get('/hello', (c) => c.text('hello'));
          extra.notFound((c) => c.text('not json', 404));
        },
      });
      expect(await (await app.request('/hello')).text()).toBe('hello');
      const missing = await app.request('/nowhere');
      expect(missing.status).toBe(404);
      expect(await errorOf(missing)).toMatchObject({ code: 'not_found' });
      expect((await app.request('/v1/customers/u_1')).status).toBe(401);
      for (const path of ['/v1/mine', '/webhooks/other'])
        expect(() =>
          createService({ billing: h.billing, routes: (extra) => extra.get(path, (c) => c.text('x')) }),
        ).toThrow(new RegExp(`${path} is under`));
    });
  });

  describe('authentication', () => {
    it('answers 401 without a key and with a wrong one', async () => {
      const missing = await fetch(`${h.service.url}/v1/customers/u_auth`);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await errorOf(missing)).toMatchObject({ code: 'unauthorized' });
      const wrong = await h.api('/v1/customers/u_auth', { headers: { authorization: `Bearer ${API_KEY}x` } });
      expect(wrong.status).toBe(401);
    });

    it('will not start with a guessable key shorter than 16 characters, and never echoes it', () => {
      expect(() => createService({ billing: h.billing, apiKey: 'hunter2' })).toThrow(
        /COFFER_API_KEY\) must be at least 16 characters/,
      );
      expect(() => createService({ billing: h.billing, apiKey: 'hunter2' })).not.toThrow(/hunter2/);
    });

    it('refuses every request with 503 naming COFFER_API_KEY when no key is configured', async () => {
      const app = createService({ billing: h.billing });
      for (const [method, path] of [
        ['GET', '/v1/customers/u_1'],
        ['POST', '/v1/payments/intents'],
      ] as const) {
        const response = await app.request(path, {
          method,
          headers: { authorization: 'Bearer anything-at-all-here' },
        });
        expect(response.status).toBe(503);
        expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
          'COFFER_API_KEY',
        );
      }
    });
  });

  describe('customers', () => {
    it('ensures one customer per user and reads the mapping back', async () => {
      const first = await h.api('/v1/customers/ensure', {
        body: { userId: 'u_rest_1', email: 'one@example.com' },
      });
      expect(first.status).toBe(200);
      const created = await documented<{ customerId: string; created: boolean }>(first, 'EnsuredCustomer');
      expect(created).toMatchObject({ customerId: expect.stringMatching(/^cus_/), created: true });
      const again = (await (
        await h.api('/v1/customers/ensure', { body: { userId: 'u_rest_1' } })
      ).json()) as typeof created;
      expect(again).toMatchObject({ customerId: created.customerId, created: false });
      const read = await h.api('/v1/customers/u_rest_1');
      expect(read.status).toBe(200);
      expect(await documented(read, 'Customer')).toMatchObject({
        userId: 'u_rest_1',
        customerId: created.customerId,
      });
    });

    it('answers 404 for a user without a customer', async () => {
      const response = await h.api('/v1/customers/u_never_seen');
      expect(response.status).toBe(404);
      expect(await errorOf(response)).toMatchObject({ code: 'not_found' });
    });

    it('names the field of a validation error', async () => {
      expect(
        await errorOf(await h.api('/v1/customers/ensure', { body: { email: 'x@example.com' } })),
      ).toMatchObject({
        code: 'validation_error',
        field: 'userId',
      });
      const badEmail = await h.api('/v1/customers/ensure', {
        body: { userId: 'u_2', email: 'not-an-email' },
      });
      expect(badEmail.status).toBe(400);
      expect(await errorOf(badEmail)).toMatchObject({ field: 'email' });
      expect(
        await errorOf(await h.api('/v1/customers/ensure', { body: { userId: 'u_2', plan: 'x' } })),
      ).toMatchObject({
        field: 'plan',
      });
      expect(await errorOf(await h.api('/v1/customers/ensure', { body: '{not json' }))).toMatchObject({
        code: 'validation_error',
        field: 'body',
      });
      const array = await h.api('/v1/customers/ensure', { body: [] });
      expect(array.status).toBe(400);
      expect(await errorOf(array)).toMatchObject({ field: 'body' });
    });
  });

  describe('checkout', () => {
    it('creates a session by lookup key and reports its status from the mirror', async () => {
      const response = await h.api('/v1/checkout/sessions', {
        body: { userId: 'u_rest_checkout', lookupKey: 'rest_test_plan', ...urls },
      });
      expect(response.status).toBe(201);
      const session = await documented<{ id: string; url: string }>(response, 'CheckoutSession');
      expect(session.id).toMatch(/^cs_test_/);
      expect(session.url).toMatch(/^http/);
      const status = await h.api(`/v1/checkout/sessions/${session.id}/status`);
      expect(status.status).toBe(200);
      const body = await documented<{ status: string; sessionId: string }>(status, 'CheckoutStatus');
      expect(body.sessionId).toBe(session.id);
      expect(body.status).not.toBe('paid');
    });

    it('answers paid only from the mirror, and unknown to another user given ?userId', async () => {
      const created = await h.api('/v1/checkout/sessions', {
        body: { userId: 'u_rest_owner', lookupKey: 'rest_test_plan', ...urls },
      });
      const { id } = (await created.json()) as { id: string };
      const statusFor = async (query: string) =>
        (await (await h.api(`/v1/checkout/sessions/${id}/status${query}`)).json()) as { status: string };
      await fetch(`${h.emulator.url}/_emulator/checkout/sessions/${id}/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payment_method: 'pm_card_visa' }),
      });
      await eventually(async () => (await statusFor('?userId=u_rest_owner')).status === 'paid' || undefined);
      expect(await statusFor('?userId=u_rest_intruder')).toEqual({ status: 'unknown', sessionId: id });
      const empty = await h.api(`/v1/checkout/sessions/${id}/status?userId=`);
      expect(empty.status).toBe(400);
      expect(await errorOf(empty)).toMatchObject({ field: 'userId' });
      // A misspelt owner parameter is refused, not ignored (ignoring it would skip the ownership check).
      const misspelt = await h.api(`/v1/checkout/sessions/${id}/status?user_id=u_rest_intruder`);
      expect(misspelt.status).toBe(400);
      expect(await errorOf(misspelt)).toMatchObject({ field: 'user_id' });
    });

    it('names the field of a validation error', async () => {
      const badUrl = await h.api('/v1/checkout/sessions', {
        body: {
          userId: 'u_c',
          lookupKey: 'rest_test_plan',
          successUrl: 'not a url',
          cancelUrl: urls.cancelUrl,
        },
      });
      expect(badUrl.status).toBe(400);
      expect(await errorOf(badUrl)).toMatchObject({ field: 'successUrl' });
      expect(
        await errorOf(await h.api('/v1/checkout/sessions', { body: { userId: 'u_c', ...urls } })),
      ).toMatchObject({
        field: 'price',
      });
    });
  });

  describe('payments', () => {
    it('creates an intent, reports its outcome, and refunds it once paid', async () => {
      const response = await h.api('/v1/payments/intents', {
        body: { userId: 'u_rest_pay', amount: 2_000, currency: 'usd' },
      });
      expect(response.status).toBe(201);
      const intent = await documented<{ id: string; clientSecret: string; amount: number }>(
        response,
        'PaymentIntent',
      );
      expect(intent).toMatchObject({
        id: expect.stringMatching(/^pi_/),
        amount: 2_000,
        clientSecret: expect.any(String),
      });
      await h.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
      // The outcome is read from the mirror, so it turns succeeded once the webhook was processed.
      const outcome = await eventually(async () => {
        const response = await h.api(`/v1/payments/intents/${intent.id}`);
        expect(response.status).toBe(200);
        const body = await documented<{ status: string }>(response, 'PaymentStatus');
        return body.status === 'succeeded' ? body : undefined;
      });
      expect(outcome).toMatchObject({ paymentIntentId: intent.id, message: expect.any(String) });
      const readAs = async (userId: string) =>
        (await (await h.api(`/v1/payments/intents/${intent.id}?userId=${userId}`)).json()) as {
          status: string;
        };
      expect((await readAs('u_rest_pay')).status).toBe('succeeded');
      expect((await readAs('u_rest_someone_else')).status).toBe('unknown');

      const refund = await h.api(`/v1/payments/intents/${intent.id}/refunds`, {
        body: { amount: 500, reason: 'requested_by_customer' },
      });
      expect(refund.status).toBe(201);
      expect(await documented(refund, 'Refund')).toMatchObject({
        id: expect.stringMatching(/^re_/),
        amount: 500,
        paymentIntentId: intent.id,
      });
    });

    it('tells a retried refund from a second one by operationId, and refuses a bad one naming it', async () => {
      const created = await h.api('/v1/payments/intents', {
        body: { userId: 'u_rest_returns', amount: 3_000, currency: 'usd', operationId: 'order-77' },
      });
      const intent = (await created.json()) as { id: string };
      const again = await h.api('/v1/payments/intents', {
        body: { userId: 'u_rest_returns', amount: 3_000, currency: 'usd', operationId: 'order-77' },
      });
      expect(((await again.json()) as { id: string }).id).toBe(intent.id);
      await h.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });

      const refund = (operationId: string) =>
        h.api(`/v1/payments/intents/${intent.id}/refunds`, { body: { amount: 1_000, operationId } });
      const first = (await (await refund('return-1')).json()) as { id: string };
      const retried = (await (await refund('return-1')).json()) as { id: string };
      const second = (await (await refund('return-2')).json()) as { id: string };
      expect(retried.id).toBe(first.id);
      expect(second.id).not.toBe(first.id);
      const refunds = await h.stripe.refunds.list({ payment_intent: intent.id });
      expect(refunds.data).toHaveLength(2);

      const bad = await refund('no spaces allowed');
      expect(bad.status).toBe(400);
      expect(await errorOf(bad)).toMatchObject({ field: 'operationId' });
    });

    it('names the field of a validation error, from the request shape and from the library', async () => {
      const fraction = await h.api('/v1/payments/intents', {
        body: { userId: 'u_p', amount: 12.5, currency: 'usd' },
      });
      expect(fraction.status).toBe(400);
      expect(await errorOf(fraction)).toMatchObject({ field: 'amount' });
      expect(
        await errorOf(
          await h.api('/v1/payments/intents', { body: { userId: 'u_p', amount: 100, currency: 'dollars' } }),
        ),
      ).toMatchObject({
        field: 'currency',
      });
      const madeUp = await h.api('/v1/payments/intents', {
        body: { userId: 'u_p', amount: 100, currency: 'zzz' },
      });
      expect(madeUp.status).toBe(400);
      expect(await errorOf(madeUp)).toMatchObject({ field: 'currency' });
      // Below Stripe's minimum charge: the library's rule, surfaced the same way.
      const tooSmall = await h.api('/v1/payments/intents', {
        body: { userId: 'u_p', amount: 10, currency: 'usd' },
      });
      expect(tooSmall.status).toBe(400);
      expect(await errorOf(tooSmall)).toMatchObject({ code: 'validation_error', field: 'amount' });
      expect(
        await errorOf(await h.api('/v1/payments/intents/pi_x/refunds', { body: { reason: 'because' } })),
      ).toMatchObject({
        field: 'reason',
      });
    });

    it('answers 404 naming paymentIntentId when refunding a payment Stripe does not know', async () => {
      const response = await h.api('/v1/payments/intents/pi_doesnotexist/refunds', { body: {} });
      expect(response.status).toBe(404);
      const error = await errorOf(response);
      expect(error).toMatchObject({ code: 'not_found' });
      expect((error as { message?: string }).message).toContain('paymentIntentId pi_doesnotexist');
    });

    it('answers 400 naming price when Stripe does not know the price id', async () => {
      const response = await h.api('/v1/checkout/sessions', {
        body: { userId: 'u_rest_no_price', price: 'price_doesnotexist', ...urls },
      });
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: 'validation_error', field: 'price' });
    });

    it('answers 502 when Stripe itself fails, and tells the caller nothing internal', async () => {
      const settings = (failures: unknown) =>
        fetch(`${h.emulator.url}/_emulator/settings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ failures }),
        });
      await settings([{ method: 'POST', path: '/v1/customers', status: 500, count: 3 }]);
      try {
        const response = await h.api('/v1/customers/ensure', { body: { userId: 'u_rest_outage' } });
        expect(response.status).toBe(502);
        const error = await errorOf(response);
        expect(error).toMatchObject({ code: 'stripe_error' });
        expect(JSON.stringify(error)).not.toMatch(/sk_test|at .*\.ts:\d+/);
      } finally {
        await settings(null);
      }
    });
  });
});
