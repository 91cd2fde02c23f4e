// The customer.updated handler on each store engine: it refreshes a live mapping, leaves a deleted
// (tombstoned) one alone, and keeps the stored email when an event carries no `email` field.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCustomerHandlers } from '../../src/billing/customers/index.js';
import { mappingRow } from '../../src/billing/customers/tables.js';
import type { Store } from '../../src/billing/store/index.js';
import { ManualClock } from '../../src/shared/clock.js';
import { closeStores, storeTargets } from '../support/store.js';

afterAll(closeStores);

describe.each(storeTargets)('customer.updated handler on $name', (target) => {
  let store: Store;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const handlers = new Map<string, (event: Stripe.Event) => Promise<void>>();
  const updated = (customer: Record<string, unknown>) =>
    handlers.get('customer.updated')?.({ data: { object: customer } } as unknown as Stripe.Event);
  const row = (customerId: string) =>
    store.db
      .selectFrom('customers_by_user')
      .selectAll()
      .where('customer_id', '=', customerId)
      .executeTakeFirst();

  beforeAll(async () => {
    store = await target.open({});
    await store.migrate();
    registerCustomerHandlers(
      (type, fn) => {
        handlers.set(type, fn);
        return () => handlers.delete(type);
      },
      store.db,
      clock,
    );
  });

  it('refreshes a live mapping and stamps it with the clock', async () => {
    await store.db
      .insertInto('customers_by_user')
      .values(
        mappingRow(
          'u_live',
          { id: 'cus_live', email: 'old@example.com', name: 'Old' },
          'created',
          new Date(0),
        ),
      )
      .execute();
    clock.set(Date.UTC(2026, 0, 2));
    await updated({ id: 'cus_live', object: 'customer', email: 'new@example.com', name: 'New' });
    const live = await row('cus_live');
    expect(live).toMatchObject({ email: 'new@example.com', name: 'New' });
    expect(new Date(live?.updated_at ?? 0).getTime()).toBe(Date.UTC(2026, 0, 2));
  });

  it('keeps the stored email when the event has no email field, and clears it when the field is null', async () => {
    await updated({ id: 'cus_live', object: 'customer', name: 'Renamed' });
    expect(await row('cus_live')).toMatchObject({ email: 'new@example.com', name: 'Renamed' });
    await updated({ id: 'cus_live', object: 'customer', email: null, name: null });
    expect(await row('cus_live')).toMatchObject({ email: null, name: null });
  });

  it('leaves a tombstoned mapping alone and writes nothing for an unmapped customer', async () => {
    const at = new Date(0);
    await store.db
      .insertInto('customers_by_user')
      .values(mappingRow('u_gone', { id: 'cus_gone', email: 'gone@example.com' }, 'created', at, at))
      .execute();
    await updated({ id: 'cus_gone', object: 'customer', email: 'back@example.com', name: 'Back' });
    expect(await row('cus_gone')).toMatchObject({ email: 'gone@example.com', name: null });
    await updated({ id: 'cus_unmapped', object: 'customer', email: 'x@example.com', name: 'X' });
    expect(await row('cus_unmapped')).toBeUndefined();
  });
});
