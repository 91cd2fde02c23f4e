// Fetch-style runtimes (web `Request` → `Response`): Next.js App Router route handlers, Hono,
// Bun, Deno, Cloudflare Workers. In Next.js: `export const POST = nextWebhookHandler(billing);`
// in `app/webhooks/stripe/route.ts` — route handlers never parse the body themselves, so the raw
// bytes arrive intact (the Pages Router's API routes do parse: there, disable `bodyParser`).
import type { Context } from 'hono';
import { PayloadTooLargeError } from '../http-errors.js';
import type { WebhookReceiver, WebhookResult } from '../types.js';
import { headersOf, limitOf, readWebBody, receive, type WebhookAdapterOptions } from './receive.js';

export type FetchWebhookHandler = (request: Request) => Promise<Response>;

export function toResponse(result: WebhookResult): Response {
  return new Response(result.body, { status: result.status, headers: result.headers });
}

export function fetchWebhookHandler(
  billing: WebhookReceiver,
  options: WebhookAdapterOptions = {},
): FetchWebhookHandler {
  const limit = limitOf(options);
  return async function fetchWebhook(request) {
    const read = () => readWebBody(request, limit);
    return toResponse(await receive(billing, read, headersOf(request.headers), options));
  };
}

/** The Next.js App Router route handler: `export const POST = nextWebhookHandler(billing)`. */
export const nextWebhookHandler = fetchWebhookHandler;

/** Hono: `app.post('/webhooks/stripe', honoWebhook(billing))`. */
export function honoWebhook(
  billing: WebhookReceiver,
  options: WebhookAdapterOptions = {},
): (c: Context) => Promise<Response> {
  const limit = limitOf(options);
  const read = async (c: Context): Promise<Uint8Array> => {
    // A middleware that already read the body left it in Hono's cache; arrayBuffer() returns those bytes.
    if (!c.req.raw.bodyUsed) return readWebBody(c.req.raw, limit);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > limit) throw new PayloadTooLargeError(limit);
    return bytes;
  };
  return async function honoWebhookHandler(c) {
    return toResponse(await receive(billing, () => read(c), headersOf(c.req.raw.headers), options));
  };
}
