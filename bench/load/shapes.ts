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
}

export function operationCount(shape: LoadShape): number {
  return shape.kind === 'closed' ? shape.maxOps : Math.floor((shape.ratePerSecond * shape.durationMs) / 1000);
}

export async function runShape(
  shape: LoadShape,
  op: Operation,
  options: { label?: (index: number) => string; keepStarts?: boolean } = {},
): Promise<LoadReport> {
  const result: LoopResult =
    shape.kind === 'closed'
      ? await closedLoop({ ...shape, op, ...options })
      : await openLoop({ ...shape, drainMs: 10_000, op, ...options });
  const byLabel: Record<string, LatencySummary> = {};
  const all: number[] = [];
  for (const [label, samples] of Object.entries(result.latencies)) {
    byLabel[label] = summarize(samples);
    for (const s of samples) all.push(s);
  }
  const report: LoadReport = {
    shape,
    completed: result.completed,
    failed: Object.values(result.errors).reduce((a, b) => a + b, 0),
    skipped: result.skipped,
    elapsedMs: result.elapsedMs,
    startEpochMs: result.startEpochMs,
    throughput: ratePerSecond(result.completed, result.elapsedMs),
    all: summarize(all),
    byLabel,
    errors: result.errors,
    errorSamples: result.errorSamples,
  };
  if (result.startedAt) report.startedAt = result.startedAt;
  return report;
}
