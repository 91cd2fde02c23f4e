// The webhook pipeline: verify → store → acknowledge (intake), then claim → ordering gate → mirror →
// projections → handlers once → retry / dead-letter (worker). `createWebhookPipeline` wires the pieces together;
// docs/webhooks.md describes the guarantees.
import type Stripe from 'stripe';
import { type Clock, systemClock } from '../../shared/clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { type Logger, silentLogger } from '../../shared/logger.js';
import { type Repeating, repeatEvery } from '../../shared/repeat.js';
import { createMirrorWriter, defaultMappers, mapperRegistry, type ObjectMapper } from '../mirror/index.js';
import { run } from '../mirror/sql.js';
import type { Store } from '../store/index.js';
import { createHandlerRegistry, type EventHandler, type HandlerOptions } from './handlers.js';
import {
  createIntake,
  eventRow,
  type IncomingHeaders,
  type IntakeOptions,
  type WebhookResponse,
} from './intake.js';
import { createProjectionRegistry, type Projection } from './projections.js';
import { createEventQueue } from './queue.js';
import { emptyStats, type WebhookStats } from './stats.js';
import { type Alert, createWorker, HEARTBEAT_EVERY_MS, type WorkerOptions } from './worker.js';

export type { EventHandler, HandlerContext, HandlerOptions } from './handlers.js';
export type { IncomingHeaders, IntakeOptions, WebhookResponse } from './intake.js';
export type { Projection, ProjectionChange } from './projections.js';
export type { WebhookStats } from './stats.js';
export { DEFAULT_TOLERANCE_SECONDS, type VerifyResult, verifySignature } from './verify.js';
export { type Alert, backoffDelay, type WorkerOptions } from './worker.js';

/** Events younger than this are never pruned (Stripe keeps them listable for 30 days). */
const MIN_RETENTION_DAYS = 31;
/** Rows per DELETE, so a first prune of a large table holds no lock or transaction for long. */
const PRUNE_BATCH = 5_000;
const DAY_MS = 86_400_000;

export interface WebhookPipelineDeps {
  store: Store;
  stripe: Stripe;
  /** Signing secrets (`whsec_…`); several during rotation, any one may match. */
  webhookSecrets: string[];
  logger?: Logger;
  clock?: Clock;
  onAlert?: (alert: Alert) => void;
  worker?: WorkerOptions;
  intake?: IntakeOptions;
  /** Mirrored object types; defaults to every built-in mapper. */
  mappers?: readonly ObjectMapper[];
  /** Refetches (ties in the ordering gate) per second. Default 20. */
  refetchesPerSecond?: number;
}

export interface WebhookHealth {
  /** Events stored and not yet processed (pending or being processed). */
  queueDepth: number;
  deadLetters: number;
  /** Seconds since the newest event was received, or null when none was. */
  lastEventAgeSeconds: number | null;
  /** Seconds since Stripe created the oldest unprocessed event, or null when the queue is empty. */
  oldestPendingSeconds: number | null;
  /** A worker — this process's, or another's heartbeat in the last ~16 s — is alive. */
  workerAlive: boolean;
  /** Workers in any process that reported recently (a stopped worker removes itself). */
  liveWorkers: number;
}

export interface WebhookPipeline {
  /** Verify, persist, acknowledge. Never parses JSON before the signature is verified. */
  handle(rawBody: string | Uint8Array, headers: IncomingHeaders): Promise<WebhookResponse>;
  /** Register an app handler, run exactly once per event (side-effect ledger). '*' = every event. */
  on(type: string, handler: EventHandler, options?: HandlerOptions): () => void;
  /** Keep derived state in step with the mirror, once per worker batch and without a ledger. */
  project(projection: Projection): () => void;
  worker: {
    start(): void;
    /** Stops claiming and waits for the events in flight. */
    stop(): Promise<void>;
    /** Processes everything available now; returns how many events were claimed. */
    processAvailable(): Promise<number>;
  };
  /** Processes one stored event again now (any state); throws if it fails again. */
  replay(eventId: string): Promise<void>;
  /** Requeues every dead-lettered event with a fresh attempt budget; returns how many. */
  replayFailed(): Promise<number>;
  health(): Promise<WebhookHealth>;
  /** Feed an event obtained from the Events API through the same pipeline (used by catch-up). */
  ingest(event: Stripe.Event, source: 'events_api' | 'replay'): Promise<'stored' | 'duplicate'>;
  /**
   * Deletes processed events (and their ledger rows) received more than `olderThanDays` ago; dead
   * letters stay. At least 31 days, so no event Stripe may still send or list can come back unseen.
   */
  prune(options: { olderThanDays: number; batchSize?: number }): Promise<number>;
  /**
   * `prune` now and every `everyMs` (default a day) until stopped; failures are logged and the next
   * run tries again. Refuses a retention under 31 days at once.
   */
  schedulePrune(options: { olderThanDays: number; everyMs?: number }): Repeating;
  /** Counters since this pipeline was created. */
  readonly stats: Readonly<WebhookStats>;
}

function checkRetention(olderThanDays: number): void {
  if (!Number.isFinite(olderThanDays) || olderThanDays < MIN_RETENTION_DAYS) {
    throw new ValidationError(
      `olderThanDays must be at least ${MIN_RETENTION_DAYS}: Stripe lists events for 30 days and catch-up would bring younger ones back`,
      'olderThanDays',
    );
  }
}

