// Backfill: list every mirrored type through the API and write each object through the same
// mappers and ordering gate as events (stamped with the time the page was read, so any event newer
// than the listing still wins). A per-type cursor is saved after each page: an interrupted run
// resumes where it stopped; a finished type starts over on the next run. Requests go through one
// token bucket per run so it keeps within a chosen rate: list pages and the refetches that settle
// ties alike.

import type Stripe from 'stripe';
import type { Clock } from '../../shared/clock.js';
import { ValidationError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { MirrorWriter, ObjectMapper, StripeObject, TokenBucket } from '../mirror/index.js';
import type { Store } from '../store/index.js';
import { readState, writeState } from './state.js';

export interface BackfillOptions {
  /** Object types to backfill (`customer`, `price`, `checkout.session`, …). Default: every mirrored type. */
  types?: string[];
  /**
   * Most Stripe requests per second for this run: list pages and the refetches that settle ties
   * (a token bucket that starts full, so the first second may carry a burst of this many). Default 20.
   */
  requestsPerSecond?: number;
  /** Objects per list request (1–100). Default 100. */
  pageSize?: number;
  /** Start every type from the beginning even if a previous run stopped half-way. */
  restart?: boolean;
  onProgress?: (progress: BackfillProgress) => void;
  /** Stops after the page in flight; the cursor is kept for the next run. */
  signal?: AbortSignal;
}

export interface BackfillProgress {
  type: string;
  /** Position of this type among those requested (1-based) and how many there are. */
  index: number;
  of: number;
  pages: number;
  fetched: number;
  written: number;
  done: boolean;
}

export interface BackfillTypeResult {
  type: string;
  fetched: number;
  written: number;
  /** The mirror already held a newer state (or a tombstone). */
  skipped: number;
  pages: number;
  /** This run continued a run that had stopped half-way. */
  resumed: boolean;
  complete: boolean;
  error?: string;
}

export interface BackfillResult {
  types: BackfillTypeResult[];
  aborted: boolean;
}

interface TypeCursor {
  startingAfter: string | null;
  fetched: number;
  complete: boolean;
}

export const backfillKey = (type: string): string => `sync.backfill.${type}`;

export interface BackfillDeps {
  store: Store;
  stripe: Stripe;
  writer: MirrorWriter;
  logger: Logger;
  clock: Clock;
  bucket: TokenBucket;
}

export async function backfill(deps: BackfillDeps, options: BackfillOptions = {}): Promise<BackfillResult> {
  const all = [...deps.writer.registry.values()];
  const mappers = options.types ? options.types.map((t) => mapperFor(all, t)) : all;
  const pageSize = options.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
    throw new ValidationError(`pageSize must be an integer from 1 to 100, got ${pageSize}`, 'pageSize');
  }
  const result: BackfillResult = { types: [], aborted: false };
  for (const [i, mapper] of mappers.entries()) {
    if (options.signal?.aborted) {
      result.aborted = true;
      break;
    }
    const typeResult = await backfillType(deps, mapper, {
      ...options,
      pageSize,
      index: i + 1,
      of: mappers.length,
    });
    result.types.push(typeResult);
    if (!typeResult.complete && !typeResult.error) {
      result.aborted = true;
      break;
    }
  }
  return result;
}

function mapperFor(all: ObjectMapper[], type: string): ObjectMapper {
  const mapper = all.find((m) => m.object === type);
  if (!mapper) {
    throw new ValidationError(
      `"${type}" is not a mirrored type; choose from ${all.map((m) => m.object).join(', ')}`,
      'types',
    );
  }
  return mapper;
}

async function backfillType(
  deps: BackfillDeps,
  mapper: ObjectMapper,
  options: BackfillOptions & { pageSize: number; index: number; of: number },
): Promise<BackfillTypeResult> {
  const { store, stripe, writer, logger, clock, bucket } = deps;
  const key = backfillKey(mapper.object);
  const saved = await readState<TypeCursor>(store, key);
  const resumed = !options.restart && saved !== undefined && !saved.complete;
  let cursor: TypeCursor = resumed && saved ? saved : { startingAfter: null, fetched: 0, complete: false };
  const out: BackfillTypeResult = {
    type: mapper.object,
    fetched: 0,
    written: 0,
    skipped: 0,
    pages: 0,
    resumed,
    complete: false,
  };
  const progress = (done: boolean) =>
    options.onProgress?.({
      type: mapper.object,
      index: options.index,
      of: options.of,
      pages: out.pages,
      fetched: cursor.fetched,
      written: out.written,
      done,
    });
  try {
    for (;;) {
      if (options.signal?.aborted) return out;
      await bucket.take();
      const readAt = clock.now();
      const version = Math.floor(readAt / 1000);
      const page = await mapper.resource(stripe).list({
        limit: options.pageSize,
        ...(cursor.startingAfter ? { starting_after: cursor.startingAfter } : {}),
      });
      const objects = page.data as StripeObject[];
      for (const obj of objects) {
        // Stopping mid-page saves no cursor for it: the next run lists this page again (writes are idempotent).
        if (options.signal?.aborted) return out;
        // `freshAfter`: a tie refetched after this page was read reflects the listed state.
        const outcome = await writer.apply({
          mapper,
          object: obj,
          version,
          eventId: null,
          deleted: obj.deleted === true,
          freshAfter: readAt,
        });
        if (outcome === 'written' || outcome === 'refetched' || outcome === 'deleted') out.written++;
        else out.skipped++;
      }
      out.pages++;
      out.fetched += objects.length;
      const last = objects[objects.length - 1];
      const complete = !page.has_more || !last;
      cursor = {
        startingAfter: last?.id ?? cursor.startingAfter,
        fetched: cursor.fetched + objects.length,
        complete,
      };
      await writeState(store, key, cursor);
      progress(complete);
      if (complete) {
        out.complete = true;
        logger.info({ type: mapper.object, fetched: cursor.fetched }, 'backfill of type finished');
        return out;
      }
    }
  } catch (error) {
    out.error = error instanceof Error ? error.message : String(error);
    logger.error(
      { type: mapper.object, error: out.error },
      'backfill of type failed; the next run resumes from its cursor',
    );
    return out;
  }
}
