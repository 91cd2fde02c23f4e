// What every adapter shares: the 1 MB cap, reading a body without ever decoding it, turning any
// header shape into lower-case strings, and handing the bytes to the webhook pipeline.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { httpErrorOf, PayloadTooLargeError } from '../http-errors.js';
import type { WebhookHeaders, WebhookReceiver, WebhookResult } from '../types.js';

/** Stripe's events are far below this; anything larger is refused with 413 before it is read in full. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export interface WebhookAdapterOptions {
  /** Body size cap in bytes; default 1 MB. */
  limit?: number;
  /** Called with errors the pipeline threw (the client gets a plain 500/503). */
  onError?: (error: unknown) => void;
}

export function headersOf(headers: IncomingHttpHeaders | Headers): WebhookHeaders {
  const out: WebhookHeaders = {};
  if (headers instanceof Headers) {
    headers.forEach((value, name) => {
      out[name.toLowerCase()] = value;
    });
    return out;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Refuses early when the client announces a body over the cap. */
export function checkDeclaredLength(declared: string | null | undefined, limit: number): void {
  if (declared && Number(declared) > limit) throw new PayloadTooLargeError(limit);
}

/** Reads a Node request stream into one Buffer, stopping at the cap. */
export async function readNodeBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  checkDeclaredLength(req.headers['content-length'], limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) throw new PayloadTooLargeError(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

/** Reads a web `Request` body into bytes, stopping at the cap. */
export async function readWebBody(request: Request, limit: number): Promise<Uint8Array> {
  checkDeclaredLength(request.headers.get('content-length'), limit);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** Passes the exact bytes to the pipeline; its own failures become JSON 500/503 answers. */
export async function deliver(
  billing: WebhookReceiver,
  rawBody: Uint8Array | string,
  headers: WebhookHeaders,
  options: WebhookAdapterOptions = {},
): Promise<WebhookResult> {
  try {
    return await billing.webhooks.handle(rawBody, headers);
  } catch (error) {
    options.onError?.(error);
    return errorResult(error);
  }
}

export function errorResult(error: unknown): WebhookResult {
  const { status, body } = httpErrorOf(error);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (error instanceof PayloadTooLargeError) Object.assign(headers, CLOSE_AFTER_REFUSING_BODY);
  return { status, headers, body: JSON.stringify(body) };
}

/**
 * Sent with every 413: the refused body was not read to its end, so the connection cannot carry another
 * request. Without it a keep-alive client reuses the socket and its next request fails ("other side
 * closed") when the server drops the unread rest.
 */
export const CLOSE_AFTER_REFUSING_BODY = { connection: 'close' } as const;

/** Reads a body with `read`, answering 413 (or the pipeline's own answer) as a WebhookResult. */
export async function receive(
  billing: WebhookReceiver,
  read: () => Promise<Uint8Array | string>,
  headers: WebhookHeaders,
  options: WebhookAdapterOptions = {},
): Promise<WebhookResult> {
  let body: Uint8Array | string;
  try {
    body = await read();
  } catch (error) {
    if (!(error instanceof PayloadTooLargeError)) options.onError?.(error);
    return errorResult(error);
  }
  return deliver(billing, body, headers, options);
}

export const limitOf = (options: WebhookAdapterOptions): number => options.limit ?? MAX_WEBHOOK_BYTES;
