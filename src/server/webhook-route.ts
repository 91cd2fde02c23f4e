// `POST /webhooks/stripe` answered by the Node request listener before Hono sees it: the same adapter
// (`nodeWebhookHandler`), request id and log line as the Hono route, without building Hono's context,
// a web Request or a Response per delivery. Anything it does not recognise goes to Hono unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../shared/logger.js';
import { nodeWebhookHandler } from './adapters/node.js';
import { httpErrorOf } from './http-errors.js';
import { logRequest, REQUEST_ID_HEADER, requestIdOf } from './request-log.js';
import type { WebhookReceiver } from './types.js';

export const WEBHOOK_PATH = '/webhooks/stripe';

// A Host that @hono/node-server takes as it is (its own check); any other goes to Hono, which may refuse it.
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const QUERY = 63; // '?'

/** True for the requests the Hono app would route to the webhook handler as they are. */
export function isWebhookRequest(req: IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  if (!url.startsWith(WEBHOOK_PATH)) return false;
  if (url.length !== WEBHOOK_PATH.length && url.charCodeAt(WEBHOOK_PATH.length) !== QUERY) return false;
  const host = req.headers.host;
  return host !== undefined && PLAIN_HOST.test(host);
}

export type FastListener = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Returns a listener that answers the webhook route (true) or leaves the request alone (false). */
export function webhookFastPath(billing: WebhookReceiver, logger: Logger): FastListener {
  const webhook = nodeWebhookHandler(billing, {
    onError: (err) => logger.error({ err }, 'webhook handling failed'),
  });
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    try {
      await webhook(req, res);
    } catch (error) {
      // What the Hono app's onError does; the adapter itself answers every failure it knows.
      const { status, body } = httpErrorOf(error);
      if (status >= 500) logger.error({ err: error, requestId }, 'request error');
      if (!res.headersSent) {
        res.statusCode = status;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(body));
      }
    }
    logRequest(logger, { requestId, method: 'POST', path: WEBHOOK_PATH, status: res.statusCode, started });
  };
  return (req, res) => {
    if (!isWebhookRequest(req)) return false;
    // A logger that throws must not become an unhandled rejection (Hono would have answered 500).
    answer(req, res).catch(() => {
      if (res.headersSent) res.end();
      else res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"internal"}}');
    });
    return true;
  };
}
