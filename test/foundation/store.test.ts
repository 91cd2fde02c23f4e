import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { MigrationError, openStore, type Store } from '../../src/billing/store/index.js';
import { defaultMigrationsDir, loadMigrations } from '../../src/billing/store/migrate.js';
import { closeStores, postgresUrl, storeTargets, uniqueSchema } from '../support/store.js';

afterAll(closeStores);

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-migrations-'));
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir, name), body);
  return dir;
}

describe.each(storeTargets)('store on $name', (target) => {
  it('applies every migration on an empty database, then is a no-op', async () => {
    const store = await target.open();
    const all = await loadMigrations();
    const first = await store.migrate();
    expect(first.applied).toEqual(all.map((m) => m.name));
    const second = await store.migrate();
    expect(second).toEqual({ applied: [], alreadyApplied: all.length });
    const rows = await store.db
      .selectFrom('coffer_migrations')
      .select(['version', 'name'])
      .orderBy('version')
      .execute();
    expect(rows.map((r) => r.name)).toEqual(all.map((m) => m.name));
  });

  it('keeps every object in the configured schema', async () => {
    const schema = uniqueSchema('custom');
    const store = await target.open({ schema });
    await store.migrate();
    const tables = await sql<{ table_schema: string; table_name: string }>`
      select table_schema, table_name from information_schema.tables
      where table_name in ('coffer_migrations', 'state')`.execute(store.db);
    expect(
      tables.rows
        .filter((t) => t.table_schema === schema)
        .map((t) => t.table_name)
        .sort(),
    ).toEqual(['coffer_migrations', 'state']);
    // Unqualified names in queries resolve to the schema.
    await sql`insert into state (key, value) values ('k', '{"a":1}')`.execute(store.db);
    const read = await sql<{ value: { a: number } }>`select value from ${sql.id(schema, 'state')}`.execute(
      store.db,
    );
    expect(read.rows[0]?.value).toEqual({ a: 1 });
  });

  it('rolls a failing migration back completely and names it', async () => {
    const dir = await migrationsDir({
      '0001_good.sql': 'create table good (id int primary key);',
      '0002_bad.sql': 'create table half_done (id int); insert into no_such_table values (1);',
    });
    const store = await target.open({ migrationsDir: dir });
    const failure = await store.migrate().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).migration).toBe('0002_bad');
    expect((failure as Error).message).toMatch(/0002_bad/);
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = ${store.schema}`.execute(
      store.db,
    );
    const names = tables.rows.map((r) => r.table_name).sort();
    expect(names).toEqual(['coffer_migrations', 'good']);
    const versions = await store.db.selectFrom('coffer_migrations').select('name').execute();
    expect(versions.map((v) => v.name)).toEqual(['0001_good']);
  });

  it('runs a fixed statement by name, again and again, with fresh values each time', async () => {
    const store = await target.open();
    for (const n of [1, 2, 3])
      expect(await store.prepared('coffer_test_add', 'select $1::int + 1 as n', [n])).toEqual([{ n: n + 1 }]);
  });

  it('refuses a migration that changed after it was applied', async () => {
    const dir = await migrationsDir({ '0001_a.sql': 'create table a (id int);' });
    const store = await target.open({ migrationsDir: dir });
    await store.migrate();
    await writeFile(join(dir, '0001_a.sql'), 'create table a (id bigint);');
    await expect(store.migrate()).rejects.toThrow(/0001_a was changed after it was applied/);
  });
});

describe.runIf(postgresUrl)('store on a real PostgreSQL server', () => {
  it('two instances migrating at once leave one applied set and no error', async () => {
    const schema = uniqueSchema('race');
    const stores = await Promise.all(
      [1, 2, 3].map(() => openStore({ databaseUrl: postgresUrl, schema, poolSize: 2 })),
    );
    try {
      const reports = await Promise.all(stores.map((s) => s.migrate()));
      const all = await loadMigrations(defaultMigrationsDir);
      const appliedCounts = reports.map((r) => r.applied.length).sort();
      expect(appliedCounts).toEqual([0, 0, all.length]);
      const rows = await stores[0]!.db.selectFrom('coffer_migrations').select('version').execute();
      expect(rows).toHaveLength(all.length);
    } finally {
      await stores[0]!.withSession((s) => s.exec(`drop schema if exists "${schema}" cascade`));
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('a connection cut mid-query rejects that query and the process carries on', async () => {
    // A TCP proxy in front of PostgreSQL that the test can cut.
    const target = new URL(postgresUrl!);
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    const url = new URL(postgresUrl!);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    const store = await openStore({ databaseUrl: url.toString(), schema: uniqueSchema('cut'), poolSize: 2 });
    try {
      const slow = sql`select pg_sleep(10)`.execute(store.db);
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await expect(slow).rejects.toThrow();
      // The pool recovers with a fresh connection once the network is back.
      await store.ping();
    } finally {
      await store.close();
      proxy.close();
    }
  });

  it('prepares a named statement once per connection, and runs it unnamed when a pooler lost it', async () => {
    const store = await openStore({ databaseUrl: postgresUrl, schema: uniqueSchema('prep'), poolSize: 1 });
    try {
      const add = (n: number) => store.prepared('coffer_test_add', 'select $1::int + 1 as n', [n]);
      expect(await add(1)).toEqual([{ n: 2 }]);
      // Prepared statements run on connections of their own (poolSize 1: one), so ask through one.
      const prepared = await store.prepared<{ name: string }>(
        'coffer_test_list',
        "select name from pg_prepared_statements where name like 'coffer_test_add%'",
        [],
      );
      // Named after its text too, so one name never stands for two texts.
      expect(prepared).toEqual([{ name: expect.stringMatching(/^coffer_test_add_[0-9a-f]{12}$/) }]);
      // What a pooler in transaction mode does: the next statement lands where it was never prepared.
      await store.withSession((s) =>
        s.exec(
          `create schema if not exists "${store.schema}";
           create or replace function "${store.schema}".forget_prepared() returns void language plpgsql
             as $$ begin execute 'deallocate all'; end $$`,
        ),
      );
      await store.prepared('coffer_test_forget', 'select forget_prepared()', []);
      expect(await add(2)).toEqual([{ n: 3 }]);
      expect(await add(3)).toEqual([{ n: 4 }]);
      // Other errors are the statement's own and still reach the caller.
      await expect(store.prepared('coffer_test_bad', 'select 1 / $1::int as n', [0])).rejects.toThrow(
        /division/,
      );
    } finally {
      await store.close();
    }
  });

  it('relaxed writes commit without waiting for their own WAL flush, into the same schema', async () => {
    const store = await openStore({ databaseUrl: postgresUrl, schema: uniqueSchema('relaxed') });
    try {
      await store.migrate();
      const setting = async (via: Pick<Store, 'db'>) =>
        (
          await via.db.executeQuery<{ s: string }>(
            CompiledQuery.raw("select current_setting('synchronous_commit') as s"),
          )
        ).rows[0]?.s;
      expect(await setting(store)).toBe('on');
      expect(await setting(store.relaxed)).toBe('off');
      await store.relaxed.prepared('coffer_test_state', 'insert into state (key, value) values ($1, $2)', [
        'relaxed.k',
        '{"v":1}',
      ]);
      // The ordinary pool sees it at once (same database, same schema).
      const rows = await store.withSession((x) => x.query("select value from state where key = 'relaxed.k'"));
      expect(rows).toEqual([{ value: { v: 1 } }]);
    } finally {
      await store.close();
    }
  });

  it('ping fails with UnavailableError when the server cannot be reached', async () => {
    const store = await openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', schema: 'coffer' });
    await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable' });
    await store.close();
  });
});

describe('store on PGlite on disk', () => {
  it('keeps data in the data directory between openings', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'coffer-data-'));
    const first = await openStore({ dataDir });
    await first.migrate();
    await sql`insert into state (key, value) values ('cursor', '"evt_1"')`.execute(first.db);
    await first.close();
    const second = await openStore({ dataDir });
    const rows = await sql<{ value: string }>`select value from state where key = 'cursor'`.execute(
      second.db,
    );
    expect(rows.rows[0]?.value).toBe('evt_1');
    await second.close();
  });

  it('rejects a schema name that is not an identifier', async () => {
    await expect(openStore({ dataDir: 'memory', schema: 'bad; drop' })).rejects.toThrow(/schema "bad; drop"/);
  });
});
