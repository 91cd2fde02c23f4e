// Keeps the user ↔ customer mapping in step with the mirrored customers, as a projection: it reads
// the mirror's current rows (never the event's copy), so it is safe in any order and twice, and one
// statement serves a whole worker batch. A deleted customer is tombstoned (even before its creation
// is seen) and never resurrected; a customer created elsewhere with `metadata.user_id` is adopted,
// on its `customer.created`, only when the user has no live customer.
import type { Clock } from '../../shared/clock.js';
import { run } from '../mirror/sql.js';
import type { Store } from '../store/index.js';
import type { Projection } from '../webhooks/index.js';

// $1 the customer ids, $2 whether each had a customer.created in the batch, $3 the clock's now.
// The three writes touch disjoint rows (deleted, unmapped, mapped), so one snapshot serves them all.
const REFRESH = `with batch as (
    select * from unnest($1::text[], $2::boolean[]) as b(id, created)
  ), mirrored as (
    select c.id, c.user_id, c.email, c.name, c.deleted_at is not null as deleted, b.created
    from stripe_customers c join batch b on b.id = c.id
  ), tombstoned as (
    insert into customers_by_user (customer_id, user_id, email, name, source, deleted_at, created_at, updated_at)
    select id, coalesce(user_id, ''), email, name, 'webhook', $3, $3, $3 from mirrored where deleted
    on conflict (customer_id) do update set deleted_at = excluded.deleted_at, updated_at = excluded.updated_at
    where customers_by_user.deleted_at is null
  ), adopted as (
    insert into customers_by_user (customer_id, user_id, email, name, source, deleted_at, created_at, updated_at)
    select id, user_id, email, name, 'webhook', null, $3, $3 from mirrored
    where created and not deleted and coalesce(user_id, '') <> ''
    -- Already mapped (or tombstoned), or the user has another live customer: leave it.
    on conflict do nothing
  )
  update customers_by_user m set email = r.email, name = r.name, updated_at = $3
  from mirrored r
  where m.customer_id = r.id and not r.deleted and m.deleted_at is null
    and (m.email is distinct from r.email or m.name is distinct from r.name)`;

export function customerMappingProjection(store: Pick<Store, 'db'>, clock: Clock): Projection {
  return {
    name: 'coffer:customer-mapping',
    objects: ['customer'],
    async refresh(changes) {
      const created = new Map<string, boolean>();
      for (const { objectId, eventType } of changes)
        created.set(objectId, (created.get(objectId) ?? false) || eventType === 'customer.created');
      await run(store, REFRESH, [[...created.keys()], [...created.values()], new Date(clock.now())]);
    },
  };
}
