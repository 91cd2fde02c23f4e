// The webhook benchmark of issue #4: Coffer's intake and worker against @supabase/stripe-sync-engine,
// same events, same PostgreSQL, same run; Coffer on PGlite beside it.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { type BenchChild, startChild } from '../lib/child.js';
import {
  errorNote,
  errorText,
  fmtInt,
  fmtLatency,
  fmtLoad,
  fmtMs,
  fmtRate,
  type SuiteResult,
  verdict,
} from '../lib/report.js';
import { ratePerSecond, summarize } from '../lib/stats.js';
import type { LoadReport, LoadShape } from '../load/shapes.js';
import { objectIdFor } from './events.js';
import type { EngineName, MirrorProgress, SystemName, SystemOptions } from './system.js';

export interface WebhookSuiteOptions {
  databaseUrl: string;
  /** Multiplies every duration and count (1 = the full run). */
  scale: number;
  /** The engines Coffer is measured on (sync-engine always runs on PostgreSQL). */
  engines: EngineName[];
}

const CONCURRENCY = 16;

class Run {
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
  ): Promise<{ report: LoadReport; ids: string[] }> {
    const budget = (shape.kind === 'closed' ? shape.maxMs : shape.durationMs) + 60_000;
    const report = await this.load.call<LoadReport>(
      'run',
      { url, secret: this.secret, tag: this.tag, offset: planned.offset, shape, keepStarts },
      budget,
    );
    return { report, ids: planned.ids.slice(0, report.completed + report.failed) };
  }
}

/**
 * Asks the system, every `intervalMs`, which of the ids are mirrored yet, and records when each was
 * first seen (and the row's own synced_at). Runs while the load is being sent.
 */
