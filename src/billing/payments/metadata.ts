// Metadata checks (Stripe's limits) and the keys Coffer always sets (seed rule 5: `user_id` on every
// object it creates), so a bad key fails here with its name instead of as a Stripe 400.
import { ValidationError } from '../../shared/errors.js';

const MAX_KEYS = 50;
const MAX_KEY_LENGTH = 40;
const MAX_VALUE_LENGTH = 500;

/** The caller's metadata merged with Coffer's own keys, which the caller may not contradict. */
export function withMetadata(
  metadata: unknown,
  own: Record<string, string>,
  field = 'metadata',
): Record<string, string> {
  if (metadata === undefined || metadata === null) return { ...own };
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ValidationError(`${field} must be an object of string values`, field);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata as Record<string, unknown>)) {
    const name = `${field}.${key}`;
    if (key === '' || key.length > MAX_KEY_LENGTH || /[[\]]/.test(key)) {
      throw new ValidationError(`${name}: keys must be 1-${MAX_KEY_LENGTH} characters without [ or ]`, field);
    }
    if (typeof value !== 'string') throw new ValidationError(`${name} must be a string`, name);
    if (value.length > MAX_VALUE_LENGTH) {
      throw new ValidationError(`${name} must be at most ${MAX_VALUE_LENGTH} characters`, name);
    }
    if (key in own && own[key] !== value) {
      throw new ValidationError(
        `${name} is set by Coffer and must not differ from ${JSON.stringify(own[key])}`,
        name,
      );
    }
    out[key] = value;
  }
  const merged = { ...out, ...own };
  if (Object.keys(merged).length > MAX_KEYS) {
    throw new ValidationError(`${field} may hold at most ${MAX_KEYS} keys including Coffer's own`, field);
  }
  return merged;
}

/** An optional free-text field with a length limit. */
export function optionalText(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) {
    throw new ValidationError(`${field} must be a string of at most ${max} characters`, field);
  }
  return value;
}

/** A Stripe object id with the expected prefix, e.g. `pi_…`. */
export function validateStripeId(value: unknown, prefix: string, field: string): string {
  if (typeof value !== 'string' || !value.startsWith(prefix) || !/^[A-Za-z0-9_]+$/.test(value)) {
    throw new ValidationError(`${field} must be a Stripe id starting with ${prefix}`, field);
  }
  return value;
}
