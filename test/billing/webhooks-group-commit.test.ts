import { describe, expect, it } from 'vitest';
import { type GiveUp, groupCommit } from '../../src/billing/webhooks/group-commit.js';

/** A write whose batches stay open until released, recording what each batch held. */
function gatedWrite() {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const write = async (items: readonly number[]) => {
    batches.push([...items]);
    await new Promise<void>((resolve) => releases.push(resolve));
    return items.map((n) => n * 10);
  };
  return { batches, releases, write };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('groupCommit', () => {
  it('writes a lone item at once, and gathers the items that arrive meanwhile into the next write', async () => {
    const { batches, releases, write } = gatedWrite();
    const submit = groupCommit(write, { maxBatch: 100, maxInFlight: 1 });
    const first = submit(1);
    await settle();
    expect(batches).toEqual([[1]]);
    const rest = [submit(2), submit(3), submit(4)];
    await settle();
    expect(batches).toEqual([[1]]);
    releases[0]?.();
    await settle();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    releases[1]?.();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
  });

  it('keeps at most maxInFlight writes running and at most maxBatch items in one', async () => {
    const { batches, releases, write } = gatedWrite();
    const submit = groupCommit(write, { maxBatch: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5, 6].map((n) => submit(n));
    await settle();
    expect(batches).toEqual([[1], [2]]);
    releases[0]?.();
    await settle();
    expect(batches).toEqual([[1], [2], [3, 4]]);
    for (let i = 1; i < 4; i++) {
      releases[i]?.();
      await settle();
    }
    expect(batches).toEqual([[1], [2], [3, 4], [5, 6]]);
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('rejects every item of a failed write and goes on with the next batch', async () => {
    let calls = 0;
    const submit = groupCommit(
      async (items: readonly string[]) => {
        calls++;
        if (items.includes('bad')) throw new Error('write failed');
        return items.map((s) => s.toUpperCase());
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const bad = submit('bad');
    const good = submit('ok');
    await expect(bad).rejects.toThrow('write failed');
    expect(await good).toBe('OK');
    expect(calls).toBe(2);
  });

  it('drops an item whose caller gave up before it was written: it rejects at once and is never written', async () => {
    const { batches, releases, write } = gatedWrite();
    const submit = groupCommit(write, { maxBatch: 100, maxInFlight: 1 });
    const first = submit(1);
    const gaveUp: GiveUp = {};
    const dropped = submit(2, gaveUp);
    const kept = submit(3, {});
    gaveUp.cancel?.(new Error('the caller gave up'));
    await expect(dropped).rejects.toThrow('the caller gave up');
    // Giving up twice changes nothing.
    gaveUp.cancel?.(new Error('again'));
    releases[0]?.();
    await settle();
    releases[1]?.();
    expect([await first, await kept]).toEqual([10, 30]);
    expect(batches).toEqual([[1], [3]]);
  });

  it('lets go of a write nobody waits for, so the next ones go on; at most maxInFlight at a time', async () => {
    const { batches, releases, write } = gatedWrite();
    const submit = groupCommit(write, { maxBatch: 100, maxInFlight: 1 });
    const a: GiveUp = {};
    const first = submit(1, a);
    await settle();
    a.cancel?.(new Error('timed out'));
    // Every caller of the first write gave up: it no longer holds the one slot.
    const b: GiveUp = {};
    const second = submit(2, b);
    await settle();
    expect(batches).toEqual([[1], [2]]);
    b.cancel?.(new Error('timed out'));
    // One write is already let go: the second keeps its slot, and the third item waits.
    const third = submit(3);
    await settle();
    expect(batches).toEqual([[1], [2]]);
    // When the first write settles, the second is let go and the third item is written.
    releases[0]?.();
    await settle();
    expect(batches).toEqual([[1], [2], [3]]);
    releases[2]?.();
    expect(await third).toBe(30);
    // Items already in a write settle with it, whether or not their caller still waits.
    expect(await first).toBe(10);
    releases[1]?.();
    expect(await second).toBe(20);
  });
});
