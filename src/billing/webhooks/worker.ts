// The worker: claims batches of stored events (SKIP LOCKED, with a lease), applies each event's
// object to the mirror through the ordering gate, refreshes the projections once per batch, runs the
// app's handlers once through the ledger, and on failure schedules a retry with exponential backoff
// and jitter, or dead-letters the event. Events of one object in a batch run in `created` order;
// different objects run concurrently.
import { hostname } from 'node:os';
import type Stripe from 'stripe';
import type { Clock } from '../../shared/clock.js';
import { type Logger, scrubString } from '../../shared/logger.js';
import { type ApplyInput, type MirrorWriter, RefetchError, type StripeObject } from '../mirror/index.js';
import type { HandlerRegistry } from './handlers.js';
import type { ProjectionRegistry } from './projections.js';
import type { ClaimedEvent, EventQueue } from './queue.js';
import type { WebhookStats } from './stats.js';

export interface WorkerOptions {
  /**
   * Events processed at once (different objects). Default 4: more lanes compete with the intake for
   * the pool's connections and PostgreSQL's CPU (measured: 8 lanes raised ack p99 several-fold).
   */
  concurrency?: number;
  /** How long a claim holds before another worker may take the event. Default 60 s. */
  leaseMs?: number;
  /** Idle wait between polls. Default 1 s (new local deliveries wake the worker at once). */
  pollMs?: number;
  /**
   * When the queue is not saturated, how long the worker lets events gather before its next claim.
   * Default 20 ms: at 1,000 events/s a round then serves ~20 events with the same five statements
   * (claim, upserts, projection, completion) that would otherwise serve one or two, so the worker
   * takes far less from the intake; the cost is at most this much more mirror latency.
   */
  gatherMs?: number;
  /** Attempts before an event is dead-lettered. Default 10. */
  maxAttempts?: number;
  /**
   * Events claimed per round trip. Default 200: the claim, ledger read, mirror upserts and completion
   * are per batch, so a backlog drains with fewer statements (≈15 % faster than 50 in the bench).
   */
  batchSize?: number;
  /** Retry delay: min(maxMs, baseMs × 2^(attempt−1)), with jitter. Default 2 s … 10 min. */
  backoff?: { baseMs: number; maxMs: number };
  /** Alert when an event is processed this long after Stripe created it. Default 600 s. */
  lagAlertSeconds?: number;
}

export type Alert = { kind: 'dead_letter' | 'lag' | 'refetch_failed'; eventId?: string; message: string };

/** A claimed event, parsed, with what it would write to the mirror. */
interface Parsed {
  row: ClaimedEvent;
  event: Stripe.Event;
  input: ApplyInput | null;
}

/** Objects (`table:id`) whose newest state the batch already wrote, with its version and event. */
type BulkWrites = Map<string, { version: number; eventId: string | null }>;

/** How often a running worker records that it is alive. */
export const HEARTBEAT_EVERY_MS = 5_000;

/**
 * A batch's lease is renewed every third of `leaseMs` while the batch runs, for at most this many
 * lease lengths: a handler that hangs then loses its event to another worker, as a crash would.
 */
export const RENEW_FOR_LEASES = 10;

/** The events of a batch this worker still holds, and until when (monotonic ms) it surely holds them. */
interface Lease {
  owner: string;
  held: Set<string>;
  until: number;
  /** No renewal by the timer after this (monotonic ms). */
  renewUntil: number;
}

export interface WorkerDeps {
  queue: EventQueue;
  writer: MirrorWriter;
  handlers: HandlerRegistry;
  projections: ProjectionRegistry;
  logger: Logger;
  clock: Clock;
  stats: WebhookStats;
  alert: (alert: Alert) => void;
  options: WorkerOptions;
}

export interface Worker {
  start(): void;
  stop(): Promise<void>;
  processAvailable(): Promise<number>;
  /** Processes one event now whatever its state (replay); throws if it fails again. */
  processOne(eventId: string): Promise<boolean>;
  /** Ends the idle wait so freshly stored events are picked up at once. */
  wake(): void;
  readonly running: boolean;
  /** When the loop last finished a round (ms), or null if it never ran. */
  readonly lastTick: number | null;
}

