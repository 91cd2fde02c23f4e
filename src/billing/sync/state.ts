// Small durable values in the foundation's `state` table (cursors of catch-up and backfill).
import { run } from '../mirror/sql.js';
import type { Store } from '../store/index.js';

export async function readState<T>(store: Pick<Store, 'db'>, key: string): Promise<T | undefined> {
  const [row] = await run<{ value: T }>(store, 'select value from state where key = $1', [key]);
  return row?.value;
}

export async function writeState(store: Pick<Store, 'db'>, key: string, value: unknown): Promise<void> {
  await run(
    store,
    `insert into state (key, value, updated_at) values ($1, $2::jsonb, now())
     on conflict (key) do update set value = excluded.value, updated_at = now()`,
    [key, JSON.stringify(value)],
  );
}
