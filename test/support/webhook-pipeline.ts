// Opens a migrated store on a target and a webhook pipeline on it, for the webhook test files.
import Stripe from 'stripe';
import type { Store } from '../../src/billing/store/index.js';
import {
  type Alert,
  createWebhookPipeline,
  type WebhookPipelineDeps,
} from '../../src/billing/webhooks/index.js';
import type { StoreTarget } from './store.js';
import { SECRET } from './webhook-events.js';

/** An SDK client that must never be called (tests without refetches). */
export const offlineStripe = new Stripe('sk_test_offline', {
  host: '127.0.0.1',
  port: 9,
  protocol: 'http',
  maxNetworkRetries: 0,
});

/** `target` opens a fresh store unless `overrides.store` is given (then it may be null). */
export async function openPipeline(
  target: StoreTarget | null,
  overrides: Partial<WebhookPipelineDeps> = {},
): Promise<{ store: Store; pipeline: ReturnType<typeof createWebhookPipeline>; alerts: Alert[] }> {
  const store = overrides.store ?? (await target?.open());
  if (!store) throw new Error('openPipeline needs a target or a store');
  await store.migrate();
  const alerts: Alert[] = [];
  const pipeline = createWebhookPipeline({
    stripe: offlineStripe,
    webhookSecrets: [SECRET],
    onAlert: (a) => alerts.push(a),
    ...overrides,
    store,
  });
  return { store, pipeline, alerts };
}

/** Rows of a table ordered by id, as plain objects. */
export async function tableRows(store: Store, table: string): Promise<Record<string, unknown>[]> {
  return store.withSession((s) => s.query(`select * from ${table} order by id`));
}

/** The mirror tables, for tests that compare or empty them. */
export const MIRROR_TABLES = [
  'stripe_customers',
  'stripe_products',
  'stripe_prices',
  'stripe_payment_intents',
  'stripe_charges',
  'stripe_refunds',
  'stripe_disputes',
  'stripe_checkout_sessions',
] as const;

/** Empties the queue, the ledger, the sync cursors and the mirror. */
export async function emptyPipelineTables(store: Store): Promise<void> {
  await store.withSession((s) =>
    s.exec(`truncate webhook_events, webhook_side_effects, state, ${MIRROR_TABLES.join(', ')}`),
  );
}
