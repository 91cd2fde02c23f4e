// Intake: the HTTP side of the pipeline. Checks size, verifies the signature on the raw bytes,
// only then decodes (strict UTF-8) and parses the JSON, stores the event (group-committed) and
// answers. Nothing is processed here; a 2xx means the event is durably stored, and a storage failure
// answers 503 so Stripe retries. A delivery waits for storage at most `storeTimeoutMs`, and at most
// `maxQueuedBytes` of deliveries wait at once: a stuck database costs 503s, never unbounded memory.
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { GiveUp } from './group-commit.js';
import type { EventQueue, EventRow } from './queue.js';
import type { WebhookStats } from './stats.js';
import { verifySignature } from './verify.js';

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type IncomingHeaders = Headers | Record<string, string | string[] | undefined>;

export interface IntakeOptions {
  /** Largest body accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Signature timestamp tolerance in seconds, both directions (default 300). */
  toleranceSeconds?: number;
  /**
   * Answer 503 if storing takes longer than this (default 8 s; Stripe gives up after a few). A delivery
   * not yet in an INSERT by then is dropped, never written later; one already in an INSERT may still be
   * stored, and Stripe's retry is then acknowledged as a duplicate.
   */
  storeTimeoutMs?: number;
  /**
   * Most bytes of deliveries waiting to be stored at once, each counted as its body plus 1 KiB
   * (default 64 MiB). A delivery beyond it answers 503 at once, so a stuck or slow database cannot
   * make the process hold more; one delivery is always let through.
   */
  maxQueuedBytes?: number;
  /** Most events in one group-committed INSERT (default 500). */
  maxBatch?: number;
  /** INSERTs in flight at once (default 1: fewer, larger INSERTs cost less; PGlite is always 1). */
  maxConcurrentWrites?: number;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
/** Each waiting delivery's bookkeeping (row, promises, timer) on top of its body, for the byte budget. */
const WAITER_BYTES = 1024;
// Strict: invalid bytes throw instead of becoming U+FFFD, and a BOM stays in the text, so the stored
// body is exactly the signed bytes or nothing.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UNAVAILABLE = { error: 'the event could not be stored; retry later' };
const OVERLOADED = { error: 'too many deliveries are waiting to be stored; retry later' };

const reply = (
  status: number,
  body: Record<string, unknown>,
  extra: Record<string, string> = {},
): WebhookResponse => ({
  status,
  headers: { ...JSON_HEADERS, ...extra },
  body: JSON.stringify(body),
});

function headerValue(headers: IncomingHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  return Array.isArray(value) ? value.join(',') : value;
}

/** The queue row for an event, or a reason it is not a usable event. */
export function eventRow(event: unknown, body: string, source: string): EventRow | string {
  if (!event || typeof event !== 'object') return 'the body is not a JSON object';
  const e = event as {
    id?: unknown;
    type?: unknown;
    created?: unknown;
    livemode?: unknown;
    api_version?: unknown;
    account?: unknown;
    context?: unknown;
    data?: unknown;
  };
  if (typeof e.id !== 'string' || e.id === '') return 'the event has no id';
  if (typeof e.type !== 'string' || e.type === '') return 'the event has no type';
  // Snapshot events carry Unix seconds; thin (v2) events an ISO-8601 string.
  const created =
    typeof e.created === 'number'
      ? e.created
      : typeof e.created === 'string'
        ? Math.floor(Date.parse(e.created) / 1000)
        : Number.NaN;
  if (!Number.isFinite(created)) return 'the event has no valid created time';
  const obj = (e.data as { object?: { id?: unknown; object?: unknown } } | undefined)?.object;
  return {
    id: e.id,
    type: e.type,
    livemode: e.livemode === true,
    api_version: typeof e.api_version === 'string' ? e.api_version : null,
    created,
    object_type: typeof obj?.object === 'string' ? obj.object : null,
    object_id: typeof obj?.id === 'string' ? obj.id : null,
    account: typeof e.account === 'string' ? e.account : typeof e.context === 'string' ? e.context : null,
    body,
    source,
  };
}

/**
 * The queue as the intake uses it. `giveUp.cancel()` is called when the delivery stops waiting (its 503
 * is sent), so an event not yet in an INSERT is dropped; the queue's group-committed `enqueue` takes it.
 */
export type IntakeQueue = Pick<EventQueue, 'enqueue'>;

export interface IntakeDeps {
  queue: IntakeQueue;
  secrets: readonly string[];
  clock: Clock;
  logger: Logger;
  stats: WebhookStats;
  options: IntakeOptions;
  /** Called after an event was stored, to wake a local worker. */
  onStored: () => void;
}

export function createIntake(deps: IntakeDeps) {
  const { queue, secrets, clock, logger, stats } = deps;
  const maxBodyBytes = deps.options.maxBodyBytes ?? 1024 * 1024;
  const tolerance = deps.options.toleranceSeconds ?? 300;
  const storeTimeoutMs = deps.options.storeTimeoutMs ?? 8_000;
  const maxQueuedBytes = deps.options.maxQueuedBytes ?? 64 * 1024 * 1024;
  /** Bytes of the deliveries handed to the queue whose enqueue has not settled. */
  let queuedBytes = 0;
  let overloaded = false;

  const store = (row: EventRow, cost: number): Promise<'stored' | 'duplicate'> => {
    const giveUp: GiveUp = {};
    // Counted until the queue lets go of the row (dropped, or its INSERT settled), not until the
    // answer: a row still in a stuck INSERT still takes memory.
    queuedBytes += cost;
    const enqueued = queue.enqueue(row, giveUp);
    const settled = () => {
      queuedBytes -= cost;
    };
    enqueued.then(settled, settled);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error(`storing the event took over ${storeTimeoutMs} ms`);
        // The 503 goes out now: the queue drops the row unless an INSERT already carries it.
        giveUp.cancel?.(error);
        reject(error);
      }, storeTimeoutMs);
    });
    return Promise.race([enqueued, timeout]).finally(() => clearTimeout(timer));
  };

  return async function handle(
    rawBody: string | Uint8Array,
    headers: IncomingHeaders,
  ): Promise<WebhookResponse> {
    if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) {
      stats.malformed++;
      return reply(400, { error: 'the raw request body (string or bytes) is required, not a parsed object' });
    }
    const size = typeof rawBody === 'string' ? Buffer.byteLength(rawBody) : rawBody.byteLength;
    if (size > maxBodyBytes) {
      stats.tooLarge++;
      return reply(413, { error: `the body is ${size} bytes; the limit is ${maxBodyBytes}` });
    }
    const bytes =
      typeof rawBody === 'string'
        ? Buffer.from(rawBody, 'utf8')
        : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
    const verdict = verifySignature(
      bytes,
      headerValue(headers, 'stripe-signature'),
      secrets,
      Math.floor(clock.now() / 1000),
      tolerance,
    );
    if (!verdict.ok) {
      stats.signatureFailures++;
      logger.warn({ reason: verdict.reason }, 'webhook signature rejected');
      return reply(400, { error: `signature verification failed: ${verdict.reason}` });
    }
    // Stripe sends UTF-8 JSON. Bytes that are not UTF-8 are refused rather than stored with U+FFFD in
    // place of the signed bytes (checked after the signature, so unsigned requests learn nothing).
    let text: string;
    if (typeof rawBody === 'string') text = rawBody;
    else {
      try {
        text = UTF8.decode(bytes);
      } catch {
        stats.malformed++;
        logger.warn('a signed webhook body is not valid UTF-8; refused');
        return reply(400, { error: 'the body is not valid UTF-8 (Stripe sends UTF-8 JSON)' });
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      stats.malformed++;
      return reply(400, { error: 'the body is not valid JSON' });
    }
    const row = eventRow(parsed, text, 'webhook');
    if (typeof row === 'string') {
      stats.malformed++;
      return reply(400, { error: row });
    }
    const cost = size + WAITER_BYTES;
    if (queuedBytes > 0 && queuedBytes + cost > maxQueuedBytes) {
      stats.unavailable++;
      if (!overloaded) {
        overloaded = true;
        logger.error(
          { queuedBytes, maxQueuedBytes },
          'webhook deliveries waiting to be stored exceed intake.maxQueuedBytes; answering 503 until the store catches up',
        );
      }
      return reply(503, OVERLOADED, { 'retry-after': '10' });
    }
    if (overloaded && queuedBytes <= maxQueuedBytes / 2) overloaded = false;
    let outcome: 'stored' | 'duplicate';
    try {
      outcome = await store(row, cost);
    } catch (error) {
      stats.unavailable++;
      logger.error(
        { eventId: row.id, error: error instanceof Error ? error.message : String(error) },
        'webhook event could not be stored',
      );
      return reply(503, UNAVAILABLE, { 'retry-after': '10' });
    }
    if (outcome === 'duplicate') {
      stats.duplicates++;
      return reply(200, { received: true, duplicate: true });
    }
    stats.stored++;
    deps.onStored();
    return reply(200, { received: true });
  };
}
