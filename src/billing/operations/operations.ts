// Idempotency for every mutating Stripe call. An operation is (kind, scope): what is done, for whom, to
// what. Each try of it is an attempt, recorded in the store BEFORE the call; the attempt's id makes the
// Idempotency-Key. A retry of an attempt that never got an answer re-sends its stored request under
// the same key, so Stripe replays the first outcome instead of acting twice. Time never enters a key.
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, StripeUpstreamError, ValidationError } from '../../shared/errors.js';
import type { Database } from '../store/index.js';
import { callStripe, isOutcomeUnknown } from '../stripe-client.js';
import type { AttemptStatus } from './tables.js';

export interface Attempt<Req = unknown> {
  id: number;
  kind: string;
  scopeKey: string;
  attemptId: string;
  idempotencyKey: string;
  userId: string | null;
  status: AttemptStatus;
  request: Req;
  stripeObjectId: string | null;
  result: unknown;
  error: unknown;
  createdAt: Date;
}

/** How a caller tells a deliberate new try from a retry. */
export interface AttemptOptions {
  /** Start a new attempt (new key) even if the last one is still unanswered or succeeded. */
  newAttempt?: boolean;
  /**
   * The caller's own id for this operation (an order id, a request id from the browser): the same id
   * always means the same attempt and key; a different id is a different operation.
   */
  operationId?: string;
}

export interface OperationSpec<Req, Res> extends AttemptOptions {
  kind: string;
  /** Built with `scopeKey(...)`: who and what, plus a fingerprint of the parameters that matter. */
  scope: string;
  /**
   * Who or what the operation is about, without its parameters (`scopeKey({ user })`): a caller-named
   * operation is one per subject and operationId, so the same id with other parameters is refused.
   * Without it, the whole scope stands in.
   */
  subject?: string;
  userId?: string;
  /** The parameters to send; stored with the attempt and re-sent verbatim on a retry. */
  request: Req;
  /** Whether a succeeded attempt's result may be handed out again (default: yes). */
  reuse?: (attempt: Attempt<Req> & { result: Res }) => boolean | Promise<boolean>;
  /**
   * Runs only before a new attempt is recorded: validate against current state (throw), or return an
   * existing result found elsewhere (recovery) to skip the call. `previous` is the operation's latest
   * attempt, if any: one that failed with a 5xx or went unanswered for a day may have acted in Stripe.
   */
  beforeNewAttempt?: (previous: Attempt<Req> | undefined) => Promise<Res | undefined>;
  call: (request: Req, idempotencyKey: string) => Promise<{ objectId: string; result: Res }>;
}

export interface OperationOutcome<Res> {
  result: Res;
  /** How the result was obtained. */
  source: 'called' | 'reused' | 'recovered';
  attempt: Attempt | undefined;
}

export interface Operations {
  run<Req, Res>(spec: OperationSpec<Req, Res>): Promise<OperationOutcome<Res>>;
  /** Records a pending attempt without calling Stripe (what `run` does first; exposed for tools and tests). */
  begin<Req>(
    spec: Pick<
      OperationSpec<Req, unknown>,
      'kind' | 'scope' | 'subject' | 'userId' | 'request' | keyof AttemptOptions
    >,
  ): Promise<Attempt<Req>>;
  /** The latest attempt of an operation, if any. */
  latest(kind: string, scope: string): Promise<Attempt | undefined>;
  /** The attempts made for a user, newest first. */
  forUser(userId: string, limit?: number): Promise<Attempt[]>;
}

