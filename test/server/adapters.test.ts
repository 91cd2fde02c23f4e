// Every framework adapter, run in its real framework over real HTTP in front of the real webhook
// pipeline (PGlite): the exact bytes are verified and stored, a tampered body is refused, JSON
// middleware elsewhere in the app changes nothing, and a body over 1 MB is refused with 413.
import { createServer } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/billing/store/index.js';
import {
  expressWebhook,
  fastifyWebhook,
  honoWebhook,
  keepRawBody,
  nextWebhookHandler,
  nodeWebhookHandler,
} from '../../src/server/index.js';
import type { WebhookReceiver } from '../../src/server/types.js';
import { closeStores, storeTargets } from '../support/store.js';
import { listen, postOversizedChunked, type Running } from './support/http.js';
import { eventPayload, nextEventId, signedHeaders, storedBody, testPipeline } from './support/signing.js';

type Mount = (receiver: WebhookReceiver) => Promise<Running>;

const running: Running[] = [];
let store: Store;
let receiver: WebhookReceiver;
beforeAll(async () => {
  store = await storeTargets[0]!.open();
  await store.migrate();
  receiver = testPipeline(store);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});
afterAll(closeStores);

/** Each app also has a JSON route, so the test shows its JSON parsing still works beside the webhook. */
const frameworks: { name: string; mount: Mount }[] = [
  {
    name: 'express (express.json() mounted globally after the webhook route)',
    mount: async (receiver) => {
      const app = express();
      app.post('/webhooks/stripe', expressWebhook(receiver));
      app.use(express.json());
      app.post('/echo', (req, res) => {
        res.json(req.body);
      });
      return listen(createServer(app));
    },
  },
  {
    name: 'express (express.json({ verify: keepRawBody }) mounted globally before the route)',
    mount: async (receiver) => {
      const app = express();
      // The app's own parser limit is raised so that the adapter's 1 MB cap is what the 413 test meets.
      app.use(express.json({ verify: keepRawBody, limit: '2mb' }));
      app.post('/webhooks/stripe', expressWebhook(receiver));
      app.post('/echo', (req, res) => {
        res.json(req.body);
      });
      return listen(createServer(app));
    },
  },
  {
    name: 'fastify (default JSON parser on the app)',
    mount: async (receiver) => {
      const app = Fastify();
      app.post('/echo', async (request) => request.body);
      await app.register(fastifyWebhook(receiver));
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
    },
  },
  {
    name: 'hono (a global middleware reads the JSON body first)',
    mount: async (receiver) => {
      const app = new Hono();
      app.use('*', async (c, next) => {
        if (c.req.header('content-type')?.includes('json'))
          c.set('parsed' as never, (await c.req.json().catch(() => undefined)) as never);
        await next();
      });
      app.post('/webhooks/stripe', honoWebhook(receiver));
      app.post('/echo', async (c) => c.json(await c.req.json()));
      return listen(createAdaptorServer({ fetch: app.fetch }) as ReturnType<typeof createServer>);
    },
  },
  {
    name: 'next route handler (web Request → Response on a real HTTP server)',
    mount: async (receiver) => {
      const post = nextWebhookHandler(receiver);
      const fetch = (request: Request) =>
        new URL(request.url).pathname === '/webhooks/stripe'
          ? post(request)
          : request.json().then((body) => Response.json(body));
      return listen(createAdaptorServer({ fetch }) as ReturnType<typeof createServer>);
    },
  },
  {
    name: 'node:http',
    mount: async (receiver) => {
      const webhook = nodeWebhookHandler(receiver);
      return listen(
        createServer((req, res) => {
          if (req.url === '/webhooks/stripe') return void webhook(req, res);
          let text = '';
          req.on('data', (chunk) => {
            text += chunk;
          });
          req.on('end', () => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(JSON.parse(text)));
          });
        }),
      );
    },
  },
];

async function start(mount: Mount) {
  const server = await mount(receiver);
  running.push(server);
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${server.url}/webhooks/stripe`, { method: 'POST', body, headers });
  return { server, post };
}

describe.each(frameworks)('$name', ({ mount }) => {
  it('passes the exact bytes of a signed event: verified, stored byte for byte, 200', async () => {
    const { post } = await start(mount);
    const id = nextEventId();
    const payload = eventPayload(id);
    const response = await post(payload, signedHeaders(payload));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ received: true });
    expect(await storedBody(store, id)).toBe(payload);
  });

  it('answers 400 for a tampered body and stores nothing', async () => {
    const { post } = await start(mount);
    const id = nextEventId();
    const payload = eventPayload(id);
    const response = await post(payload.replace('cus_adapter', 'cus_tampered'), signedHeaders(payload));
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatch(/signature/);
    expect(await storedBody(store, id)).toBeUndefined();
  });

  it('keeps JSON parsing working for the app’s other routes', async () => {
    const { server } = await start(mount);
    const response = await fetch(`${server.url}/echo`, {
      method: 'POST',
      body: JSON.stringify({ hello: 'world' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it('refuses a signed body over 1 MB with 413 and stores nothing', async () => {
    const { post } = await start(mount);
    const id = nextEventId();
    const payload = eventPayload(id).replace(
      '"metadata": {}',
      `"metadata": {"pad": "${'x'.repeat(1024 * 1024)}"}`,
    );
    const response = await post(payload, signedHeaders(payload));
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('payload_too_large');
    expect(await storedBody(store, id)).toBeUndefined();
  });
});

describe.each(frameworks)('$name, chunked upload', ({ mount }) => {
  it('refuses a chunked body (no Content-Length) that grows past 1 MB with 413', async () => {
    const { server } = await start(mount);
    const response = await postOversizedChunked(server.url);
    expect(response.status).toBe(413);
  });
});

describe('express mounted after a plain express.json()', () => {
  it('fails loudly with raw_body_lost instead of a misleading signature error', async () => {
    const { post } = await start(async (receiver: WebhookReceiver) => {
      const app = express();
      app.use(express.json());
      app.post('/webhooks/stripe', expressWebhook(receiver));
      return listen(createServer(app));
    });
    const payload = eventPayload();
    const response = await post(payload, signedHeaders(payload));
    expect(response.status).toBe(500);
    const body = await response.json();
    expect(body.error.code).toBe('raw_body_lost');
    expect(body.error.message).toContain('before express.json()');
  });
});