class MirrorPoller {
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

async function processedCount(sut: BenchChild): Promise<number> {
  return (await sut.call<Record<string, number | null>>('stats', null, 30_000)).processed ?? 0;
}

/**
 * Watches the worker's own `processed` counter (in memory, so watching costs no query) every 50 ms until
 * it reaches `target()` (known once the load has finished) or the time limit; resolves with the time.
 */
async function waitForProcessed(
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

async function startSystem(
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

const closed = (maxOps: number, maxMs: number, concurrency = CONCURRENCY): LoadShape => ({
  kind: 'closed',
  concurrency,
  maxOps,
  maxMs,
});
const open = (rate: number, durationMs: number): LoadShape => ({
  kind: 'open',
  ratePerSecond: rate,
  durationMs,
  maxInFlight: 512,
});

interface SyncEngineFigures {
  concurrent?: LoadReport;
  sequential?: LoadReport;
  at1000?: LoadReport;
}

async function measureSyncEngine(
  run: Run,
  options: WebhookSuiteOptions,
  schemas: string[],
  out: SuiteResult,
) {
  const figures: SyncEngineFigures = {};
  const system = 'sync-engine / PostgreSQL';
  let sut: BenchChild | undefined;
  try {
    const started = await startSystem(run, options, 'sync-engine', 'postgres', schemas);
    sut = started.sut;
    await run.send(started.url, closed(500, 5_000));
    const conc = await run.send(started.url, closed(40_000, run.ms(8_000)));
    figures.concurrent = conc.report;
    const written = await new MirrorPoller(sut, conc.ids, 100, 10_000).finished();
    const seq = await run.send(started.url, closed(20_000, run.ms(6_000), 1));
    figures.sequential = seq.report;
    figures.at1000 = (await run.send(started.url, open(1000, run.ms(5_000)))).report;
    out.measurements.push(
      {
        system,
        name: `verify + upsert + ack, concurrency ${CONCURRENCY}`,
        figures: fmtLoad(conc.report, 'events'),
        target: 'anchor (issue: about 2,900 events/s, p99 about 10 ms)',
        verdict: 'n/a',
      },
      {
        system,
        name: 'verify + upsert + ack, sequential (concurrency 1)',
        figures: fmtLoad(seq.report, 'events'),
        target: 'anchor (issue: about 1,400 events/s)',
        verdict: 'n/a',
      },
      {
        system,
        name: 'acknowledgement at an open-loop 1,000 events/s',
        figures: fmtLoad(figures.at1000, 'events'),
        target: 'anchor',
        verdict: 'n/a',
      },
    );
    out.notes.push(
      `- sync-engine served via: ${started.via}. After the concurrency-${CONCURRENCY} phase, ` +
        `${fmtInt(written.firstSeen.size)} of its ${fmtInt(conc.ids.length)} objects were in its tables.`,
      ...errorNote('sync-engine concurrency 16', conc.report),
      ...errorNote('sync-engine sequential', seq.report),
      ...errorNote('sync-engine at 1,000/s', figures.at1000),
    );
  } catch (error) {
    out.notes.push(`- sync-engine could not be measured: ${errorText(error)}`);
  } finally {
    await sut?.call('close', null, 30_000).catch(() => undefined);
    await sut?.stop();
  }
  return figures;
}

async function measureCoffer(
  run: Run,
  options: WebhookSuiteOptions,
  engine: EngineName,
  schemas: string[],
  anchor: SyncEngineFigures,
  out: SuiteResult,
) {
  const system = `Coffer / ${engine === 'postgres' ? 'PostgreSQL' : 'PGlite'}`;
  const judged = engine === 'postgres';
  const targetOr = (text: string) =>
    judged ? text : `${text} (PostgreSQL is judged; PGlite reported beside)`;
  const judge = (ok: boolean | undefined) => (judged ? verdict(ok) : ok === undefined ? 'PENDING' : 'n/a');
  const seRate = anchor.concurrent?.throughput;
  let sut: BenchChild | undefined;
  try {
    const started = await startSystem(run, options, 'coffer', engine, schemas);
    sut = started.sut;
    out.notes.push(`- Coffer on ${engine} served via: ${started.via}.`);

    // (a) intake alone: the worker is stopped, so this is verify + persist + ack.
    await sut.call('stopWorker', null, 30_000);
    await run.send(started.url, closed(500, 5_000));
    const intake = (await run.send(started.url, closed(60_000, run.ms(8_000)))).report;
    const intakeOk =
      seRate === undefined ? undefined : intake.failed === 0 && intake.throughput >= 2 * seRate;
    out.measurements.push({
      system,
      name: `(a) intake: verify + persist + ack, concurrency ${CONCURRENCY}, worker stopped`,
      figures: fmtLoad(intake, 'events'),
      target: targetOr(
        `≥ 2 × sync-engine in this run${seRate === undefined ? ' (sync-engine not measured)' : ` = ${fmtRate(2 * seRate, 'events')}`}`,
      ),
      verdict: judge(intakeOk),
    });
    out.notes.push(...errorNote(`${system} (a)`, intake));

    // The backlog (a) left, drained by the worker: the worker's own throughput.
    const backlog = await sut.call<number>('backlog', null, 30_000);
    const before = await processedCount(sut);
    const drainStart = Date.now();
    await sut.call('startWorker', null, 30_000);
    const drained = await waitForProcessed(sut, () => before + backlog, run.ms(20_000));
    const drainMs = drained.at - drainStart;
    const left = Math.max(0, backlog - (drained.processed - before));
    out.measurements.push({
      system,
      name: 'worker draining the backlog left by (a) into the mirror',
      figures: `${fmtRate(ratePerSecond(backlog - left, drainMs), 'events')} (${fmtInt(backlog - left)} of ${fmtInt(backlog)} in ${(drainMs / 1000).toFixed(1)} s${left ? `, ${fmtInt(left)} still queued at the time limit` : ''})`,
      target: 'informative',
      verdict: 'n/a',
    });

    // (c) end to end with the worker running: from the first send until the last object is mirrored.
    const base = await processedCount(sut);
    const queued = await sut.call<number>('backlog', null, 30_000);
    const e2eShape = closed(8_000, run.ms(8_000));
    const e2ePlan = run.plan(e2eShape);
    let sent: number | undefined;
    const reached = waitForProcessed(
      sut,
      () => (sent === undefined ? undefined : base + queued + sent),
      run.ms(8_000) + 25_000,
    );
    const e2e = await run.send(started.url, e2eShape, false, e2ePlan);
    sent = e2e.report.completed;
    const { at: reachedAt, processed } = await reached;
    // Events still queued from the drain count as work done but not as this phase's throughput.
    const done = Math.min(e2e.report.completed, processed - base - queued);
    const e2eMs = reachedAt - e2e.report.startEpochMs;
    const e2eRate = ratePerSecond(Math.max(0, done), e2eMs);
    const inMirror = Object.keys(await sut.call<MirrorProgress>('mirrored', e2e.ids, 30_000)).length;
    const e2eOk = seRate === undefined ? undefined : inMirror === e2e.report.completed && e2eRate >= seRate;
    out.measurements.push({
      system,
      name: `(c) event → mirror throughput, concurrency ${CONCURRENCY}, worker running`,
      figures:
        `${fmtRate(e2eRate, 'events')} (${fmtInt(done)} of ${fmtInt(e2e.report.completed)} acknowledged events processed ` +
        `${(e2eMs / 1000).toFixed(1)} s after the first send; ${fmtInt(inMirror)} of their objects in the mirror tables; ` +
        `acks ${fmtRate(e2e.report.throughput, 'events')}` +
        `${queued ? `; ${fmtInt(queued)} older events were still queued when it started` : ''})`,
      target: targetOr(
        `≥ sync-engine's synchronous path${seRate === undefined ? '' : ` = ${fmtRate(seRate, 'events')}`}`,
      ),
      verdict: judge(e2eOk),
    });
    out.notes.push(...errorNote(`${system} (c)`, e2e.report));

    // (d) event → mirror latency at an open-loop 500 events/s.
    const at500Shape = open(500, run.ms(8_000));
    const at500Plan = run.plan(at500Shape);
    const poller = new MirrorPoller(sut, at500Plan.ids, 25, run.ms(8_000) + 20_000, 500);
    const at500 = await run.send(started.url, at500Shape, true, at500Plan);
    poller.forget(at500Plan.ids.slice(at500.ids.length));
    const seen = await poller.finished();
    const starts = at500.report.startedAt ?? [];
    const polled: number[] = [];
    const written: number[] = [];
    at500.ids.forEach((id, i) => {
      const sent = starts[i];
      const first = seen.firstSeen.get(id);
      const synced = seen.syncedAt.get(id);
      if (sent !== undefined && first !== undefined) polled.push(first - sent);
      if (sent !== undefined && synced !== undefined) written.push(synced - sent);
    });
    const polledSummary = summarize(polled);
    const missing = at500.ids.length - seen.firstSeen.size;
    const latencyOk = missing === 0 && at500.report.failed === 0 && polledSummary.p99 < 250;
    out.measurements.push({
      system,
      name: '(d) event → mirror latency at an open-loop 500 events/s (polled every 25 ms)',
      figures:
        `${fmtLatency(polledSummary)}; by synced_at: p50 ${fmtMs(summarize(written).p50)}, p99 ${fmtMs(summarize(written).p99)}` +
        `${missing ? `; **${fmtInt(missing)} never reached the mirror**` : ''}; acks ${fmtLatency(at500.report.all)}`,
      target: targetOr('p99 < 250 ms'),
      verdict: judge(latencyOk),
    });
    out.notes.push(...errorNote(`${system} (d)`, at500.report));

    // (b) acknowledgement latency at an open-loop 1,000 events/s, worker running (as in production).
    const at1000 = (await run.send(started.url, open(1000, run.ms(6_000)))).report;
    const ackOk = at1000.failed === 0 && at1000.skipped === 0 && at1000.all.p99 < 20;
    out.measurements.push({
      system,
      name: '(b) acknowledgement at an open-loop 1,000 events/s, worker running',
      figures: fmtLoad(at1000, 'events'),
      target: targetOr('p99 < 20 ms'),
      verdict: judge(ackOk),
    });
    out.notes.push(...errorNote(`${system} (b)`, at1000));
    const counters = await sut.call<Record<string, number | null>>('stats', null, 30_000);
    out.notes.push(
      `- ${system} pipeline counters at the end: ${Object.entries(counters)
        .map(([k, v]) => `${k} ${v === null ? '–' : fmtInt(v)}`)
        .join(', ')}.`,
    );
  } catch (error) {
    out.notes.push(`- Coffer on ${engine} could not be measured: ${errorText(error)}`);
    out.measurements.push({
      system,
      name: '(a)–(d) webhook intake and worker',
      figures: 'not measured (see notes)',
      target:
        '(a) ≥ 2 × sync-engine; (b) p99 < 20 ms at 1,000/s; (c) ≥ sync-engine; (d) p99 < 250 ms at 500/s',
      verdict: 'PENDING',
    });
  } finally {
    await sut?.call('close', null, 30_000).catch(() => undefined);
    await sut?.stop();
  }
}

export async function runWebhookSuite(options: WebhookSuiteOptions): Promise<SuiteResult> {
  const out: SuiteResult = {
    title: 'Webhook pipeline (issue #4)',
    method: [
      '- Events: signed `customer.updated`, `payment_intent.succeeded` and `charge.succeeded` events in the endive ' +
        'shape (1.3–2.9 kB), each about an object of its own, signed `t=…,v1=HMAC-SHA256(t.body)` like Stripe. ' +
        'All bodies and signatures are built before the clock starts.',
      '- Load: a separate Node process (`bench/load/http-load.ts`) POSTs over loopback keep-alive connections. ' +
        `Closed loop = ${CONCURRENCY} requests always in flight; open loop = requests started on a fixed schedule, ` +
        'latency counted from the *scheduled* start (no coordinated omission). A request counts as acknowledged on a 2xx.',
      '- Each system runs in its own process (`bench/webhooks/sut.ts`); PostgreSQL gets a fresh schema per system, ' +
        'dropped at the end. sync-engine uses its own migrations applied to its own schema, stock settings ' +
        '(pool 10, no revalidation through the API, so it never calls Stripe).',
      '- Order per Coffer engine: (a) intake with the worker stopped → the worker drains that backlog → ' +
        '(c) closed loop with the worker running, until every object is in the mirror → (d) open loop 500/s, ' +
        'mirror polled every 25 ms → (b) open loop 1,000/s with the worker running.',
      "- (c) throughput = events processed ÷ (time the worker's own `processed` counter reached the number of " +
        'acknowledged events − first send), the counter read every 50 ms (each event is counted after its mirror ' +
        'row is written); then one query checks that every object is in the mirror tables. sync-engine upserts ' +
        'before it answers, so its synchronous path = its concurrency-16 rate.',
      '- (d) latency = time an object was first seen by polling the mirror tables − time its event was sent ' +
        '(an upper bound, poll interval 25 ms). Also shown: the row’s own `synced_at` − send time (PostgreSQL’s ' +
        '`now()` in the writing transaction, a lower bound).',
    ],
    measurements: [],
    notes: [],
  };
  const load = await startChild('load/http-load.ts');
  const run = new Run(load, options.scale);
  const schemas: string[] = [];
  try {
    const anchor = await measureSyncEngine(run, options, schemas, out);
    for (const engine of options.engines) await measureCoffer(run, options, engine, schemas, anchor, out);
  } finally {
    await load.stop();
    await dropSchemas(options.databaseUrl, schemas);
  }
  return out;
}

async function dropSchemas(databaseUrl: string, schemas: string[]): Promise<void> {
  if (!schemas.length) return;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
