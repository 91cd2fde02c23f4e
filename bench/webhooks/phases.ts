// The pieces the webhook benchmark is made of: a run (fresh events per phase), starting a system in
// its own process, watching its mirror and its worker's counter, and the two load shapes.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { type BenchChild, startChild } from '../lib/child.js';
import { type LoadReport, type LoadShape, mergeReports } from '../load/shapes.js';
import { objectIdFor } from './events.js';
import type { EngineName, MirrorProgress, SystemName, SystemOptions } from './system.js';

export interface WebhookSuiteOptions {
  databaseUrl: string;
  /** Multiplies every duration and count (1 = the full run). */
  scale: number;
  /** The engines Coffer is measured on (sync-engine always runs on PostgreSQL). */
  engines: EngineName[];
}

export const CONCURRENCY = 16;

/** One benchmark run: its tag, signing secret and load child; hands every phase fresh events. */
export class Run {
  readonly tag = randomBytes(3).toString('hex');
  readonly secret = `whsec_${randomBytes(24).toString('hex')}`;
  private next = 0;
  constructor(
    readonly load: BenchChild,
    readonly scale: number,
  ) {}

  ms(base: number): number {
    return Math.max(1000, Math.round(base * this.scale));
  }

  /** Reserves the next `count` events of the run: their first index and the ids of their objects. */
  plan(shape: LoadShape): { offset: number; ids: string[] } {
    const offset = this.next;
    const count =
      shape.kind === 'closed' ? shape.maxOps : Math.floor((shape.ratePerSecond * shape.durationMs) / 1000);
    this.next += count;
    return { offset, ids: Array.from({ length: count }, (_, i) => objectIdFor(this.tag, offset + i)) };
  }

  /** Sends a phase of fresh events to `url`; `ids` are the objects of the events actually sent. */
  async send(
    url: string,
    shape: LoadShape,
    keepStarts = false,
    planned = this.plan(shape),
    keepSamples = false,
  ): Promise<{ report: LoadReport; ids: string[] }> {
    const budget = (shape.kind === 'closed' ? shape.maxMs : shape.durationMs) + 60_000;
    const report = await this.load.call<LoadReport>(
      'run',
      { url, secret: this.secret, tag: this.tag, offset: planned.offset, shape, keepStarts, keepSamples },
      budget,
    );
    return { report, ids: planned.ids.slice(0, report.completed + report.failed) };
  }
}

/**
 * Asks the system, every `intervalMs`, which of the ids are mirrored yet, and records when each was
 * first seen (and the row's own synced_at). Runs while the load is being sent.
 */
export class MirrorPoller {
  readonly firstSeen = new Map<string, number>();
  readonly syncedAt = new Map<string, number>();
  lastSeen = 0;
  private readonly unseen: Set<string>;
  private readonly done: Promise<void>;
  private readonly created = Date.now();

  /** With `ratePerSecond` (an open loop), only ids whose events are due by now (+0.5 s) are asked for. */
  constructor(
    private readonly sut: BenchChild,
    private readonly ids: string[],
    private readonly intervalMs: number,
    timeoutMs: number,
    private readonly ratePerSecond?: number,
  ) {
    this.unseen = new Set(ids);
    this.done = this.loop(this.created + timeoutMs);
  }

  private due(): string[] {
    if (this.ratePerSecond === undefined) return [...this.unseen];
    const sent = Math.ceil(((Date.now() - this.created) / 1000 + 0.5) * this.ratePerSecond);
    return this.ids.slice(0, sent).filter((id) => this.unseen.has(id));
  }

  /** Stops waiting for these ids (their events were never sent). */
  forget(ids: string[]): void {
    for (const id of ids) this.unseen.delete(id);
  }

  /** Resolves when every id was seen, or at the time limit. */
  async finished(): Promise<this> {
    await this.done;
    return this;
  }

