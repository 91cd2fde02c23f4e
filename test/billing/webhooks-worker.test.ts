// The worker: retries with backoff, dead letters with an alert, replay, lease takeover, lag alerts,
// on PGlite and PostgreSQL.
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/billing/store/index.js';
import { backoffDelay } from '../../src/billing/webhooks/index.js';
import { NotFoundError } from '../../src/shared/errors.js';
import { closeStores, storeTargets } from '../support/store.js';
import { delivery, makeEvent } from '../support/webhook-events.js';
import { openPipeline } from '../support/webhook-pipeline.js';

afterAll(closeStores);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fast = { backoff: { baseMs: 10, maxMs: 40 }, maxAttempts: 3, pollMs: 20 };

async function statusOf(store: Store, id: string) {
  const [row] = await store.withSession((s) =>
    s.query<{ status: string; attempts: number; last_error: string | null; locked_by: string | null }>(
      'select status, attempts, last_error, locked_by from webhook_events where id = $1',
      [id],
    ),
  );
  return row;
}

/** Runs worker passes until `done()` or the bound is reached (retries become available after backoff). */
async function drainUntil(pass: () => Promise<unknown>, done: () => Promise<boolean>, rounds = 100) {
  for (let i = 0; i < rounds && !(await done()); i++) {
    await pass();
    await sleep(15);
  }
}

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap, with jitter between half and all of it', () => {
    const b = { baseMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, b, () => 1))).toEqual([100, 200, 400, 800, 1_000]);
    expect(backoffDelay(3, b, () => 0)).toBe(200);
  });
});

