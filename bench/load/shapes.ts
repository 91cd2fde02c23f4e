// What a load child is asked to run and what it reports back (plain data, sent over IPC).
import { type LatencySummary, ratePerSecond, summarize } from '../lib/stats.js';
import { closedLoop, type LoopResult, type Operation, openLoop } from './loop.js';

export type LoadShape =
  | { kind: 'closed'; concurrency: number; maxOps: number; maxMs: number }
  | { kind: 'open'; ratePerSecond: number; durationMs: number; maxInFlight: number };

export interface LoadReport {
  shape: LoadShape;
  completed: number;
  failed: number;
  skipped: number;
  elapsedMs: number;
  startEpochMs: number;
  /** Successful operations per second over the whole run. */
  throughput: number;
  all: LatencySummary;
  byLabel: Record<string, LatencySummary>;
  errors: Record<string, number>;
  errorSamples: string[];
  startedAt?: number[];
  /** Every latency by label, when asked for (to merge several runs exactly). */
  samples?: Record<string, number[]>;
}

export function operationCount(shape: LoadShape): number {
  return shape.kind === 'closed' ? shape.maxOps : Math.floor((shape.ratePerSecond * shape.durationMs) / 1000);
}

function summaries(latencies: Record<string, number[]>): Pick<LoadReport, 'all' | 'byLabel'> {
  const byLabel: Record<string, LatencySummary> = {};
  const all: number[] = [];
  for (const [label, samples] of Object.entries(latencies)) {
    byLabel[label] = summarize(samples);
    for (const s of samples) all.push(s);
  }
  return { all: summarize(all), byLabel };
}

export async function runShape(
  shape: LoadShape,
  op: Operation,
  options: { label?: (index: number) => string; keepStarts?: boolean; keepSamples?: boolean } = {},
): Promise<LoadReport> {
  const result: LoopResult =
    shape.kind === 'closed'
      ? await closedLoop({ ...shape, op, ...options })
      : await openLoop({ ...shape, drainMs: 10_000, op, ...options });
  const report: LoadReport = {
    shape,
    completed: result.completed,
    failed: Object.values(result.errors).reduce((a, b) => a + b, 0),
    skipped: result.skipped,
    elapsedMs: result.elapsedMs,
    startEpochMs: result.startEpochMs,
    throughput: ratePerSecond(result.completed, result.elapsedMs),
    ...summaries(result.latencies),
    errors: result.errors,
    errorSamples: result.errorSamples,
  };
  if (result.startedAt) report.startedAt = result.startedAt;
  if (options.keepSamples) report.samples = result.latencies;
  return report;
}

/** One report for several runs of the same shape (run with keepSamples): totals and exact percentiles. */
export function mergeReports(reports: LoadReport[]): LoadReport {
  const first = reports[0];
  if (!first) throw new Error('mergeReports: no reports');
  const samples: Record<string, number[]> = {};
  const errors: Record<string, number> = {};
  const sum = (pick: (r: LoadReport) => number) => reports.reduce((total, r) => total + pick(r), 0);
  for (const report of reports) {
    if (!report.samples) throw new Error('mergeReports: a report was run without keepSamples');
    for (const [label, list] of Object.entries(report.samples))
      samples[label] = [...(samples[label] ?? []), ...list];
    for (const [label, n] of Object.entries(report.errors)) errors[label] = (errors[label] ?? 0) + n;
  }
  const completed = sum((r) => r.completed);
  const elapsedMs = sum((r) => r.elapsedMs);
  return {
    shape: first.shape,
    completed,
    failed: sum((r) => r.failed),
    skipped: sum((r) => r.skipped),
    elapsedMs,
    startEpochMs: first.startEpochMs,
    throughput: ratePerSecond(completed, elapsedMs),
    ...summaries(samples),
    errors,
    errorSamples: reports.flatMap((r) => r.errorSamples).slice(0, 5),
    samples,
  };
}
