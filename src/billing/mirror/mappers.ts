// One mapper per mirrored Stripe object type: which table it lives in, how each typed column is
// read from the object, and which SDK resource fetches or lists it (for refetches and backfill).
// Mirroring a new type (subscriptions, items, invoices) is one migration plus one entry here.
import type Stripe from 'stripe';

/** A Stripe API object as it arrives in an event or a list: only `id` and `object` are assumed. */
export type StripeObject = { id: string; object: string } & Record<string, unknown>;

export interface ListPage {
  data: StripeObject[];
  has_more: boolean;
}

/** Reads one typed column's value from the object. */
export type ColumnReader = (obj: StripeObject) => string | number | boolean | null;

/** The part of an SDK resource the mirror uses (`stripe.customers`, `stripe.checkout.sessions`, …). */
export interface MirroredResource {
  retrieve(id: string): Promise<unknown>;
  list(params: { limit: number; starting_after?: string }): Promise<{ data: unknown[]; has_more: boolean }>;
}

export interface ObjectMapper {
  /** The `object` field of the Stripe object, e.g. `checkout.session`. */
  readonly object: string;
  /** Mirror table (unqualified). */
  readonly table: string;
  /** Typed columns beyond the common ones (id, livemode, created, metadata, raw, …), by column name. */
  readonly columns: Readonly<Record<string, ColumnReader>>;
  /** The SDK resource: `retrieve` settles ties (a deleted object may come back as `{ deleted: true }`),
   * `list` (newest first) feeds backfill. */
  resource(stripe: Stripe): MirroredResource;
  /** Whether `<type>.deleted` events of this object tombstone the row (default true). */
  readonly tombstoneOnDelete?: boolean;
}

/** The id of an expandable field, whether it came as an id or as the expanded object. */
export function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id;
  }
  return null;
}

const text =
  (field: string): ColumnReader =>
  (o) =>
    typeof o[field] === 'string' ? (o[field] as string) : null;
const int =
  (field: string): ColumnReader =>
  (o) =>
    typeof o[field] === 'number' ? (o[field] as number) : null;
const flag =
  (field: string): ColumnReader =>
  (o) =>
    typeof o[field] === 'boolean' ? (o[field] as boolean) : null;
const ref =
  (field: string): ColumnReader =>
  (o) =>
    idOf(o[field]);
/** A field of a nested object, e.g. `recurring.interval`. */
const nested =
  (field: string, inner: string): ColumnReader =>
  (o) => {
    const value = (o[field] as Record<string, unknown> | null | undefined)?.[inner];
    return typeof value === 'string' || typeof value === 'number' ? value : null;
  };

/** Columns shared by the money-moving objects. */
const payment = { status: text('status'), amount: int('amount'), currency: text('currency') };

export const customerMapper: ObjectMapper = {
  object: 'customer',
  table: 'stripe_customers',
  columns: { email: text('email'), name: text('name'), user_id: nested('metadata', 'user_id') },
  resource: (stripe) => stripe.customers,
};

export const productMapper: ObjectMapper = {
  object: 'product',
  table: 'stripe_products',
  columns: { name: text('name'), active: flag('active') },
  resource: (stripe) => stripe.products,
};

export const priceMapper: ObjectMapper = {
  object: 'price',
  table: 'stripe_prices',
  columns: {
    product: ref('product'),
    active: flag('active'),
    type: text('type'),
    unit_amount: int('unit_amount'),
    currency: text('currency'),
    recurring_interval: nested('recurring', 'interval'),
    lookup_key: text('lookup_key'),
  },
  resource: (stripe) => stripe.prices,
};

export const paymentIntentMapper: ObjectMapper = {
  object: 'payment_intent',
  table: 'stripe_payment_intents',
  columns: {
    customer: ref('customer'),
    ...payment,
    amount_received: int('amount_received'),
    latest_charge: ref('latest_charge'),
  },
  resource: (stripe) => stripe.paymentIntents,
};

export const chargeMapper: ObjectMapper = {
  object: 'charge',
  table: 'stripe_charges',
  columns: {
    customer: ref('customer'),
    payment_intent: ref('payment_intent'),
    ...payment,
    amount_refunded: int('amount_refunded'),
    paid: flag('paid'),
    refunded: flag('refunded'),
    disputed: flag('disputed'),
  },
  resource: (stripe) => stripe.charges,
};

export const refundMapper: ObjectMapper = {
  object: 'refund',
  table: 'stripe_refunds',
  columns: {
    charge: ref('charge'),
    payment_intent: ref('payment_intent'),
    ...payment,
    reason: text('reason'),
  },
  resource: (stripe) => stripe.refunds,
};

export const disputeMapper: ObjectMapper = {
  object: 'dispute',
  table: 'stripe_disputes',
  columns: {
    charge: ref('charge'),
    payment_intent: ref('payment_intent'),
    ...payment,
    reason: text('reason'),
    evidence_due_by: nested('evidence_details', 'due_by'),
  },
  resource: (stripe) => stripe.disputes,
};

export const checkoutSessionMapper: ObjectMapper = {
  object: 'checkout.session',
  table: 'stripe_checkout_sessions',
  columns: {
    customer: ref('customer'),
    status: text('status'),
    payment_status: text('payment_status'),
    mode: text('mode'),
    amount_total: int('amount_total'),
    currency: text('currency'),
    payment_intent: ref('payment_intent'),
    subscription: ref('subscription'),
    client_reference_id: text('client_reference_id'),
    expires_at: int('expires_at'),
  },
  resource: (stripe) => stripe.checkout.sessions,
};

/** Every mirrored type, keyed by the Stripe `object` field. */
export const defaultMappers: readonly ObjectMapper[] = [
  customerMapper,
  productMapper,
  priceMapper,
  paymentIntentMapper,
  chargeMapper,
  refundMapper,
  disputeMapper,
  checkoutSessionMapper,
];

export type MapperRegistry = ReadonlyMap<string, ObjectMapper>;

export function mapperRegistry(mappers: readonly ObjectMapper[] = defaultMappers): MapperRegistry {
  return new Map(mappers.map((m) => [m.object, m]));
}
