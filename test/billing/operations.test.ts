// Idempotency of mutating calls, against the emulator over HTTP and the store on each engine.
import type Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOperations, type Operations, scopeKey } from '../../src/billing/operations/index.js';
import type { Store } from '../../src/billing/store/index.js';
import { callStripe, createStripeClient } from '../../src/billing/stripe-client.js';
import { ManualClock } from '../../src/shared/clock.js';
import { ConflictError, StripeUpstreamError } from '../../src/shared/errors.js';
import { uniqueUser, useTestEmulator } from '../support/billing-emulator.js';
import { storeTargets } from '../support/store.js';

const emu = useTestEmulator();

/** Customers in the emulator carrying this test's marker. */
const customersTagged = async (tag: string) =>
  (await emu.stripe.customers.search({ query: `metadata['tag']:'${tag}'`, limit: 100 })).data;

const createSpec = (tag: string, stripe: Stripe = emu.stripe) => ({
  kind: 'customer.create',
  scope: scopeKey({ user: tag }),
  userId: tag,
  request: { metadata: { tag } } as Stripe.CustomerCreateParams,
  call: async (params: Stripe.CustomerCreateParams, idempotencyKey: string) => {
    const customer = await callStripe('customers.create', () =>
      stripe.customers.create(params, { idempotencyKey }),
    );
    return { objectId: customer.id, result: { id: customer.id } };
  },
});

