// Idempotency-Key semantics (stripe-api.md §1.7) through the SDK and raw HTTP.
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { form, type Harness, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
beforeEach(() => h.control('/_emulator/reset', {}));
afterAll(() => h.emulator.close());

const keyed = (key: string, body: string, path = '/v1/customers') =>
  h.raw(path, {
    ...form(body),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': key },
  });

describe('idempotency', () => {
  it('replays the first response with Idempotent-Replayed and creates nothing new', async () => {
    const first = await h.stripe.customers.create(
      { email: 'once@example.com' },
      { idempotencyKey: 'signup-42' },
    );
    const again = await h.stripe.customers.create(
      { email: 'once@example.com' },
      { idempotencyKey: 'signup-42' },
    );
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(again.lastResponse.idempotencyKey).toBe('signup-42');
    const all = await h.stripe.customers.list({ email: 'once@example.com' });
    expect(all.data).toHaveLength(1);
    const events = await h.stripe.events.list({ type: 'customer.created' });
    expect(events.data).toHaveLength(1);
    expect(events.data[0]!.request).toMatchObject({
      id: first.lastResponse.requestId,
      idempotency_key: 'signup-42',
    });
  });

  it('the same key with other parameters is a 400 idempotency_error', async () => {
    await h.stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'k-params' });
    const err = await h.stripe.customers
      .create({ email: 'b@example.com' }, { idempotencyKey: 'k-params' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
    expect((err as Error).message).toMatch(/same parameters/);
  });

  it('the same key on another endpoint is a 400 idempotency_error naming both', async () => {
    await h.stripe.customers.create({}, { idempotencyKey: 'k-endpoint' });
    const err = await h.stripe.products
      .create({ name: 'P' }, { idempotencyKey: 'k-endpoint' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((err as Error).message).toContain("('POST /v1/customers' vs 'POST /v1/products')");
  });

  it('is scoped per account', async () => {
    const platform = await h.stripe.customers.create({}, { idempotencyKey: 'shared-key' });
    const connected = await h.stripe.customers.create(
      {},
      { idempotencyKey: 'shared-key', stripeAccount: 'acct_other1' },
    );
    expect(connected.id).not.toBe(platform.id);
  });

  it('a request still in flight makes a second one with its key a 409', async () => {
    await h.control('/_emulator/settings', { delays: [{ method: 'POST', path: '/v1/customers', ms: 400 }] });
    try {
      const slow = keyed('in-flight-1', 'email=slow%40example.com');
      await new Promise((r) => setTimeout(r, 100));
      const conflict = await keyed('in-flight-1', 'email=slow%40example.com');
      expect(conflict.status).toBe(409);
      expect(conflict.body.error).toMatchObject({
        type: 'idempotency_error',
        code: 'idempotency_key_in_use',
      });
      // Through the SDK without retries, the 409 surfaces as StripeAPIError (it maps by status).
      const sdkConflict = await h.stripe.customers
        .create({ email: 'slow@example.com' }, { idempotencyKey: 'in-flight-1' })
        .catch((e: unknown) => e);
      expect(sdkConflict).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(sdkConflict).toMatchObject({ statusCode: 409, code: 'idempotency_key_in_use' });
      const done = await slow;
      expect(done.status).toBe(200);
      // Once the first finished, the key replays it.
      const replay = await keyed('in-flight-1', 'email=slow%40example.com');
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.id).toBe(done.body.id);
    } finally {
      await h.control('/_emulator/settings', { delays: null });
    }
  });

  it('the SDK retries a 409 and then receives the replay', async () => {
    await h.control('/_emulator/settings', { delays: [{ method: 'POST', path: '/v1/products', ms: 300 }] });
    try {
      const retrying = new Stripe('sk_test_retry', {
        host: '127.0.0.1',
        port: h.emulator.port,
        protocol: 'http',
        maxNetworkRetries: 3,
      });
      const first = keyed('retry-409', 'name=Widget', '/v1/products');
      await new Promise((r) => setTimeout(r, 50));
      const second = await retrying.products.create({ name: 'Widget' }, { idempotencyKey: 'retry-409' });
      expect(second.id).toBe((await first).body.id);
      expect((await h.stripe.products.list()).data).toHaveLength(1);
    } finally {
      await h.control('/_emulator/settings', { delays: null });
    }
  });

  it('does not store validation failures, but does store other errors', async () => {
    const invalid = await keyed('fix-me', 'balance=oops');
    expect(invalid.status).toBe(400);
    const fixed = await keyed('fix-me', 'balance=5');
    expect(fixed.status).toBe(200);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();

    const missing = await keyed('missing-1', 'name=x', '/v1/customers/cus_absent');
    expect(missing.status).toBe(404);
    const replayed = await keyed('missing-1', 'name=x', '/v1/customers/cus_absent');
    expect(replayed.status).toBe(404);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body).toEqual(missing.body);

    // A state error means the request ran: it is replayed, not run again.
    const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const refused = await keyed('capture-1', '', `/v1/payment_intents/${pi.id}/capture`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('payment_intent_unexpected_state');
    const refusedAgain = await keyed('capture-1', '', `/v1/payment_intents/${pi.id}/capture`);
    expect(refusedAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(refusedAgain.body).toEqual(refused.body);
  });

  it('keeps a key for 24 hours on the emulator clock, then forgets it', async () => {
    const first = await keyed('day-key', 'email=day%40example.com');
    try {
      await h.control('/_emulator/settings', { clock: { offset_seconds: 23 * 3600 } });
      const within = await keyed('day-key', 'email=day%40example.com');
      expect(within.headers.get('idempotent-replayed')).toBe('true');
      expect(within.body.id).toBe(first.body.id);
      await h.control('/_emulator/settings', { clock: { offset_seconds: 24 * 3600 + 60 } });
      // Past retention the key is free again: other parameters are a new request, not a mismatch.
      const after = await keyed('day-key', 'email=other%40example.com');
      expect(after.status).toBe(200);
      expect(after.headers.get('idempotent-replayed')).toBeNull();
      expect(after.body.id).not.toBe(first.body.id);
    } finally {
      await h.control('/_emulator/settings', { clock: null });
    }
  });

  it('refuses keys longer than 255 characters', async () => {
    const res = await keyed('k'.repeat(256), 'email=x%40example.com');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/at most 255 characters/);
    const ok = await keyed('k'.repeat(255), 'email=x%40example.com');
    expect(ok.status).toBe(200);
  });
});
