// Order independence: the events of a real customer-and-payment life (from the emulator's Events API)
// delivered in shuffled orders, with redeliveries, leave the mirror exactly as in-order delivery does.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/billing/store/index.js';
import type { WebhookPipeline } from '../../src/billing/webhooks/index.js';
import { storeTargets } from '../support/store.js';
import { delivery } from '../support/webhook-events.js';
import {
  customerAndPaymentLife,
  type EmulatorClient,
  shutdown,
  startEmulatorClient,
} from '../support/webhook-flow.js';
import { emptyPipelineTables, MIRROR_TABLES, openPipeline, tableRows } from '../support/webhook-pipeline.js';

let client: EmulatorClient;
let events: Stripe.Event[];

beforeAll(async () => {
  client = await startEmulatorClient();
  await customerAndPaymentLife(client, 1_790_000_000);
  events = await client.allEvents();
});

afterAll(() => shutdown(client));

/** A small deterministic PRNG (mulberry32), so a failing seed can be rerun. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], rnd: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The mirror's content, without what legitimately differs between runs (write time, writing event). */
async function mirrorSnapshot(store: Store) {
  const out: Record<string, unknown[]> = {};
  for (const table of MIRROR_TABLES) {
    out[table] = (await tableRows(store, table)).map(
      ({ synced_at: _s, stripe_event_id: _e, ...rest }) => rest,
    );
  }
  return out;
}

describe.each(storeTargets)('shuffled delivery on $name', (target) => {
  let store: Store;
  let pipeline: WebhookPipeline;
  let inOrder: Awaited<ReturnType<typeof mirrorSnapshot>>;

  beforeAll(async () => {
    // Batch size 1: the worker takes events in the order they arrived, one at a time.
    ({ store, pipeline } = await openPipeline(target, {
      stripe: client.stripe,
      worker: { batchSize: 1, concurrency: 1 },
    }));
    for (const event of events) {
      const d = delivery(event);
      expect((await pipeline.handle(d.body, d.headers)).status).toBe(200);
      await pipeline.worker.processAvailable();
    }
    inOrder = await mirrorSnapshot(store);
  });

  it('in order, the mirror holds the final state of every object of the flow', () => {
    const customers = inOrder.stripe_customers as Array<Record<string, unknown>>;
    expect(customers).toHaveLength(1);
    expect(customers[0]).toMatchObject({ email: 'ada@example.com', user_id: 'user_ada' });
    expect(customers[0]?.deleted_at).toBeInstanceOf(Date);
    const charges = inOrder.stripe_charges as Array<Record<string, unknown>>;
    expect(charges.map((c) => [c.amount, c.amount_refunded, c.refunded]).sort()).toEqual([
      [3_000, 0, false],
      [4_200, 4_200, true],
      [990, 0, false],
    ]);
    expect((inOrder.stripe_refunds as Array<Record<string, unknown>>).map((r) => r.amount).sort()).toEqual([
      1_000, 3_200,
    ]);
    expect(inOrder.stripe_disputes).toHaveLength(1);
    expect((inOrder.stripe_payment_intents as Array<Record<string, unknown>>).map((p) => p.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect(inOrder.stripe_checkout_sessions).toEqual([
      expect.objectContaining({
        status: 'complete',
        payment_status: 'paid',
        amount_total: 3_000,
        client_reference_id: 'user_ada',
      }),
    ]);
    expect(inOrder.stripe_products).toEqual([expect.objectContaining({ name: 'Coffee beans, 1 kg' })]);
    expect(inOrder.stripe_prices).toEqual([
      expect.objectContaining({ lookup_key: 'beans', unit_amount: 1_500 }),
    ]);
  });

  it.each([1, 7, 42, 2026])(
    'seed %i: shuffled with redeliveries, the mirror ends equal to in-order delivery',
    async (seed) => {
      await emptyPipelineTables(store);
      const rnd = random(seed);
      // Stripe may deliver an event more than once: a third of them arrive twice.
      const deliveries = shuffled([...events, ...events.filter(() => rnd() < 0.33)], rnd);
      for (const event of deliveries) {
        const d = delivery(event);
        expect((await pipeline.handle(d.body, d.headers)).status).toBe(200);
        // Process at random points, so some events wait in the queue and others go through at once.
        if (rnd() < 0.4) await pipeline.worker.processAvailable();
      }
      await pipeline.worker.processAvailable();
      expect(await mirrorSnapshot(store)).toEqual(inOrder);
    },
  );

  it.each([3, 99])(
    'seed %i: all delivered first, then processed in large batches (the batched write path)',
    async (seed) => {
      await emptyPipelineTables(store);
      const { pipeline: batched } = await openPipeline(target, {
        store,
        stripe: client.stripe,
        worker: { batchSize: 50 },
      });
      const rnd = random(seed);
      for (const event of shuffled([...events, ...events.filter(() => rnd() < 0.5)], rnd)) {
        const d = delivery(event);
        expect((await batched.handle(d.body, d.headers)).status).toBe(200);
      }
      expect(await batched.worker.processAvailable()).toBe(events.length);
      expect(await mirrorSnapshot(store)).toEqual(inOrder);
    },
  );
});
