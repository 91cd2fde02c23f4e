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
