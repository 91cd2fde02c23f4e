// Reads from the mirror: the app's answers come from here, never from an inline Stripe call.
// Each getter returns the row (typed columns plus `raw`) or undefined; tombstoned rows are returned
// too, with `deleted_at` set, so callers can tell "deleted" from "never seen".
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type {
  ChargeRow,
  CheckoutSessionRow,
  CustomerRow,
  DisputeRow,
  MirrorTables,
  PaymentIntentRow,
  PriceRow,
  ProductRow,
  RefundRow,
} from './tables.js';

type MirrorTableName = Exclude<keyof MirrorTables, 'webhook_events' | 'webhook_side_effects'>;

async function byId<T extends MirrorTableName>(
  db: Kysely<Database>,
  table: T,
  id: string,
): Promise<MirrorTables[T] | undefined> {
  const row = await db
    .selectFrom(table as MirrorTableName)
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row as MirrorTables[T] | undefined;
}

export const getCustomer = (db: Kysely<Database>, id: string): Promise<CustomerRow | undefined> =>
  byId(db, 'stripe_customers', id);
export const getProduct = (db: Kysely<Database>, id: string): Promise<ProductRow | undefined> =>
  byId(db, 'stripe_products', id);
export const getPrice = (db: Kysely<Database>, id: string): Promise<PriceRow | undefined> =>
  byId(db, 'stripe_prices', id);
export const getPaymentIntent = (db: Kysely<Database>, id: string): Promise<PaymentIntentRow | undefined> =>
  byId(db, 'stripe_payment_intents', id);
export const getCharge = (db: Kysely<Database>, id: string): Promise<ChargeRow | undefined> =>
  byId(db, 'stripe_charges', id);
export const getRefund = (db: Kysely<Database>, id: string): Promise<RefundRow | undefined> =>
  byId(db, 'stripe_refunds', id);
export const getDispute = (db: Kysely<Database>, id: string): Promise<DisputeRow | undefined> =>
  byId(db, 'stripe_disputes', id);
export const getCheckoutSession = (
  db: Kysely<Database>,
  id: string,
): Promise<CheckoutSessionRow | undefined> => byId(db, 'stripe_checkout_sessions', id);

/** The live (not deleted) customer mirrored for an app user (`metadata.user_id`), newest first. */
export async function findCustomerByUserId(
  db: Kysely<Database>,
  userId: string,
): Promise<CustomerRow | undefined> {
  const row = await db
    .selectFrom('stripe_customers')
    .selectAll()
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .orderBy('created', 'desc')
    .executeTakeFirst();
  return row;
}

/** Refunds mirrored for a payment intent, oldest first. */
export async function listRefundsForPaymentIntent(
  db: Kysely<Database>,
  paymentIntentId: string,
): Promise<RefundRow[]> {
  const rows = await db
    .selectFrom('stripe_refunds')
    .selectAll()
    .where('payment_intent', '=', paymentIntentId)
    .orderBy('created', 'asc')
    .execute();
  return rows;
}
