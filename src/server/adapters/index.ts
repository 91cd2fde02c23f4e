export { type ExpressWebhookMiddleware, expressWebhook, keepRawBody } from './express.js';
export { type FastifyWebhookOptions, fastifyWebhook } from './fastify.js';
export { type FetchWebhookHandler, fetchWebhookHandler, honoWebhook, nextWebhookHandler } from './fetch.js';
export { type NodeWebhookHandler, nodeWebhookHandler } from './node.js';
export { MAX_WEBHOOK_BYTES, type WebhookAdapterOptions } from './receive.js';
