// The service answers POST /webhooks/stripe in its Node listener, before Hono. Every case here is sent
// both to `startService` (that fast path) and to the same Hono app served by @hono/node-server alone,
// over real keep-alive HTTP: status, headers (all but Date), body and the request's log line must match.
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Billing, createBilling } from '../../src/billing/create-billing.js';
import { openStore, type Store } from '../../src/billing/store/index.js';
import { createService, type RunningService, startService } from '../../src/server/index.js';
import { webhookFastPath } from '../../src/server/webhook-route.js';
import { silentLogger } from '../../src/shared/logger.js';
import { postgresUrl, storeTargets, uniqueSchema } from '../support/store.js';
import { postOversizedChunked } from './support/http.js';
import { captureLogs, eventually } from './support/service.js';
import { eventPayload, nextEventId, signedHeaders, storedBody } from './support/signing.js';

const SECRET = 'whsec_fast_path_parity';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Announce this Content-Length but send only the first bytes of `body` (the server refuses early). */
  declaredLength?: number;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Side {
  url: string;
  agent: Agent;
  logs: string[];
}

function send(side: Side, sent: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...sent.headers };
    if (sent.declaredLength !== undefined) headers['content-length'] = String(sent.declaredLength);
    const req = request(
      `${side.url}${sent.path}`,
      { method: sent.method, agent: side.agent, headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (let i = 0; i < res.rawHeaders.length; i += 2)
            out[(res.rawHeaders[i] as string).toLowerCase()] = res.rawHeaders[i + 1] as string;
          resolve({ status: res.statusCode ?? 0, headers: out, body });
          if (sent.declaredLength !== undefined) req.destroy();
        });
      },
    );
    req.on('error', reject);
    if (sent.declaredLength !== undefined) req.write((sent.body ?? '').slice(0, 16));
    else req.end(sent.body);
  });
}

/** One answer and the log line(s) it wrote, with what legitimately differs between runs taken out. */
function normalise(answer: Answer, logs: string[], givenId?: string) {
  const headers = { ...answer.headers };
  delete headers.date;
  const id = headers['x-request-id'];
  if (givenId === undefined && id !== undefined) {
    expect(id).toMatch(UUID);
    headers['x-request-id'] = '<generated>';
  }
  const lines = logs.map((line) => {
    const { time: _t, pid: _p, hostname: _h, ms, ...rest } = JSON.parse(line) as Record<string, unknown>;
    expect(typeof (ms ?? 0)).toBe('number');
    if (rest.requestId !== undefined) {
      if (id !== undefined) expect(rest.requestId).toBe(id);
      if (givenId === undefined) rest.requestId = '<generated>';
    }
    return rest;
  });
  return { status: answer.status, headers, body: answer.body, lines };
}

