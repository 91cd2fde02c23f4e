// The control API and persistence with dataDir, plus the `coffer emulator` command.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor } from './helpers.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'coffer-emulator-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('control API', () => {
  it('health, settings and reset', async () => {
    const h = await startHarness();
    try {
      expect(await h.control('/_emulator/health')).toMatchObject({
        status: 'ok',
        api_version: '2026-10-28.endive',
      });
      // By default deliveries are retried as in a Stripe sandbox: three times over a few hours.
      const defaults = await h.control('/_emulator/settings');
      expect(defaults.webhook_retry_schedule_ms).toHaveLength(3);
      const total = defaults.webhook_retry_schedule_ms.reduce((a: number, b: number) => a + b, 0);
      expect(total).toBeGreaterThan(3_600_000);
      expect(total).toBeLessThanOrEqual(6 * 3_600_000);
      const settings = await h.control('/_emulator/settings', {
        webhook_retry_schedule_ms: [10, 20, 40],
        delivery_timeout_ms: 1000,
      });
      expect(settings).toMatchObject({
        webhook_retry_schedule_ms: [10, 20, 40],
        delivery_timeout_ms: 1000,
        clock: null,
      });
      const bad = await fetch(`${h.emulator.url}/_emulator/settings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ delivery_timeout_ms: 'soon' }),
      });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toMatchObject({
        param: 'delivery_timeout_ms',
        code: 'parameter_invalid_integer',
      });

      const c = await h.stripe.customers.create({}, { idempotencyKey: 'before-reset' });
      expect(await h.control('/_emulator/reset', {})).toEqual({ reset: true });
      expect((await h.stripe.customers.list()).data).toEqual([]);
      expect((await h.stripe.events.list()).data).toEqual([]);
      await expect(h.stripe.customers.retrieve(c.id)).rejects.toMatchObject({ statusCode: 404 });
      // Idempotency keys are forgotten too: the same key now creates a new customer.
      const again = await h.stripe.customers.create({}, { idempotencyKey: 'before-reset' });
      expect(again.id).not.toBe(c.id);
      const unknown = await fetch(`${h.emulator.url}/_emulator/nope`);
      expect(unknown.status).toBe(404);
    } finally {
      await h.emulator.close();
    }
  });
});

describe('persistence', () => {
  it('a restart with the same dataDir keeps objects, events, endpoints and idempotency keys', async () => {
    const dataDir = tempDir();
    const first = await startHarness({ dataDir });
    const customer = await first.stripe.customers.create(
      { email: 'kept@example.com' },
      { idempotencyKey: 'persisted-key' },
    );
    const product = await first.stripe.products.create({
      name: 'Kept',
      default_price_data: { currency: 'usd', unit_amount: 700 },
    });
    const endpoint = await first.stripe.webhookEndpoints.create({
      url: 'http://127.0.0.1:9/hook',
      enabled_events: ['*'],
    });
    await first.stripe.customers.create({ email: 'second@example.com' });
    await first.emulator.close();

    const second = await startHarness({ dataDir });
    try {
      expect((await second.stripe.customers.retrieve(customer.id)) as { email: string }).toMatchObject({
        email: 'kept@example.com',
      });
      expect((await second.stripe.products.retrieve(product.id)).default_price).toBe(product.default_price);
      expect((await second.stripe.webhookEndpoints.retrieve(endpoint.id)).url).toBe(
        'http://127.0.0.1:9/hook',
      );
      // Order survives: newest first.
      expect((await second.stripe.customers.list()).data.map((c) => c.email)).toEqual([
        'second@example.com',
        'kept@example.com',
      ]);
      expect((await second.stripe.events.list({ type: 'customer.created' })).data).toHaveLength(2);
      const replay = await second.stripe.customers.create(
        { email: 'kept@example.com' },
        { idempotencyKey: 'persisted-key' },
      );
      expect(replay.id).toBe(customer.id);
      expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    } finally {
      await second.emulator.close();
    }
    // Without dataDir nothing is kept.
    const memory = await startHarness();
    try {
      await expect(memory.stripe.customers.retrieve(customer.id)).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      await memory.emulator.close();
    }
  });
});

describe('persistence of webhook retries', () => {
  it('a retry still to come when the emulator stops is made after the restart', async () => {
    const dataDir = tempDir();
    const received: string[] = [];
    let healthy = false;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string }).id);
        res.writeHead(healthy ? 200 : 500).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const schedule = { webhookRetrySchedule: [1_000] };
    try {
      const first = await startHarness({ dataDir, ...schedule });
      let eventId: string;
      try {
        await first.stripe.webhookEndpoints.create({ url, enabled_events: ['customer.created'] });
        await first.stripe.customers.create();
        eventId = (await first.stripe.events.list({ type: 'customer.created' })).data[0]!.id;
        // The first attempt fails; its retry is due a second later, after the emulator has stopped.
        await waitFor(async () => (await first.control('/_emulator/deliveries')).data.length === 1);
      } finally {
        await first.emulator.close();
      }
      healthy = true;
      const second = await startHarness({ dataDir, ...schedule });
      try {
        await waitFor(async () => (await second.stripe.events.retrieve(eventId)).pending_webhooks === 0);
        expect(received).toEqual([eventId, eventId]);
        const log = (await second.control('/_emulator/deliveries')).data;
        expect(log).toMatchObject([{ event: eventId, attempt: 2, succeeded: true }]);
      } finally {
        await second.emulator.close();
      }
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});

describe('coffer emulator command', () => {
  it('prints the URL and SDK lines, serves requests, and saves state on SIGTERM', async () => {
    const dataDir = tempDir();
    const args = ['emulator', '--port', '0', '--data-dir', dataDir, '--log-level', 'silent'];
    const script = [
      "import { Command } from 'commander';",
      "import { registerEmulatorCommand } from './src/cli/commands/emulator.ts';",
      "const program = new Command('coffer');",
      'registerEmulatorCommand(program);',
      `await program.parseAsync(${JSON.stringify(args)}, { from: 'user' });`,
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!/listening on (http:\/\/\S+)/.test(out) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      expect(url).toBeDefined();
      expect(out).toContain("new Stripe('sk_test_123', { host: '127.0.0.1'");
      const res = await fetch(`${url}/v1/customers`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk_test_cli', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=cli%40example.com',
      });
      const created = (await res.json()) as { id: string };
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('SIGTERM: stopping the emulator and saving its state');
      const restarted = await startHarness({ dataDir });
      try {
        expect((await restarted.stripe.customers.retrieve(created.id)) as { email: string }).toMatchObject({
          email: 'cli@example.com',
        });
      } finally {
        await restarted.emulator.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
