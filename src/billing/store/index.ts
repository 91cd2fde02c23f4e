// The store: PGlite (embedded, the default) when no DATABASE_URL is given, a `pg` pool otherwise.
// Both speak PostgreSQL, so one set of migrations and one Kysely query layer serve both.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { UnavailableError, ValidationError } from '../../shared/errors.js';
import { loadMigrations, type MigrationReport, type RawSession, runMigrations } from './migrate.js';
import { Mutex, PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export type { MigrationReport, RawSession } from './migrate.js';
export { MigrationError } from './migrate.js';
export type { Database } from './schema.js';

export interface StoreOptions {
  /** A PostgreSQL connection string; when absent PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite's directory, or `memory` for a throwaway in-memory database. Default `./.coffer`. */
  dataDir?: string;
  /** Schema holding every table. Default `coffer`. */
  schema?: string;
  /**
   * Pool size for PostgreSQL. Default 10 (plus up to 6 for `relaxed`, opened only when a worker runs,
   * and up to as many for `prepared`, opened only as its statements run: one for the webhook intake's
   * one INSERT in flight by default).
   */
  poolSize?: number;
  /**
   * PostgreSQL: the server cancels a `prepared` statement (the webhook intake's INSERT) that runs
   * longer than this, waiting for a lock included, and the client gives up on it 2 s later if even
   * the cancellation does not come back (a half-open connection). Default 7,500 ms, just under the
   * intake's 8 s `storeTimeoutMs`; 0 turns both off. Other statements are not limited. PGlite runs
   * in-process and ignores it.
   */
  preparedTimeoutMs?: number;
  /** Where the `NNNN_name.sql` files are; defaults to the package's `migrations/`. */
  migrationsDir?: string;
}

export interface Store {
  readonly kind: 'pglite' | 'postgres';
  readonly schema: string;
  /** The typed query layer; unqualified table names resolve to `schema`. */
  readonly db: Kysely<Database>;
  /** Holds one connection for the callback (for advisory locks and multi-statement scripts). */
  withSession<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
  /**
   * Runs one fixed statement for a hot path. On PostgreSQL it is the prepared statement `name`, parsed
   * and planned once per connection (a name always stands for the same text); behind a pooler that
   * loses prepared statements it falls back to unnamed statements for good. On PostgreSQL these run on
   * connections of their own where the server cancels one that takes over `preparedTimeoutMs`
   * (default 7.5 s). PGlite runs it like any query.
   */
  prepared<R = Record<string, unknown>>(name: string, text: string, params: readonly unknown[]): Promise<R[]>;
  /**
   * The same database for writes a crash may lose because a retry redoes them (the webhook worker's
   * claims, mirror writes, projections and completions): on PostgreSQL its own connections commit
   * without waiting for the WAL flush (`synchronous_commit = off`), so they add no fsync of their own.
   * WAL is one sequence: any later ordinary commit (an intake INSERT, a ledger row) flushes them too,
   * so only a suffix of such writes, never one before a durable write, can be lost. Its statements go
   * by key or by a partial index, so it plans with index scans only (no bitmap or sequential scans).
   * PGlite: the store.
   */
  readonly relaxed: Pick<Store, 'kind' | 'db' | 'prepared'>;
  migrate(): Promise<MigrationReport>;
  /** Resolves when the database answers; throws UnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const schema = options.schema ?? 'coffer';
  if (!SCHEMA_NAME.test(schema)) {
    throw new ValidationError(`schema "${schema}" must be a lowercase SQL identifier`, 'schema');
  }
  const store = options.databaseUrl
    ? openPostgres(options.databaseUrl, schema, options.poolSize ?? 10, options.preparedTimeoutMs ?? 7_500)
    : await openPGlite(options.dataDir ?? './.coffer', schema);
  return {
    ...store,
    schema,
    migrate: async () =>
      store.withSession(async (s) => runMigrations(s, schema, await loadMigrations(options.migrationsDir))),
    ping: async () => {
      try {
        await store.withSession((s) => s.query('select 1'));
      } catch (error) {
        throw new UnavailableError('The database is not reachable', error);
      }
    },
  };
}

type OpenedStore = Pick<Store, 'kind' | 'db' | 'withSession' | 'prepared' | 'relaxed' | 'close'>;

// A connection pooler in transaction mode can hand each statement another server connection, where a
// statement prepared earlier does not exist (26000) or its name is taken (42P05).
const PREPARED_STATEMENT_LOST = new Set(['26000', '42P05']);

function openPostgres(
  connectionString: string,
  schema: string,
  max: number,
  preparedTimeoutMs: number,
): OpenedStore {
  if (!Number.isInteger(preparedTimeoutMs) || preparedTimeoutMs < 0) {
    throw new ValidationError(
      `preparedTimeoutMs must be a whole number of milliseconds (0 = no limit), got ${preparedTimeoutMs}`,
      'preparedTimeoutMs',
    );
  }
  const main = openPool(connectionString, schema, max, '');
  // The hot statements (the intake's INSERT) get connections of their own, where the server cancels a
  // statement stuck behind a lock or a stalled disk: one stuck INSERT must not shut the intake, and
  // the other statements (migrations, prunes, the worker's) keep running as long as they need.
  const hot = openPool(
    connectionString,
    schema,
    max,
    preparedTimeoutMs > 0 ? ` -c statement_timeout=${preparedTimeoutMs}` : '',
    preparedTimeoutMs > 0 ? preparedTimeoutMs + 2_000 : undefined,
  );
  // The relaxed pool serves statements that go by key or by a partial index (the worker's), so it
  // plans with index scans only: they stay cheap without fresh statistics and mark dead entries.
  const relaxed = openPool(
    connectionString,
    schema,
    // The worker's lanes and its claim; more would only compete with the intake's connections.
    Math.min(max, 6),
    ' -c synchronous_commit=off -c enable_bitmapscan=off -c enable_seqscan=off',
  );
  return {
    kind: 'postgres',
    db: main.db,
    prepared: hot.prepared,
    relaxed: { kind: 'postgres', db: relaxed.db, prepared: relaxed.prepared },
    withSession: async (fn) => {
      const client = await main.pool.connect();
      try {
        return await fn({
          query: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
          exec: async (script) => {
            await client.query(script);
          },
        });
      } finally {
        client.release();
      }
    },
    close: async () => {
      await Promise.all([main.db.destroy(), hot.db.destroy(), relaxed.db.destroy()]);
    },
  };
}

/**
 * A pg pool on `schema` (plus extra server settings) with its query layer and prepared statements;
 * `queryTimeoutMs`: the client rejects a query with no answer by then and drops its connection.
 */
function openPool(
  connectionString: string,
  schema: string,
  max: number,
  settings: string,
  queryTimeoutMs?: number,
) {
  // int8 (counts, amounts) as numbers: Stripe amounts fit well inside 2^53.
  const types = {
    getTypeParser: (oid: number, format?: string) =>
      oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({
    connectionString,
    max,
    options: `-c search_path="${schema}",public${settings}`,
    types: types as pg.CustomTypesConfig,
    connectionTimeoutMillis: 5_000,
    ...(queryTimeoutMs === undefined ? {} : { query_timeout: queryTimeoutMs }),
  });
  // A connection lost while idle (pool 'error') or while checked out (the client's own 'error') must
  // not crash the process: the query in flight rejects, and the pool replaces the connection.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let named = true;
  // The server-side name carries a hash of the text, so a name never stands for two texts, not even
  // across versions of Coffer sharing connections behind a pooler.
  const names = new Map<string, string>();
  const nameFor = (name: string, text: string) => {
    let full = names.get(text);
    if (full === undefined) {
      full = `${name}_${createHash('sha1').update(text).digest('hex').slice(0, 12)}`;
      names.set(text, full);
    }
    return full;
  };
  const prepared = async <R>(name: string, text: string, params: readonly unknown[]): Promise<R[]> => {
    const values = [...params];
    if (named) {
      try {
        return (await pool.query({ name: nameFor(name, text), text, values })).rows as R[];
      } catch (error) {
        // Refused before it ran (Parse or Bind), so running it again unnamed is safe.
        if (!PREPARED_STATEMENT_LOST.has((error as { code?: string }).code ?? '')) throw error;
        named = false;
      }
    }
    return (await pool.query(text, values)).rows as R[];
  };
  return { pool, db, prepared };
}

async function openPGlite(dataDir: string, schema: string): Promise<OpenedStore> {
  let pglite: PGlite;
  if (dataDir === 'memory') {
    pglite = await PGlite.create({ parsers: { [INT8_OID]: Number } });
  } else {
    const dir = join(dataDir, 'pglite');
    await mkdir(dir, { recursive: true });
    pglite = await PGlite.create({ dataDir: dir, parsers: { [INT8_OID]: Number } });
  }
  await pglite.exec(`set search_path to "${schema}", public`);
  const mutex = new Mutex();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite, mutex) });
  // No prepared statements to gain on PGlite: the statement takes the one connection's queue like any other.
  const prepared = async <R>(_name: string, text: string, params: readonly unknown[]) =>
    (await db.executeQuery<R>(CompiledQuery.raw(text, [...params]))).rows;
  return {
    kind: 'pglite',
    db,
    prepared,
    // One connection, one commit order: nothing to relax.
    relaxed: { kind: 'pglite', db, prepared },
    withSession: async (fn) => {
      const release = await mutex.acquire();
      try {
        return await fn({
          query: async (sql, params) => (await pglite.query(sql, params as unknown[])).rows as never[],
          exec: async (script) => {
            await pglite.exec(script);
          },
        });
      } finally {
        release();
      }
    },
    close: async () => {
      await db.destroy();
      await pglite.close();
    },
  };
}
