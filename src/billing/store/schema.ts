// The typed view of Coffer's tables for Kysely. Each room declares its tables in its own file and
// adds them to `Database` here, so the query layer knows every column.
import type { Generated } from 'kysely';
import type { CustomerTables } from '../customers/tables.js';
import type { MirrorTables } from '../mirror/tables.js';
import type { OperationsTables } from '../operations/tables.js';

export interface MigrationsTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: Generated<Date>;
}

export interface Database extends MirrorTables, OperationsTables, CustomerTables {
  coffer_migrations: MigrationsTable;
}
