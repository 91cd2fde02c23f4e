// Kysely's view of the operations table (migrations/0020_operations.sql).
import type { ColumnType, Generated } from 'kysely';

export type AttemptStatus = 'pending' | 'succeeded' | 'failed' | 'abandoned';

/** jsonb: read as parsed JSON, written as a JSON string (the same on pg and PGlite). */
export type Json<T = unknown> = ColumnType<T, string, string>;

export interface OperationsTable {
  id: Generated<number>;
  kind: string;
  scope_key: string;
  attempt_id: string;
  follows: string;
  idempotency_key: string;
  user_id: string | null;
  /** A caller-named operation's identity (kind aside): who/what and the operationId; null otherwise. */
  named: ColumnType<string | null, string | null | undefined, string | null>;
  status: AttemptStatus;
  request: Json;
  stripe_object_id: string | null;
  result: ColumnType<unknown, string | null, string | null>;
  error: ColumnType<unknown, string | null, string | null>;
  created_at: ColumnType<Date, Date, Date>;
  updated_at: ColumnType<Date, Date, Date>;
}

export interface OperationsTables {
  operations: OperationsTable;
}
