// The worker's lease: renewed while a batch runs, checked before each event's handlers, never
// counted or alerted on once lost; expired leases spend attempts and end in a dead letter; a failure
// that cannot be recorded does not cut the batch short. On PGlite and PostgreSQL.
import type Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/billing/store/index.js';
import { createEventQueue } from '../../src/billing/webhooks/queue.js';
import { closeStores, storeTargets } from '../support/store.js';
import { delivery, makeEvent } from '../support/webhook-events.js';
import { openPipeline } from '../support/webhook-pipeline.js';

afterAll(closeStores);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fast = { backoff: { baseMs: 10, maxMs: 40 }, pollMs: 20, gatherMs: 0 };

type Row = { status: string; attempts: number; locked_by: string | null; locked_until: Date | null };
const rowOf = async (store: Store, id: string): Promise<Row | undefined> =>
  (
    await store.withSession((s) =>
      s.query<Row>('select status, attempts, locked_by, locked_until from webhook_events where id = $1', [
        id,
      ]),
    )
  )[0];

/** What a second worker's claim does to an event whose lease it found expired. */
const takeOver = (store: Store, ids: string[]) =>
  store.withSession((s) =>
    s.query(
      `update webhook_events set locked_by = 'worker-b', locked_until = now() + interval '1 hour',
         attempts = attempts + 1 where id = any($1::text[])`,
      [ids],
    ),
  );

async function until(done: () => Promise<boolean> | boolean, rounds = 100): Promise<void> {
  for (let i = 0; i < rounds && !(await done()); i++) await sleep(20);
}

const charges = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    makeEvent('charge.succeeded', { id: `${prefix}_${i}`, object: 'charge_x' }, { id: `evt_${prefix}_${i}` }),
  );

async function deliver(
  pipeline: { handle(body: string, headers: Record<string, string>): Promise<unknown> },
  events: Stripe.Event[],
) {
  for (const e of events) await pipeline.handle(delivery(e).body, delivery(e).headers);
}

