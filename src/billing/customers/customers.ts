// One Stripe customer per app user (seed rule 4). `ensure` is safe to call from anywhere, any number of
// times, from any number of processes: the mapping table has one live row per user, the create call
// goes through an operation whose key every concurrent caller shares, and a lost mapping is
// recovered from Stripe (Search API, then the email list) before anything new is created.
import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import type { Clock } from '../../shared/clock.js';
import { StripeUpstreamError, ValidationError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Operations } from '../operations/index.js';
import { madeByAttempt, scopeKey } from '../operations/index.js';
import type { Database } from '../store/index.js';
import { callStripe } from '../stripe-client.js';
import { type CustomerMappingSource, mappingRow } from './tables.js';

export interface EnsureCustomerInput {
  /** Your app's user id; stored as the customer's `metadata.user_id`. */
  userId: string;
  email?: string;
  name?: string;
}

export interface CustomerRecord {
  userId: string;
  customerId: string;
  email: string | null;
  name: string | null;
  /** How the mapping came to be (created here, recovered from Stripe, or learned from a webhook). */
  source: CustomerMappingSource;
  createdAt: Date;
}

export interface EnsuredCustomer extends CustomerRecord {
  /** True when this call created the Stripe customer. */
  created: boolean;
}

export interface Customers {
  /** Returns the user's Stripe customer, creating it (exactly once) when there is none. */
  ensure(input: EnsureCustomerInput): Promise<EnsuredCustomer>;
  /** The user's live mapping, from the local store only. */
  get(userId: string): Promise<CustomerRecord | undefined>;
  /** The mapping holding a Stripe customer id (live or deleted). */
  byCustomerId(customerId: string): Promise<(CustomerRecord & { deletedAt: Date | null }) | undefined>;
  /**
   * Runs `fn` with the user's customer. If Stripe answers that the customer no longer exists (deleted
   * before its webhook arrived), the mapping is tombstoned and `fn` runs once more with a new customer.
   */
  withCustomer<T>(input: EnsureCustomerInput, fn: (customer: EnsuredCustomer) => Promise<T>): Promise<T>;
}

