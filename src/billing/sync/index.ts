// Catch-up (Events API from a stored cursor, through the pipeline) and backfill (list every mirrored
// type, through the same mappers and ordering gate). `coffer sync` and the scheduled catch-up use these.
import type Stripe from 'stripe';
import { type Clock, systemClock } from '../../shared/clock.js';
import { type Logger, silentLogger } from '../../shared/logger.js';
import { repeatEvery } from '../../shared/repeat.js';
import {
  createMirrorWriter,
  createTokenBucket,
  defaultMappers,
  mapperRegistry,
  type ObjectMapper,
} from '../mirror/index.js';
import type { Store } from '../store/index.js';
import type { WebhookPipeline } from '../webhooks/index.js';
import { type BackfillOptions, type BackfillResult, backfill, backfillKey } from './backfill.js';
import {
  type CatchUpOptions,
  type CatchUpResult,
  catchUp,
  EVENTS_CURSOR_KEY,
  type EventsCursor,
} from './catch-up.js';
import { readState } from './state.js';

export type { BackfillOptions, BackfillProgress, BackfillResult, BackfillTypeResult } from './backfill.js';
export type { CatchUpOptions, CatchUpResult, EventsCursor } from './catch-up.js';

export interface SyncDeps {
  store: Store;
  stripe: Stripe;
  pipeline: Pick<WebhookPipeline, 'ingest'>;
  logger?: Logger;
  clock?: Clock;
  mappers?: readonly ObjectMapper[];
  /** Events API requests per second during catch-up. Default 20. */
  requestsPerSecond?: number;
}

export interface Sync {
  catchUp(options?: CatchUpOptions): Promise<CatchUpResult>;
  /**
   * Runs `catchUp` now and then every `everyMs` (default 5 min) until the returned stop is called;
   * a pass that finds events the webhooks missed is logged as a warning.
   */
  scheduleCatchUp(options?: { everyMs?: number }): { stop(): Promise<void> };
  backfill(options?: BackfillOptions): Promise<BackfillResult>;
  /** Where catch-up and each backfill type stand. */
  status(): Promise<{
    eventsCursor: EventsCursor | null;
    backfill: Record<string, { fetched: number; complete: boolean } | null>;
  }>;
  /** The mirrored object types, for `coffer sync --type`. */
  readonly types: readonly string[];
}

export function createSync(deps: SyncDeps): Sync {
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;
  const registry = mapperRegistry(deps.mappers ?? defaultMappers);
  const types = [...registry.keys()];
  const runCatchUp = (options?: CatchUpOptions) =>
    catchUp(
      {
        store: deps.store,
        stripe: deps.stripe,
        pipeline: deps.pipeline,
        logger,
        clock,
        bucket: createTokenBucket(deps.requestsPerSecond ?? 20),
      },
      options,
    );
  return {
    types,
    catchUp: runCatchUp,
    scheduleCatchUp({ everyMs = 300_000 } = {}) {
      return repeatEvery(async () => {
        try {
          const result = await runCatchUp();
          if (result.stored > 0) {
            logger.warn({ missed: result.stored }, 'catch-up found events the webhooks did not deliver');
          }
        } catch (error) {
          logger.error(
            { error: error instanceof Error ? error.message : String(error) },
            'scheduled catch-up failed',
          );
        }
      }, everyMs);
    },
    backfill: (options = {}) => {
      // One bucket per run for every request it makes: list pages, and the refetches that settle ties
      // (the run's own writer takes its tokens from it).
      const bucket = createTokenBucket(options.requestsPerSecond ?? 20);
      const writer = createMirrorWriter({
        store: deps.store,
        stripe: deps.stripe,
        registry,
        logger,
        clock,
        refetchBucket: bucket,
      });
      return backfill({ store: deps.store, stripe: deps.stripe, writer, logger, clock, bucket }, options);
    },
    async status() {
      const eventsCursor = (await readState<EventsCursor>(deps.store, EVENTS_CURSOR_KEY)) ?? null;
      const entries = await Promise.all(
        types.map(
          async (t) =>
            [
              t,
              (await readState<{ fetched: number; complete: boolean }>(deps.store, backfillKey(t))) ?? null,
            ] as const,
        ),
      );
      return { eventsCursor, backfill: Object.fromEntries(entries) };
    },
  };
}