describe.each(storeTargets)('webhook worker on $name', (target) => {
  it('retries a failing handler, dead-letters it with an alert, and replay then succeeds once', async () => {
    const { store, pipeline, alerts } = await openPipeline(target, { worker: fast });
    const event = makeEvent('payment_intent.succeeded', {
      id: 'pi_fail',
      object: 'payment_intent',
      livemode: false,
    });
    let failing = true;
    let emailCalls = 0;
    let grantAttempts = 0;
    let grants = 0;
    pipeline.on(
      'payment_intent.succeeded',
      () => {
        emailCalls++;
      },
      { name: 'send-receipt' },
    );
    pipeline.on(
      'payment_intent.succeeded',
      () => {
        grantAttempts++;
        if (failing) throw new Error('entitlement service down');
        grants++;
      },
      { name: 'grant-access' },
    );
    await pipeline.handle(delivery(event).body, delivery(event).headers);

    await drainUntil(
      () => pipeline.worker.processAvailable(),
      async () => (await statusOf(store, event.id))?.status === 'dead',
    );
    const dead = await statusOf(store, event.id);
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, locked_by: null });
    expect(dead?.last_error).toContain('entitlement service down');
    expect(grantAttempts).toBe(3);
    // The handler that succeeded on the first attempt is in the ledger and never ran again.
    expect(emailCalls).toBe(1);
    expect(alerts).toEqual([expect.objectContaining({ kind: 'dead_letter', eventId: event.id })]);
    expect(alerts[0]?.message).toContain('entitlement service down');
    expect((await pipeline.health()).deadLetters).toBe(1);
    expect(pipeline.stats.deadLettered).toBe(1);

    failing = false;
    await pipeline.replay(event.id);
    expect(await statusOf(store, event.id)).toMatchObject({ status: 'processed', last_error: null });
    expect([emailCalls, grants]).toEqual([1, 1]);
    // Replaying a processed event runs no handler twice.
    await pipeline.replay(event.id);
    expect([emailCalls, grants]).toEqual([1, 1]);
    expect((await pipeline.health()).deadLetters).toBe(0);
  });

  it('replay of a still-failing event throws and schedules a retry; replayFailed requeues every dead letter', async () => {
    const { store, pipeline } = await openPipeline(target, { worker: { ...fast, maxAttempts: 1 } });
    let failing = true;
    const handled: string[] = [];
    pipeline.on('invoice.paid', (e) => {
      if (failing) throw new Error('still broken');
      handled.push(e.id);
    });
    const events = [1, 2, 3].map((i) => makeEvent('invoice.paid', { id: `in_${i}`, object: 'invoice' }));
    for (const e of events) await pipeline.handle(delivery(e).body, delivery(e).headers);
    await pipeline.worker.processAvailable();
    expect((await pipeline.health()).deadLetters).toBe(3);

    await expect(pipeline.replay(events[0]?.id ?? '')).rejects.toThrow('still broken');
    await expect(pipeline.replay('evt_never_stored')).rejects.toBeInstanceOf(NotFoundError);

    failing = false;
    expect(await pipeline.replayFailed()).toBeGreaterThanOrEqual(2);
    await drainUntil(
      () => pipeline.worker.processAvailable(),
      async () => handled.length === 3,
    );
    expect(handled.sort()).toEqual(events.map((e) => e.id).sort());
    for (const e of events) expect((await statusOf(store, e.id))?.status).toBe('processed');
  });

  it('lets another worker take an event whose hung worker stopped renewing its lease, and the stale worker cannot complete it', async () => {
    // Worker A claims the event and hangs inside the handler. It renews its lease for RENEW_FOR_LEASES
    // lease lengths, then lets it expire (as a process that died would); B then takes over.
    const leaseMs = 150;
    const { store, pipeline: a } = await openPipeline(target, { worker: { ...fast, leaseMs } });
    const { pipeline: b } = await openPipeline(target, { store, worker: { ...fast, leaseMs } });
    const event = makeEvent('charge.succeeded', { id: 'ch_lease', object: 'charge_x' });
    let releaseA!: () => void;
    let aEntered = false;
    a.on(
      'charge.succeeded',
      async () => {
        aEntered = true;
        await new Promise<void>((resolve) => {
          releaseA = resolve;
        });
      },
      { name: 'fulfil' },
    );
    let bRuns = 0;
    b.on(
      'charge.succeeded',
      () => {
        bRuns++;
      },
      { name: 'fulfil' },
    );
    await a.handle(delivery(event).body, delivery(event).headers);
    const aPass = a.worker.processAvailable();
    while (!aEntered) await sleep(5);
    // While the lease holds, renewed past its first length, B finds nothing to do.
    await sleep(2 * leaseMs);
    expect(await b.worker.processAvailable()).toBe(0);
    await drainUntil(
      () => b.worker.processAvailable(),
      async () => bRuns > 0,
      400,
    );
    expect(bRuns).toBe(1);
    expect(await statusOf(store, event.id)).toMatchObject({
      status: 'processed',
      attempts: 2,
      locked_by: null,
    });
    // A wakes up late: its completion is refused because it no longer holds the lease.
    releaseA();
    await aPass;
    expect(await statusOf(store, event.id)).toMatchObject({ status: 'processed', attempts: 2 });
    expect(a.stats.processed).toBe(0);
    expect(await b.worker.processAvailable()).toBe(0);
  });

  it('alerts when events are processed long after Stripe created them, and health reports the queue', async () => {
    const { store, pipeline, alerts } = await openPipeline(target, {
      worker: { ...fast, lagAlertSeconds: 60 },
    });
    const late = makeEvent(
      'customer.updated',
      { id: 'cus_late', object: 'customer_x' },
      { created: Math.floor(Date.now() / 1000) - 240 },
    );
    const fresh = makeEvent('customer.updated', { id: 'cus_fresh', object: 'customer_x' });
    const before = await pipeline.health();
    expect(before).toMatchObject({
      queueDepth: 0,
      deadLetters: 0,
      lastEventAgeSeconds: null,
      workerAlive: false,
    });
    await pipeline.handle(...(Object.values(delivery(late)) as [string, Record<string, string>]));
    await pipeline.handle(...(Object.values(delivery(fresh)) as [string, Record<string, string>]));
    const queued = await pipeline.health();
    expect(queued.queueDepth).toBe(2);
    expect(queued.lastEventAgeSeconds).toBeLessThanOrEqual(1);
    expect(queued.oldestPendingSeconds).toBeGreaterThanOrEqual(240);
    pipeline.worker.start();
    await drainUntil(
      async () => undefined,
      async () => (await pipeline.health()).queueDepth === 0,
    );
    expect((await pipeline.health()).workerAlive).toBe(true);
    // Another instance (say the HTTP service, whose worker runs as `coffer worker`) sees it too.
    const { pipeline: service } = await openPipeline(target, { store });
    await drainUntil(
      async () => undefined,
      async () => (await service.health()).liveWorkers === 1,
    );
    expect(await service.health()).toMatchObject({ workerAlive: true, liveWorkers: 1 });
    await pipeline.worker.stop();
    expect((await pipeline.health()).workerAlive).toBe(false);
    expect(await service.health()).toMatchObject({ workerAlive: false, liveWorkers: 0 });
    expect(alerts.filter((a) => a.kind === 'lag').map((a) => a.eventId)).toEqual([late.id]);
  });

  it('prunes processed events past the retention, keeping dead letters and younger events', async () => {
    const { store, pipeline } = await openPipeline(target, { worker: { ...fast, maxAttempts: 1 } });
    pipeline.on('invoice.voided', () => {
      throw new Error('dead on purpose');
    });
    const old = makeEvent('invoice.finalized', { id: 'in_old', object: 'invoice' });
    const young = makeEvent('invoice.finalized', { id: 'in_young', object: 'invoice' });
    const dead = makeEvent('invoice.voided', { id: 'in_dead', object: 'invoice' });
    for (const e of [old, young, dead]) await pipeline.handle(delivery(e).body, delivery(e).headers);
    await pipeline.worker.processAvailable();
    await store.withSession((s) =>
      s.query(
        "update webhook_events set received_at = now() - interval '40 days' where id = any($1::text[])",
        [[old.id, dead.id]],
      ),
    );
    await expect(pipeline.prune({ olderThanDays: 7 })).rejects.toThrow(/at least 31/);
    expect(await pipeline.prune({ olderThanDays: 31 })).toBe(1);
    expect(await statusOf(store, old.id)).toBeUndefined();
    expect((await statusOf(store, young.id))?.status).toBe('processed');
    expect((await statusOf(store, dead.id))?.status).toBe('dead');
  });

  it('prunes in batches until nothing old is left, and on a schedule that runs at once and stops cleanly', async () => {
    const { store, pipeline } = await openPipeline(target, { worker: fast });
    const old = Array.from({ length: 5 }, (_, i) =>
      makeEvent('invoice.finalized', { id: `in_b${i}`, object: 'invoice' }),
    );
    const young = makeEvent('invoice.finalized', { id: 'in_b_young', object: 'invoice' });
    for (const e of [...old, young]) await pipeline.handle(delivery(e).body, delivery(e).headers);
    await pipeline.worker.processAvailable();
    const age = (ids: string[]) =>
      store.withSession((s) =>
        s.query(
          "update webhook_events set received_at = now() - interval '40 days' where id = any($1::text[])",
          [ids],
        ),
      );
    await age(old.map((e) => e.id));
    await expect(pipeline.prune({ olderThanDays: 31, batchSize: 0 })).rejects.toThrow(/batchSize/);
    // 5 rows in batches of 2: three DELETEs, all five gone, the young one kept.
    expect(await pipeline.prune({ olderThanDays: 31, batchSize: 2 })).toBe(5);
    for (const e of old) expect(await statusOf(store, e.id)).toBeUndefined();
    expect((await statusOf(store, young.id))?.status).toBe('processed');

    expect(() => pipeline.schedulePrune({ olderThanDays: 7 })).toThrow(/at least 31/);
    await age([young.id]);
    const scheduled = pipeline.schedulePrune({ olderThanDays: 31, everyMs: 60_000 });
    await scheduled.stop(); // the first run starts at once; stop waits for it
    expect(await statusOf(store, young.id)).toBeUndefined();
  });

  it('refreshes projections once per batch, after the mirror and before handlers; a failing projection retries its events', async () => {
    // One attempt: the failed events wait as dead letters (no retry can slip into the first pass).
    const { store, pipeline } = await openPipeline(target, { worker: { ...fast, maxAttempts: 1 } });
    const order: string[] = [];
    const batches: string[][] = [];
    let failing = true;
    pipeline.project({
      name: 'customer-emails',
      objects: ['customer'],
      async refresh(changes) {
        const [row] = await store.withSession((s) =>
          s.query<{ email: string }>('select email from stripe_customers where id = $1', ['cus_proj_a']),
        );
        order.push(`projection saw ${row?.email ?? 'nothing'}`);
        batches.push(changes.map((c) => `${c.objectId} ${c.eventType}`).sort());
        if (failing) throw new Error('projection store down');
      },
    });
    pipeline.on('customer.updated', (event) => {
      order.push(`handler ${event.id}`);
    });
    const customer = (id: string, email: string) => ({ id, object: 'customer', livemode: false, email });
    const events = [
      makeEvent('customer.created', customer('cus_proj_a', 'a1@example.com'), { created: 100 }),
      makeEvent('customer.updated', customer('cus_proj_a', 'a2@example.com'), { created: 101 }),
      makeEvent('customer.updated', customer('cus_proj_b', 'b@example.com'), { created: 100 }),
      makeEvent('payment_intent.succeeded', { id: 'pi_proj', object: 'payment_intent', livemode: false }),
    ];
    for (const e of events) await pipeline.handle(delivery(e).body, delivery(e).headers);

    await pipeline.worker.processAvailable();
    // One call for the whole batch, with the batch's newest mirror state already written.
    expect(batches).toEqual([
      ['cus_proj_a customer.created', 'cus_proj_a customer.updated', 'cus_proj_b customer.updated'],
    ]);
    expect(order).toEqual(['projection saw a2@example.com']);
    // Its events wait to be retried; the payment intent it does not follow is done.
    expect(await statusOf(store, events[1]!.id)).toMatchObject({ status: 'dead', attempts: 1 });
    expect((await statusOf(store, events[1]!.id))?.last_error).toContain('projection store down');
    expect(await statusOf(store, events[3]!.id)).toMatchObject({ status: 'processed' });

    failing = false;
    expect(await pipeline.replayFailed()).toBe(3);
    for (const e of events) expect(await statusOf(store, e.id)).toMatchObject({ status: 'processed' });
    // Handlers ran once each, after the projection that let them through.
    const handled = order.filter((o) => o.startsWith('handler')).sort();
    expect(handled).toEqual([`handler ${events[1]!.id}`, `handler ${events[2]!.id}`].sort());
    // The first handler ran only after the failed projection and its successful retry.
    expect(order.findIndex((o) => o.startsWith('handler'))).toBeGreaterThan(1);
    expect(order.at(-1)).toMatch(/^handler /);
    expect(() => pipeline.project({ name: 'customer-emails', objects: [], refresh: async () => {} })).toThrow(
      /exists/,
    );
  });

  it('a running worker lets deliveries that arrive together gather into one batch', async () => {
    // A long poll: the worker sleeps until the first delivery wakes it, and gathers from there.
    const { pipeline } = await openPipeline(target, {
      worker: { ...fast, pollMs: 60_000, gatherMs: 1_000 },
    });
    const batches: number[] = [];
    pipeline.project({
      name: 'batch-sizes',
      objects: ['customer'],
      async refresh(changes) {
        batches.push(changes.length);
      },
    });
    pipeline.worker.start();
    try {
      await sleep(300); // its first, empty claim is over: it now sleeps
      // The first delivery wakes the worker; the others arrive while it gathers.
      for (let i = 0; i < 5; i++) {
        const e = makeEvent('customer.updated', {
          id: `cus_gather_${i}`,
          object: 'customer',
          livemode: false,
        });
        await pipeline.handle(delivery(e).body, delivery(e).headers);
      }
      for (let i = 0; i < 100 && batches.length === 0; i++) await sleep(50);
      await sleep(100);
      expect(batches).toEqual([5]);
    } finally {
      await pipeline.worker.stop();
    }
  });
});
