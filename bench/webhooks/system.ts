// What the webhook benchmark needs from each system it measures (Coffer, sync-engine).

/**
 * The asked objects found in the mirror, by id, each with the epoch ms at which the system says it
 * wrote the row (its `synced_at`), or null when the system keeps no such time.
 */
export type MirrorProgress = Record<string, number | null>;

export interface SystemUnderTest {
  /** Where the load generator POSTs the signed events. */
  url: string;
  /** How the system is served, for the report. */
  via: string;
  startWorker?(): Promise<void>;
  stopWorker?(): Promise<void>;
  mirrored(objectIds: string[]): Promise<MirrorProgress>;
  /** Rows in the durable intake queue not yet processed (Coffer only). */
  backlog?(): Promise<number>;
  /** The system's own counters, shown in the report (Coffer only). */
  stats?(): Promise<Record<string, number | null>>;
  close(): Promise<void>;
}

export type SystemName = 'coffer' | 'sync-engine';
export type EngineName = 'postgres' | 'pglite';

export interface SystemOptions {
  system: SystemName;
  engine: EngineName;
  databaseUrl: string;
  schema: string;
  secret: string;
}
