// Catch-up: after downtime (or on a schedule) read the Events API from the stored cursor and feed
// every event through the pipeline's intake (`ingest`), where ids already stored are dropped. The
// cursor only advances after a complete pass; each pass re-reads a short overlap because events of
// the same second may become visible late. Stripe keeps events 30 days: a cursor older than 25 days
// is reported, since older gaps can only be repaired by a backfill.
import type Stripe from 'stripe';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { TokenBucket } from '../mirror/index.js';
import type { Store } from '../store/index.js';
import type { WebhookPipeline } from '../webhooks/index.js';
import { readState, writeState } from './state.js';

export const EVENTS_CURSOR_KEY = 'sync.events_cursor';
const DAY = 86_400;

export interface EventsCursor {
  /** `created` of the newest event seen (Unix seconds). */
  created: number;
  id: string;
}

export interface CatchUpOptions {
  /** Where to start when no cursor is stored (Unix seconds). Default: 30 days ago (all Stripe keeps). */
  since?: number;
  /** Seconds re-read before the cursor on each pass. Default 60. */
  overlapSeconds?: number;
  /** Stop after this many events (the cursor then does not advance). Default unbounded. */
  maxEvents?: number;
}

export interface CatchUpResult {
  fetched: number;
  stored: number;
  duplicates: number;
  /** The cursor after this pass (unchanged when the pass did not finish). */
  cursor: EventsCursor | null;
  complete: boolean;
  warning?: string;
}

export interface CatchUpDeps {
  store: Store;
  stripe: Stripe;
  pipeline: Pick<WebhookPipeline, 'ingest'>;
  logger: Logger;
  clock: Clock;
  bucket: TokenBucket;
}

export async function catchUp(deps: CatchUpDeps, options: CatchUpOptions = {}): Promise<CatchUpResult> {
  const { store, stripe, pipeline, logger, clock, bucket } = deps;
  const now = Math.floor(clock.now() / 1000);
  const stored = await readState<EventsCursor>(store, EVENTS_CURSOR_KEY);
  const overlap = options.overlapSeconds ?? 60;
  const since = stored ? Math.max(0, stored.created - overlap) : (options.since ?? now - 30 * DAY);
  let warning: string | undefined;
  if (stored && now - stored.created > 25 * DAY) {
    warning = `the events cursor is ${Math.floor((now - stored.created) / DAY)} days old; Stripe keeps events 30 days, run a backfill to repair older gaps`;
    logger.warn({ cursorCreated: stored.created }, warning);
  }

  const result: CatchUpResult = {
    fetched: 0,
    stored: 0,
    duplicates: 0,
    cursor: stored ?? null,
    complete: false,
  };
  let newest: EventsCursor | null = stored ?? null;
  let startingAfter: string | undefined;
  for (;;) {
    await bucket.take();
    const page = await stripe.events.list({
      created: { gte: since },
      limit: 100,
      ...(startingAfter ? { starting_after: startingAfter } : {}),
    });
    for (const event of page.data) {
      if (options.maxEvents !== undefined && result.fetched >= options.maxEvents) {
        logger.info({ fetched: result.fetched }, 'catch-up stopped at maxEvents; the cursor stays');
        return withWarning(result, warning);
      }
      result.fetched++;
      if ((await pipeline.ingest(event, 'events_api')) === 'stored') result.stored++;
      else result.duplicates++;
      if (!newest || event.created > newest.created) newest = { created: event.created, id: event.id };
    }
    const last = page.data[page.data.length - 1];
    if (!page.has_more || !last) break;
    startingAfter = last.id;
  }
  if (newest) await writeState(store, EVENTS_CURSOR_KEY, newest);
  result.cursor = newest;
  result.complete = true;
  logger.info({ fetched: result.fetched, stored: result.stored }, 'catch-up finished');
  return withWarning(result, warning);
}

const withWarning = (result: CatchUpResult, warning: string | undefined): CatchUpResult =>
  warning === undefined ? result : { ...result, warning };