  private async loop(deadline: number): Promise<void> {
    while (this.unseen.size && Date.now() < deadline) {
      const due = this.due();
      const found = due.length ? await this.sut.call<MirrorProgress>('mirrored', due, 30_000) : {};
      const now = Date.now();
      for (const [id, at] of Object.entries(found)) {
        if (!this.unseen.delete(id)) continue;
        this.firstSeen.set(id, now);
        if (at !== null) this.syncedAt.set(id, at);
        this.lastSeen = now;
      }
      if (this.unseen.size) await sleep(this.intervalMs);
    }
  }
}

export async function processedCount(sut: BenchChild): Promise<number> {
  return (await sut.call<Record<string, number | null>>('stats', null, 30_000)).processed ?? 0;
}

/**
 * Watches the worker's own `processed` counter (in memory, so watching costs no query) every 50 ms until
 * it reaches `target()` (known once the load has finished) or the time limit; resolves with the time.
 */
export async function waitForProcessed(
  sut: BenchChild,
  target: () => number | undefined,
  timeoutMs: number,
): Promise<{ at: number; processed: number }> {
  const deadline = Date.now() + timeoutMs;
  let processed = 0;
  while (Date.now() < deadline) {
    processed = await processedCount(sut);
    const goal = target();
    if (goal !== undefined && processed >= goal) return { at: Date.now(), processed };
    await sleep(50);
  }
  return { at: Date.now(), processed };
}

export async function startSystem(
  run: Run,
  options: WebhookSuiteOptions,
  system: SystemName,
  engine: EngineName,
  schemas: string[],
): Promise<{ sut: BenchChild; url: string; via: string }> {
  const schema = `bench_${system === 'coffer' ? 'coffer' : 'se'}_${run.tag}`;
  if (engine === 'postgres') schemas.push(schema);
  const sut = await startChild('webhooks/sut.ts');
  try {
    const started = await sut.call<{ url: string; via: string }>(
      'start',
      {
        system,
        engine,
        databaseUrl: options.databaseUrl,
        schema,
        secret: run.secret,
      } satisfies SystemOptions,
      120_000,
    );
    return { sut, ...started };
  } catch (error) {
    await sut.stop();
    throw error;
  }
}

export const closed = (maxOps: number, maxMs: number, concurrency = CONCURRENCY): LoadShape => ({
  kind: 'closed',
  concurrency,
  maxOps,
  maxMs,
});
export const open = (rate: number, durationMs: number): LoadShape => ({
  kind: 'open',
  ratePerSecond: rate,
  durationMs,
  maxInFlight: 512,
});

export interface Started {
  sut: BenchChild;
  url: string;
  via: string;
}

/**
 * Runs `rounds` rounds of `shape` against each target in turn (A, B, A, B, …), so a burst of outside
 * noise falls on every system alike, and merges each target's rounds into one report.
 */
export async function interleaved(
  run: Run,
  targets: Started[],
  rounds: number,
  shape: LoadShape,
): Promise<LoadReport[]> {
  const reports: LoadReport[][] = targets.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, target] of targets.entries()) {
      const { report } = await run.send(target.url, shape, false, run.plan(shape), true);
      reports[i]?.push(report);
    }
  }
  return reports.map((list) => mergeReports(list));
}

/**
 * Runs a CHECKPOINT and returns how long it took. Called before every latency phase judged on
 * PostgreSQL, for each system alike: a saturating phase leaves PostgreSQL with dirty pages the kernel
 * writes back about 30 s later and no recycled WAL segments, so the next ones are created (16 MB
 * zero-filled and fsynced while every commit waits). PostgreSQL checkpoints on its own every 5 min or
 * max_wal_size; the benchmark only compresses that time, so a phase measures the system at its rate and
 * not the echo of the phase before it.
 */
export async function checkpoint(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const start = Date.now();
    await client.query('checkpoint');
    return Date.now() - start;
  } finally {
    await client.end();
  }
}

/** Asks a system to shut down and ends its process. */
export async function stopSystem(sut: BenchChild | undefined): Promise<void> {
  await sut?.call('close', null, 30_000).catch(() => undefined);
  await sut?.stop();
}
