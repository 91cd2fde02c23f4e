// Crash safety: a worker process SIGKILLed inside a handler loses its lease and the event is then
// processed once by another worker (PostgreSQL, real processes); PGlite closed and reopened on the
// same data loses nothing. PostgreSQL made unreachable behind the running service is in
// test/server/service-outage.test.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/billing/store/index.js';
import type { WebhookPipeline } from '../../src/billing/webhooks/index.js';
import { closeStores, postgresUrl, storeTargets } from '../support/store.js';
import { delivery, makeEvent } from '../support/webhook-events.js';
import { openPipeline } from '../support/webhook-pipeline.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await closeStores();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const send = (p: WebhookPipeline, event: ReturnType<typeof makeEvent>) => {
  const d = delivery(event);
  return p.handle(d.body, d.headers);
};
const customerEvent = (i: number, tag: string) =>
  makeEvent('customer.created', {
    id: `cus_${tag}_${i}`,
    object: 'customer',
    livemode: false,
    created: 1,
    metadata: {},
  });

async function waitFor(check: () => Promise<boolean>, what: string, ms = 15_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe.each(storeTargets)('a worker killed mid-event on $name', (target) => {
  // PGlite lives inside one process, so there is no second process to kill; the in-process lease
  // takeover is covered for PGlite in webhooks-worker.test.ts.
  it.skipIf(target.name === 'pglite')(
    'SIGKILLed inside a handler: the lease expires and the event is processed once',
    async () => {
      const { store, pipeline } = await openPipeline(target);
      const event = makeEvent('charge.succeeded', { id: 'ch_killed', object: 'charge_x' });
      expect((await send(pipeline, event)).status).toBe(200);

      const child: ChildProcess = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/support/webhook-worker-child.ts'],
        {
          env: {
            ...process.env,
            WEBHOOK_CHILD_DATABASE_URL: postgresUrl,
            WEBHOOK_CHILD_SCHEMA: store.schema,
            WEBHOOK_CHILD_LEASE_MS: '1500',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      cleanups.push(async () => child.kill('SIGKILL'));
      let output = '';
      child.stdout?.on('data', (chunk) => {
        output += String(chunk);
      });
      child.stderr?.on('data', (chunk) => {
        output += String(chunk);
      });
      await waitFor(
        async () => output.includes(`STARTED ${event.id}`),
        `the child to start the handler (output: ${output})`,
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;

      const [claimed] = await store.withSession((s) =>
        s.query<{ status: string; locked_by: string }>(
          'select status, locked_by from webhook_events where id = $1',
          [event.id],
        ),
      );
      expect(claimed?.status).toBe('processing');
      expect(claimed?.locked_by).toContain(`:${child.pid}:`);

      let runs = 0;
      pipeline.on(
        'charge.succeeded',
        () => {
          runs++;
        },
        { name: 'fulfil' },
      );
      // Still leased by the dead process: nothing to take yet.
      expect(await pipeline.worker.processAvailable()).toBe(0);
      await waitFor(async () => (await pipeline.worker.processAvailable()) === 1, 'the lease to expire');
      expect(runs).toBe(1);
      const [done] = await store.withSession((s) =>
        s.query<{ status: string; attempts: number }>(
          'select status, attempts from webhook_events where id = $1',
          [event.id],
        ),
      );
      expect(done).toEqual({ status: 'processed', attempts: 2 });
      const ledger = await store.withSession((s) =>
        s.query('select handler from webhook_side_effects where event_id = $1', [event.id]),
      );
      expect(ledger).toEqual([{ handler: 'fulfil' }]);
    },
  );
});

describe('the database unreachable', () => {
  it('PGlite closed: 503 while closed; reopened on the same data, every stored and retried event is processed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-webhook-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const open = async (): Promise<Store> => {
      const store = await openStore({ dataDir: dir, schema: 'coffer' });
      await store.migrate();
      return store;
    };
    const first = await open();
    const { pipeline: down } = await openPipeline(null, { store: first });
    const before = Array.from({ length: 5 }, (_, i) => customerEvent(i, 'pg_before'));
    for (const e of before) expect((await send(down, e)).status).toBe(200);
    await first.close();
    const during = Array.from({ length: 5 }, (_, i) => customerEvent(i, 'pg_during'));
    for (const e of during) expect((await send(down, e)).status).toBe(503);

    const second = await open();
    cleanups.push(() => second.close());
    const { pipeline: up } = await openPipeline(null, { store: second });
    const handled: string[] = [];
    up.on('customer.created', (e) => {
      handled.push(e.id);
    });
    for (const e of during) expect((await send(up, e)).status).toBe(200);
    await up.worker.processAvailable();
    expect(handled.sort()).toEqual([...before, ...during].map((e) => e.id).sort());
  });
});