const MAX_ROUNDS = 5;
/** Stripe keeps an idempotency key at least this long (stripe-api.md §1.7). */
const KEY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** What a caller-named operation id may look like (it becomes part of an Idempotency-Key). */
export const OPERATION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/** `scopeKey({ user: 'u1', price: 'price_1' })` → `user=u1&price=price_1` (order kept, values escaped). */
export function scopeKey(parts: Record<string, string | number | undefined>): string {
  return Object.entries(parts)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`)
    .join('&');
}

/** A short, stable digest of a JSON-able value (object keys sorted), for scopes and keys. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 24);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The Idempotency-Key: operation digest (no user data in clear) plus the recorded attempt id. */
export const idempotencyKeyFor = (kind: string, scope: string, attemptId: string): string =>
  `coffer_${kind}_${fingerprint([kind, scope])}_${attemptId}`;

export function createOperations(db: Kysely<Database>, clock: Clock): Operations {
  const now = () => new Date(clock.now());

  const toAttempt = (row: Record<string, unknown>): Attempt =>
    ({
      id: row.id,
      kind: row.kind,
      scopeKey: row.scope_key,
      attemptId: row.attempt_id,
      idempotencyKey: row.idempotency_key,
      userId: row.user_id,
      status: row.status,
      request: row.request,
      stripeObjectId: row.stripe_object_id,
      result: row.result,
      error: row.error,
      createdAt: row.created_at,
    }) as Attempt;

  const latest = async (kind: string, scope: string) => {
    const row = await db
      .selectFrom('operations')
      .selectAll()
      .where('kind', '=', kind)
      .where('scope_key', '=', scope)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toAttempt(row) : undefined;
  };

  const byAttemptId = async (kind: string, scope: string, attemptId: string) => {
    const row = await db
      .selectFrom('operations')
      .selectAll()
      .where('kind', '=', kind)
      .where('scope_key', '=', scope)
      .where('attempt_id', '=', attemptId)
      .executeTakeFirst();
    return row ? toAttempt(row) : undefined;
  };

  /** Inserts a pending attempt after `follows`; undefined when another caller got there first. */
  const insert = async (
    spec: { kind: string; userId?: string | undefined; request: unknown },
    scope: string,
    attemptId: string,
    follows: string,
    named: string | null = null,
  ) => {
    const at = now();
    const row = await db
      .insertInto('operations')
      .values({
        kind: spec.kind,
        scope_key: scope,
        attempt_id: attemptId,
        follows,
        idempotency_key: idempotencyKeyFor(spec.kind, scope, attemptId),
        user_id: spec.userId ?? null,
        named,
        status: 'pending',
        request: JSON.stringify(spec.request),
        result: null,
        error: null,
        created_at: at,
        updated_at: at,
      })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ? toAttempt(row) : undefined;
  };

  const setStatus = async (
    id: number,
    status: AttemptStatus,
    fields: { objectId?: string; result?: unknown; error?: unknown } = {},
  ) => {
    let update = db
      .updateTable('operations')
      .set({
        status,
        updated_at: now(),
        ...(fields.objectId === undefined ? {} : { stripe_object_id: fields.objectId }),
        ...(fields.result === undefined ? {} : { result: JSON.stringify(fields.result) }),
        ...(fields.error === undefined ? {} : { error: JSON.stringify(fields.error) }),
      })
      .where('id', '=', id);
    // Callers sharing one attempt finish in any order: a success is the truth about the key and is
    // always written, but a later failure (a 409 while the first call ran, a timeout) never
    // overwrites it, or the next call would start a new attempt and make a second object.
    if (status !== 'succeeded') update = update.where('status', '=', 'pending');
    await update.execute();
  };

  /**
   * The attempt of a caller-named operation: created on first sight, the same one ever after.
   * `beforeFirst` runs only on first sight (the operation's checks); false means "do not record".
   */
  const named = async (
    spec: Pick<
      OperationSpec<unknown, unknown>,
      'kind' | 'scope' | 'subject' | 'userId' | 'request' | keyof AttemptOptions
    >,
    operationId: string,
    beforeFirst?: () => Promise<boolean>,
  ): Promise<Attempt | undefined> => {
    if (!OPERATION_ID.test(operationId)) {
      throw new ValidationError(
        'operationId must be 1-100 characters of letters, digits, _ . : - (starting with a letter or digit)',
        'operationId',
      );
    }
    if (spec.newAttempt)
      throw new ValidationError('give either operationId or newAttempt, not both', 'newAttempt');
    const op = `op=${encodeURIComponent(operationId)}`;
    const scope = `${spec.scope}&${op}`;
    const identity = `${spec.subject ?? spec.scope}&${op}`;
    // The same id, same subject: the same attempt if its parameters match, refused if they do not.
    const sameId = async () => {
      const row = await db
        .selectFrom('operations')
        .selectAll()
        .where('kind', '=', spec.kind)
        .where('named', '=', identity)
        .executeTakeFirst();
      return row ? toAttempt(row) : await byAttemptId(spec.kind, scope, operationId);
    };
    const checked = (attempt: Attempt | undefined) => {
      if (attempt && attempt.scopeKey !== scope) {
        throw new ValidationError(
          `operationId ${operationId} was already used for a ${spec.kind} with other parameters; the same id must repeat the same request, or use a new operationId`,
          'operationId',
        );
      }
      return attempt;
    };
    const known = checked(await sameId());
    if (known) return known;
    if (beforeFirst && !(await beforeFirst())) return undefined;
    const attempt = checked((await insert(spec, scope, operationId, '', identity)) ?? (await sameId()));
    if (!attempt) throw new ConflictError(`Could not record operation ${operationId}; try again`);
    return attempt;
  };

  const abandonPending = (kind: string, scope: string) =>
    db
      .updateTable('operations')
      .set({ status: 'abandoned', updated_at: now() })
      .where('kind', '=', kind)
      .where('scope_key', '=', scope)
      .where('status', '=', 'pending')
      .execute();

  /**
   * Decides, for an operation without a caller-named id, which attempt to use: the unanswered one, a
   * reusable succeeded one, or a new one following the latest. Two callers racing to start a new
   * attempt collide on `follows`; the loser re-reads and joins the winner's attempt.
   */
  const decide = async <Req, Res>(
    spec: OperationSpec<Req, Res>,
  ): Promise<{ attempt: Attempt<Req> } | { done: OperationOutcome<Res> }> => {
    let forceNew = spec.newAttempt === true;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const last = await latest(spec.kind, spec.scope);
      if (last?.status === 'pending' && !forceNew) {
        // Stripe may have forgotten a key this old: look for what the first try made before re-sending.
        if (clock.now() - last.createdAt.getTime() > KEY_RETENTION_MS) {
          const found = await spec.beforeNewAttempt?.(last as Attempt<Req>);
          if (found !== undefined) {
            await setStatus(last.id, 'abandoned');
            return { done: { result: found, source: 'recovered', attempt: undefined } };
          }
        }
        return { attempt: last as Attempt<Req> };
      }
      if (last?.status === 'succeeded' && !forceNew) {
        const reusable = spec.reuse ? await spec.reuse(last as Attempt<Req> & { result: Res }) : true;
        if (reusable) return { done: { result: last.result as Res, source: 'reused', attempt: last } };
      }
      const found = await spec.beforeNewAttempt?.(last as Attempt<Req> | undefined);
      if (found !== undefined) return { done: { result: found, source: 'recovered', attempt: undefined } };
      // A deliberate new attempt gives up the unanswered one; its key is never sent again.
      if (forceNew && last?.status === 'pending') await abandonPending(spec.kind, spec.scope);
      const attempt = await insert(spec, spec.scope, randomUUID(), last?.attemptId ?? '');
      if (attempt) return { attempt: attempt as Attempt<Req> };
      forceNew = false; // someone else started the new attempt: join theirs on the next round
    }
    throw new ConflictError(`Too many concurrent attempts of ${spec.kind}; try again`);
  };

  const begin: Operations['begin'] = async (spec) => {
    if (spec.operationId !== undefined) return (await named(spec, spec.operationId)) as Attempt<never>;
    const decided = await decide({
      ...spec,
      reuse: () => false,
      call: async () => ({ objectId: '', result: null }),
    });
    if ('done' in decided) throw new ConflictError(`No attempt of ${spec.kind} could be recorded`);
    return decided.attempt as Attempt<never>;
  };

  const execute = async <Req, Res>(attempt: Attempt<Req>, spec: OperationSpec<Req, Res>) => {
    try {
      const { objectId, result } = await spec.call(attempt.request, attempt.idempotencyKey);
      await setStatus(attempt.id, 'succeeded', { objectId, result });
      return { result, source: 'called' as const, attempt: { ...attempt, status: 'succeeded' as const } };
    } catch (error) {
      // No answer reached us: Stripe may have acted, so the attempt stays pending and its key is reused.
      const unknown = isOutcomeUnknown(error);
      await setStatus(attempt.id, unknown ? 'pending' : 'failed', { error: describeError(error) }).catch(
        () => undefined,
      );
      throw error;
    }
  };

  const run: Operations['run'] = async <Req, Res>(spec: OperationSpec<Req, Res>) => {
    if (spec.operationId !== undefined) {
      // A named operation gets the same checks and recovery as any other before its first attempt
      // (a refund beyond what is left is refused here, not sent to Stripe).
      let recovered: Res | undefined;
      const attempt = await named(spec, spec.operationId, async () => {
        recovered = await spec.beforeNewAttempt?.(undefined);
        return recovered === undefined;
      });
      if (!attempt) return { result: recovered as Res, source: 'recovered', attempt: undefined };
      if (attempt.status === 'succeeded') return { result: attempt.result as Res, source: 'reused', attempt };
      if (attempt.status !== 'pending') {
        throw new ConflictError(
          `Operation ${spec.operationId} already ${attempt.status}; use a new operationId to try again`,
        );
      }
      return execute(attempt as Attempt<Req>, spec);
    }
    const decided = await decide(spec);
    return 'done' in decided ? decided.done : execute(decided.attempt, spec);
  };

  return {
    run,
    begin,
    latest,
    forUser: async (userId, limit = 50) =>
      (
        await db
          .selectFrom('operations')
          .selectAll()
          .where('user_id', '=', userId)
          .orderBy('id', 'desc')
          .limit(limit)
          .execute()
      ).map(toAttempt),
  };
}

/**
 * Whether an attempt may have acted in Stripe without us knowing what it made: unanswered (pending),
 * or failed with a 5xx (Stripe replays that 500 for the key, so only a search can tell).
 */
export function mayHaveActed(attempt: Attempt | undefined): attempt is Attempt {
  if (!attempt) return false;
  if (attempt.status === 'pending') return true;
  const statusCode = (attempt.error as { statusCode?: number } | null)?.statusCode;
  return attempt.status === 'failed' && statusCode !== undefined && statusCode >= 500;
}

/** How many events `madeByAttempt` reads at most (from the attempt's time on). */
const EVENTS_SCANNED = 1000;

/**
 * The object an attempt that may have acted (see `mayHaveActed`) made in Stripe, found through the
 * event it caused (`customer.created`, `refund.created`): the Events API records each request's
 * idempotency key and, unlike Search, has no indexing lag. Undefined when it made nothing (or when
 * the attempt is known not to have acted).
 */
export async function madeByAttempt<T>(
  stripe: Stripe,
  eventType: string,
  previous: Attempt | undefined,
): Promise<T | undefined> {
  if (!mayHaveActed(previous)) return undefined;
  return callStripe('events.list', async () => {
    const events = stripe.events.list({
      type: eventType,
      created: { gte: Math.floor(previous.createdAt.getTime() / 1000) - 60 },
      limit: 100,
    });
    let seen = 0;
    for await (const event of events) {
      if (++seen > EVENTS_SCANNED) return undefined;
      if (event.request?.idempotency_key === previous.idempotencyKey) return event.data.object as T;
    }
    return undefined;
  });
}

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof StripeUpstreamError) {
    return {
      type: error.stripeType,
      code: error.stripeCode,
      statusCode: error.statusCode,
      requestId: error.requestId,
      message: error.message,
    };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}
