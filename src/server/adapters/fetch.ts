// Fetch-style runtimes (web `Request` → `Response`): Next.js App Router route handlers, Hono,
// Bun, Deno, Cloudflare Workers. In Next.js: `export const POST = nextWebhookHandler(billing);`
// in `app/webhooks/stripe/route.ts` — route handlers never parse the body themselves, so the raw
// bytes arrive intact (the Pages Router's API routes do parse: there, disable `bodyParser`).
import { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { PayloadTooLargeError } from '../http-errors.js';
import type { WebhookReceiver, WebhookResult } from '../types.js';
import {
  headersOf,
  limitOf,
  readNodeBody,
  readWebBody,
  receive,
  type WebhookAdapterOptions,
} from './receive.js';

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
    // On @hono/node-server the Node request is at hand: reading it directly skips building a web
    // Request, its Headers and a ReadableStream per delivery (the costliest part of the route).
    const incoming = nodeIncoming(c);
    if (incoming && !c.req.raw.bodyUsed) return readNodeBody(incoming, limit);
    // A middleware that already read the body left it in Hono's cache; arrayBuffer() returns those bytes.
    if (!c.req.raw.bodyUsed) return readWebBody(c.req.raw, limit);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > limit) throw new PayloadTooLargeError(limit);
    return bytes;
  };
  return async function honoWebhookHandler(c) {
    const headers = headersOf(nodeIncoming(c)?.headers ?? c.req.raw.headers);
    const result = await receive(billing, () => read(c), headers, options);
    // Through the context, so headers the app's middleware set before (X-Request-Id) are kept.
    return c.body(result.body, result.status as ContentfulStatusCode, result.headers);
  };
}

/** The untouched Node request @hono/node-server passes as `c.env.incoming`, if any. */
function nodeIncoming(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage && !incoming.readableDidRead ? incoming : undefined;
}
