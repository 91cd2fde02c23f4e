// Signed deliveries for tests, made with the official SDK's own test helper, and the real webhook
// pipeline on an in-memory PGlite store to receive them.
import Stripe from 'stripe';
import type { Store } from '../../../src/billing/store/index.js';
import { createWebhookPipeline, type WebhookPipeline } from '../../../src/billing/webhooks/index.js';

export const TEST_SECRET = 'whsec_test_server_adapters_secret';
const stripe = new Stripe('sk_test_server_adapters');

let counter = 0;
/** A unique event id per call, so one store serves a whole file. */
export const nextEventId = (): string => `evt_test_${process.pid}_${Date.now()}_${++counter}`;

/** An event whose bytes a JSON parse + stringify would change (spacing, escapes, key order, unicode). */
export function eventPayload(id = nextEventId()): string {
  const created = Math.floor(Date.now() / 1000);
  return `{\n  "id": "${id}",  "object": "event", "type": "customer.created", "created": ${created},\n  "livemode": false, "api_version": "${Stripe.API_VERSION}",\n  "data": {"object": {"id": "cus_adapter", "object": "customer", "name": "Zoë \\u00e9 \\/ x", "created": ${created}, "metadata": {}}}\n}`;
}

export function signedHeaders(payload: string, secret = TEST_SECRET): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret }),
  };
}

/** The real pipeline (intake only; no worker is started) verifying with TEST_SECRET. */
export function testPipeline(store: Store): { webhooks: WebhookPipeline } {
  return { webhooks: createWebhookPipeline({ store, stripe, webhookSecrets: [TEST_SECRET] }) };
}

/** The raw body the pipeline stored for an event, or undefined when it stored none. */
export async function storedBody(store: Store, eventId: string): Promise<string | undefined> {
  const rows = await store.withSession((s) =>
    s.query('select body from webhook_events where id = $1', [eventId]),
  );
  return (rows[0] as { body: string } | undefined)?.body;
}