/** Retry delay for the given attempt (1-based): exponential, capped, with "equal jitter". */
export function backoffDelay(
  attempt: number,
  backoff: { baseMs: number; maxMs: number },
  random = Math.random,
): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Runs `step` over each lane's items in order, `concurrency` lanes at a time. */
async function inLanes<T>(
  lanes: readonly (readonly T[])[],
  concurrency: number,
  step: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, lanes.length) }, async () => {
      while (next < lanes.length) {
        const lane = lanes[next++] ?? [];
        for (const item of lane) await step(item);
      }
    }),
  );
}

const errorText = (error: unknown): string =>
  scrubString(error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2000);

export function createWorker(deps: WorkerDeps): Worker {
  const { queue, writer, handlers, projections, logger, clock, stats } = deps;
  const concurrency = deps.options.concurrency ?? 4;
  const leaseMs = deps.options.leaseMs ?? 60_000;
  const pollMs = deps.options.pollMs ?? 1_000;
  const gatherMs = deps.options.gatherMs ?? 20;
  const maxAttempts = deps.options.maxAttempts ?? 10;
  const batchSize = deps.options.batchSize ?? 200;
  const backoff = deps.options.backoff ?? { baseMs: 2_000, maxMs: 600_000 };
  const lagAlertSeconds = deps.options.lagAlertSeconds ?? 600;
  const workerId = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  // Leases are measured on a monotonic clock from just before the statement that took or renewed
  // them: the database's lease (from its `now()`, later) never ends before ours.
  const monotonic = () => performance.now();
  const leaseFor = (owner: string, rows: readonly ClaimedEvent[], start: number): Lease => ({
    owner,
    held: new Set(rows.map((r) => r.id)),
    until: start + leaseMs,
    renewUntil: start + RENEW_FOR_LEASES * leaseMs,
  });

  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  // A wake() that came while no wait was running (mid-round): the next idle wait is skipped.
  let woken = false;
  let endWait: (() => void) | undefined;
  let lastTick: number | null = null;
  let lastBeat = Number.NEGATIVE_INFINITY;
  const throttled = new Map<string, number>();

  /** Raises an alert at most once a minute per kind (dead letters always). */
  const raise = (alert: Alert) => {
    const now = clock.now();
    if (
      alert.kind !== 'dead_letter' &&
      now - (throttled.get(alert.kind) ?? Number.NEGATIVE_INFINITY) < 60_000
    )
      return;
    throttled.set(alert.kind, now);
    deps.alert(alert);
  };

  /** What the event writes to the mirror, or null when its object is not mirrored. */
  const mirrorInput = (event: Stripe.Event, freshAfter: number): ApplyInput | null => {
    const obj = (event.data as { object?: unknown } | undefined)?.object as StripeObject | undefined;
    if (!obj || typeof obj.id !== 'string' || typeof obj.object !== 'string') return null;
    const mapper = writer.registry.get(obj.object);
    if (!mapper) return null;
    const deleted =
      obj.deleted === true || (event.type.endsWith('.deleted') && mapper.tombstoneOnDelete !== false);
    return { mapper, object: obj, version: event.created, eventId: event.id, deleted, freshAfter };
  };

  const applyToMirror = async (input: ApplyInput, bulk: BulkWrites): Promise<void> => {
    // The batch's fast path already wrote this object's newest state: this event either is that
    // state or is older than it. Only an equal version from another event needs the full gate.
    const newest = bulk.get(`${input.mapper.table}:${input.object.id}`);
    if (newest && (newest.eventId === input.eventId || input.version < newest.version)) {
      if (newest.eventId === input.eventId) stats.mirrorWrites++;
      else stats.mirrorSkips++;
      return;
    }
    try {
      const outcome = await writer.apply(input);
      if (outcome === 'stale' || outcome === 'tombstoned') stats.mirrorSkips++;
      else if (outcome !== 'unchanged') stats.mirrorWrites++;
    } catch (error) {
      if (error instanceof RefetchError)
        raise({ kind: 'refetch_failed', eventId: input.eventId ?? undefined, message: error.message });
      throw error;
    }
  };

  /**
   * Writes, in one statement per table, the newest state of each object of the batch whose newest
   * event is unique and not a deletion; returns what was written so the lanes can skip those writes.
   */
  const writeNewest = async (parsed: Parsed[]): Promise<BulkWrites> => {
    const newest = new Map<string, { best: ApplyInput; tied: boolean; deleting: boolean }>();
    for (const { input } of parsed) {
      if (!input) continue;
      const key = `${input.mapper.table}:${input.object.id}`;
      const seen = newest.get(key);
      if (!seen || input.version > seen.best.version) {
        newest.set(key, { best: input, tied: false, deleting: input.deleted || (seen?.deleting ?? false) });
      } else {
        // An equal version from another event is a tie, and a deletion always takes the full gate.
        if (input.version === seen.best.version) seen.tied = true;
        if (input.deleted) seen.deleting = true;
      }
    }
    const candidates = [...newest.values()].filter((n) => !n.tied && !n.deleting).map((n) => n.best);
    const bulk: BulkWrites = new Map();
    if (candidates.length === 0) return bulk;
    try {
      const written = await writer.applyNewest(candidates);
      for (const c of candidates) {
        if (written.has(c.object.id))
          bulk.set(`${c.mapper.table}:${c.object.id}`, { version: c.version, eventId: c.eventId });
      }
    } catch (error) {
      // Every event then takes the full gate, where a persisting failure is retried per event.
      logger.warn({ error: errorText(error) }, 'batched mirror write failed; writing event by event');
    }
    return bulk;
  };

  const runHandlers = async (item: Parsed, done: ReadonlySet<string>): Promise<void> => {
    const { row, event } = item;
    // Awaited first: `stats.handlerRuns += await …` would add to a value read before concurrent lanes ran.
    const ran = await handlers.run(event, { attempt: row.attempts, source: row.source }, done);
    stats.handlerRuns += ran;
    const lag = Math.max(0, clock.now() / 1000 - row.created);
    stats.lastLagSeconds = lag;
    if (row.source === 'webhook' && lag > lagAlertSeconds) {
      raise({
        kind: 'lag',
        eventId: row.id,
        message: `event ${row.id} processed ${Math.round(lag)} s after Stripe created it`,
      });
    }
  };

  /**
   * Records a failure: a retry after backoff, or a dead letter with its alert. Only for an event this
   * worker still holds; a failure to record it is logged and the event retries when its lease expires.
   */
  const failed = async (
    row: ClaimedEvent,
    error: unknown,
    owner: string,
    tries = row.attempts,
  ): Promise<void> => {
    const message = errorText(error);
    const dead = tries >= maxAttempts;
    let changed: boolean;
    try {
      changed = await queue.fail(row.id, owner, message, {
        dead,
        delayMs: dead ? 0 : backoffDelay(row.attempts, backoff),
      });
    } catch (writeError) {
      logger.error(
        { eventId: row.id, type: row.type, error: message, writeError: errorText(writeError) },
        'could not record a webhook event failure; it is retried when its lease expires',
      );
      return;
    }
    if (!changed) {
      logger.warn(
        { eventId: row.id, type: row.type, error: message },
        'webhook event failed after this worker lost its lease; left to the worker that holds it',
      );
      return;
    }
    stats.failures++;
    if (dead) {
      stats.deadLettered++;
      logger.error(
        { eventId: row.id, type: row.type, attempts: tries, error: message },
        'webhook event dead-lettered',
      );
      raise({
        kind: 'dead_letter',
        eventId: row.id,
        message: `event ${row.id} (${row.type}) failed ${tries} times: ${message}`,
      });
    } else {
      logger.warn(
        { eventId: row.id, type: row.type, attempt: row.attempts, error: message },
        'webhook event failed, will retry',
      );
    }
  };

  /** Runs each projection once over the batch's objects of its types; its failure fails those events. */
  const refreshProjections = async (
    items: readonly Parsed[],
    fail: (row: ClaimedEvent, error: unknown) => Promise<void>,
  ): Promise<void> => {
    for (const projection of projections.all) {
      const followed = items.filter(
        (item) => item.input && projection.objects.includes(item.input.mapper.object),
      );
      if (followed.length === 0) continue;
      try {
        await projection.refresh(
          followed.map(({ input, event }) => ({
            objectId: (input as ApplyInput).object.id,
            eventType: event.type,
          })),
        );
      } catch (error) {
        const wrapped = new Error(`projection ${projection.name} failed: ${errorText(error)}`);
        for (const item of followed) await fail(item.row, wrapped);
      }
    }
  };

  /** Extends the lease on `ids`; those the worker no longer holds leave `lease.held`. */
  const renewLease = async (lease: Lease, ids: readonly string[]): Promise<void> => {
    const start = monotonic();
    const kept = new Set(await queue.renew(ids, lease.owner, leaseMs));
    for (const id of ids) if (!kept.has(id)) lease.held.delete(id);
    if (kept.size > 0) lease.until = Math.max(lease.until, start + leaseMs);
  };

  /** Processes claimed events under `lease`; returns the ids that failed. */
  const processBatch = async (
    rows: ClaimedEvent[],
    claimedAt: number,
    lease: Lease,
  ): Promise<Map<string, unknown>> => {
    const failures = new Map<string, unknown>();
    const unfinished = () => rows.map((r) => r.id).filter((id) => !failures.has(id) && lease.held.has(id));
    // Renewed while the batch runs, so handlers, mirror writes and refetches never outlast the lease.
    let renewing: Promise<void> | undefined;
    const timer = setInterval(
      () => {
        if (renewing || monotonic() > lease.renewUntil) return;
        renewing = renewLease(lease, unfinished())
          .catch((error) => logger.warn({ error: errorText(error) }, 'webhook lease renewal failed'))
          .finally(() => {
            renewing = undefined;
          });
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    timer.unref?.();
    try {
      return await processLeased(rows, claimedAt, lease, failures, unfinished);
    } finally {
      clearInterval(timer);
      await renewing;
    }
  };

  const processLeased = async (
    rows: ClaimedEvent[],
    claimedAt: number,
    lease: Lease,
    failures: Map<string, unknown>,
    unfinished: () => string[],
  ): Promise<Map<string, unknown>> => {
    // Events whose lease was lost before their handlers ran: another worker has them.
    const lost = new Set<string>();
    // Each event fails at most once per batch, at the first step it fails.
    const fail = async (row: ClaimedEvent, error: unknown) => {
      if (failures.has(row.id)) return;
      failures.set(row.id, error);
      await failed(row, error, lease.owner);
    };
    const withHandlers = new Set(rows.filter((r) => handlers.forType(r.type).length > 0).map((r) => r.id));
    const ledger = await handlers.ledger([...withHandlers]);
    const parsed: Parsed[] = [];
    for (const row of rows) {
      try {
        const event = JSON.parse(row.body) as Stripe.Event;
        parsed.push({ row, event, input: mirrorInput(event, claimedAt) });
      } catch (error) {
        await fail(row, error);
      }
    }
    const bulk = await writeNewest(parsed);
    // Group by object so one object's events apply in order; others go concurrently.
    const groups = new Map<string, Parsed[]>();
    for (const item of parsed) {
      const key = item.row.object_id ?? item.row.id;
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    const lanes = [...groups.values()].map((g) =>
      g.sort((a, b) => a.row.created - b.row.created || (a.row.id < b.row.id ? -1 : 1)),
    );
    // Each event's step runs in its object's order; an event that failed an earlier step is skipped.
    const eachInLanes = (step: (item: Parsed) => Promise<void>) =>
      inLanes(lanes, concurrency, async (item) => {
        if (failures.has(item.row.id)) return;
        try {
          await step(item);
        } catch (error) {
          await fail(item.row, error);
        }
      });
    // 1. The mirror, so projections and handlers both see the batch's newest states.
    await eachInLanes(async ({ input }) => {
      // Regressions (an event older than the mirror) skip the write but still run the handlers: the
      // event happened, and handlers read current state from the mirror, never from the event alone.
      if (input) await applyToMirror(input, bulk);
    });
    // 2. Projections: once per batch each, over the objects whose events reached this point.
    await refreshProjections(
      parsed.filter((item) => !failures.has(item.row.id)),
      fail,
    );
    // 3. The app's handlers, once per event through the ledger, once this batch's claim is durable
    // (the durable renewal) and only while this worker holds the event's lease.
    if ([...withHandlers].some((id) => !failures.has(id))) await renewLease(lease, unfinished());
    await eachInLanes(async (item) => {
      const { row } = item;
      if (withHandlers.has(row.id) && !(lease.held.has(row.id) && monotonic() < lease.until)) {
        lost.add(row.id);
        return;
      }
      await runHandlers(item, ledger.get(row.id) ?? new Set());
    });
    const succeeded = parsed
      .filter((item) => !failures.has(item.row.id) && !lost.has(item.row.id))
      .map((item) => item.row.id);
    const completed = await queue.complete(succeeded, lease.owner);
    // Counted once marked processed, so `processed` and the queue depth never both count an event.
    stats.processed += completed.length;
    if (lost.size > 0 || completed.length < succeeded.length)
      logger.warn(
        { skipped: lost.size, notCompleted: succeeded.length - completed.length },
        'this worker lost the lease on webhook events; left to the worker that holds them',
      );
    return failures;
  };

  // Other processes (a service whose workers run elsewhere) see this worker in health().
  const beat = async () => {
    const now = clock.now();
    if (now - lastBeat < HEARTBEAT_EVERY_MS) return;
    lastBeat = now;
    await queue.heartbeat(workerId).catch(() => undefined);
  };

  /** Claims and processes one batch; returns how many events it claimed. */
  const round = async (): Promise<number> => {
    // Every claimed event reached us before this instant: refetches started later reflect them.
    const claimedAt = clock.now();
    woken = false; // this claim sees every event stored before it
    const leaseStart = monotonic();
    const claimed = await queue.claim(workerId, batchSize, leaseMs, backoff);
    if (claimed.length === 0) return 0;
    // An event reclaimed with its attempts used up had its lease expire each time it ran out of them
    // (its worker crashed or hung): dead-lettered instead of run once more.
    const rows: ClaimedEvent[] = [];
    for (const row of claimed) {
      if (row.attempts <= maxAttempts) rows.push(row);
      else
        await failed(
          row,
          new Error(`lease expired on attempt ${row.attempts - 1} (the worker crashed or hung)`),
          workerId,
          row.attempts - 1,
        );
    }
    if (rows.length > 0) await processBatch(rows, claimedAt, leaseFor(workerId, rows, leaseStart));
    await beat();
    return claimed.length;
  };

  const processAvailable = async (): Promise<number> => {
    let total = 0;
    // Bounded: at most 1,000 rounds per call, so a flood cannot hold a caller forever.
    for (let i = 0; i < 1_000; i++) {
      const n = await round();
      if (n === 0) break;
      total += n;
    }
    return total;
  };

  /** Waits `ms`; stop() ends any wait, and wake() (a new local delivery) ends a `wakeable` one. */
  const wait = (ms: number, wakeable: boolean) =>
    new Promise<void>((resolve) => {
      if (wakeable && woken) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        endWait = undefined;
        resolve();
      }
      endWait = done;
      if (wakeable) wakeUp = done;
    });

  return {
    get running() {
      return running;
    },
    get lastTick() {
      return lastTick;
    },
    processAvailable,
    async processOne(eventId) {
      const claimedAt = clock.now();
      // Its own owner id, so `locked_by` tells a replay from the loop and neither renews nor
      // completes the other's claims.
      const owner = `${workerId}:replay:${Math.random().toString(36).slice(2, 8)}`;
      const leaseStart = monotonic();
      const row = await queue.claimOne(eventId, owner, leaseMs);
      if (!row) return false;
      const failures = await processBatch([row], claimedAt, leaseFor(owner, [row], leaseStart));
      const error = failures.get(eventId);
      if (error !== undefined) throw error;
      return true;
    },
    wake() {
      if (wakeUp) wakeUp();
      else woken = true;
    },
    start() {
      if (running) return;
      running = true;
      loop = (async () => {
        while (running) {
          let n = 0;
          try {
            n = await round();
          } catch (error) {
            logger.error(
              { error: errorText(error) },
              'webhook worker round failed; retrying after the poll interval',
            );
          }
          lastTick = clock.now();
          await beat();
          if (!running) break;
          // Idle: wait for a delivery or the poll; then, as after a partial batch, let events gather.
          if (n === 0) await wait(pollMs, true);
          if (running && n < batchSize && gatherMs > 0) await wait(gatherMs, false);
        }
      })();
    },
    async stop() {
      const wasRunning = running;
      running = false;
      endWait?.();
      await loop;
      loop = undefined;
      if (wasRunning) await queue.forget(workerId).catch(() => undefined);
    },
  };
}
