// The two load shapes. Closed loop: `concurrency` workers each issue the next operation as soon as the
// previous one answered (measures capacity). Open loop: operations start on a fixed schedule whatever
// the answers do, and each latency counts from the *scheduled* start, so a stall is charged to every
// request it delayed (no coordinated omission).
import { performance } from 'node:perf_hooks';

/** One operation: resolves with a label (for per-operation statistics), rejects on failure. */
export type Operation = (index: number) => Promise<string>;

export interface LoopResult {
  /** Latency in ms per label, successes only. */
  latencies: Record<string, number[]>;
  /** Failures per label, with a few sample messages. */
  errors: Record<string, number>;
  errorSamples: string[];
  completed: number;
  elapsedMs: number;
  /** Wall-clock (epoch ms) when the first operation started. */
  startEpochMs: number;
  /** Wall-clock (epoch ms) start of each operation by index, when asked for. */
  startedAt?: number[];
  /** Open loop only: operations that could not start because too many were in flight. */
  skipped: number;
}

function recorder(keepStarts: boolean) {
  const result: LoopResult = {
    latencies: {},
    errors: {},
    errorSamples: [],
    completed: 0,
    elapsedMs: 0,
    startEpochMs: 0,
    skipped: 0,
  };
  if (keepStarts) result.startedAt = [];
  return {
    result,
    ok(label: string, ms: number) {
      const list = result.latencies[label] ?? [];
      result.latencies[label] = list;
      list.push(ms);
      result.completed++;
    },
    fail(label: string, error: unknown) {
      result.errors[label] = (result.errors[label] ?? 0) + 1;
      if (result.errorSamples.length < 5) {
        result.errorSamples.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    started(index: number) {
      if (result.startedAt) result.startedAt[index] = performance.timeOrigin + performance.now();
    },
  };
}

export async function closedLoop(options: {
  concurrency: number;
  maxOps: number;
  maxMs: number;
  op: Operation;
  label?: (index: number) => string;
  keepStarts?: boolean;
}): Promise<LoopResult> {
  const rec = recorder(options.keepStarts ?? false);
  const start = performance.now();
  rec.result.startEpochMs = performance.timeOrigin + start;
  const deadline = start + options.maxMs;
  let next = 0;
  const worker = async () => {
    while (next < options.maxOps && performance.now() < deadline) {
      const index = next++;
      rec.started(index);
      const t0 = performance.now();
      try {
        const label = await options.op(index);
        rec.ok(label, performance.now() - t0);
      } catch (error) {
        rec.fail(options.label?.(index) ?? 'op', error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  rec.result.elapsedMs = performance.now() - start;
  return rec.result;
}

export async function openLoop(options: {
  ratePerSecond: number;
  durationMs: number;
  op: Operation;
  label?: (index: number) => string;
  maxInFlight: number;
  drainMs: number;
  keepStarts?: boolean;
}): Promise<LoopResult> {
  const rec = recorder(options.keepStarts ?? false);
  const total = Math.floor((options.ratePerSecond * options.durationMs) / 1000);
  const interval = 1000 / options.ratePerSecond;
  const start = performance.now();
  rec.result.startEpochMs = performance.timeOrigin + start;
  let inFlight = 0;
  let issued = 0;
  const running = new Set<Promise<void>>();
  const fire = (index: number, scheduled: number) => {
    if (inFlight >= options.maxInFlight) {
      rec.result.skipped++;
      return;
    }
    inFlight++;
    rec.started(index);
    const p = options.op(index).then(
      (label) => rec.ok(label, performance.now() - scheduled),
      (error: unknown) => rec.fail(options.label?.(index) ?? 'op', error),
    );
    const tracked = p.finally(() => {
      inFlight--;
      running.delete(tracked);
    });
    running.add(tracked);
  };
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (issued < total && start + issued * interval <= now) {
        fire(issued, start + issued * interval);
        issued++;
      }
      if (issued >= total) resolve();
      else setTimeout(tick, Math.min(1, interval / 2));
    };
    tick();
  });
  const drained = Promise.all(running).then(() => true);
  const timedOut = new Promise<boolean>((resolve) =>
    setTimeout(() => resolve(false), options.drainMs).unref(),
  );
  if (!(await Promise.race([drained, timedOut]))) {
    rec.result.errors.timeout = (rec.result.errors.timeout ?? 0) + inFlight;
  }
  rec.result.elapsedMs = performance.now() - start;
  return rec.result;
}