export function createWebhookPipeline(deps: WebhookPipelineDeps): WebhookPipeline {
  const secrets = deps.webhookSecrets.filter((s) => typeof s === 'string' && s.trim() !== '');
  if (secrets.length === 0)
    throw new ValidationError('at least one webhook signing secret is required', 'webhookSecrets');
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;
  const stats = emptyStats();

  /** Deletes in batches of `batchSize` (oldest first) until none is left; returns how many. */
  const prune = async ({
    olderThanDays,
    batchSize = PRUNE_BATCH,
  }: {
    olderThanDays: number;
    batchSize?: number;
  }) => {
    checkRetention(olderThanDays);
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ValidationError(`batchSize must be a positive integer, got ${batchSize}`, 'batchSize');
    let total = 0;
    for (;;) {
      const deleted = await run<{ id: string }>(
        deps.store,
        `with doomed as (
           select id from webhook_events
            where status = 'processed' and received_at < now() - $1::float8 * interval '1 day'
            order by received_at limit $2)
         delete from webhook_events e using doomed where e.id = doomed.id returning e.id`,
        [olderThanDays, batchSize],
      );
      total += deleted.length;
      if (deleted.length < batchSize) break;
    }
    logger.info({ count: total, olderThanDays }, 'processed webhook events pruned');
    return total;
  };
  const intakeOptions = deps.intake ?? {};
  const queue = createEventQueue(deps.store, {
    ...(intakeOptions.maxBatch === undefined ? {} : { maxBatch: intakeOptions.maxBatch }),
    ...(intakeOptions.maxConcurrentWrites === undefined || deps.store.kind === 'pglite'
      ? {}
      : { maxInFlight: intakeOptions.maxConcurrentWrites }),
  });
  const handlers = createHandlerRegistry(deps.store);
  const projections = createProjectionRegistry();
  const writer = createMirrorWriter({
    // The worker's mirror writes are redone by a retry if a crash loses them (see Store.relaxed).
    store: deps.store.relaxed,
    stripe: deps.stripe,
    registry: mapperRegistry(deps.mappers ?? defaultMappers),
    logger,
    clock,
    ...(deps.refetchesPerSecond === undefined ? {} : { refetchesPerSecond: deps.refetchesPerSecond }),
    onRefetch: () => {
      stats.refetches++;
    },
  });
  const workerOptions = deps.worker ?? {};
  const worker = createWorker({
    queue,
    writer,
    handlers,
    projections,
    logger,
    clock,
    stats,
    options: workerOptions,
    alert: (alert) => {
      logger.error({ alert: alert.kind, eventId: alert.eventId }, alert.message);
      try {
        deps.onAlert?.(alert);
      } catch (error) {
        logger.error(
          { error: error instanceof Error ? error.message : String(error) },
          'the onAlert hook threw',
        );
      }
    },
  });
  const handle = createIntake({
    queue,
    secrets,
    clock,
    logger,
    stats,
    options: intakeOptions,
    onStored: () => worker.wake(),
  });
  const aliveWindowMs = Math.max(30_000, (workerOptions.pollMs ?? 1_000) * 3);

  return {
    handle,
    on: (type, handler, options) => handlers.on(type, handler, options),
    project: (projection) => projections.add(projection),
    worker: {
      start: () => worker.start(),
      stop: () => worker.stop(),
      processAvailable: () => worker.processAvailable(),
    },
    async replay(eventId) {
      if (await worker.processOne(eventId)) return;
      if (!(await queue.exists(eventId))) throw new NotFoundError(`no stored webhook event ${eventId}`);
      throw new ConflictError(`event ${eventId} is being processed by a worker right now`);
    },
    async replayFailed() {
      const ids = await queue.requeueDead();
      logger.info({ count: ids.length }, 'dead-lettered webhook events requeued');
      if (worker.running) worker.wake();
      else if (ids.length > 0) await worker.processAvailable();
      return ids.length;
    },
    async health() {
      const [row] = await run<{ depth: number; dead: number; last: Date | null; oldest: number | null }>(
        deps.store,
        `select
           (select count(*)::int from webhook_events where status in ('pending', 'processing')) as depth,
           (select count(*)::int from webhook_events where status = 'dead') as dead,
           (select max(received_at) from webhook_events) as last,
           (select min(created) from webhook_events where status in ('pending', 'processing')) as oldest`,
      );
      const now = clock.now();
      // A worker started in this process is alive until a round takes far longer than it should.
      const localAlive =
        worker.running &&
        (worker.lastTick === null ||
          now - worker.lastTick < aliveWindowMs + (workerOptions.leaseMs ?? 60_000));
      const liveWorkers = await queue.liveWorkers(3 * HEARTBEAT_EVERY_MS + (workerOptions.pollMs ?? 1_000));
      const last = row?.last ? new Date(row.last).getTime() : null;
      return {
        queueDepth: row?.depth ?? 0,
        deadLetters: row?.dead ?? 0,
        lastEventAgeSeconds: last === null ? null : Math.max(0, Math.round((now - last) / 1000)),
        oldestPendingSeconds: row?.oldest == null ? null : Math.max(0, Math.round(now / 1000 - row.oldest)),
        workerAlive: localAlive || liveWorkers > 0,
        liveWorkers,
      };
    },
    async ingest(event, source) {
      const row = eventRow(event, JSON.stringify(event), source);
      if (typeof row === 'string') throw new ValidationError(`cannot ingest event: ${row}`, 'event');
      const outcome = await queue.enqueue(row);
      if (outcome === 'stored') {
        stats.ingested++;
        worker.wake();
      }
      return outcome;
    },
    prune: (options) => prune(options),
    schedulePrune({ olderThanDays, everyMs = DAY_MS }) {
      checkRetention(olderThanDays);
      return repeatEvery(async () => {
        try {
          await prune({ olderThanDays });
        } catch (error) {
          logger.error(
            { error: error instanceof Error ? error.message : String(error), olderThanDays },
            'scheduled prune of webhook events failed',
          );
        }
      }, everyMs);
    },
    get stats() {
      return { ...stats };
    },
  };
}
