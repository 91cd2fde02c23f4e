// Metadata: up to 50 keys, keys ≤ 40 characters without square brackets, values ≤ 500 characters
// (stripe-api.md §1.12). `metadata=` clears all keys; `metadata[k]=` deletes one key.
import type Stripe from 'stripe';
import { invalidRequest } from './errors.js';
import { Param } from './params.js';

const MAX_KEYS = 50;
const MAX_KEY_LENGTH = 40;
const MAX_VALUE_LENGTH = 500;

/** The metadata parameter: `null` means clear all; a value of '' deletes that key. */
export const metadataParam = (): Param<Record<string, string> | null> =>
  new Param<Record<string, string> | null>(
    (value, path) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw invalidRequest(
          `Invalid hash for ${path}: metadata must be a set of key-value pairs`,
          undefined,
          path,
        );
      }
      const out: Record<string, string> = {};
      for (const [key, v] of Object.entries(value)) {
        if (key.length > MAX_KEY_LENGTH) {
          throw invalidRequest(
            `Metadata keys can have up to ${MAX_KEY_LENGTH} characters; '${key}' has ${key.length}.`,
            undefined,
            `${path}[${key}]`,
          );
        }
        if (key.includes('[') || key.includes(']')) {
          throw invalidRequest(`Metadata keys cannot contain '[' or ']': '${key}'.`, undefined, path);
        }
        if (v !== null && typeof v === 'object') {
          throw invalidRequest(
            `Invalid string for ${path}[${key}]: metadata values must be strings`,
            undefined,
            `${path}[${key}]`,
          );
        }
        const s = v === null || v === undefined ? '' : String(v);
        if (s.length > MAX_VALUE_LENGTH) {
          throw invalidRequest(
            `Metadata values can have up to ${MAX_VALUE_LENGTH} characters; the value of '${key}' has ${s.length}.`,
            undefined,
            `${path}[${key}]`,
          );
        }
        out[key] = s;
      }
      return out;
    },
    false,
    true,
  );

/** Applies a metadata patch to the current metadata, enforcing the key count on the result. */
export function applyMetadata(
  current: Stripe.Metadata,
  patch: Record<string, string> | null | undefined,
): Stripe.Metadata {
  if (patch === undefined) return current;
  if (patch === null) return {};
  const next: Stripe.Metadata = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === '') delete next[k];
    else next[k] = v;
  }
  if (Object.keys(next).length > MAX_KEYS) {
    throw invalidRequest(
      `Metadata can have up to ${MAX_KEYS} keys; this request would store ${Object.keys(next).length}.`,
      undefined,
      'metadata',
    );
  }
  return next;
}
