// Kysely's view of the user ↔ Stripe customer mapping (migrations/0021_customers_by_user.sql).
import type { ColumnType } from 'kysely';

export type CustomerMappingSource =
  | 'created'
  | 'recovered_search'
  | 'recovered_email'
  | 'recovered_operation'
  | 'webhook';

export interface CustomersByUserTable {
  customer_id: string;
  user_id: string;
  email: string | null;
  name: string | null;
  source: CustomerMappingSource;
  deleted_at: ColumnType<Date | null, Date | null, Date | null>;
  created_at: ColumnType<Date, Date, Date>;
  updated_at: ColumnType<Date, Date, Date>;
}

export interface CustomerTables {
  customers_by_user: CustomersByUserTable;
}

/** A mapping row for `customer`, live unless `deletedAt` is given. */
export function mappingRow(
  userId: string,
  customer: { id: string; email?: string | null; name?: string | null },
  source: CustomerMappingSource,
  at: Date,
  deletedAt: Date | null = null,
) {
  return {
    customer_id: customer.id,
    user_id: userId,
    email: customer.email ?? null,
    name: customer.name ?? null,
    source,
    deleted_at: deletedAt,
    created_at: at,
    updated_at: at,
  };
}
