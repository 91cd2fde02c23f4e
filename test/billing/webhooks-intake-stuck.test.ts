// Intake under a stuck database and with bodies that are not UTF-8: a stuck INSERT costs 503s and
// bounded memory, never the intake; signed bytes are stored exactly or refused. PGlite and PostgreSQL.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/billing/store/index.js';
import type { WebhookPipeline } from '../../src/billing/webhooks/index.js';
import { createIntake } from '../../src/billing/webhooks/intake.js';
import { createEventQueue } from '../../src/billing/webhooks/queue.js';
import { emptyStats } from '../../src/billing/webhooks/stats.js';
import { systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { eventually } from '../support/billing-app.js';
import { closeStores, storeTargets } from '../support/store.js';
import { delivery, makeEvent, SECRET } from '../support/webhook-events.js';
import { openPipeline } from '../support/webhook-pipeline.js';

afterAll(closeStores);

describe('intake when an INSERT never returns', () => {
  it('answers 503 to the delivery in it only, and stores the next ones', async () => {
    let inserts = 0;
    const stuckOnce = {
      kind: 'postgres' as const,
      db: {} as Store['db'],
      prepared: async <R>(_name: string, _text: string, params: readonly unknown[]): Promise<R[]> => {
        inserts++;
        if (inserts === 1) return new Promise<R[]>(() => undefined);
        return [{ id: params[0] } as R];
      },
    };
    const handle = createIntake({
      queue: createEventQueue(stuckOnce),
      secrets: [SECRET],
      clock: systemClock,
      logger: silentLogger,
      stats: emptyStats(),
      options: { storeTimeoutMs: 200 },
      onStored: () => undefined,
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = delivery(makeEvent('customer.updated', { id: `cus_once_${i}`, object: 'customer' }));
      statuses.push((await handle(d.body, d.headers)).status);
    }
    expect(statuses).toEqual([503, 200, 200, 200, 200]);
    expect(inserts).toBe(5);
  });
});

/** A body Stripe could sign, with `raw` spliced in as bytes inside a JSON string. */
function bytesEvent(id: string, raw: Buffer): Buffer {
  const [head, tail] = JSON.stringify(
    makeEvent('customer.updated', { id: `cus_${id}`, object: 'customer', name: 'NAME' }, { id }),
  ).split('NAME');
  return Buffer.concat([Buffer.from(head as string), raw, Buffer.from(tail as string)]);
}

const signBytes = (bytes: Buffer, secret = SECRET) => {
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.`).update(bytes).digest('hex');
  return { 'stripe-signature': `t=${t},v1=${v1}` };
};

describe.each(storeTargets)('webhook intake with a stuck store or odd bytes, on $name', (target) => {
  const storeTimeoutMs = 1_000;
  let store: Store;
  let pipeline: WebhookPipeline;
  // Ten deliveries of about 100 kB, of which three fit in the budget.
  const bodyBytes = 100_000;
  const maxQueuedBytes = Math.floor(3.5 * bodyBytes);
  beforeAll(async () => {
    // PostgreSQL cancels an INSERT that runs over 0.5 s (the default is just under storeTimeoutMs).
    const opened = await target.open({ preparedTimeoutMs: 500 });
    ({ pipeline } = await openPipeline(null, {
      store: opened,
      intake: { storeTimeoutMs, maxQueuedBytes },
    }));
    store = opened;
  });

  const storedIds = async (ids: readonly string[]) =>
    (
      await store.withSession((s) =>
        s.query<{ id: string }>('select id from webhook_events where id = any($1::text[])', [ids]),
      )
    ).map((r) => r.id);

  /** Blocks the intake's INSERTs for real until `release()`: a table lock held from another connection. */
  async function holdWrites(): Promise<{ release: () => Promise<void> }> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held!: () => void;
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    const session = store.withSession(async (s) => {
      if (store.kind === 'postgres') {
        await s.exec('begin');
        await s.exec('lock table webhook_events in access exclusive mode');
        held();
        await released;
        await s.exec('commit');
      } else {
        // PGlite has one connection: holding it holds every statement.
        held();
        await released;
      }
    });
    await holding;
    return {
      release: async () => {
        release();
        await session;
      },
    };
  }

  it('a stuck INSERT answers 503, holds at most maxQueuedBytes, and the intake recovers', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    const events = Array.from({ length: 10 }, (_, i) =>
      makeEvent(
        'customer.updated',
        { id: `cus_stuck_${i}`, object: 'customer', description: 'x'.repeat(bodyBytes) },
        { id: `evt_stuck_${tag}_${i}` },
      ),
    );
    const deliveries = events.map((e) => delivery(e));
    const hold = await holdWrites();
    let answers: { status: number; body: string }[];
    try {
      answers = await Promise.all(deliveries.map((d) => pipeline.handle(d.body, d.headers)));
      // The first is in the stuck INSERT, two more wait behind it; the other seven do not fit.
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 503));
      expect(answers.map((a) => JSON.parse(a.body).error)).toEqual([
        ...Array(3).fill('the event could not be stored; retry later'),
        ...Array(7).fill('too many deliveries are waiting to be stored; retry later'),
      ]);
      if (store.kind === 'postgres') {
        // The server cancels the stuck INSERT while the lock is still held: nothing waits for it any more.
        await eventually(
          async () =>
            (
              await store.withSession((s) =>
                s.query<{ n: number }>(
                  "select count(*)::int as n from pg_locks where relation = 'webhook_events'::regclass and not granted",
                ),
              )
            )[0]?.n === 0,
          'the stuck INSERT was cancelled',
        );
      }
    } finally {
      await hold.release();
    }
    const fresh = makeEvent('customer.updated', { id: 'cus_after', object: 'customer' });
    const d = delivery(fresh);
    const after = await pipeline.handle(d.body, d.headers);
    expect(after.status).toBe(200);
    const ids = events.map((e) => e.id);
    // PostgreSQL cancelled the stuck INSERTs, so nothing answered 503 is stored. PGlite cannot cancel:
    // the INSERTs already running finish once the connection is free (Stripe's retry of those events is
    // a duplicate). The deliveries refused at once were never queued.
    expect(await storedIds(store.kind === 'postgres' ? ids : ids.slice(3))).toEqual([]);
    // Stripe's retries (one at a time, as each event's retry comes) are acknowledged; each event is stored once.
    for (const d of deliveries) expect((await pipeline.handle(d.body, d.headers)).status).toBe(200);
    expect((await storedIds(ids)).sort()).toEqual([...ids].sort());
  });

  it('refuses a signed body that is not valid UTF-8 with 400 and stores nothing', async () => {
    const invalid = [
      [0xff],
      [0xc0, 0xaf], // an overlong '/'
      [0xed, 0xa0, 0x80], // a UTF-16 surrogate
      [0xe2, 0x82], // a truncated '€'
    ];
    const ids: string[] = [];
    for (const [i, raw] of invalid.entries()) {
      const id = `evt_not_utf8_${i}_${target.name}`;
      ids.push(id);
      const bytes = bytesEvent(id, Buffer.from(raw));
      const res = await pipeline.handle(new Uint8Array(bytes), signBytes(bytes));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({
        error: 'the body is not valid UTF-8 (Stripe sends UTF-8 JSON)',
      });
    }
    // The signature is checked first: an unsigned one gets the signature answer.
    const unsigned = bytesEvent('evt_not_utf8_unsigned', Buffer.from([0xff]));
    const res = await pipeline.handle(unsigned, signBytes(unsigned, 'whsec_someone_else'));
    expect(res.status).toBe(400);
    expect(res.body).toContain('signature verification failed');
    expect(await storedIds([...ids, 'evt_not_utf8_unsigned'])).toEqual([]);
  });

  it('stores a UTF-8 body given as bytes exactly as signed', async () => {
    const id = `evt_utf8_bytes_${target.name}`;
    const bytes = bytesEvent(id, Buffer.from('Zoë € 😀 \u00e9', 'utf8'));
    const res = await pipeline.handle(new Uint8Array(bytes), signBytes(bytes));
    expect(res.status).toBe(200);
    const [row] = await store.withSession((s) =>
      s.query<{ body: string }>('select body from webhook_events where id = $1', [id]),
    );
    expect(Buffer.from(row?.body ?? '', 'utf8').equals(bytes)).toBe(true);
  });
});
