// Fastify: `await app.register(fastifyWebhook(billing))` adds `POST /webhooks/stripe` (or `path`).
// The plugin is encapsulated, so its catch-all Buffer parser applies to the webhook route only and the
// app's JSON parser keeps working everywhere else. Do not wrap it in fastify-plugin.
import type { FastifyError, FastifyInstance } from 'fastify';
import { PayloadTooLargeError } from '../http-errors.js';
import type { WebhookReceiver } from '../types.js';
import { deliver, errorResult, headersOf, limitOf, type WebhookAdapterOptions } from './receive.js';

export interface FastifyWebhookOptions extends WebhookAdapterOptions {
  /** Route path; default `/webhooks/stripe`. */
  path?: string;
}

export function fastifyWebhook(
  billing: WebhookReceiver,
  options: FastifyWebhookOptions = {},
): (fastify: FastifyInstance) => Promise<void> {
  const limit = limitOf(options);
  return async function cofferWebhookPlugin(fastify) {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) =>
      done(null, body),
    );
    fastify.setErrorHandler((error: FastifyError, _request, reply) => {
      const result = errorResult(error.statusCode === 413 ? new PayloadTooLargeError(limit) : error);
      if (result.status !== 413) options.onError?.(error);
      return reply.code(result.status).headers(result.headers).send(result.body);
    });
    fastify.post(options.path ?? '/webhooks/stripe', async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const result = await deliver(billing, body, headersOf(request.headers), options);
      return reply.code(result.status).headers(result.headers).send(result.body);
    });
  };
}
