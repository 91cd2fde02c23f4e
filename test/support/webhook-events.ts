// Helpers for webhook tests: signed deliveries (through the SDK's own test signer) and synthetic
// events for the cases a real flow cannot produce on demand (unknown types, chosen timestamps).
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

export const SECRET = 'whsec_test_primary_0123456789';
export const OTHER_SECRET = 'whsec_test_rotated_9876543210';

const sdk = new Stripe('sk_test_signing_only');

/** A Stripe-Signature header for the payload, signed with the SDK's test helper. */
export function signatureFor(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return sdk.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? SECRET,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
}

/** Body and headers of a delivery, as Stripe would send them. */
export function delivery(event: unknown, options: { secret?: string; timestamp?: number } = {}) {
  const body = JSON.stringify(event);
  return {
    body,
    headers: { 'stripe-signature': signatureFor(body, options), 'content-type': 'application/json' },
  };
}

let seq = 0;

/** A synthetic snapshot event carrying `object`. */
export function makeEvent(
  type: string,
  object: Record<string, unknown>,
  options: { id?: string; created?: number } = {},
): Stripe.Event {
  seq++;
  return {
    id: options.id ?? `evt_test_${randomBytes(6).toString('hex')}${seq}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: options.created ?? Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  } as unknown as Stripe.Event;
}
