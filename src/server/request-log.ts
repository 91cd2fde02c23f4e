// One log line per request through the redacting logger: method, path, status, duration and the
// request id. Headers and bodies are never logged (they carry the API key and webhook signatures).
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../shared/logger.js';

export function requestLog(logger: Logger): MiddlewareHandler {
  return async function logRequest(c, next) {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const line = {
      requestId: c.get('requestId' as never) as string | undefined,
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    };
    if (status >= 500) logger.error(line, 'request failed');
    else logger.info(line, 'request');
  };
}
