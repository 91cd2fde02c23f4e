// Versioned SQL migrations: files `NNNN_name.sql`, applied in order, each inside its own transaction,
// recorded in `coffer_migrations`, under an advisory lock so two instances starting together cannot
// both migrate. Migrations are additive; an applied file that later changes is refused.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CofferError } from '../../shared/errors.js';

/** A connection held exclusively for the duration of a callback. */
export interface RawSession {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs a script of several statements. */
  exec(script: string): Promise<void>;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

export class MigrationError extends CofferError {
  readonly migration: string;
  constructor(migration: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('configuration_error', `Migration ${migration} failed and was rolled back: ${reason}`, { cause });
    this.migration = migration;
  }
}

export const defaultMigrationsDir = fileURLToPath(new URL('../../../migrations/', import.meta.url));

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export async function loadMigrations(dir: string = defaultMigrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_PATTERN.exec(file);
    if (!match)
      throw new CofferError('configuration_error', `Migration file ${file} is not named NNNN_name.sql`);
    const sql = await readFile(`${dir}/${file}`, 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: file.replace(/\.sql$/, ''),
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  const versions = new Set<number>();
  for (const m of migrations) {
    if (versions.has(m.version)) {
      throw new CofferError('configuration_error', `Two migrations share version ${m.version}: rename one`);
    }
    versions.add(m.version);
  }
  return migrations;
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Applies every pending migration to `schema`. Safe to call from several processes at once. */
export async function runMigrations(
  session: RawSession,
  schema: string,
  migrations: Migration[],
): Promise<MigrationReport> {
  const s = quote(schema);
  await session.query('select pg_advisory_lock(hashtextextended($1, 0))', [`coffer:migrate:${schema}`]);
  try {
    await session.exec(`create schema if not exists ${s};
      create table if not exists ${s}.coffer_migrations (
        version integer primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      );`);
    const rows = await session.query<{ version: number; name: string; checksum: string }>(
      `select version, name, checksum from ${s}.coffer_migrations`,
    );
    const applied = new Map(rows.map((r) => [r.version, r]));
    const report: MigrationReport = { applied: [], alreadyApplied: 0 };
    for (const migration of migrations) {
      const done = applied.get(migration.version);
      if (done) {
        if (done.checksum !== migration.checksum) {
          throw new CofferError(
            'configuration_error',
            `Migration ${migration.name} was changed after it was applied; add a new migration instead`,
          );
        }
        report.alreadyApplied++;
        continue;
      }
      try {
        await session.exec(`begin; set local search_path to ${s}, public;\n${migration.sql}\n;`);
        await session.query(
          `insert into ${s}.coffer_migrations (version, name, checksum) values ($1, $2, $3)`,
          [migration.version, migration.name, migration.checksum],
        );
        await session.exec('commit');
      } catch (error) {
        await session.exec('rollback').catch(() => undefined);
        throw new MigrationError(migration.name, error);
      }
      report.applied.push(migration.name);
    }
    return report;
  } finally {
    await session.query('select pg_advisory_unlock(hashtextextended($1, 0))', [`coffer:migrate:${schema}`]);
  }
}
