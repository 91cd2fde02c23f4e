// Stripe-looking ids: a prefix and random base62 characters. Randomness comes from a pooled buffer so
// the hot path does not call into the kernel for every id.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

/** `length` random base62 characters (modulo bias is irrelevant for test ids). */
export function randomChars(length: number): string {
  if (offset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[pool[offset++]! % 62];
  return out;
}

/** `newId('cus')` → `cus_3Qx…` (24 random characters, like Stripe's current ids). */
export const newId = (prefix: string, length = 24): string => `${prefix}_${randomChars(length)}`;

export const newRequestId = (): string => newId('req', 14);
