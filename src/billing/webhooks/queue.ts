// The durable event queue in `webhook_events`: group-committed inserts at intake, and the claim /
// complete / fail / requeue statements the workers use. Time for leases and backoff is the
// database's `now()`, so several processes on different hosts agree on it.
import { run } from '../mirror/sql.js';
import type { WebhookEventsTable } from '../mirror/tables.js';
import type { Store } from '../store/index.js';
import { type GiveUp, groupCommit } from './group-commit.js';

/** The columns extracted from a verified event when it is stored. */
export type EventRow = Pick<
  WebhookEventsTable,
  | 'id'
  | 'type'
  | 'livemode'
  | 'api_version'
  | 'created'
  | 'object_type'
  | 'object_id'
  | 'account'
  | 'body'
  | 'source'
>;

/** A claimed event, as a worker sees it. */
export type ClaimedEvent = Pick<
  WebhookEventsTable,
  'id' | 'type' | 'created' | 'object_id' | 'body' | 'source' | 'attempts'
>;

// Up to VALUES_MAX rows, an INSERT … VALUES with ten parameters per row (one prepared statement per
// row count): each value reaches PostgreSQL as plain text, so neither side escapes or parses the
// ~2 kB bodies as JSON (≈ 20 % less PostgreSQL CPU per event than one JSON parameter at 4–16 rows,
// and a shorter INSERT). Larger batches take one json_to_recordset parameter, so a connection never
// holds more than VALUES_MAX + 1 of these statements.
const COLUMNS = 'id, type, livemode, api_version, created, object_type, object_id, account, body, source';
const TYPES = ['text', 'text', 'boolean', 'text', 'int8', 'text', 'text', 'text', 'text', 'text'];
const VALUES_MAX = 32;
const INSERT_NAME = 'coffer_webhook_events_insert';

const insertValues = (rows: number): string => {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++)
    tuples.push(`(${TYPES.map((type, c) => `$${r * TYPES.length + c + 1}::${type}`).join(', ')})`);
  return `insert into webhook_events (${COLUMNS}) values ${tuples.join(', ')}
  on conflict (id) do nothing
  returning id`;
};

/** The VALUES statement for each row count, index = rows. */
const INSERT_VALUES = Array.from({ length: VALUES_MAX + 1 }, (_, rows) => insertValues(rows));

const INSERT_JSON = `insert into webhook_events (${COLUMNS})
  select ${COLUMNS}
  from json_to_recordset($1::json) as r(id text, type text, livemode boolean, api_version text,
    created int8, object_type text, object_id text, account text, body text, source text)
  on conflict (id) do nothing
  returning id`;

// Oldest first, by the claimable index. It runs on the relaxed pool, where bitmap and sequential scans
// are off: without fresh statistics (a young table, a backlog grown since the last ANALYZE) PostgreSQL
// otherwise sorted every pending row per claim (6,000 pending: 26.6 ms instead of 0.4 ms), and a bitmap
// scan revisits, claim after claim, every dead row version that an index scan marks dead once.
// An expired lease means the worker crashed or hung: the row is taken again once the lease plus the
// retry backoff for the attempt it was on has passed, like a failure (the worker dead-letters it once
// its attempts are used up).
const CLAIM = `with ready as (
    select id from webhook_events where status = 'pending' and available_at <= now()
    order by available_at limit $3 for update skip locked
  ), expired as (
    select id from webhook_events where status = 'processing' and locked_until < now()
      and locked_until + least($5::float8, $4::float8 * power(2, least(attempts - 1, 30)))
        * interval '1 millisecond' <= now()
    limit $3 for update skip locked
  )
  update webhook_events e
  set status = 'processing', locked_by = $1, locked_until = now() + $2::int * interval '1 millisecond',
    attempts = e.attempts + 1
  where e.id in (select id from ready union select id from expired)
  returning e.id, e.type, e.created, e.object_id, e.body, e.source, e.attempts`;

const CLAIM_ONE = `update webhook_events
  set status = 'processing', locked_by = $2, locked_until = now() + $3::int * interval '1 millisecond',
    attempts = 1, last_error = null
  where id = $1 and not (status = 'processing' and locked_until >= now())
  returning id, type, created, object_id, body, source, attempts`;

