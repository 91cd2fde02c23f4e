// Bearer-key authentication for the REST API. With no key configured the API is closed (503 naming
// COFFER_API_KEY), never open. Keys are compared through their SHA-256 digests so the comparison is
// constant-time whatever the lengths.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ConfigurationError } from '../shared/errors.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** The same floor as COFFER_API_KEY in the configuration: a short key is guessable. */
export const MIN_API_KEY_LENGTH = 16;

export function bearerAuth(apiKey: string | undefined): MiddlewareHandler {
  if (apiKey && apiKey.length < MIN_API_KEY_LENGTH) {
    throw new ConfigurationError([
      `apiKey (COFFER_API_KEY) must be at least ${MIN_API_KEY_LENGTH} characters; it has ${apiKey.length}`,
    ]);
  }
  const expected = apiKey ? digest(apiKey) : undefined;
  return async function requireApiKey(c, next) {
    if (!expected) {
      const message = `The REST API is disabled: set COFFER_API_KEY (${MIN_API_KEY_LENGTH}+ characters) to enable it`;
      return c.json({ error: { code: 'unavailable', message } }, 503);
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      c.header('www-authenticate', 'Bearer realm="coffer"');
      const message = match
        ? 'The API key is not valid'
        : 'Missing API key: send "Authorization: Bearer <COFFER_API_KEY>"';
      return c.json({ error: { code: 'unauthorized', message } }, 401);
    }
    await next();
  };
}
