// The per-object ordering gate. Stripe delivers events in no particular order and more than once;
// each mirror row carries the version of the state it holds (`stripe_updated` = the writing event's
// `created`). A write goes through only when it is strictly newer; an equal version from another
// event is a tie (one-second resolution), settled by refetching the object from the API (coalesced
// per object and rate-limited); an older version is skipped. Deletions are final: a tombstoned row is
// never written again, so a late `*.updated` cannot resurrect it.
import type Stripe from 'stripe';
import { type Clock, systemClock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Store } from '../store/index.js';
import type { MapperRegistry, ObjectMapper, StripeObject } from './mappers.js';
import { createTokenBucket, type TokenBucket } from './rate-limit.js';
import { run } from './sql.js';

export type ApplyOutcome =
  /** The row was inserted or replaced with this state. */
  | 'written'
  /** A tie was settled by writing the object as refetched from the API. */
  | 'refetched'
  /** The row was tombstoned by this deletion. */
  | 'deleted'
  /** The row already holds a newer state; nothing written. */
  | 'stale'
  /** The row already holds exactly this event's state (a replay or retry). */
  | 'unchanged'
  /** The object was deleted earlier; tombstones are final. */
  | 'tombstoned';

export interface ApplyInput {
  mapper: ObjectMapper;
  object: StripeObject;
  /** Unix seconds: the event's `created`, or the time a backfill page was read. */
  version: number;
  /** The event carrying this state; null for backfill. */
  eventId: string | null;
  /** The event deletes the object (`customer.deleted`, `product.deleted`, …). */
  deleted: boolean;
  /**
   * A time (ms, the writer's clock) by which this state had reached us — for a worker, when it
   * claimed the batch. A refetch started at or after it reflects this event, so ties of one object
   * share it. Default: the time of the call.
   */
  freshAfter?: number;
}

export interface MirrorWriter {
  apply(input: ApplyInput): Promise<ApplyOutcome>;
  /**
   * The fast path for a batch: writes each state where strictly newer than the row, one statement
   * per table, and returns the ids written. Inputs must not delete and must name distinct objects;
   * those not written go through `apply` for the tie / stale / tombstone decision.
   */
  applyNewest(inputs: readonly ApplyInput[]): Promise<Set<string>>;
  readonly registry: MapperRegistry;
}

type Mode = 'newer' | 'tie' | 'delete';

const BASE_COLUMNS = [
  'id',
  'livemode',
  'created',
  'metadata',
  'raw',
  'stripe_updated',
  'stripe_event_id',
  'deleted_at',
] as const;

