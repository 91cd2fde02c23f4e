// Events in Stripe's v1 snapshot shape (stripe-api.md §6.1). `data.object` is the stored object
// itself: stored objects are never mutated, so the reference is the snapshot at event time.
import type Stripe from 'stripe';
import type { EmulatorClock } from './clock.js';
import { newId } from './ids.js';
import type { AccountStore, StoredObject } from './store.js';

export const API_VERSION = '2026-10-28.endive';

/** Where events go after being stored: the webhook deliverer. */
export interface EventSink {
  /** How many endpoints will receive this event (becomes `pending_webhooks`). */
  countTargets(accountId: string, type: string): number;
  deliver(accountId: string, event: Stripe.Event): void;
}

export interface EventRequest {
  id: string | null;
  idempotency_key: string | null;
}

export class Events {
  sink: EventSink | null = null;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly platformAccountId: string,
  ) {}

  /** Stores an event for `object` in `account` and hands it to the webhook sink. */
  emit(
    account: AccountStore,
    type: Stripe.Event.Type,
    object: StoredObject,
    request: EventRequest | null,
    previousAttributes?: Record<string, unknown>,
  ): Stripe.Event {
    const base: Stripe.EventBase = {
      id: newId('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: this.clock.seconds(),
      data: {
        object: object as unknown as Stripe.Event.Data.Object,
        ...(previousAttributes === undefined ? {} : { previous_attributes: previousAttributes }),
      },
      livemode: false,
      pending_webhooks: this.sink?.countTargets(account.id, type) ?? 0,
      request: request ?? { id: null, idempotency_key: null },
      type,
    };
    if (account.id !== this.platformAccountId) base.account = account.id;
    const event = base as Stripe.Event;
    account.insert(event);
    this.sink?.deliver(account.id, event);
    return event;
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `data.previous_attributes` for an update: the old values of the fields that changed; nested
 * objects (metadata, address) only list their changed keys, a key that did not exist before is null,
 * arrays are compared and reported whole.
 */
export function previousAttributes(before: object, after: object): Record<string, unknown> {
  const diff = (a: Json, b: Json): Json => {
    const out: Json = {};
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const old = a[key];
      const now = b[key];
      if (old === now) continue;
      if (isObject(old) && isObject(now)) {
        const inner = diff(old, now);
        if (Object.keys(inner).length > 0) out[key] = inner;
      } else if (JSON.stringify(old) !== JSON.stringify(now)) {
        out[key] = old === undefined ? null : old;
      }
    }
    return out;
  };
  return diff(before as Json, after as Json);
}
