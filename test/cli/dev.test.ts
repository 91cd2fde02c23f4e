// `coffer dev` end to end, as a user runs it: spawn it, read the URLs it prints, complete the demo
// checkout through the emulator, watch the service report it paid, then Ctrl-C and a clean exit.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, eventually, killLeftovers, runCli } from './support.js';

const dirs: string[] = [];
afterAll(async () => {
  killLeftovers();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const line = (output: string, label: string): string => {
  const match = new RegExp(`^\\s+${label}\\s+(\\S+)`, 'm').exec(output);
  if (!match?.[1]) throw new Error(`coffer dev printed no "${label}" line:\n${output}`);
  return match[1];
};

/** Runs a `curl` line as `coffer dev` printed it (-X method, -H headers, -d body, the URL) with fetch. */
const runPrintedCurl = (output: string, label: string): Promise<Response> => {
  const command = new RegExp(`^\\s+${label}\\s+(curl .+)$`, 'm').exec(output)?.[1];
  if (!command) throw new Error(`coffer dev printed no "${label}" command:\n${output}`);
  const words = (command.match(/'[^']*'|\S+/g) ?? []).map((word) => word.replace(/^'(.*)'$/, '$1'));
  const request: { method: string; headers: Record<string, string>; body?: string } = {
    method: 'GET',
    headers: {},
  };
  let url: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === '-X') request.method = words[++i]!;
    else if (word === '-d') request.body = words[++i]!;
    else if (word === '-H') {
      const [name, ...value] = words[++i]!.split(':');
      request.headers[name!.trim()] = value.join(':').trim();
    } else if (word.startsWith('http')) url = word;
  }
  if (!url) throw new Error(`no URL in "${command}"`);
  return fetch(url, request);
};

/**
 * Spawns `coffer dev` on ephemeral ports — chosen by flags, or by the PORT / COFFER_EMULATOR_PORT
 * environment — and reads the URLs, key and session it prints.
 */
async function startDev(dataDir: string, portsFrom: 'flags' | 'env') {
  const dev =
    portsFrom === 'flags'
      ? runCli(['dev', '--port', '0', '--emulator-port', '0'], childEnv({ COFFER_DATA_DIR: dataDir }))
      : runCli(['dev'], childEnv({ COFFER_DATA_DIR: dataDir, PORT: '0', COFFER_EMULATOR_PORT: '0' }));
  await dev.waitFor(/Press Ctrl-C to stop/, 60_000);
  const out = dev.output();
  return {
    dev,
    out,
    emulator: line(out, 'emulator'),
    service: line(out, 'service'),
    apiKey: line(out, 'api key'),
    sessionId: line(out, 'session'),
  };
}

describe('coffer dev', () => {
  let dataDir: string;
  let paidSession: string;

  it('runs a purchase end to end with no keys and no network, and stops cleanly on Ctrl-C', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'coffer-dev-'));
    dirs.push(dataDir);
    const { dev, out, emulator, service, apiKey, sessionId } = await startDev(dataDir, 'flags');
    expect(line(out, 'checkout')).toMatch(/^http/);
    expect(out).toContain(`${emulator}/_emulator/checkout/sessions/${sessionId}/complete`);

    const ready = await eventually(async () => {
      const response = await fetch(`${service}/readyz`);
      return response.status === 200 ? response.json() : undefined;
    });
    expect(ready.database).toMatchObject({ reachable: true, migrationsApplied: true });

    // The user follows the printed instructions: the status command, the complete command, the status again.
    const status = () => runPrintedCurl(out, 'status');
    expect((await status()).status).toBe(200);
    expect(out).toContain(`Bearer ${apiKey}`);

    const completed = await runPrintedCurl(out, 'complete');
    expect(completed.status).toBe(200);

    const paid = await eventually(async () => {
      const body = (await (await status()).json()) as { status: string; amountTotal?: number };
      return body.status === 'paid' ? body : undefined;
    });
    expect(paid).toMatchObject({
      status: 'paid',
      sessionId,
      amountTotal: 14_900,
      currency: 'usd',
      userId: 'demo_user',
    });
    paidSession = sessionId;

    expect(await dev.stop('SIGINT')).toBe(0);
    expect(dev.output()).toContain('coffer dev: stopped');
  }, 90_000);

  it('starts again on the same COFFER_DATA_DIR without duplicating the catalogue or the endpoint', async () => {
    expect(paidSession).toBeDefined();
    const { dev, emulator, service, apiKey } = await startDev(dataDir, 'env');
    const auth = { authorization: 'Bearer sk_test_dev_restart' };
    const prices = (await (
      await fetch(`${emulator}/v1/prices?lookup_keys[]=coffer_pro_lifetime`, { headers: auth })
    ).json()) as {
      data: unknown[];
    };
    expect(prices.data).toHaveLength(1);
    const endpoints = (await (await fetch(`${emulator}/v1/webhook_endpoints`, { headers: auth })).json()) as {
      data: { url: string }[];
    };
    expect(endpoints.data.map((e) => e.url)).toEqual([`${service}/webhooks/stripe`]);
    // The purchase of the first run is still paid: the database and the emulator state were kept.
    const status = await fetch(`${service}/v1/checkout/sessions/${paidSession}/status`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(await status.json()).toMatchObject({ status: 'paid' });
    expect(await dev.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