const COMPLETE = `update webhook_events
  set status = 'processed', processed_at = now(), locked_by = null, locked_until = null, last_error = null
  where id = any($1::text[]) and locked_by = $2
  returning id`;

const FAIL = `update webhook_events
  set status = $3, available_at = now() + $4::int * interval '1 millisecond',
    locked_by = null, locked_until = null, last_error = $5
  where id = $1 and locked_by = $2
  returning id`;

const RENEW = `update webhook_events set locked_until = now() + $3::int * interval '1 millisecond'
  where id = any($1::text[]) and locked_by = $2 and status = 'processing'
  returning id`;

export interface EventQueue {
  /**
   * Stores the event unless its id is already stored. Concurrent calls share one INSERT.
   * `giveUp.cancel()` drops the event if its INSERT has not started (the intake's delivery gave up).
   */
  enqueue(row: EventRow, giveUp?: GiveUp): Promise<'stored' | 'duplicate'>;
  /**
   * Claims up to `limit` pending events, and events whose lease expired at least the retry delay for
   * their attempt ago (`reclaimBackoff`, none by default).
   */
  claim(
    workerId: string,
    limit: number,
    leaseMs: number,
    reclaimBackoff?: { baseMs: number; maxMs: number },
  ): Promise<ClaimedEvent[]>;
  /**
   * Extends the lease of those events this worker still holds and returns their ids. A durable
   * commit: it also makes the worker's earlier claims durable (they commit without their own fsync),
   * so called before app handlers run, a claim lost in a crash can never let a second worker run them
   * alongside, nor can a lost renewal.
   */
  renew(ids: readonly string[], workerId: string, leaseMs: number): Promise<string[]>;
  /** Claims one event by id whatever its state, unless another worker holds a live lease on it. */
  claimOne(id: string, workerId: string, leaseMs: number): Promise<ClaimedEvent | undefined>;
  /** Marks processed the events this worker still holds; returns their ids. */
  complete(ids: readonly string[], workerId: string): Promise<string[]>;
  /** Schedules a retry or dead-letters; false if this worker no longer held the event (nothing changed). */
  fail(
    id: string,
    workerId: string,
    error: string,
    next: { dead: boolean; delayMs: number },
  ): Promise<boolean>;
  /** Puts every dead event back in the queue with a fresh attempt budget; returns their ids. */
  requeueDead(): Promise<string[]>;
  exists(id: string): Promise<boolean>;
  /** Records that this worker is alive (and forgets workers silent for a day). */
  heartbeat(workerId: string): Promise<void>;
  /** Forgets this worker (on a clean stop). */
  forget(workerId: string): Promise<void>;
  /** Workers, in any process, that reported within the last `withinMs`. */
  liveWorkers(withinMs: number): Promise<number>;
}

const HEARTBEAT_PREFIX = 'webhooks.worker.';
const HEARTBEAT = `with gone as (delete from state where key like $2 and updated_at < now() - interval '1 day')
  insert into state (key, value, updated_at) values ($1, '{}'::jsonb, now())
  on conflict (key) do update set updated_at = now()`;

export interface QueueOptions {
  /** Most rows in one INSERT. */
  maxBatch?: number;
  /** INSERTs in flight at once (PGlite is one connection: 1). */
  maxInFlight?: number;
}

function valuesOf(rows: readonly EventRow[]): unknown[] {
  const values: unknown[] = [];
  for (const r of rows)
    values.push(
      r.id,
      r.type,
      r.livemode,
      r.api_version,
      r.created,
      r.object_type,
      r.object_id,
      r.account,
      r.body,
      r.source,
    );
  return values;
}

