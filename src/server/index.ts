// `coffer/server`: the standalone service and the framework adapters for the webhook route.
export * from './adapters/index.js';
export type { WebhookHandle, WebhookHeaders, WebhookReceiver, WebhookResult } from './types.js';