describe.each(storeTargets)('webhook route, fast path vs the Hono app, on $name', (target) => {
  let store: Store;
  let billing: Billing;
  let service: RunningService;
  let fast: Side;
  let hono: Side;
  let closeHono: () => Promise<void>;

  beforeAll(async () => {
    // A store of its own: the last case closes it.
    store = await openStore(
      target.name === 'postgres'
        ? { databaseUrl: postgresUrl, schema: uniqueSchema(), poolSize: 2 }
        : { dataDir: 'memory', schema: uniqueSchema() },
    );
    billing = await createBilling({
      store,
      env: {},
      logger: silentLogger,
      stripe: { secretKey: 'sk_test_fast_path', emulatorUrl: 'http://127.0.0.1:9', webhookSecret: SECRET },
      worker: false,
    });
    const fastLogs = captureLogs();
    service = await startService({ port: 0, billing, logger: fastLogs.logger });
    fast = { url: service.url, agent: new Agent({ keepAlive: true }), logs: fastLogs.logs };
    const honoLogs = captureLogs();
    const app = createService({ billing, logger: honoLogs.logger });
    const server = createAdaptorServer({ fetch: app.fetch, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hono = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      agent: new Agent({ keepAlive: true }),
      logs: honoLogs.logs,
    };
    closeHono = () => new Promise((resolve) => server.close(() => resolve()));
  });

  afterAll(async () => {
    fast?.agent.destroy();
    hono?.agent.destroy();
    await service?.close();
    await closeHono?.();
    await billing?.close();
  });

  /** Sends the case to both servers (each its own event id) and expects the same answers and log lines. */
  async function both(make: (eventId: string) => Sent, givenId?: string) {
    const answers = [];
    for (const side of [fast, hono]) {
      const before = side.logs.length;
      const answer = await send(side, make(nextEventId()));
      // The request's log line is written once the answer is sent.
      await eventually(async () =>
        side.logs.slice(before).some((l) => l.includes('"path"')) ? true : undefined,
      );
      answers.push(normalise(answer, side.logs.slice(before), givenId));
    }
    expect(answers[0]).toEqual(answers[1]);
    return answers[0]!;
  }

  const signed = (id: string, extra: Record<string, string> = {}, path = '/webhooks/stripe'): Sent => {
    const body = eventPayload(id);
    return { method: 'POST', path, headers: { ...signedHeaders(body, SECRET), ...extra }, body };
  };

  it('stores a valid delivery and answers 200 alike (the fast path did store it)', async () => {
    const answer = await both((id) => signed(id));
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('{"received":true}');
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['x-request-id']).toBe('<generated>');
    expect(answer.headers['content-length']).toBe('17');
    expect(answer.lines).toEqual([
      {
        level: 30,
        name: 'coffer',
        requestId: '<generated>',
        method: 'POST',
        path: '/webhooks/stripe',
        status: 200,
        msg: 'request',
      },
    ]);
    const id = nextEventId();
    const sent = signed(id);
    expect((await send(fast, sent)).status).toBe(200);
    expect(await storedBody(store, id)).toBe(sent.body);
  });

  it('answers a redelivery as a duplicate alike', async () => {
    const id = nextEventId();
    for (const side of [fast, hono]) await send(side, signed(id));
    const answer = await both(() => signed(id));
    expect(answer.body).toBe('{"received":true,"duplicate":true}');
  });

  it('keeps a given request id, ignores the query string and replaces an unusable id alike', async () => {
    expect((await both((id) => signed(id, { 'x-request-id': 'req-abc_123=' }), 'req-abc_123=')).status).toBe(
      200,
    );
    expect((await both((id) => signed(id, {}, '/webhooks/stripe?source=stripe&x=1'))).status).toBe(200);
    expect((await both((id) => signed(id, { 'x-request-id': 'has space' }))).status).toBe(200);
  });

  it('refuses a bad or missing signature and a body that is not an event with 400 alike', async () => {
    const tampered = await both((id) => {
      const sent = signed(id);
      return { ...sent, body: (sent.body as string).replace('cus_adapter', 'cus_tampered') };
    });
    expect(tampered.status).toBe(400);
    expect(tampered.body).toMatch(/signature/);
    expect(tampered.lines.map((l) => l.status)).toEqual([400]);
    const unsigned = await both((id) => ({
      method: 'POST',
      path: '/webhooks/stripe',
      headers: { 'content-type': 'application/json' },
      body: eventPayload(id),
    }));
    expect(unsigned.status).toBe(400);
    const notJson = await both(() => {
      const body = '{"id": "evt_not_json", ';
      return { method: 'POST', path: '/webhooks/stripe', headers: signedHeaders(body, SECRET), body };
    });
    expect(notJson.status).toBe(400);
  });

  it('refuses an announced body over 1 MB with 413 and connection: close alike', async () => {
    const answer = await both((id) => ({ ...signed(id), declaredLength: 2 * 1024 * 1024 }));
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('refuses a chunked upload growing past 1 MB with 413 alike', async () => {
    const answers = [];
    for (const side of [fast, hono]) {
      const response = await postOversizedChunked(side.url);
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        if (name !== 'date' && name !== 'x-request-id') headers[name] = value;
      });
      answers.push({ status: response.status, headers, body: await response.text() });
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]?.status).toBe(413);
  });

  it('leaves other methods and paths to the Hono app: same 404s', async () => {
    for (const [method, path] of [
      ['GET', '/webhooks/stripe'],
      ['PUT', '/webhooks/stripe'],
      ['POST', '/webhooks/stripe/'],
      ['POST', '/webhooks/stripe-x'],
    ] as const) {
      const answer = await both((id) =>
        method === 'GET' ? { method, path, headers: {} } : { ...signed(id), method, path },
      );
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.headers['x-request-id']).toBe('<generated>');
    }
    const probe = await both(() => ({ method: 'GET', path: '/healthz', headers: {} }));
    expect(probe.status).toBe(200);
  });

  it('answers 503 with Retry-After alike when the database is gone', async () => {
    if (target.name === 'postgres')
      await store.withSession((s) => s.exec(`drop schema "${store.schema}" cascade`));
    await store.close();
    const answer = await both((id) => signed(id));
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('10');
  });
});

describe('webhookFastPath', () => {
  it('takes POST /webhooks/stripe (query string or not) and leaves everything else to the next listener', async () => {
    const receiver = {
      webhooks: {
        handle: async () => ({
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: '{"ok":1}',
        }),
      },
    };
    const fast = webhookFastPath(receiver, silentLogger);
    const server = createServer((req, res) => {
      if (!fast(req, res)) res.end('hono');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const answer = async (method: string, path: string) =>
        (await fetch(`${url}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) })).text();
      expect(await answer('POST', '/webhooks/stripe')).toBe('{"ok":1}');
      expect(await answer('POST', '/webhooks/stripe?a=1')).toBe('{"ok":1}');
      for (const [method, path] of [
        ['GET', '/webhooks/stripe'],
        ['PUT', '/webhooks/stripe'],
        ['POST', '/webhooks/stripe/'],
        ['POST', '/webhooks/stripes'],
        ['POST', '/webhooks/%73tripe'],
        ['POST', '/other'],
      ] as const)
        expect(await answer(method, path), `${method} ${path}`).toBe('hono');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
