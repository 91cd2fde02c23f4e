// Every framework adapter, run in its real framework over real HTTP in front of the real webhook
// pipeline, on every store target (PGlite, and PostgreSQL when DATABASE_URL is set): the exact bytes
// are verified and stored, a tampered body is refused, JSON parsing elsewhere in the app changes
// nothing, and a body over 1 MB (announced or chunked) is refused with 413. The Next.js handler runs
// inside real Next.js: the fixture app in test/fixtures/next-app is built once (`next build`, a child
// process) and served by Next's production server in this process, its route file calling the handler
// the test puts on globalThis.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});
afterAll(closeStores);

// Next.js: the fixture app, its build output in a directory of this process under the ignored .tmp/
// (relative to the app, as next.config.mjs reads it), and no telemetry.
const nextApp = fileURLToPath(new URL('../fixtures/next-app', import.meta.url));
const nextDistDir = `../../../.tmp/next-app-${process.pid}`;
process.env.NEXT_TELEMETRY_DISABLED = '1';
process.env.COFFER_NEXT_DIST_DIR = nextDistDir;
/** What the fixture's route file calls: `export const POST = (request) => globalThis.cofferNextWebhook(request)`. */
const nextRoute = globalThis as { cofferNextWebhook?: (request: Request) => Promise<Response> };

// Next's custom-server API, loaded without importing `next`'s types: they declare NODE_ENV a required
// key of every ProcessEnv, which breaks the rest of the project's typecheck.
const requireFromHere = createRequire(import.meta.url);
const createNextServer = requireFromHere('next') as (options: {
  dev: boolean;
  dir: string;
  hostname?: string;
  quiet?: boolean;
}) => {
  prepare(): Promise<void>;
  getRequestHandler(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  close(): Promise<void>;
};

/** `next build` of the fixture app in a child process (its own process group, ended by PID on timeout). */
function buildNextApp(timeoutMs = 150_000): Promise<void> {
  const bin = requireFromHere.resolve('next/dist/bin/next');
  const child = spawn(process.execPath, [bin, 'build', nextApp], {
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`next build ended with ${code ?? signal}:\n${output}`));
    });
  });
}

/**
 * The fixture app on Next's production server, in this process: one for the file (each instance adds
 * process listeners that close() leaves), each test pointing the route at its own receiver.
 */
async function serveNextApp(): Promise<Running> {
  // Next sets NODE_ENV and may patch fetch for this process; both are put back on close.
  const { NODE_ENV } = process.env;
  const { fetch } = globalThis;
  const app = createNextServer({ dev: false, dir: nextApp, hostname: '127.0.0.1', quiet: true });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = await listen(createServer((req, res) => void handle(req, res)));
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await app.close();
      process.env.NODE_ENV = NODE_ENV;
      globalThis.fetch = fetch;
    },
  };
}

let nextServer: Promise<Running> | undefined;
// The build compiles with SWC/Turbopack on two busy cores: a generous bound, not a sleep.
beforeAll(() => buildNextApp(), 180_000);
afterAll(async () => {
  await (await nextServer)?.close();
  await rm(resolve(nextApp, nextDistDir), { recursive: true, force: true });
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
    name: 'next (Next.js production server, App Router route file)',
    mount: async (receiver) => {
      nextServer ??= serveNextApp();
      const { url } = await nextServer;
      nextRoute.cofferNextWebhook = nextWebhookHandler(receiver);
      return {
        url,
        close: async () => {
          delete nextRoute.cofferNextWebhook;
        },
      };
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

describe.each(storeTargets)('on $name', (target) => {
  let store: Store;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    store = await target.open();
    await store.migrate();
    receiver = testPipeline(store);
  });

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
});
