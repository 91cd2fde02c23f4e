// The customer-mapping projection on each store engine: it follows the mirror's rows (not the event's
// copy), refreshes a live mapping, leaves a tombstoned one alone, tombstones a deleted customer even
// before it was mapped, adopts a customer only on its customer.created, and is safe to run twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerMappingProjection } from '../../src/billing/customers/index.js';
import { mappingRow } from '../../src/billing/customers/tables.js';
import { run } from '../../src/billing/mirror/sql.js';
import type { Store } from '../../src/billing/store/index.js';
import type { Projection } from '../../src/billing/webhooks/index.js';
import { ManualClock } from '../../src/shared/clock.js';
import { closeStores, storeTargets } from '../support/store.js';

afterAll(closeStores);

interface Mirrored {
  id: string;
  email?: string | null;
  name?: string | null;
  userId?: string | null;
  deleted?: boolean;
}

describe.each(storeTargets)('customer-mapping projection on $name', (target) => {
  let store: Store;
  let projection: Projection;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));

  /** Puts a customer into the mirror as the worker's gate would have. */
  const mirror = async (c: Mirrored) => {
    const raw = { id: c.id, object: 'customer', email: c.email ?? null, name: c.name ?? null };
    await run(
      store,
      `insert into stripe_customers (id, livemode, email, name, user_id, raw, stripe_updated, deleted_at)
       values ($1, false, $2, $3, $4, $5::jsonb, 1, $6)
       on conflict (id) do update set email = excluded.email, name = excluded.name,
         user_id = excluded.user_id, deleted_at = excluded.deleted_at`,
      [
        c.id,
        c.email ?? null,
        c.name ?? null,
        c.userId ?? null,
        JSON.stringify(raw),
        c.deleted ? new Date() : null,
      ],
    );
  };
  const refresh = (...changes: [string, string][]) =>
    projection.refresh(changes.map(([objectId, eventType]) => ({ objectId, eventType })));
  const row = (customerId: string) =>
    store.db
      .selectFrom('customers_by_user')
      .selectAll()
      .where('customer_id', '=', customerId)
      .executeTakeFirst();
  const map = (userId: string, customerId: string, deleted = false) =>
    store.db
      .insertInto('customers_by_user')
      .values(
        mappingRow(
          userId,
          { id: customerId, email: 'old@example.com', name: 'Old' },
          'created',
          new Date(0),
          deleted ? new Date(0) : null,
        ),
      )
      .execute();

  beforeAll(async () => {
    store = await target.open({});
    await store.migrate();
    projection = customerMappingProjection(store, clock);
  });

  it('follows customer objects only', () => {
    expect(projection.objects).toEqual(['customer']);
  });

  it('refreshes a live mapping from the mirror and stamps it with the clock', async () => {
    await map('u_live', 'cus_live');
    await mirror({ id: 'cus_live', email: 'new@example.com', name: 'New', userId: 'u_live' });
    clock.set(Date.UTC(2026, 0, 2));
    await refresh(['cus_live', 'customer.updated']);
    const live = await row('cus_live');
    expect(live).toMatchObject({
      email: 'new@example.com',
      name: 'New',
      source: 'created',
      deleted_at: null,
    });
    expect(new Date(live?.updated_at ?? 0).getTime()).toBe(Date.UTC(2026, 0, 2));
  });

  it('writes nothing when the mirror already matches (twice is the same as once)', async () => {
    clock.set(Date.UTC(2026, 0, 3));
    await refresh(['cus_live', 'customer.updated'], ['cus_live', 'customer.updated']);
    expect(new Date((await row('cus_live'))?.updated_at ?? 0).getTime()).toBe(Date.UTC(2026, 0, 2));
  });

  it('leaves a tombstoned mapping alone and maps nothing for an unmapped customer on an update', async () => {
    await map('u_gone', 'cus_gone', true);
    await mirror({ id: 'cus_gone', email: 'back@example.com', name: 'Back', userId: 'u_gone' });
    await mirror({ id: 'cus_unmapped', email: 'x@example.com', name: 'X', userId: 'u_unmapped' });
    await refresh(['cus_gone', 'customer.updated'], ['cus_unmapped', 'customer.updated']);
    expect(await row('cus_gone')).toMatchObject({ email: 'old@example.com', deleted_at: expect.any(Date) });
    expect(await row('cus_unmapped')).toBeUndefined();
  });

  it('adopts a customer created elsewhere with metadata.user_id, only for a user without one', async () => {
    await mirror({ id: 'cus_adopt', email: 'a@example.com', name: 'A', userId: 'u_adopt' });
    await mirror({ id: 'cus_second', email: 'b@example.com', userId: 'u_adopt' });
    await mirror({ id: 'cus_no_user', email: 'n@example.com' });
    await refresh(['cus_adopt', 'customer.created'], ['cus_no_user', 'customer.created']);
    expect(await row('cus_adopt')).toMatchObject({
      user_id: 'u_adopt',
      source: 'webhook',
      email: 'a@example.com',
    });
    expect(await row('cus_no_user')).toBeUndefined();
    await refresh(['cus_second', 'customer.created']);
    expect(await row('cus_second')).toBeUndefined();
  });

  it('tombstones a deleted customer, mapped or never seen, and never brings it back', async () => {
    await map('u_del', 'cus_del');
    await mirror({ id: 'cus_del', email: 'd@example.com', userId: 'u_del', deleted: true });
    await mirror({ id: 'cus_unseen', userId: 'u_unseen', deleted: true });
    clock.set(Date.UTC(2026, 0, 4));
    await refresh(['cus_del', 'customer.deleted'], ['cus_unseen', 'customer.deleted']);
    expect(new Date((await row('cus_del'))?.deleted_at ?? 0).getTime()).toBe(Date.UTC(2026, 0, 4));
    expect(await row('cus_unseen')).toMatchObject({ user_id: 'u_unseen', deleted_at: expect.any(Date) });
    // A late customer.created for the deleted customer finds the tombstone and adopts nothing.
    await refresh(['cus_unseen', 'customer.created']);
    expect(await row('cus_unseen')).toMatchObject({ deleted_at: expect.any(Date) });
    const live = await store.db
      .selectFrom('customers_by_user')
      .select('customer_id')
      .where('user_id', '=', 'u_unseen')
      .where('deleted_at', 'is', null)
      .execute();
    expect(live).toEqual([]);
  });
});
