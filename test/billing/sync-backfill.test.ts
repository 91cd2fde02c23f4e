// Backfill: every mirrored type listed from the emulator through the SDK, resumable from a stored
// per-type cursor, and never overwriting a newer state the webhooks already wrote.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCustomer } from '../../src/billing/mirror/index.js';
import type { Store } from '../../src/billing/store/index.js';
import { createSync } from '../../src/billing/sync/index.js';
import { ValidationError } from '../../src/shared/errors.js';
import { storeTargets } from '../support/store.js';
import { delivery, makeEvent } from '../support/webhook-events.js';
import {
  customerAndPaymentLife,
  type EmulatorClient,
  shutdown,
  startEmulatorClient,
} from '../support/webhook-flow.js';
import { emptyPipelineTables, openPipeline } from '../support/webhook-pipeline.js';

let client: EmulatorClient;
let customerIds: string[];
beforeAll(async () => {
  client = await startEmulatorClient();
  await customerAndPaymentLife(client, Math.floor(Date.now() / 1000) - 3_600);
  await client.setClock(Math.floor(Date.now() / 1000));
  customerIds = [];
  for (let i = 0; i < 24; i++)
    customerIds.push((await client.stripe.customers.create({ email: `c${i}@example.com` })).id);
});
afterAll(() => shutdown(client));

const count = async (store: Store, table: string) =>
  (await store.withSession((s) => s.query<{ n: number }>(`select count(*)::int as n from ${table}`)))[0]?.n;

describe.each(storeTargets)('backfill on $name', (target) => {
  // One store per engine (opening PGlite is slow), emptied between tests.
  let shared: Store;
  beforeAll(async () => {
    shared = await target.open();
  });
  beforeEach(async () => {
    if (!shared) return;
    await shared.migrate();
    await emptyPipelineTables(shared);
  });
  it('stops after a page when asked and the next run resumes from the stored cursor', async () => {
    const { store, pipeline } = await openPipeline(target, { store: shared, stripe: client.stripe });
    const sync = createSync({ store, stripe: client.stripe, pipeline });
    const abort = new AbortController();
    const pages: number[] = [];
    const first = await sync.backfill({
      types: ['customer'],
      pageSize: 10,
      signal: abort.signal,
      onProgress: (p) => {
        pages.push(p.fetched);
        abort.abort();
      },
    });
    expect(first.aborted).toBe(true);
    expect(first.types[0]).toMatchObject({
      type: 'customer',
      fetched: 10,
      written: 10,
      complete: false,
      resumed: false,
    });
    expect(await count(store, 'stripe_customers')).toBe(10);
    expect((await sync.status()).backfill.customer).toMatchObject({ fetched: 10, complete: false });

    const second = await sync.backfill({ types: ['customer'], pageSize: 10 });
    // 24 created here + the flow's deleted customer, which the list no longer returns.
    expect(second.types[0]).toMatchObject({ fetched: 14, resumed: true, complete: true });
    expect(await count(store, 'stripe_customers')).toBe(24);
    for (const id of customerIds) expect((await getCustomer(store.db, id))?.email).toMatch(/@example\.com$/);
    expect(pages).toEqual([10]);
  });

  it('lists every mirrored type the API offers, through the ordering gate', async () => {
    const { store, pipeline } = await openPipeline(target, { store: shared, stripe: client.stripe });
    const sync = createSync({ store, stripe: client.stripe, pipeline });
    // A state newer than any listing: a webhook wrote it with a later `created`.
    const [id] = customerIds;
    const newer = makeEvent(
      'customer.updated',
      {
        id,
        object: 'customer',
        livemode: false,
        created: 1,
        email: 'from-the-future@example.com',
        metadata: {},
      },
      { created: Math.floor(Date.now() / 1000) + 3_600 },
    );
    await pipeline.handle(delivery(newer).body, delivery(newer).headers);
    await pipeline.worker.processAvailable();

    const result = await sync.backfill({ requestsPerSecond: 50 });
    expect(result.aborted).toBe(false);
    for (const t of result.types) expect(t, t.type).toMatchObject({ complete: true });
    const byType = Object.fromEntries(result.types.map((t) => [t.type, t]));
    expect(byType.customer?.skipped).toBe(1);
    expect((await getCustomer(store.db, id ?? ''))?.email).toBe('from-the-future@example.com');
    expect(result.types.map((t) => t.type)).toEqual(sync.types);
    expect(await count(store, 'stripe_payment_intents')).toBe(3);
    expect(await count(store, 'stripe_charges')).toBe(3);
    expect(await count(store, 'stripe_checkout_sessions')).toBe(1);
    expect(await count(store, 'stripe_refunds')).toBe(2);
    expect(await count(store, 'stripe_disputes')).toBe(1);
    expect(await count(store, 'stripe_products')).toBe(1);
    expect(await count(store, 'stripe_prices')).toBe(1);
    // A finished type starts over on the next run.
    const again = await sync.backfill({ types: ['product'] });
    expect(again.types[0]).toMatchObject({ resumed: false, fetched: 1, complete: true });
  });

  it('names the mirrored types when asked for another', async () => {
    const { store, pipeline } = await openPipeline(target, { store: shared, stripe: client.stripe });
    const sync = createSync({ store, stripe: client.stripe, pipeline });
    await expect(sync.backfill({ types: ['subscription'] })).rejects.toBeInstanceOf(ValidationError);
    await expect(sync.backfill({ types: ['subscription'] })).rejects.toThrow(/customer, product, price/);
    await expect(sync.backfill({ pageSize: 500 })).rejects.toThrow(/pageSize/);
  });
});
