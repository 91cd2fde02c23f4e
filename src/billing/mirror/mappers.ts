// One mapper per mirrored Stripe object type: which table it lives in, how its typed columns are
// read from the object, and how to fetch or list it through the SDK (for refetches and backfill).
// Mirroring a new type (subscriptions, items, invoices) is one migration plus one entry here.
import type Stripe from 'stripe';

/** A Stripe API object as it arrives in an event or a list: only `id` and `object` are assumed. */
export type StripeObject = { id: string; object: string } & Record<string, unknown>;

export interface ListPage {
  data: StripeObject[];
  has_more: boolean;
}

export interface ObjectMapper {
  /** The `object` field of the Stripe object, e.g. `checkout.session`. */
  readonly object: string;
  /** Mirror table (unqualified). */
  readonly table: string;
  /** Typed columns beyond the common ones, in a fixed order; `columns()` returns values for them. */
  readonly columnNames: readonly string[];
  columns(obj: StripeObject): Record<string, unknown>;
  /** Fetch the current state (used on ties); a deleted object may come back as `{ deleted: true }`. */
  retrieve(stripe: Stripe, id: string): Promise<StripeObject>;
  /** One page of the list endpoint, newest first (used by backfill). */
  list(stripe: Stripe, params: { limit: number; starting_after?: string }): Promise<ListPage>;
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

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const bool = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);
const metaOf = (obj: StripeObject): Record<string, unknown> =>
  (obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {}) as Record<string, unknown>;

// The SDK's resources return typed objects; the mirror handles them structurally.
const asObject = (value: unknown): StripeObject => value as StripeObject;
const asPage = (value: { data: unknown[]; has_more: boolean }): ListPage => value as ListPage;

export const customerMapper: ObjectMapper = {
  object: 'customer',
  table: 'stripe_customers',
  columnNames: ['email', 'name', 'user_id'],
  columns: (o) => ({ email: str(o.email), name: str(o.name), user_id: str(metaOf(o).user_id) }),
  retrieve: async (stripe, id) => asObject(await stripe.customers.retrieve(id)),
  list: async (stripe, params) => asPage(await stripe.customers.list(params)),
};

export const productMapper: ObjectMapper = {
  object: 'product',
  table: 'stripe_products',
  columnNames: ['name', 'active'],
  columns: (o) => ({ name: str(o.name), active: bool(o.active) }),
  retrieve: async (stripe, id) => asObject(await stripe.products.retrieve(id)),
  list: async (stripe, params) => asPage(await stripe.products.list(params)),
};

export const priceMapper: ObjectMapper = {
  object: 'price',
  table: 'stripe_prices',
  columnNames: ['product', 'active', 'type', 'unit_amount', 'currency', 'recurring_interval', 'lookup_key'],
  columns: (o) => ({
    product: idOf(o.product),
    active: bool(o.active),
    type: str(o.type),
    unit_amount: num(o.unit_amount),
    currency: str(o.currency),
    recurring_interval: str((o.recurring as { interval?: unknown } | null)?.interval),
    lookup_key: str(o.lookup_key),
  }),
  retrieve: async (stripe, id) => asObject(await stripe.prices.retrieve(id)),
  list: async (stripe, params) => asPage(await stripe.prices.list(params)),
};

export const paymentIntentMapper: ObjectMapper = {
  object: 'payment_intent',
  table: 'stripe_payment_intents',
  columnNames: ['customer', 'status', 'amount', 'amount_received', 'currency', 'latest_charge'],
  columns: (o) => ({
    customer: idOf(o.customer),
    status: str(o.status),
    amount: num(o.amount),
    amount_received: num(o.amount_received),
    currency: str(o.currency),
    latest_charge: idOf(o.latest_charge),
  }),
  retrieve: async (stripe, id) => asObject(await stripe.paymentIntents.retrieve(id)),
  list: async (stripe, params) => asPage(await stripe.paymentIntents.list(params)),
};

export const chargeMapper: ObjectMapper = {
  object: 'charge',
  table: 'stripe_charges',
  columnNames: [
    'customer',
    'payment_intent',
    'status',
    'amount',
    'amount_refunded',
    'currency',
    'paid',
    'refunded',
    'disputed',
  ],
  columns: (o) => ({
    customer: idOf(o.customer),
    payment_intent: idOf(o.payment_intent),
    status: str(o.status),
    amount: num(o.amount),
    amount_refunded: num(o.amount_refunded),
    currency: str(o.currency),
    paid: bool(o.paid),
    refunded: bool(o.refunded),
    disputed: bool(o.disputed),
  }),
  retrieve: async (stripe, id) => asObject(await stripe.charges.retrieve(id)),
  list: async (stripe, params) => asPage(await stripe.charges.list(params)),
};

export const refundMapper: ObjectMapper = {
  object: 'refund',
  table: 'stripe_refunds',
  columnNames: ['charge', 'payment_intent', 'status', 'amount', 'currency', 'reason'],
  columns: (o) => ({
    charge: idOf(o.charge),
    payment_intent: idOf(o.payment_intent),
    status: str(o.status),
    amount: num(o.amount),
    currency: str(o.currency),
    reason: str(o.reason),
  }),
  retrieve: async (stripe, id) => asObject(await stripe.refunds.retrieve(id)),
  list: async (stripe, params) => asPage(await stripe.refunds.list(params)),
};

export const disputeMapper: ObjectMapper = {
  object: 'dispute',
  table: 'stripe_disputes',
  columnNames: ['charge', 'payment_intent', 'status', 'amount', 'currency', 'reason', 'evidence_due_by'],
  columns: (o) => ({
    charge: idOf(o.charge),
    payment_intent: idOf(o.payment_intent),
    status: str(o.status),
    amount: num(o.amount),
    currency: str(o.currency),
    reason: str(o.reason),
    evidence_due_by: num((o.evidence_details as { due_by?: unknown } | null)?.due_by),
  }),
  retrieve: async (stripe, id) => asObject(await stripe.disputes.retrieve(id)),
  list: async (stripe, params) => asPage(await stripe.disputes.list(params)),
};

export const checkoutSessionMapper: ObjectMapper = {
  object: 'checkout.session',
  table: 'stripe_checkout_sessions',
  columnNames: [
    'customer',
    'status',
    'payment_status',
    'mode',
    'amount_total',
    'currency',
    'payment_intent',
    'subscription',
    'client_reference_id',
    'expires_at',
  ],
  columns: (o) => ({
    customer: idOf(o.customer),
    status: str(o.status),
    payment_status: str(o.payment_status),
    mode: str(o.mode),
    amount_total: num(o.amount_total),
    currency: str(o.currency),
    payment_intent: idOf(o.payment_intent),
    subscription: idOf(o.subscription),
    client_reference_id: str(o.client_reference_id),
    expires_at: num(o.expires_at),
  }),
  retrieve: async (stripe, id) => asObject(await stripe.checkout.sessions.retrieve(id)),
  list: async (stripe, params) => asPage(await stripe.checkout.sessions.list(params)),
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
