import type { Store } from '../billing/store/index.js';

// The narrow slice of a Billing instance the server needs. Declared here (not imported) so the server
// depends only on behaviour: anything with these methods — the real `createBilling` result or an
// app's own wrapper — can be served.

/** What `billing.webhooks.handle` answers; written back to the HTTP client unchanged. */
export interface WebhookResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Request headers as the webhook pipeline reads them: lower-case names, one string each. */
export type WebhookHeaders = Record<string, string>;

export type WebhookHandle = (rawBody: Uint8Array | string, headers: WebhookHeaders) => Promise<WebhookResult>;

/** Anything that can receive a Stripe webhook delivery: the billing instance adapters are given. */
export interface WebhookReceiver {
  webhooks: { handle: WebhookHandle };
}

/** What `billing.webhooks.health()` reports; `/readyz` shows it. */
export interface WebhookHealth {
  queueDepth: number;
  deadLetters: number;
  lastEventAgeSeconds: number | null;
  /** Seconds since Stripe created the oldest unprocessed event. */
  oldestPendingSeconds?: number | null;
  workerAlive: boolean;
}

export interface EnsureCustomerInput {
  userId: string;
  email?: string | undefined;
  name?: string | undefined;
}

/** How a caller tells a retry from a deliberate new try (see docs/billing.md, Idempotency). */
export interface AttemptInput {
  operationId?: string | undefined;
  newAttempt?: boolean | undefined;
}

export interface CreateCheckoutInput extends AttemptInput {
  userId: string;
  price?: string | undefined;
  lookupKey?: string | undefined;
  quantity?: number | undefined;
  mode?: 'payment' | 'subscription' | undefined;
  successUrl: string;
  cancelUrl: string;
  metadata?: Record<string, string> | undefined;
}

export interface CreateIntentInput extends AttemptInput {
  userId: string;
  amount: number;
  currency: string;
  metadata?: Record<string, string> | undefined;
}

export interface RefundInput extends AttemptInput {
  amount?: number | undefined;
  reason?: 'duplicate' | 'fraudulent' | 'requested_by_customer' | undefined;
  metadata?: Record<string, string> | undefined;
}

/** The Billing surface the standalone service exposes over REST (`createBilling`'s result fits). */
export interface ServiceBilling {
  /** Checked by `/readyz` (reachable, migrations applied) unless the service is given its own probe. */
  store?: Store;
  webhooks: { handle: WebhookHandle; health(): Promise<WebhookHealth> };
  customers: {
    ensure(input: EnsureCustomerInput): Promise<unknown>;
    get(userId: string): Promise<unknown>;
  };
  checkout: {
    create(input: CreateCheckoutInput): Promise<unknown>;
    /** With `userId`, a session of another user reads as unknown. */
    status(sessionId: string, options?: { userId?: string }): Promise<unknown>;
  };
  payments: {
    createIntent(input: CreateIntentInput): Promise<unknown>;
    /** With `userId`, a payment of another user reads as unknown. */
    status(paymentIntentId: string, options?: { userId?: string }): Promise<unknown>;
    refund(paymentIntentId: string, input: RefundInput): Promise<unknown>;
  };
}