export function createEventQueue(
  store: Pick<Store, 'db' | 'kind' | 'prepared'> & Partial<Pick<Store, 'relaxed'>>,
  options: QueueOptions = {},
): EventQueue {
  // The workers' bookkeeping may be lost in a crash (the event is then claimed and processed again),
  // so it commits without an fsync of its own; the intake's INSERT and operator actions stay durable.
  const work = store.relaxed ?? store;
  // Replays' claims and dead letters go through the durable pool (a lost dead mark would retry an
  // event whose alert already went out); a batch's claim is made durable by `renew`.
  const maxBatch = options.maxBatch ?? 500;
  // One INSERT at a time by default: PostgreSQL's cost is mostly per statement and per commit, so
  // deliveries that wait for the INSERT in flight and share the next one cost far less than more
  // concurrent INSERTs of a few rows each (16 requests in flight: ~8 rows per INSERT, not ~2.6).
  const maxInFlight = store.kind === 'pglite' ? 1 : (options.maxInFlight ?? 1);
  // The same id twice in one batch: the first is the insert, later ones are duplicates.
  const insertRows = async (rows: readonly EventRow[]): Promise<('stored' | 'duplicate')[]> => {
    const first = new Map<string, EventRow>();
    for (const row of rows) if (!first.has(row.id)) first.set(row.id, row);
    const unique = [...first.values()];
    // Prepared statements: PostgreSQL parses and plans each text once per connection, not per INSERT.
    const result =
      unique.length <= VALUES_MAX
        ? await store.prepared<{ id: string }>(
            `${INSERT_NAME}_${unique.length}`,
            INSERT_VALUES[unique.length] as string,
            valuesOf(unique),
          )
        : await store.prepared<{ id: string }>(`${INSERT_NAME}_json`, INSERT_JSON, [JSON.stringify(unique)]);
    const inserted = new Set(result.map((r) => r.id));
    return rows.map((row) => (first.get(row.id) === row && inserted.has(row.id) ? 'stored' : 'duplicate'));
  };
  const enqueue = groupCommit(insertRows, { maxBatch, maxInFlight });

  return {
    enqueue,
    // Never prepared: PostgreSQL's generic plan for it joins by scanning the whole table (measured with
    // 20,000 rows); planned per call, it takes the pending rows by index.
    claim: (workerId, limit, leaseMs, reclaimBackoff = { baseMs: 0, maxMs: 0 }) =>
      run<ClaimedEvent>(work, CLAIM, [workerId, leaseMs, limit, reclaimBackoff.baseMs, reclaimBackoff.maxMs]),
    // Durable: any durable commit flushes the WAL before it, relaxed claims included, and a renewal
    // lost in a PostgreSQL crash would let another worker take events whose handlers this one runs.
    renew: async (ids, workerId, leaseMs) =>
      ids.length === 0
        ? []
        : (await run<{ id: string }>(store, RENEW, [ids, workerId, leaseMs])).map((r) => r.id),
    claimOne: async (id, workerId, leaseMs) =>
      (await run<ClaimedEvent>(store, CLAIM_ONE, [id, workerId, leaseMs]))[0],
    complete: async (ids, workerId) =>
      ids.length === 0
        ? []
        : (
            await work.prepared<{ id: string }>('coffer_webhook_events_completed', COMPLETE, [ids, workerId])
          ).map((r) => r.id),
    fail: async (id, workerId, error, next) => {
      const params = [id, workerId, next.dead ? 'dead' : 'pending', Math.round(next.delayMs), error];
      return (await run(next.dead ? store : work, FAIL, params)).length > 0;
    },
    requeueDead: async () =>
      (
        await run<{ id: string }>(
          store,
          `update webhook_events set status = 'pending', attempts = 0, available_at = now(), last_error = null
           where status = 'dead' returning id`,
        )
      ).map((r) => r.id),
    exists: async (id) => (await run(store, 'select 1 from webhook_events where id = $1', [id])).length > 0,
    heartbeat: async (workerId) => {
      await run(work, HEARTBEAT, [HEARTBEAT_PREFIX + workerId, `${HEARTBEAT_PREFIX}%`]);
    },
    forget: async (workerId) => {
      await run(store, 'delete from state where key = $1', [HEARTBEAT_PREFIX + workerId]);
    },
    liveWorkers: async (withinMs) =>
      (
        await run<{ n: number }>(
          store,
          `select count(*)::int as n from state
           where key like $1 and updated_at > now() - $2::int * interval '1 millisecond'`,
          [`${HEARTBEAT_PREFIX}%`, withinMs],
        )
      )[0]?.n ?? 0,
  };
}
