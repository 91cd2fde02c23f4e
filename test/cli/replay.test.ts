// `coffer replay` through the real program on each database: one stored event by id, and every dead
// letter with --failed (a dead letter is made directly in the table: the CLI has no app handlers to fail).
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { type Billing, createBilling } from '../../src/billing/create-billing.js';
import { cliDatabases, runProgram, useEmulator } from './support.js';

vi.setConfig({ testTimeout: 60_000 });
const emulator = useEmulator();
const SECRET = 'whsec_replay_test_secret';

const statusOf = async (billing: Billing, id: string) => {
  const rows = await billing.store.withSession((s) =>
    s.query<{ status: string }>('select status from webhook_events where id = $1', [id]),
  );
  return rows[0]?.status;
};

describe.each(cliDatabases)('coffer replay on $name', (database) => {
  it('reprocesses one event by id, then every dead letter with --failed', async () => {
    const env = {
      ...(await database.env()),
      COFFER_EMULATOR_URL: emulator.url,
      STRIPE_WEBHOOK_SECRET: SECRET,
    };
    const id = `evt_replay_${Date.now()}`;
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: 'coffer.test.unknown_type',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'x_1', object: 'thing' } },
    });
    // The app side, on the same database the commands use.
    const open = () =>
      createBilling({ env: { ...process.env, DATABASE_URL: '', ...env }, worker: false, logLevel: 'silent' });
    const billing = await open();
    try {
      const signature = new Stripe('sk_test_x').webhooks.generateTestHeaderString({
        payload,
        secret: SECRET,
      });
      expect((await billing.webhooks.handle(payload, { 'stripe-signature': signature })).status).toBe(200);
      await billing.worker.processAvailable();
      expect(await statusOf(billing, id)).toBe('processed');
    } finally {
      await billing.close();
    }

    expect(await runProgram(['replay', id], env)).toContain(`Replayed ${id}`);
    await expect(runProgram(['replay', 'evt_never_stored'], env)).rejects.toThrow(
      /no stored webhook event evt_never_stored/,
    );

    const reopened = await open();
    await reopened.store.withSession((s) =>
      s.query("update webhook_events set status = 'dead' where id = $1", [id]),
    );
    await reopened.close();
    expect(await runProgram(['replay', '--failed'], env)).toContain('Replayed 1 dead-lettered event(s)');
    const after = await open();
    try {
      expect(await statusOf(after, id)).toBe('processed');
    } finally {
      await after.close();
    }
  });
});
