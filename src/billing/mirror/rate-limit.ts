// A token bucket: at most `perSecond` operations per second on average, bursts up to `burst`.
// Used to keep refetches and backfill pages under Stripe's request-rate limits.
import { type Clock, systemClock } from '../../shared/clock.js';

export interface TokenBucket {
  /** Resolves when a token is available (and takes it). */
  take(): Promise<void>;
}

export function createTokenBucket(
  perSecond: number,
  options: { burst?: number; clock?: Clock } = {},
): TokenBucket {
  if (!(perSecond > 0)) throw new RangeError(`requests per second must be positive, got ${perSecond}`);
  const clock = options.clock ?? systemClock;
  const burst = options.burst ?? Math.max(1, Math.ceil(perSecond));
  let tokens = burst;
  let last = clock.now();
  let queue: Promise<void> = Promise.resolve();

  const refill = () => {
    const now = clock.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * perSecond);
    last = now;
  };

  const takeOne = async () => {
    refill();
    while (tokens < 1) {
      const waitMs = Math.ceil(((1 - tokens) / perSecond) * 1000);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      refill();
    }
    tokens -= 1;
  };

  return {
    // Callers queue in order so none starves.
    take() {
      const turn = queue.then(takeOne);
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}