export interface CustomersDeps {
  db: Kysely<Database>;
  stripe: Stripe;
  operations: Operations;
  clock: Clock;
  logger: Logger;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const CUSTOMER_CREATE = 'customer.create';

/** Checks an app user id: what Stripe metadata and our keys can carry. */
export function validateUserId(userId: unknown, field = 'userId'): string {
  if (typeof userId !== 'string' || userId.trim() === '') {
    throw new ValidationError(`${field} must be a non-empty string`, field);
  }
  if (userId.length > 200) throw new ValidationError(`${field} must be at most 200 characters`, field);
  return userId;
}

function validateInput(input: EnsureCustomerInput): EnsureCustomerInput {
  if (!input || typeof input !== 'object')
    throw new ValidationError('ensure needs { userId, email }', 'input');
  validateUserId(input.userId);
  if (input.email !== undefined && (typeof input.email !== 'string' || !EMAIL.test(input.email))) {
    throw new ValidationError('email must be an email address such as ada@example.com', 'email');
  }
  if (input.name !== undefined && (typeof input.name !== 'string' || input.name.length > 256)) {
    throw new ValidationError('name must be a string of at most 256 characters', 'name');
  }
  return input;
}

// Stripe's search syntax: values in quotes, backslash escapes quotes and backslashes.
const quoted = (value: string): string => `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;

export function createCustomers(deps: CustomersDeps): Customers {
  const { db, stripe, operations, clock, logger } = deps;
  const inFlight = new Map<string, Promise<EnsuredCustomer>>();

  const toRecord = (row: {
    user_id: string;
    customer_id: string;
    email: string | null;
    name: string | null;
    source: CustomerMappingSource;
    created_at: Date;
  }): CustomerRecord => ({
    userId: row.user_id,
    customerId: row.customer_id,
    email: row.email,
    name: row.name,
    source: row.source,
    createdAt: row.created_at,
  });

  const get = async (userId: string) => {
    const row = await db
      .selectFrom('customers_by_user')
      .selectAll()
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  };

  const isDeleted = async (customerId: string) =>
    (await db
      .selectFrom('customers_by_user')
      .select('customer_id')
      .where('customer_id', '=', customerId)
      .where('deleted_at', 'is not', null)
      .executeTakeFirst()) !== undefined;

  /** Stores the mapping; if another writer stored one first, theirs wins and is returned. */
  const remember = async (
    userId: string,
    customer: { id: string; email: string | null; name?: string | null },
    source: CustomerMappingSource,
  ): Promise<EnsuredCustomer> => {
    const at = new Date(clock.now());
    const inserted = await db
      .insertInto('customers_by_user')
      .values(mappingRow(userId, customer, source, at))
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    // The customer.created webhook may have adopted our own customer first: it is still ours (the
    // mapping says how it was made, and this call reports it created).
    const claimed =
      !inserted && source !== 'webhook'
        ? await db
            .updateTable('customers_by_user')
            .set({ source, updated_at: at })
            .where('customer_id', '=', customer.id)
            .where('source', '=', 'webhook')
            .where('deleted_at', 'is', null)
            .returningAll()
            .executeTakeFirst()
        : undefined;
    const mine = inserted ?? claimed;
    const live = mine ? toRecord(mine) : await get(userId);
    if (!live) {
      // The customer id is known but tombstoned (deleted in Stripe): never map a deleted customer.
      throw new ValidationError(
        `Stripe customer ${customer.id} was deleted; it cannot be mapped again`,
        'userId',
      );
    }
    if (live.customerId !== customer.id) {
      logger.warn(
        { userId, kept: live.customerId, extra: customer.id },
        'customers: user already had a customer; an extra one exists in Stripe',
      );
    }
    return {
      ...live,
      created: mine !== undefined && source === 'created' && live.customerId === customer.id,
    };
  };

  /** Finds the user's customer in Stripe: Search API by metadata, then the list by email. */
  const findInStripe = async (
    input: EnsureCustomerInput,
  ): Promise<{ customer: Stripe.Customer; source: CustomerMappingSource } | undefined> => {
    const usable = async (list: Stripe.Customer[]) => {
      const mine = list
        .filter((c) => c.metadata?.user_id === input.userId)
        .sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
      for (const candidate of mine) if (!(await isDeleted(candidate.id))) return candidate;
      return undefined;
    };
    try {
      const found = await stripe.customers.search({
        query: `metadata['user_id']:${quoted(input.userId)}`,
        limit: 10,
      });
      if (found.data.length > 1) {
        logger.warn({ userId: input.userId, count: found.data.length }, 'customers: duplicates in Stripe');
      }
      const hit = await usable(found.data);
      if (hit) return { customer: hit, source: 'recovered_search' };
    } catch (error) {
      // Search is unavailable in some regions and lags writes by up to a minute: fall through.
      logger.warn({ err: error }, 'customers: search failed; trying the email list');
    }
    if (!input.email) return undefined;
    const listed = await callStripe('customers.list', () =>
      stripe.customers.list({ email: input.email, limit: 100 }),
    );
    const hit = await usable(listed.data);
    return hit ? { customer: hit, source: 'recovered_email' } : undefined;
  };

  const create = async (input: EnsureCustomerInput): Promise<EnsuredCustomer> => {
    const existing = await get(input.userId);
    if (existing) return { ...existing, created: false };

    const request: Stripe.CustomerCreateParams = {
      ...(input.email ? { email: input.email } : {}),
      ...(input.name ? { name: input.name } : {}),
      metadata: { user_id: input.userId, created_via: 'coffer' },
    };
    const outcome = await operations.run<Stripe.CustomerCreateParams, FoundCustomer>({
      kind: CUSTOMER_CREATE,
      scope: scopeKey({ user: input.userId }),
      userId: input.userId,
      request,
      // A customer created by an earlier attempt stays the user's unless Stripe deleted it since.
      reuse: async (attempt) => !(await isDeleted(attempt.result.id)),
      beforeNewAttempt: async (previous) => {
        const made = await madeByAttempt<Stripe.Customer>(stripe, 'customer.created', previous);
        if (made && !(await isDeleted(made.id))) return { ...pick(made), via: 'recovered_operation' };
        const found = await findInStripe(input);
        return found ? { ...pick(found.customer), via: found.source } : undefined;
      },
      call: async (params, idempotencyKey) => {
        const customer = await callStripe('customers.create', () =>
          stripe.customers.create(params, { idempotencyKey }),
        );
        return {
          objectId: customer.id,
          result: { ...pick(customer), via: 'created' },
        };
      },
    });
    const source: CustomerMappingSource =
      outcome.source === 'reused' ? 'recovered_operation' : outcome.result.via;
    return remember(input.userId, outcome.result, outcome.source === 'called' ? 'created' : source);
  };

  /** Whether Stripe's failure means this customer is gone (checked with Stripe, not guessed). */
  const isGone = async (error: unknown, customerId: string) => {
    if (!(error instanceof StripeUpstreamError) || error.stripeCode !== 'resource_missing') return false;
    const found = await stripe.customers.retrieve(customerId).catch((e: unknown) => e);
    return (
      (found instanceof Error && (found as { statusCode?: number }).statusCode === 404) ||
      (typeof found === 'object' && found !== null && 'deleted' in found && found.deleted === true)
    );
  };

  const tombstone = async (customerId: string) => {
    const at = new Date(clock.now());
    await db
      .updateTable('customers_by_user')
      .set({ deleted_at: at, updated_at: at })
      .where('customer_id', '=', customerId)
      .where('deleted_at', 'is', null)
      .execute();
  };

  const ensure = async (input: EnsureCustomerInput) => {
    validateInput(input);
    // One in-process call per user at a time; other processes meet at the operation and the index.
    const running = inFlight.get(input.userId);
    if (running) return running;
    const promise = create(input).finally(() => inFlight.delete(input.userId));
    inFlight.set(input.userId, promise);
    return promise;
  };

  return {
    ensure,
    withCustomer: async (input, fn) => {
      const customer = await ensure(input);
      try {
        return await fn(customer);
      } catch (error) {
        if (!(await isGone(error, customer.customerId))) throw error;
        logger.warn({ customerId: customer.customerId }, 'customers: mapped customer was deleted in Stripe');
        await tombstone(customer.customerId);
        return fn(await ensure(input));
      }
    },
    get: async (userId) => get(validateUserId(userId)),
    byCustomerId: async (customerId) => {
      const row = await db
        .selectFrom('customers_by_user')
        .selectAll()
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
      return row ? { ...toRecord(row), deletedAt: row.deleted_at } : undefined;
    },
  };
}

const pick = (c: Stripe.Customer) => ({ id: c.id, email: c.email, name: c.name ?? null });

/** What the create operation records and hands back: the customer and how it was obtained. */
type FoundCustomer = ReturnType<typeof pick> & { via: CustomerMappingSource };
