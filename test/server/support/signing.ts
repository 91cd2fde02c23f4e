// Signed deliveries for tests, made with the official SDK's own test helper, and a receiver that
// verifies them with the SDK and records the exact bytes it was given.
import Stripe from 'stripe';
import type { WebhookHeaders, WebhookReceiver } from '../../../src/server/types.js';

export const TEST_SECRET = 'whsec_test_server_adapters_secret';
const stripe = new Stripe('sk_test_server_adapters');

/** A payload whose bytes a JSON parse + stringify would change (spacing, escapes, key order, unicode). */
export function eventPayload(id = 'evt_adapter_1'): string {
  return `{\n  "id": "${id}",  "object": "event", "type": "customer.created",\n  "data": {"object": {"id": "cus_1", "name": "Zoë \\u00e9 \\/ x", "z": 1, "a": 2.50}}\n}`;
}

export function signedHeaders(payload: string, secret = TEST_SECRET): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret }),
  };
}

export interface RecordingReceiver extends WebhookReceiver {
  received: { body: Buffer; headers: WebhookHeaders }[];
}

export function verifyingReceiver(secret = TEST_SECRET): RecordingReceiver {
  const received: RecordingReceiver['received'] = [];
  return {
    received,
    webhooks: {
      handle: async (rawBody, headers) => {
        const body = Buffer.from(rawBody);
        received.push({ body, headers });
        try {
          const event = stripe.webhooks.constructEvent(body, headers['stripe-signature'] ?? '', secret);
          return {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ received: event.id }),
          };
        } catch (error) {
          return {
            status: 400,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ error: { code: 'signature_invalid', message: (error as Error).message } }),
          };
        }
      },
    },
  };
}
