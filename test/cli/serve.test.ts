// `coffer serve` as a real process, configured from the environment like in production: PGlite in a
// temp COFFER_DATA_DIR, and PostgreSQL when available.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { childEnv, cliDatabases, eventually, runCli, useEmulator } from './support.js';

const API_KEY = 'serve_test_api_key_0123456789';
// Each child opens its own database (PGlite init on a busy 2-core machine can take seconds).
vi.setConfig({ testTimeout: 90_000 });

const emulator = useEmulator();

describe.each(cliDatabases)('coffer serve on $name', (database) => {
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    env = childEnv({
      ...(await database.env()),
      COFFER_EMULATOR_URL: emulator.url,
      STRIPE_WEBHOOK_SECRET: 'whsec_serve_test_secret',
      COFFER_API_KEY: API_KEY,
    });
  });

  it('starts, serves its routes, and stops cleanly on SIGTERM', async () => {
    const serve = runCli(['serve', '--port', '0'], env);
    const [, url] = await serve.waitFor(/listening on (http:\/\/\S+)/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await eventually(async () => {
      const response = await fetch(`${url}/readyz`);
      return response.status === 200 ? response.json() : undefined;
    });
    expect(ready).toMatchObject({ ready: true, worker: { alive: true, expected: true } });
    const read = await fetch(`${url}/v1/customers/nobody`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(read.status).toBe(404);
    expect(await serve.stop('SIGTERM')).toBe(0);
    expect(serve.output()).toContain('Coffer service stopped');
  });
});
