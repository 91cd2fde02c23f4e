// Kysely row types of the mirror tables (migration 0011) and of the webhook queue (0010). Mirror rows
// are written only by the ordering gate (raw SQL), so their types are the rows as read. Every mirror
// table shares the columns of `MirrorRowBase`; the typed columns beside them are what apps query by.
import type { Generated } from 'kysely';

/** Columns every mirror table has. `raw` is the Stripe object as last written. */
export interface MirrorRowBase {
  id: string;
  livemode: boolean;
  created: number | null;
  metadata: Record<string, string>;
  raw: Record<string, unknown>;
  /** Version of the state held: the `created` (Unix seconds) of the event that wrote it. */
  stripe_updated: number;
  stripe_event_id: string | null;
  synced_at: Date;
  /** Set once the object was deleted at Stripe; a tombstone is never revived. */
  deleted_at: Date | null;
}

/** Columns of the money-moving objects (payment intents, charges, refunds, disputes). */
export interface PaymentColumns {
  status: string | null;
  amount: number | null;
  currency: string | null;
}

export interface CustomerRow extends MirrorRowBase {
  email: string | null;
  name: string | null;
  /** `metadata.user_id`, the app's user the customer belongs to. */
  user_id: string | null;
}

export interface ProductRow extends MirrorRowBase {
  name: string | null;
  active: boolean | null;
}

export interface PriceRow extends MirrorRowBase {
  product: string | null;
  active: boolean | null;
  type: string | null;
  unit_amount: number | null;
  currency: string | null;
  recurring_interval: string | null;
  lookup_key: string | null;
}

export interface PaymentIntentRow extends MirrorRowBase, PaymentColumns {
  customer: string | null;
  amount_received: number | null;
  latest_charge: string | null;
}

export interface ChargeRow extends MirrorRowBase, PaymentColumns {
  customer: string | null;
  payment_intent: string | null;
  amount_refunded: number | null;
  paid: boolean | null;
  refunded: boolean | null;
  disputed: boolean | null;
}

/** Refunds and disputes both hang off a charge and carry a reason. */
interface ChargeReversalColumns extends MirrorRowBase, PaymentColumns {
  charge: string | null;
  payment_intent: string | null;
  reason: string | null;
}

export type RefundRow = ChargeReversalColumns;

export interface DisputeRow extends ChargeReversalColumns {
  evidence_due_by: number | null;
}

export interface CheckoutSessionRow extends MirrorRowBase {
  customer: string | null;
  status: string | null;
  payment_status: string | null;
  mode: string | null;
  amount_total: number | null;
  currency: string | null;
  payment_intent: string | null;
  subscription: string | null;
  client_reference_id: string | null;
  expires_at: number | null;
}

export interface WebhookEventsTable {
  id: string;
  type: string;
  livemode: boolean;
  api_version: string | null;
  created: number;
  object_type: string | null;
  object_id: string | null;
  account: string | null;
  body: string;
  source: string;
  status: 'pending' | 'processing' | 'processed' | 'dead';
  attempts: number;
  available_at: Date;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
  received_at: Date;
  processed_at: Date | null;
}

export interface WebhookSideEffectsTable {
  event_id: string;
  handler: string;
  completed_at: Generated<Date>;
}

/** Added to `Database` in src/billing/store/schema.ts. */
export interface MirrorTables {
  stripe_customers: CustomerRow;
  stripe_products: ProductRow;
  stripe_prices: PriceRow;
  stripe_payment_intents: PaymentIntentRow;
  stripe_charges: ChargeRow;
  stripe_refunds: RefundRow;
  stripe_disputes: DisputeRow;
  stripe_checkout_sessions: CheckoutSessionRow;
  webhook_events: WebhookEventsTable;
  webhook_side_effects: WebhookSideEffectsTable;
}