/** `insert … values (…)[, (…)] on conflict (id) do update set … where` for `rows` objects of a table. */
function upsertHead(mapper: ObjectMapper, rows: number): string {
  const columns = [...BASE_COLUMNS, ...Object.keys(mapper.columns)];
  const tuples = Array.from({ length: rows }, (_, r) => {
    const at = r * columns.length;
    const slots = columns.map((c, i) =>
      c === 'metadata' || c === 'raw' ? `$${at + i + 1}::jsonb` : `$${at + i + 1}`,
    );
    return `(${slots.join(', ')})`;
  });
  const updates = columns
    .filter((c) => c !== 'id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
  return `insert into ${mapper.table} (${columns.join(', ')}) values ${tuples.join(', ')}
    on conflict (id) do update set ${updates}, synced_at = now() where`;
}

const newerOnly = (t: string) => `${t}.deleted_at is null and ${t}.stripe_updated < excluded.stripe_updated`;

/** The single-object upsert statements of one table, built once from the mapper's fixed columns. */
function upsertStatements(mapper: ObjectMapper): Record<Mode, string> {
  const t = mapper.table;
  const head = upsertHead(mapper, 1);
  return {
    newer: `${head} ${newerOnly(t)} returning id`,
    tie: `${head} ${t}.deleted_at is null and ${t}.stripe_updated <= excluded.stripe_updated returning id`,
    // A deletion event's snapshot is the final state; it also replaces a tombstone that a refetch
    // wrote (no event id) before the deletion event itself arrived, so every order ends the same.
    delete: `${head} ${t}.deleted_at is null or ${t}.stripe_event_id is null returning id`,
  };
}

/** One statement writing `rows` objects of a table, each only where strictly newer (as `newer`). */
const upsertManyStatement = (mapper: ObjectMapper, rows: number): string =>
  `${upsertHead(mapper, rows)} ${newerOnly(mapper.table)} returning id`;

function rowParams(mapper: ObjectMapper, input: ApplyInput, obj: StripeObject, deleted: boolean): unknown[] {
  return [
    obj.id,
    obj.livemode === true,
    typeof obj.created === 'number' ? obj.created : null,
    JSON.stringify(obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {}),
    JSON.stringify(obj),
    input.version,
    input.eventId,
    deleted ? new Date(input.version * 1000) : null,
    ...Object.values(mapper.columns).map((read) => read(obj)),
  ];
}

/** A tie could not be settled because the object could not be fetched from the API. */
export class RefetchError extends Error {}

const isMissing = (error: unknown): boolean =>
  (error as { code?: string; statusCode?: number })?.code === 'resource_missing' ||
  (error as { statusCode?: number })?.statusCode === 404;

export interface MirrorWriterOptions {
  store: Pick<Store, 'db'>;
  stripe: Stripe;
  registry: MapperRegistry;
  logger: Logger;
  /** Refetches per second across all objects (default 20). */
  refetchesPerSecond?: number;
  /** The bucket refetches take their tokens from, instead of one of `refetchesPerSecond` (a backfill's run). */
  refetchBucket?: TokenBucket;
  onRefetch?: () => void;
  clock?: Clock;
}

/** How long a refetched state may serve later ties (which must still have arrived before it started). */
const REFETCH_REUSE_MS = 10_000;

export function createMirrorWriter(options: MirrorWriterOptions): MirrorWriter {
  const { store, stripe, registry, logger } = options;
  const statements = new Map<ObjectMapper, Record<Mode, string>>();
  const bucket: TokenBucket = options.refetchBucket ?? createTokenBucket(options.refetchesPerSecond ?? 20);
  const clock = options.clock ?? systemClock;
  // The latest refetch per object; a tie reuses it when it started after the tie's state arrived.
  const recent = new Map<string, { startedAt: number; result: Promise<StripeObject | null> }>();
  const sqlFor = (mapper: ObjectMapper): Record<Mode, string> => {
    let s = statements.get(mapper);
    if (!s) {
      s = upsertStatements(mapper);
      statements.set(mapper, s);
    }
    return s;
  };

  const write = async (mode: Mode, input: ApplyInput, obj: StripeObject, deleted: boolean) => {
    const rows = await run(store, sqlFor(input.mapper)[mode], rowParams(input.mapper, input, obj, deleted));
    return rows.length > 0;
  };

  /** The current object from the API, or null when it no longer exists. */
  const refetch = (mapper: ObjectMapper, id: string, freshAfter: number): Promise<StripeObject | null> => {
    const key = `${mapper.object}:${id}`;
    const now = clock.now();
    const known = recent.get(key);
    if (known && known.startedAt >= freshAfter && now - known.startedAt < REFETCH_REUSE_MS)
      return known.result;
    const entry = {
      startedAt: now,
      result: (async () => {
        await bucket.take();
        options.onRefetch?.();
        try {
          const obj = (await mapper.resource(stripe).retrieve(id)) as StripeObject;
          return obj.deleted === true ? null : obj;
        } catch (error) {
          if (isMissing(error)) return null;
          const reason = error instanceof Error ? error.message : String(error);
          throw new RefetchError(`refetching ${mapper.object} ${id} failed: ${reason}`, { cause: error });
        }
      })(),
    };
    recent.set(key, entry);
    // Failed fetches are not reused; old entries are dropped so the map stays small.
    entry.result.catch(() => recent.get(key) === entry && recent.delete(key));
    setTimeout(() => recent.get(key) === entry && recent.delete(key), REFETCH_REUSE_MS).unref();
    return entry.result;
  };

  return {
    registry,
    async applyNewest(inputs) {
      const written = new Set<string>();
      const byMapper = new Map<ObjectMapper, ApplyInput[]>();
      for (const input of inputs) byMapper.set(input.mapper, [...(byMapper.get(input.mapper) ?? []), input]);
      for (const [mapper, group] of byMapper) {
        const params = group.flatMap((input) => rowParams(mapper, input, input.object, false));
        const rows = await run<{ id: string }>(store, upsertManyStatement(mapper, group.length), params);
        for (const row of rows) written.add(row.id);
      }
      return written;
    },
    async apply(input) {
      const freshAfter = input.freshAfter ?? clock.now();
      if (input.deleted) return (await write('delete', input, input.object, true)) ? 'deleted' : 'tombstoned';
      if (await write('newer', input, input.object, false)) return 'written';
      const [current] = await run<{
        stripe_updated: number;
        stripe_event_id: string | null;
        deleted: boolean;
      }>(
        store,
        `select stripe_updated, stripe_event_id, deleted_at is not null as deleted from ${input.mapper.table} where id = $1`,
        [input.object.id],
      );
      if (!current) return (await write('newer', input, input.object, false)) ? 'written' : 'stale';
      if (current.deleted) return 'tombstoned';
      if (input.eventId !== null && current.stripe_event_id === input.eventId) return 'unchanged';
      if (current.stripe_updated > input.version) return 'stale';
      // A tie: two states stamped with the same second. Only the API knows which is current.
      logger.debug({ object: input.object.id, version: input.version }, 'mirror tie, refetching');
      const fresh = await refetch(input.mapper, input.object.id, freshAfter);
      if (fresh === null) {
        const refetched = { ...input, eventId: null };
        return (await write('delete', refetched, input.object, true)) ? 'deleted' : 'tombstoned';
      }
      return (await write('tie', input, fresh, false)) ? 'refetched' : 'stale';
    },
  };
}
