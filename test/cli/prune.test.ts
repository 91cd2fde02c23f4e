// `coffer prune` through the real program on each database: processed events past the retention go,
// younger events and dead letters stay, and a retention under 31 days or not a number is refused.
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { type Billing, createBilling } from '../../src/billing/create-billing.js';
import { cliDatabases, runProgram, useEmulator } from './support.js';

vi.setConfig({ testTimeout: 60_000 });
const emulator = useEmulator();
const SECRET = 'whsec_prune_test_secret';

const statuses = async (billing: Billing, ids: string[]) => {
  const rows = await billing.store.withSession((s) =>
    s.query<{ id: string; status: string }>(
      'select id, status from webhook_events where id = any($1::text[])',
      [ids],
    ),
  );
  return Object.fromEntries(rows.map((r) => [r.id, r.status]));
};

describe.each(cliDatabases)('coffer prune on $name', (database) => {
  it('deletes processed events older than the retention and keeps the rest', async () => {
    const env = {
      ...(await database.env()),
      COFFER_EMULATOR_URL: emulator.url,
      STRIPE_WEBHOOK_SECRET: SECRET,
    };
    const open = () =>
      createBilling({ env: { ...process.env, DATABASE_URL: '', ...env }, worker: false, logLevel: 'silent' });
    const tag = Date.now();
    const ids = {
      old: `evt_prune_old_${tag}`,
      young: `evt_prune_young_${tag}`,
      dead: `evt_prune_dead_${tag}`,
    };
    const billing = await open();
    try {
      for (const id of Object.values(ids)) {
        const payload = JSON.stringify({
          id,
          object: 'event',
          type: 'coffer.test.unknown_type',
          created: Math.floor(Date.now() / 1000),
          data: { object: { id: `x_${id}`, object: 'thing' } },
        });
        const signature = new Stripe('sk_test_x').webhooks.generateTestHeaderString({
          payload,
          secret: SECRET,
        });
        expect((await billing.webhooks.handle(payload, { 'stripe-signature': signature })).status).toBe(200);
      }
      await billing.worker.processAvailable();
      await billing.store.withSession(async (s) => {
        await s.query(
          "update webhook_events set received_at = now() - interval '40 days' where id = any($1::text[])",
          [[ids.old, ids.dead]],
        );
        await s.query("update webhook_events set status = 'dead' where id = $1", [ids.dead]);
      });
    } finally {
      await billing.close();
    }

    await expect(runProgram(['prune', '--older-than-days', '7'], env)).rejects.toThrow(/at least 31/);
    await expect(runProgram(['prune', '--older-than-days', 'a month'], env)).rejects.toThrow(
      /--older-than-days must be a number of days, got "a month"/,
    );
    expect(await runProgram(['prune', '--older-than-days', '31'], env)).toContain(
      'Pruned 1 processed webhook event(s) older than 31 days',
    );

    const after = await open();
    try {
      expect(await statuses(after, Object.values(ids))).toEqual({
        [ids.young]: 'processed',
        [ids.dead]: 'dead',
      });
    } finally {
      await after.close();
    }
  });
});
