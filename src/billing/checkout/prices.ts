// Resolves a price lookup key (`pro_monthly`) to its price id, cached briefly: lookup keys let the
// catalogue change in Stripe without a deploy, and the cache keeps a busy pricing page off the API.
import type Stripe from 'stripe';
import type { Clock } from '../../shared/clock.js';
import { ValidationError } from '../../shared/errors.js';
import { callStripe } from '../stripe-client.js';

export const LOOKUP_CACHE_MS = 60_000;

export interface PriceResolver {
  /** The active price carrying `lookupKey`; throws a ValidationError naming `lookupKey` if none. */
  resolve(lookupKey: string): Promise<Stripe.Price>;
  clear(): void;
}

export function createPriceResolver(stripe: Stripe, clock: Clock, ttlMs = LOOKUP_CACHE_MS): PriceResolver {
  const cache = new Map<string, { price: Stripe.Price; at: number }>();
  return {
    async resolve(lookupKey) {
      if (typeof lookupKey !== 'string' || !/^[\w.:-]{1,200}$/.test(lookupKey)) {
        throw new ValidationError('lookupKey must be 1-200 letters, digits, _ . : -', 'lookupKey');
      }
      const hit = cache.get(lookupKey);
      if (hit && clock.now() - hit.at < ttlMs) return hit.price;
      const page = await callStripe('prices.list', () =>
        stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 }),
      );
      const price = page.data[0];
      if (!price) throw new ValidationError(`no active price has the lookup key "${lookupKey}"`, 'lookupKey');
      cache.set(lookupKey, { price, at: clock.now() });
      return price;
    },
    clear: () => cache.clear(),
  };
}
