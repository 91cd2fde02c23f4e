// Plain `node:http`: `http.createServer(nodeWebhookHandler(billing))`, or call it from any
// (req, res) framework that leaves the request stream unread.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookReceiver, WebhookResult } from '../types.js';
import { headersOf, limitOf, readNodeBody, receive, type WebhookAdapterOptions } from './receive.js';

export type NodeWebhookHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function nodeWebhookHandler(
  billing: WebhookReceiver,
  options: WebhookAdapterOptions = {},
): NodeWebhookHandler {
  const limit = limitOf(options);
  return async function nodeWebhook(req, res) {
    const result = await receive(billing, () => readNodeBody(req, limit), headersOf(req.headers), options);
    writeNodeResult(res, result);
  };
}

export function writeNodeResult(res: ServerResponse, result: WebhookResult): void {
  res.statusCode = result.status;
  for (const name in result.headers) res.setHeader(name, result.headers[name] as string);
  // Headers not written yet: Node sends the body with a Content-Length instead of chunked.
  res.end(result.body);
}
