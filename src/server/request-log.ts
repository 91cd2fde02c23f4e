// One log line per request through the redacting logger: method, path, status, duration and the
// request id. Headers and bodies are never logged (they carry the API key and webhook signatures).
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../shared/logger.js';

/** The header hono/request-id reads and sets (its default), lower-case as Node hands it over. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** The request id hono/request-id would use: the client's when short and plain, else a new UUID. */
export function requestIdOf(given: string | string[] | undefined): string {
  const id = Array.isArray(given) ? given.join(', ') : given;
  return !id || id.length > 255 || /[^\w\-=]/.test(id) ? randomUUID() : id;
}

/** Writes the one line of a finished request (`started` from performance.now()). */
export function logRequest(
  logger: Logger,
  request: { requestId: string | undefined; method: string; path: string; status: number; started: number },
): void {
  const { started, ...rest } = request;
  const line = { ...rest, ms: Math.round((performance.now() - started) * 10) / 10 };
  if (line.status >= 500) logger.error(line, 'request failed');
  else logger.info(line, 'request');
}

export function requestLog(logger: Logger): MiddlewareHandler {
  return async function logRequestLine(c, next) {
    const started = performance.now();
    await next();
    logRequest(logger, {
      requestId: c.get('requestId' as never) as string | undefined,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      started,
    });
  };
}
