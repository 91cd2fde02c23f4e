// Runs one parameterised statement through the store's query layer (fixed SQL text, values as
// parameters), for the hot paths where a hand-written statement says more than a builder would.
import { CompiledQuery } from 'kysely';
import type { Store } from '../store/index.js';

export async function run<R = Record<string, unknown>>(
  store: Pick<Store, 'db'>,
  text: string,
  params: readonly unknown[] = [],
): Promise<R[]> {
  const result = await store.db.executeQuery<R>(CompiledQuery.raw(text, [...params]));
  return result.rows;
}
