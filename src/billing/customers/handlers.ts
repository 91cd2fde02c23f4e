// Keeps the user ↔ customer mapping right from webhooks. Each handler is idempotent and safe in any
// order: a deleted customer is tombstoned (even before its creation is seen), never resurrected, and
// a customer created elsewhere with `metadata.user_id` is adopted only when the user has none.
import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import type { Clock } from '../../shared/clock.js';
import { run } from '../mirror/sql.js';
import type { Database } from '../store/index.js';
import { mappingRow } from './tables.js';

// Runs on every `customer.updated`, mapped or not: fixed SQL text, no query builder per event.
// An event without an `email` field leaves the stored one as it is.
const REFRESH = `update customers_by_user
  set email = case when $5 then $2 else email end, name = $3, updated_at = $4
  where customer_id = $1 and deleted_at is null`;

/** Registers handlers by event type; matches the webhook pipeline's `on`. */
export type RegisterHandler = (
  type: string,
  fn: (event: Stripe.Event) => Promise<void>,
  options?: { name?: string },
) => () => void;

export function registerCustomerHandlers(
  on: RegisterHandler,
  db: Kysely<Database>,
  clock: Clock,
): () => void {
  const now = () => new Date(clock.now());
  const customerOf = (event: Stripe.Event) => event.data.object as Stripe.Customer;

  const adopt = async (customer: Stripe.Customer) => {
    const userId = customer.metadata?.user_id;
    if (!userId) return;
    await db
      .insertInto('customers_by_user')
      .values(mappingRow(userId, customer, 'webhook', now()))
      // Already mapped (or tombstoned), or the user has another live customer: leave it.
      .onConflict((oc) => oc.doNothing())
      .execute();
  };

  const offs = [
    on('customer.created', (event) => adopt(customerOf(event)), { name: 'coffer:customers:created' }),
    on(
      'customer.updated',
      async (event) => {
        const customer = customerOf(event);
        await run({ db }, REFRESH, [
          customer.id,
          customer.email ?? null,
          customer.name ?? null,
          now(),
          customer.email !== undefined,
        ]);
      },
      { name: 'coffer:customers:updated' },
    ),
    on(
      'customer.deleted',
      async (event) => {
        const customer = customerOf(event);
        const at = now();
        // Insert a tombstone if the mapping was never seen, so a late `customer.created` cannot adopt it.
        await db
          .insertInto('customers_by_user')
          .values(mappingRow(customer.metadata?.user_id ?? '', customer, 'webhook', at, at))
          .onConflict((oc) => oc.column('customer_id').doUpdateSet({ deleted_at: at, updated_at: at }))
          .execute();
      },
      { name: 'coffer:customers:deleted' },
    ),
  ];
  return () => {
    for (const off of offs) off();
  };
}
