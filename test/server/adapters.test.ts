// Every framework adapter, run in its real framework over real HTTP: the exact bytes reach the
// verifier, a tampered body is refused, JSON middleware elsewhere in the app changes nothing, and a
// body over 1 MB is refused with 413 before the pipeline sees it.
import { createServer } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import {
  expressWebhook,
  fastifyWebhook,
  honoWebhook,
  keepRawBody,
  nextWebhookHandler,
  nodeWebhookHandler,
} from '../../src/server/index.js';
import type { WebhookReceiver } from '../../src/server/types.js';
import { listen, type Running } from './support/http.js';
import { eventPayload, signedHeaders, verifyingReceiver } from './support/signing.js';

type Mount = (receiver: WebhookReceiver) => Promise<Running>;

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

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
      app.use(express.json({ verify: keepRawBody }));
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
          c.set('parsed' as never, (await c.req.json()) as never);
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
  const receiver = verifyingReceiver();
  const server = await mount(receiver);
  running.push(server);
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${server.url}/webhooks/stripe`, { method: 'POST', body, headers });
  return { receiver, server, post };
}

describe.each(frameworks)('$name', ({ mount }) => {
  it('passes the exact bytes and headers of a signed event and answers 200', async () => {
    const { receiver, post } = await start(mount);
    const payload = eventPayload();
    const headers = signedHeaders(payload);
    const response = await post(payload, headers);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 'evt_adapter_1' });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.body.equals(Buffer.from(payload))).toBe(true);
    expect(receiver.received[0]!.headers['stripe-signature']).toBe(headers['stripe-signature']);
  });

  it('answers 400 for a tampered body', async () => {
    const { post } = await start(mount);
    const payload = eventPayload();
    const response = await post(payload.replace('cus_1', 'cus_2'), signedHeaders(payload));
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('signature_invalid');
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

  it('refuses a body over 1 MB with 413 without calling the pipeline', async () => {
    const { receiver, post } = await start(mount);
    const payload = `{"id":"evt_big","pad":"${'x'.repeat(1024 * 1024)}"}`;
    const response = await post(payload, signedHeaders(payload));
    expect(response.status).toBe(413);
    expect(receiver.received).toHaveLength(0);
  });
});

describe('express mounted after a plain express.json()', () => {
  it('fails loudly with raw_body_lost instead of a misleading signature error', async () => {
    const { post } = await start(async (receiver) => {
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
