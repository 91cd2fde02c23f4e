// What `/readyz` reports: can this instance take traffic? The database must answer and have every
// migration applied; when the worker runs in this process it must be alive. Lag and backlog are
// reported for dashboards and alerts but do not flip readiness (a backlog is not a reason to stop
// accepting the deliveries that would clear it).
import type { Store } from '../billing/store/index.js';
import { loadMigrations } from '../billing/store/migrate.js';
import type { WebhookHealth } from './types.js';

export interface DatabaseStatus {
  reachable: boolean;
  migrationsApplied: boolean;
  pendingMigrations: string[];
}

export interface ReadinessReport {
  ready: boolean;
  database: DatabaseStatus;
  worker: { alive: boolean | null; expected: boolean };
  webhooks: {
    lastEventAgeSeconds: number | null;
    oldestPendingSeconds: number | null;
    queueDepth: number | null;
    deadLetters: number | null;
  };
}

export type DatabaseProbe = () => Promise<DatabaseStatus>;

/** Pings the store and compares the migrations on disk with those recorded as applied. */
export function storeProbe(store: Store): DatabaseProbe {
  // The migrations this code was shipped with; read once (they do not change under a running process).
  let shipped: ReturnType<typeof loadMigrations> | undefined;
  return async () => {
    try {
      shipped ??= loadMigrations();
      const wanted = await shipped;
      const applied = await store.withSession(async (s) => {
        // A schema never migrated has no bookkeeping table yet: then every migration is pending.
        const [table] = await s.query<{ present: boolean }>(
          "select to_regclass('coffer_migrations') is not null as present",
        );
        if (!table?.present) return new Set<number>();
        const rows = await s.query<{ version: number }>('select version from coffer_migrations');
        return new Set(rows.map((row) => Number(row.version)));
      });
      const pending = wanted.filter((m) => !applied.has(m.version)).map((m) => m.name);
      return { reachable: true, migrationsApplied: pending.length === 0, pendingMigrations: pending };
    } catch {
      const reachable = await store.ping().then(
        () => true,
        () => false,
      );
      return { reachable, migrationsApplied: false, pendingMigrations: [] };
    }
  };
}

export async function checkReadiness(
  probe: DatabaseProbe,
  health: () => Promise<WebhookHealth>,
  expectWorker: boolean,
): Promise<ReadinessReport> {
  const database = await probe();
  const webhooks = database.reachable ? await health().catch(() => undefined) : undefined;
  const workerAlive = webhooks?.workerAlive ?? null;
  return {
    ready:
      database.reachable &&
      database.migrationsApplied &&
      webhooks !== undefined &&
      (!expectWorker || workerAlive === true),
    database,
    worker: { alive: workerAlive, expected: expectWorker },
    webhooks: {
      lastEventAgeSeconds: webhooks?.lastEventAgeSeconds ?? null,
      oldestPendingSeconds: webhooks?.oldestPendingSeconds ?? null,
      queueDepth: webhooks?.queueDepth ?? null,
      deadLetters: webhooks?.deadLetters ?? null,
    },
  };
}
