// The typed view of Coffer's tables for Kysely. Each room declares its tables in its own file and
// adds them to `Database` here, so the query layer knows every column.
import type { Generated } from 'kysely';

export interface MigrationsTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: Generated<Date>;
}

export interface Database {
  coffer_migrations: MigrationsTable;
}
