// Runs a task now and again `everyMs` after each run ends (never two at once), until stopped. Used for
// the scheduled catch-up and the scheduled prune; the task reports its own failures.

export interface Repeating {
  /** No further runs; resolves when the run in progress (if any) has ended. */
  stop(): Promise<void>;
}

export function repeatEvery(task: () => Promise<void>, everyMs: number): Repeating {
  if (!(everyMs > 0) || !Number.isFinite(everyMs))
    throw new RangeError(`everyMs must be a positive number of milliseconds, got ${everyMs}`);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  const pass = () => {
    current = task()
      .catch(() => undefined)
      .finally(() => {
        if (!stopped) timer = setTimeout(pass, everyMs);
      });
  };
  pass();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
