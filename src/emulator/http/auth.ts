// API keys (stripe-api.md §1.2): Bearer or Basic; any `sk_test_…` / `rk_test_…` key is accepted.
// A missing, malformed, publishable or live key gets Stripe's 401 body; live keys are refused
// explicitly so nobody points production credentials at a local emulator.
import { authenticationError, type StripeApiError } from '../core/errors.js';

const KEY_SHAPE = /^(sk|rk|pk)_(test|live)_[A-Za-z0-9_]{1,247}$/;

/** `sk_test_****************1234`: prefix and last four kept, as Stripe masks keys in messages. */
export function maskKey(key: string): string {
  const prefix = /^[a-z]{2}_(test|live)_/.exec(key)?.[0] ?? '';
  const tail = key.length - prefix.length > 4 ? key.slice(-4) : '';
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - tail.length))}${tail}`;
}

function keyFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space < 0) return header.trim() || null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || null;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon < 0 ? decoded : decoded.slice(0, colon)) || null;
  }
  return value || null;
}

/** Returns the error to send, or null when the key is acceptable. */
export function checkAuthorization(header: string | undefined): StripeApiError | null {
  const key = keyFromHeader(header);
  if (key === null) {
    return authenticationError(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  if (/\s/.test(key)) {
    return authenticationError(
      'Invalid API Key provided: This key contains at least one space. Please delete the spaces and try again.',
      'api_key_invalid',
    );
  }
  const shape = KEY_SHAPE.exec(key);
  if (!shape) return authenticationError(`Invalid API Key provided: ${maskKey(key)}`, 'api_key_invalid');
  if (shape[2] === 'live') {
    return authenticationError(
      `Invalid API Key provided: ${maskKey(key)}. The Coffer emulator only accepts test-mode keys (sk_test_… or rk_test_…); never use a live key with it.`,
      'api_key_invalid',
    );
  }
  if (shape[1] === 'pk') {
    return authenticationError(
      'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
      'api_key_invalid',
    );
  }
  return null;
}