describe.each(storeTargets)('webhook lease on $name', (target) => {
  it('a batch longer than its lease keeps it: a second worker polling meanwhile runs no handler twice', async () => {
    const worker = { ...fast, leaseMs: 400, concurrency: 1 };
    const { store, pipeline: a } = await openPipeline(target, { worker });
    const { pipeline: b } = await openPipeline(target, { store, worker });
    const runs = new Map<string, number>();
    for (const p of [a, b])
      p.on(
        'charge.succeeded',
        async (e) => {
          runs.set(e.id, (runs.get(e.id) ?? 0) + 1);
          await sleep(100);
        },
        { name: 'email' },
      );
    const events = charges('ch_long', 8);
    await deliver(a, events);
    const aPass = a.worker.processAvailable(); // one batch of ~800 ms on a 400 ms lease
    await sleep(600);
    await b.worker.processAvailable();
    await aPass;
    expect(Object.fromEntries(runs)).toEqual(Object.fromEntries(events.map((e) => [e.id, 1])));
    for (const e of events) expect((await rowOf(store, e.id))?.status).toBe('processed');
  });

  it('skips the handlers of events another worker took during the batch, and leaves them to it', async () => {
    const { store, pipeline: a } = await openPipeline(target, {
      worker: { ...fast, leaseMs: 300, concurrency: 1 },
    });
    const events = charges('ch_taken', 3);
    const handled: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    a.on('charge.succeeded', async (e) => {
      handled.push(e.id);
      if (handled.length === 1) await gate;
    });
    await deliver(a, events);
    const aPass = a.worker.processAvailable();
    await until(() => handled.length === 1);
    const first = handled[0] as string;
    const others = events.map((e) => e.id).filter((id) => id !== first);
    const before = (await rowOf(store, first))?.locked_until?.getTime() ?? 0;
    await takeOver(store, others);
    // Worker A learns of it at its next renewal (which also extends the event it is running).
    await until(async () => ((await rowOf(store, first))?.locked_until?.getTime() ?? 0) > before);
    release();
    await aPass;
    expect(handled).toEqual([first]);
    expect(await rowOf(store, first)).toMatchObject({ status: 'processed', locked_by: null });
    for (const id of others)
      expect(await rowOf(store, id)).toMatchObject({ status: 'processing', locked_by: 'worker-b' });
    expect(a.stats.processed).toBe(1);
  });

  it('after losing its lease a worker neither dead-letters, alerts nor counts the events it no longer holds', async () => {
    const {
      store,
      pipeline: a,
      alerts,
    } = await openPipeline(target, {
      worker: { ...fast, leaseMs: 300, concurrency: 2, maxAttempts: 1 },
    });
    const [failing, passing] = charges('ch_lost', 2) as [Stripe.Event, Stripe.Event];
    const entered = new Set<string>();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    a.on('charge.succeeded', async (e) => {
      entered.add(e.id);
      await gate;
      if (e.id === failing.id) throw new Error('timed out');
    });
    await deliver(a, [failing, passing]);
    const aPass = a.worker.processAvailable();
    await until(() => entered.size === 2);
    await takeOver(store, [failing.id, passing.id]);
    release();
    await aPass;
    expect(alerts).toEqual([]);
    expect(a.stats).toMatchObject({ deadLettered: 0, processed: 0, failures: 0 });
    for (const e of [failing, passing])
      expect(await rowOf(store, e.id)).toMatchObject({ status: 'processing', locked_by: 'worker-b' });
  });

  it('dead-letters with an alert, without running it, an event whose lease expired through all its attempts', async () => {
    const { store, pipeline, alerts } = await openPipeline(target, { worker: { ...fast, maxAttempts: 2 } });
    let runs = 0;
    pipeline.on('charge.succeeded', () => {
      runs++;
    });
    const [event] = charges('ch_poison', 1) as [Stripe.Event];
    await deliver(pipeline, [event]);
    // Two workers claim it and die (their 1 ms leases expire unrenewed).
    const crashing = createEventQueue(store);
    for (const id of ['crashed-1', 'crashed-2']) {
      expect(await crashing.claim(id, 10, 1)).toHaveLength(1);
      await sleep(10);
    }
    await until(async () => {
      await pipeline.worker.processAvailable();
      return (await rowOf(store, event.id))?.status === 'dead';
    });
    expect(runs).toBe(0);
    expect(await rowOf(store, event.id)).toMatchObject({ status: 'dead', locked_by: null });
    expect(alerts).toEqual([expect.objectContaining({ kind: 'dead_letter', eventId: event.id })]);
    expect(alerts[0]?.message).toMatch(/failed 2 times: .*lease expired .*crashed or hung/);
    expect(pipeline.stats.deadLettered).toBe(1);
  });

  it('takes an expired lease again only after the retry backoff for its attempt', async () => {
    const { store, pipeline: patient } = await openPipeline(target, {
      worker: { ...fast, backoff: { baseMs: 60_000, maxMs: 60_000 } },
    });
    const { pipeline: eager } = await openPipeline(target, { store, worker: fast });
    let runs = 0;
    eager.on('charge.succeeded', () => {
      runs++;
    });
    const [event] = charges('ch_backoff', 1) as [Stripe.Event];
    await deliver(eager, [event]);
    expect(await createEventQueue(store).claim('crashed', 10, 1)).toHaveLength(1);
    await sleep(20);
    expect(await patient.worker.processAvailable()).toBe(0);
    await until(async () => (await eager.worker.processAvailable()) > 0);
    expect(runs).toBe(1);
    expect(await rowOf(store, event.id)).toMatchObject({ status: 'processed', attempts: 2 });
  });

  it('a failure it cannot record leaves that event to its lease; the rest of the batch completes', async () => {
    const { store, pipeline, alerts } = await openPipeline(target, { worker: { ...fast, concurrency: 2 } });
    const [broken, slow] = charges('ch_failwrite', 2) as [Stripe.Event, Stripe.Event];
    // The database refuses to record the broken event's retry (as a lost connection would).
    await store.withSession((s) =>
      s.exec(`create function refuse_retry() returns trigger language plpgsql as $$
        begin raise exception 'retry write refused'; end $$;
        create trigger refuse_retry before update on webhook_events for each row
          when (new.id = '${broken.id}' and new.status = 'pending') execute function refuse_retry();`),
    );
    let slowRuns = 0;
    pipeline.on('charge.succeeded', async (e) => {
      if (e.id === broken.id) throw new Error('handler broke');
      await sleep(100);
      slowRuns++;
    });
    await deliver(pipeline, [broken, slow]);
    expect(await pipeline.worker.processAvailable()).toBe(2);
    expect(slowRuns).toBe(1);
    expect(await rowOf(store, slow.id)).toMatchObject({ status: 'processed' });
    expect((await rowOf(store, broken.id))?.status).toBe('processing');
    expect(pipeline.stats).toMatchObject({ processed: 1, failures: 0 });
    expect(alerts).toEqual([]);
  });

  it('a replay claims under its own worker id, not the loop’s', async () => {
    const { store, pipeline } = await openPipeline(target, { worker: fast });
    const owners = new Map<string, string | null>();
    pipeline.on('charge.succeeded', async (e) => {
      owners.set(e.id, (await rowOf(store, e.id))?.locked_by ?? null);
    });
    const [looped, replayed] = charges('ch_owner', 2) as [Stripe.Event, Stripe.Event];
    await deliver(pipeline, [looped]);
    await pipeline.worker.processAvailable();
    await pipeline.ingest(replayed, 'replay');
    await pipeline.replay(replayed.id);
    expect(owners.get(looped.id)).toEqual(expect.any(String));
    expect(owners.get(replayed.id)).toEqual(expect.any(String));
    expect(owners.get(replayed.id)).not.toBe(owners.get(looped.id));
  });
});
