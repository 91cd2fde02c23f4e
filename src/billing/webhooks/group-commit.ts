// Group commit: the first item is written at once; items arriving while writes are in flight gather
// and go in the next write, so the batch size follows the load with no fixed delay. A database pays
// mostly per statement and per commit, not per row, so this is what keeps its cost per event low.
//
// A caller may give up (`giveUp.cancel(reason)`). An item still waiting is then dropped: it rejects at once
// and is never written. An item already in a write stays in it and settles with it. A write whose
// every caller gave up no longer holds its slot, so one write that never settles (a lock wait, a
// half-open connection) cannot stop the writes after it; at most `maxInFlight` such writes are let go
// at a time, so the items they hold stay bounded too.

export interface GroupCommitOptions {
  /** Most items in one write. */
  maxBatch: number;
  /** Writes in flight at once. */
  maxInFlight: number;
}

/**
 * Handed to `submit` by a caller that may stop waiting: `submit` sets `cancel`, which the caller calls
 * to give up. A plain object, not an AbortSignal: an AbortController and its listener cost ≈ 3 µs per
 * delivery on the intake's hot path.
 */
export interface GiveUp {
  cancel?: (reason: unknown) => void;
}

interface Batch {
  /** Callers of this write that still wait for it. */
  live: number;
  /** False once every caller gave up and the write was let go of its slot. */
  holdsSlot: boolean;
}

interface Waiter<T, R> {
  item: T | undefined;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
  /** Set when the caller gave up. */
  abandoned: boolean;
  /** The write carrying the item, once taken from the waiting list. */
  batch: Batch | undefined;
  detach: () => void;
}

/**
 * Returns `submit(item, giveUp?)`, resolving with `write`'s result for that item. `write` gets a batch
 * and returns one result per item, in order; if it throws, every item of that batch rejects. When
 * `giveUp.cancel(reason)` is called before the item is taken into a write, the item is dropped and the
 * promise rejects with `reason`; once taken, it settles with its write.
 */
export function groupCommit<T, R>(
  write: (items: readonly T[]) => Promise<readonly R[]>,
  options: GroupCommitOptions,
): (item: T, giveUp?: GiveUp) => Promise<R> {
  const waiting: Waiter<T, R>[] = [];
  /** Waiters in `waiting` whose caller gave up (removed lazily, so dropping many stays linear). */
  let dropped = 0;
  let inFlight = 0;
  /** Writes let go of their slot that have not settled yet. */
  let letGo = 0;
  const running = new Set<Batch>();

  const compact = () => {
    let kept = 0;
    for (const w of waiting) if (!w.abandoned) waiting[kept++] = w;
    waiting.length = kept;
    dropped = 0;
  };

  /** Frees the slot of a write nobody waits for any more, if fewer than maxInFlight are let go. */
  const letGoOf = (batch: Batch): boolean => {
    if (!batch.holdsSlot || batch.live > 0 || letGo >= options.maxInFlight) return false;
    batch.holdsSlot = false;
    inFlight--;
    letGo++;
    return true;
  };

  const flush = async (): Promise<void> => {
    if (dropped > 0) compact();
    if (inFlight >= options.maxInFlight || waiting.length === 0) return;
    const taken = waiting.splice(0, options.maxBatch);
    const batch: Batch = { live: taken.length, holdsSlot: true };
    for (const w of taken) w.batch = batch;
    running.add(batch);
    inFlight++;
    try {
      const results = await write(taken.map((w) => w.item as T));
      taken.forEach((w, i) => {
        w.detach();
        w.resolve(results[i] as R);
      });
    } catch (error) {
      for (const w of taken) {
        w.detach();
        w.reject(error);
      }
    } finally {
      running.delete(batch);
      if (batch.holdsSlot) inFlight--;
      else {
        letGo--;
        for (const other of running) if (letGoOf(other)) break;
      }
      void flush();
    }
  };

  return (item, giveUp) =>
    new Promise<R>((resolve, reject) => {
      const waiter: Waiter<T, R> = {
        item,
        resolve,
        reject,
        abandoned: false,
        batch: undefined,
        detach: () => undefined,
      };
      if (giveUp) {
        giveUp.cancel = (reason) => {
          if (waiter.abandoned) return;
          waiter.abandoned = true;
          if (waiter.batch === undefined) {
            // Not written yet: drop it (and its item) now; it will never be written.
            waiter.item = undefined;
            dropped++;
            if (dropped * 2 > waiting.length) compact();
            reject(reason);
          } else {
            waiter.batch.live--;
            if (letGoOf(waiter.batch)) void flush();
          }
        };
        waiter.detach = () => {
          giveUp.cancel = undefined;
        };
      }
      waiting.push(waiter);
      void flush();
    });
}
