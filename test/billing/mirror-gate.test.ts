// The ordering gate on its own: newer wins, older is skipped, ties are settled by one (coalesced)
// refetch, tombstones are final, and a failed refetch retries the event with an alert.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMirrorWriter,
  customerMapper,
  getCustomer,
  mapperRegistry,
  productMapper,
  type StripeObject,
} from '../../src/billing/mirror/index.js';
import type { Store } from '../../src/billing/store/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { storeTargets } from '../support/store.js';
import { delivery, makeEvent } from '../support/webhook-events.js';
import { type EmulatorClient, shutdown, startEmulatorClient } from '../support/webhook-flow.js';
import { offlineStripe, openPipeline } from '../support/webhook-pipeline.js';

let client: EmulatorClient;
beforeAll(async () => {
  client = await startEmulatorClient();
});
afterAll(() => shutdown(client));

const asObject = (o: unknown) => o as StripeObject;

describe.each(storeTargets)('ordering gate on $name', (target) => {
  // One store for the file (each test uses its own objects): opening PGlite is the slow part.
  let shared: Store;
  beforeAll(async () => {
    shared = await target.open();
  });
  it('writes newer states, skips older ones, and names each outcome', async () => {
    const { store } = await openPipeline(target, { store: shared });
    const writer = createMirrorWriter({
      store,
      stripe: offlineStripe,
      registry: mapperRegistry(),
      logger: silentLogger,
    });
    const base = { id: 'cus_gate', object: 'customer', livemode: false, created: 100, metadata: {} };
    const v = (name: string) => asObject({ ...base, name });
    const apply = (name: string, version: number, eventId: string) =>
      writer.apply({ mapper: customerMapper, object: v(name), version, eventId, deleted: false });
    expect(await apply('first', 100, 'evt_1')).toBe('written');
    expect(await apply('third', 300, 'evt_3')).toBe('written');
    expect(await apply('second', 200, 'evt_2')).toBe('stale');
    expect(await apply('third', 300, 'evt_3')).toBe('unchanged');
    expect((await getCustomer(store.db, 'cus_gate'))?.name).toBe('third');
    expect((await getCustomer(store.db, 'cus_gate'))?.stripe_updated).toBe(300);
  });

  it('settles ties with one refetch per object however many events tie at once', async () => {
    const { store } = await openPipeline(target, { store: shared });
    let refetches = 0;
    const writer = createMirrorWriter({
      store,
      stripe: client.stripe,
      registry: mapperRegistry(),
      logger: silentLogger,
      onRefetch: () => {
        refetches++;
      },
    });
    const real = await client.stripe.customers.create({
      name: 'As the API has it',
      email: 'tie@example.com',
    });
    const snapshot = (name: string) => asObject({ ...real, name });
    const version = real.created;
    await writer.apply({
      mapper: customerMapper,
      object: snapshot('A'),
      version,
      eventId: 'evt_a',
      deleted: false,
    });
    const outcomes = await Promise.all(
      ['B', 'C', 'D', 'E', 'F'].map((name) =>
        writer.apply({
          mapper: customerMapper,
          object: snapshot(name),
          version,
          eventId: `evt_${name}`,
          deleted: false,
        }),
      ),
    );
    expect(outcomes.every((o) => o === 'refetched')).toBe(true);
    expect(refetches).toBe(1);
    expect((await getCustomer(store.db, real.id))?.name).toBe('As the API has it');
    // A tie whose state arrived after that refetch started needs a fresh one.
    await writer.apply({
      mapper: customerMapper,
      object: snapshot('G'),
      version,
      eventId: 'evt_G',
      deleted: false,
    });
    expect(refetches).toBe(2);
  });

  it('keeps tombstones: a late or same-second update never resurrects a deleted object', async () => {
    const { store, pipeline } = await openPipeline(target, { store: shared, stripe: client.stripe });
    const real = await client.stripe.customers.create({ name: 'Leaving' });
    await client.stripe.customers.del(real.id);
    const t = real.created;
    const deleted = makeEvent('customer.deleted', { ...real, name: 'Leaving' }, { created: t + 10 });
    const lateUpdate = makeEvent('customer.updated', { ...real, name: 'Late' }, { created: t + 5 });
    const sameSecond = makeEvent('customer.updated', { ...real, name: 'Same second' }, { created: t + 10 });
    const newerButDeleted = makeEvent('customer.updated', { ...real, name: 'After' }, { created: t + 20 });
    for (const e of [deleted, lateUpdate, sameSecond, newerButDeleted]) {
      const d = delivery(e);
      await pipeline.handle(d.body, d.headers);
      await pipeline.worker.processAvailable();
    }
    const row = await getCustomer(store.db, real.id);
    expect(row?.deleted_at).toEqual(new Date((t + 10) * 1000));
    expect(row?.name).toBe('Leaving');
    expect(pipeline.stats.mirrorSkips).toBe(3);
  });

  it('tombstones an object whose refetch finds it gone, and the deletion event still lands later', async () => {
    const { store, pipeline } = await openPipeline(target, { store: shared, stripe: client.stripe });
    const product = await client.stripe.products.create({ name: 'Gone soon' });
    await client.stripe.products.del(product.id);
    const t = product.created;
    const a = makeEvent('product.updated', { ...product, name: 'a' }, { created: t });
    const b = makeEvent('product.updated', { ...product, name: 'b' }, { created: t });
    const del = makeEvent('product.deleted', { ...product, name: 'final' }, { created: t + 1 });
    for (const e of [a, b, del]) {
      await pipeline.handle(delivery(e).body, delivery(e).headers);
      await pipeline.worker.processAvailable();
    }
    const [row] = await store.withSession((s) =>
      s.query<{ name: string; deleted_at: Date | null; stripe_event_id: string }>(
        'select name, deleted_at, stripe_event_id from stripe_products where id = $1',
        [product.id],
      ),
    );
    expect(row).toMatchObject({ name: 'final', stripe_event_id: del.id });
    expect(row?.deleted_at).toBeInstanceOf(Date);
    expect(productMapper.table).toBe('stripe_products');
  });

  it('retries an event whose tie cannot be refetched, raising a refetch_failed alert', async () => {
    const unreachable = new Stripe('sk_test_x', {
      host: '127.0.0.1',
      port: 9,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    const { pipeline, alerts } = await openPipeline(target, {
      store: shared,
      stripe: unreachable,
      worker: { backoff: { baseMs: 60_000, maxMs: 60_000 }, maxAttempts: 5 },
    });
    const obj = { id: 'cus_unreachable', object: 'customer', livemode: false, created: 1, metadata: {} };
    const first = makeEvent('customer.created', obj, { created: 50 });
    const tie = makeEvent('customer.updated', { ...obj, name: 'x' }, { created: 50 });
    for (const e of [first, tie]) {
      await pipeline.handle(delivery(e).body, delivery(e).headers);
      await pipeline.worker.processAvailable();
    }
    expect(alerts.filter((a) => a.kind !== 'lag')).toEqual([
      expect.objectContaining({ kind: 'refetch_failed', eventId: tie.id }),
    ]);
    expect(pipeline.stats.failures).toBe(1);
    expect((await pipeline.health()).queueDepth).toBe(1);
  });
});