describe.each(storeTargets)('operations on $name', (target) => {
  let store: Store;
  let ops: Operations;
  const clock = new ManualClock();
  beforeAll(async () => {
    store = await target.open();
    await store.migrate();
    ops = createOperations(store.db, clock);
  });

  it('a retry after a crash between "attempt recorded" and "Stripe answered" reuses the key and gets the same object', async () => {
    const tag = uniqueUser('crash');
    // The process recorded the attempt and its request reached Stripe, then it died before storing the answer.
    const attempt = await ops.begin(createSpec(tag));
    const lost = await emu.stripe.customers.create(attempt.request, {
      idempotencyKey: attempt.idempotencyKey,
    });

    clock.advance(60_000); // time passing changes nothing: keys are never made from the clock
    const retried = await ops.run(createSpec(tag));
    expect(retried.source).toBe('called');
    expect(retried.result.id).toBe(lost.id);
    expect(retried.attempt?.idempotencyKey).toBe(attempt.idempotencyKey);
    expect(await customersTagged(tag)).toHaveLength(1);

    const stored = await ops.latest('customer.create', scopeKey({ user: tag }));
    expect(stored).toMatchObject({ status: 'succeeded', stripeObjectId: lost.id });
  });

  it('a request that timed out (outcome unknown) stays pending and its retry is answered by replay', async () => {
    const tag = uniqueUser('timeout');
    await emu.control('/_emulator/settings', {
      delays: [{ method: 'POST', path: '/v1/customers', ms: 1500 }],
    });
    const impatient = createStripeClient(
      { stripe: { secretKey: 'sk_test_x', webhookSecrets: [], emulatorUrl: emu.url } },
      { timeoutMs: 300, maxNetworkRetries: 0 },
    );
    try {
      const error = await ops.run(createSpec(tag, impatient)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StripeUpstreamError);
      const pending = await ops.latest('customer.create', scopeKey({ user: tag }));
      expect(pending?.status).toBe('pending');
    } finally {
      await emu.control('/_emulator/settings', { delays: [] });
    }
    // Wait (bounded) until the slow first request finished inside the emulator.
    for (let i = 0; i < 40 && (await customersTagged(tag)).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const retried = await ops.run(createSpec(tag));
    expect((await customersTagged(tag)).map((c) => c.id)).toEqual([retried.result.id]);
  });

  it('an attempt unanswered for more than a day looks for what it made before re-sending', async () => {
    const tag = uniqueUser('stale');
    const attempt = await ops.begin(createSpec(tag));
    const made = await emu.stripe.customers.create(attempt.request, {
      idempotencyKey: attempt.idempotencyKey,
    });
    clock.advance(25 * 60 * 60 * 1000); // past Stripe's 24 h key retention
    const spec = { ...createSpec(tag), beforeNewAttempt: async () => ({ id: made.id }) };
    const outcome = await ops.run(spec);
    expect(outcome).toMatchObject({ source: 'recovered', result: { id: made.id } });
    expect((await ops.latest('customer.create', scopeKey({ user: tag })))?.status).toBe('abandoned');
  });

  it('a deliberate new attempt gets a new key and a new object; a plain repeat reuses the result', async () => {
    const tag = uniqueUser('again');
    const first = await ops.run(createSpec(tag));
    const repeat = await ops.run(createSpec(tag));
    expect(repeat.source).toBe('reused');
    expect(repeat.result.id).toBe(first.result.id);

    const fresh = await ops.run({ ...createSpec(tag), newAttempt: true });
    expect(fresh.source).toBe('called');
    expect(fresh.attempt?.idempotencyKey).not.toBe(first.attempt?.idempotencyKey);
    expect(fresh.result.id).not.toBe(first.result.id);
    expect(await customersTagged(tag)).toHaveLength(2);
  });

  it('the key Stripe saw is the one recorded before the call', async () => {
    const tag = uniqueUser('seen');
    const outcome = await ops.run(createSpec(tag));
    const events = await emu.stripe.events.list({ type: 'customer.created', limit: 100 });
    const event = events.data.find((e) => (e.data.object as Stripe.Customer).id === outcome.result.id);
    expect(event?.request?.idempotency_key).toBe(outcome.attempt?.idempotencyKey);
  });

  it('concurrent runs of one operation create one object', async () => {
    const tag = uniqueUser('race');
    const results = await Promise.all(Array.from({ length: 6 }, () => ops.run(createSpec(tag))));
    expect(new Set(results.map((r) => r.result.id)).size).toBe(1);
    expect(await customersTagged(tag)).toHaveLength(1);
  });

  it('a caller failing late on a shared attempt never turns the winner’s success back into a failure', async () => {
    const tag = uniqueUser('late-failure');
    const spec = createSpec(tag);
    let releaseLoser: () => void = () => undefined;
    const loserMayFail = new Promise<void>((resolve) => {
      releaseLoser = resolve;
    });
    let bothCalling: () => void = () => undefined;
    const bothInCall = new Promise<void>((resolve) => {
      bothCalling = resolve;
    });
    let calls = 0;
    // Two callers share one pending attempt (one key); the second's request is refused after the
    // first one's succeeded, as Stripe does with a 409 or a 400 for a key still in use.
    const racing = {
      ...spec,
      call: async (params: Stripe.CustomerCreateParams, key: string) => {
        if (++calls === 1) {
          await bothInCall; // both callers hold the pending attempt before either finishes
          return spec.call(params, key);
        }
        bothCalling();
        await loserMayFail;
        throw new StripeUpstreamError('customers.create', { statusCode: 400, message: 'refused' });
      },
    };
    await ops.begin(spec);
    const both = [ops.run(racing), ops.run(racing)];
    const winner = await Promise.race(both); // the refused one waits until the success is recorded
    releaseLoser();
    const settled = await Promise.allSettled(both);
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);

    expect((await ops.latest('customer.create', scopeKey({ user: tag })))?.status).toBe('succeeded');
    const repeat = await ops.run(spec);
    expect(repeat).toMatchObject({ source: 'reused', result: { id: winner.result.id } });
    expect(await customersTagged(tag)).toHaveLength(1);
  });

  it('a caller-named operation id is one attempt forever; another id is another operation', async () => {
    const tag = uniqueUser('named');
    const a = await ops.run({ ...createSpec(tag), operationId: 'order-1' });
    const again = await ops.run({ ...createSpec(tag), operationId: 'order-1' });
    const b = await ops.run({ ...createSpec(tag), operationId: 'order-2' });
    expect(again.result.id).toBe(a.result.id);
    expect(b.result.id).not.toBe(a.result.id);
    await expect(ops.run({ ...createSpec(tag), operationId: 'bad id!' })).rejects.toMatchObject({
      field: 'operationId',
    });
  });

  it('a definitive failure is recorded; the next call is a new attempt, a named failed one says so', async () => {
    const tag = uniqueUser('fail');
    const bad = {
      ...createSpec(tag),
      request: { invoice_settings: { default_payment_method: 'pm_card_visa' }, metadata: { tag } },
    };
    await expect(ops.run(bad)).rejects.toBeInstanceOf(StripeUpstreamError);
    const failed = await ops.latest('customer.create', scopeKey({ user: tag }));
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatchObject({ statusCode: 400 });

    const next = await ops.run(createSpec(tag));
    expect(next.source).toBe('called');
    expect(next.attempt?.attemptId).not.toBe(failed?.attemptId);

    await expect(ops.run({ ...bad, operationId: 'bad-1' })).rejects.toBeInstanceOf(StripeUpstreamError);
    await expect(ops.run({ ...bad, operationId: 'bad-1' })).rejects.toBeInstanceOf(ConflictError);
  });
});
