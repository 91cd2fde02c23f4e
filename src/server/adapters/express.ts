// Express (4 and 5). Mount it BEFORE any global body parser:
//   app.post('/webhooks/stripe', expressWebhook(billing)); app.use(express.json());
// It reads the raw stream itself (express.raw semantics, 1 MB cap). When a parser ran first it uses
// the bytes that parser kept — `express.raw()` (req.body is a Buffer) or
// `express.json({ verify: keepRawBody })` (req.rawBody) — and otherwise fails loudly, because
// re-serialised JSON can never match Stripe's signature.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLargeError, RawBodyLostError } from '../http-errors.js';
import type { WebhookReceiver } from '../types.js';
import { writeNodeResult } from './node.js';
import { headersOf, limitOf, readNodeBody, receive, type WebhookAdapterOptions } from './receive.js';

type ExpressRequest = IncomingMessage & { body?: unknown; rawBody?: unknown };
type Next = (error?: unknown) => void;

export type ExpressWebhookMiddleware = (req: ExpressRequest, res: ServerResponse, next: Next) => void;

/** `express.json({ verify: keepRawBody })` keeps the untouched bytes on `req.rawBody` for every route. */
export function keepRawBody(req: IncomingMessage, _res: ServerResponse, buffer: Buffer): void {
  (req as ExpressRequest).rawBody = buffer;
}

export function expressWebhook(
  billing: WebhookReceiver,
  options: WebhookAdapterOptions = {},
): ExpressWebhookMiddleware {
  const limit = limitOf(options);
  const read = async (req: ExpressRequest): Promise<Uint8Array> => {
    if (Buffer.isBuffer(req.rawBody)) return checked(req.rawBody, limit);
    if (Buffer.isBuffer(req.body)) return checked(req.body, limit);
    if (req.readableEnded)
      throw new RawBodyLostError(
        'mount expressWebhook() before express.json(), or use express.json({ verify: keepRawBody })',
      );
    return readNodeBody(req, limit);
  };
  return function expressWebhookMiddleware(req, res, next) {
    receive(billing, () => read(req), headersOf(req.headers), options)
      .then((result) => writeNodeResult(res, result))
      .catch(next);
  };
}

function checked(body: Buffer, limit: number): Buffer {
  if (body.length > limit) throw new PayloadTooLargeError(limit);
  return body;
}
