// Group commit: the first item is written at once; items arriving while writes are in flight gather
// and go in the next write, so the batch size follows the load with no fixed delay. A database pays
// mostly per statement and per commit, not per row, so this is what keeps its cost per event low.

export interface GroupCommitOptions {
  /** Most items in one write. */
  maxBatch: number;
  /** Writes in flight at once. */
  maxInFlight: number;
}

interface Waiter<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Returns `submit(item)`, resolving with `write`'s result for that item. `write` gets a batch and
 * returns one result per item, in order; if it throws, every item of that batch rejects.
 */
export function groupCommit<T, R>(
  write: (items: readonly T[]) => Promise<readonly R[]>,
  options: GroupCommitOptions,
): (item: T) => Promise<R> {
  let waiting: Waiter<T, R>[] = [];
  let inFlight = 0;

  const flush = async (): Promise<void> => {
    if (inFlight >= options.maxInFlight || waiting.length === 0) return;
    const batch = waiting.length <= options.maxBatch ? waiting : waiting.slice(0, options.maxBatch);
    waiting = waiting.length <= options.maxBatch ? [] : waiting.slice(options.maxBatch);
    inFlight++;
    try {
      const results = await write(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        w.resolve(results[i] as R);
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    } finally {
      inFlight--;
      void flush();
    }
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      void flush();
    });
}
