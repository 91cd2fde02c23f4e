// The databases a store suite runs on: PGlite always, and PostgreSQL when DATABASE_URL or
// TEST_DATABASE_URL is set (CI always sets it). Each call gets a fresh schema so parallel files never collide.
import { randomBytes } from 'node:crypto';
import { openStore, type Store, type StoreOptions } from '../../src/billing/store/index.js';

export const postgresUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;

export interface StoreTarget {
  name: 'pglite' | 'postgres';
  open(options?: Omit<StoreOptions, 'databaseUrl' | 'dataDir'>): Promise<Store>;
}

export const uniqueSchema = (prefix = 't'): string => `${prefix}_${randomBytes(5).toString('hex')}`;

const opened: { store: Store; drop: boolean }[] = [];

export const storeTargets: StoreTarget[] = [
  {
    name: 'pglite',
    open: async (options = {}) => {
      const store = await openStore({ dataDir: 'memory', schema: uniqueSchema(), ...options });
      opened.push({ store, drop: false });
      return store;
    },
  },
  ...(postgresUrl
    ? [
        {
          name: 'postgres' as const,
          open: async (options: Omit<StoreOptions, 'databaseUrl' | 'dataDir'> = {}) => {
            const store = await openStore({
              databaseUrl: postgresUrl,
              schema: uniqueSchema(),
              poolSize: 4,
              ...options,
            });
            opened.push({ store, drop: true });
            return store;
          },
        },
      ]
    : []),
];

/** Closes every store opened through the targets, dropping the PostgreSQL test schemas. */
export async function closeStores(): Promise<void> {
  for (const { store, drop } of opened.splice(0)) {
    if (drop)
      await store
        .withSession((s) => s.exec(`drop schema if exists "${store.schema}" cascade`))
        .catch(() => undefined);
    await store.close();
  }
}
