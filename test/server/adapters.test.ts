// Every framework adapter, run in its real framework over real HTTP in front of the real webhook
// pipeline, on every store target (PGlite, and PostgreSQL when DATABASE_URL is set): the exact bytes
// are verified and stored, a tampered body is refused, JSON parsing elsewhere in the app changes
// nothing, and a body over 1 MB (announced or chunked) is refused with 413. The Next.js handler runs
// inside real Next.js: the fixture app in test/fixtures/next-app is built once (`next build`, a child
// process) and served by Next's production server in this process, its route file calling the handler
// the test puts on globalThis.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
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

// Next.js: the fixture app and its build output, in a directory of this process under the ignored .tmp/
// (relative to the app, as next.config.mjs reads it).
const nextApp = fileURLToPath(new URL('../fixtures/next-app', import.meta.url));
const nextDistDir = `../../../.tmp/next-app-${process.pid}`;
/**
 * What the build and the server see: no telemetry, no lockfile patching from the registry, no WASM
 * fallback (downloaded on demand) for SWC, and where to build. Set on this process only while the
 * Next.js server lives.
 */
const nextEnv: Record<string, string> = {
  NEXT_TELEMETRY_DISABLED: '1',
  NEXT_IGNORE_INCORRECT_LOCKFILE: '1',
  NEXT_DISABLE_SWC_WASM: '1',
  COFFER_NEXT_DIST_DIR: nextDistDir,
};
/** What the fixture's route file calls: `export const POST = (request) => globalThis.cofferNextWebhook(request)`. */
const nextRoute = globalThis as { cofferNextWebhook?: (request: Request) => Promise<Response> };

/** Puts the given environment variables back as they were (`delete` for those that were unset). */
function restoreEnv(saved: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

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

/** The running `next build`, in its own process group: ended with its group on timeout, file end or exit. */
let nextBuild: ChildProcess | undefined;
function killNextBuild(): void {
  const child = nextBuild;
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

/** `next build` of the fixture app in a child process; rejects with its output if it fails or overruns. */
function buildNextApp(timeoutMs = 150_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const bin = requireFromHere.resolve('next/dist/bin/next');
    const child = spawn(process.execPath, [bin, 'build', nextApp], {
      env: { ...process.env, ...nextEnv, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    nextBuild = child;
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killNextBuild();
    }, timeoutMs);
    // Should the test process exit, or lose vitest (an aborted run), while the build runs, its group
    // goes with it.
    process.once('exit', killNextBuild);
    process.once('disconnect', killNextBuild);
    const settle = (error?: Error) => {
      clearTimeout(timer);
      process.off('exit', killNextBuild);
      process.off('disconnect', killNextBuild);
      if (error) reject(error);
      else resolve();
    };
    // A failed spawn has no pid and reports only here ('exit' may never come).
    child.on('error', (error) => settle(new Error(`next build could not run: ${error.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) settle();
      else if (timedOut) settle(new Error(`next build did not finish within ${timeoutMs} ms:\n${output}`));
      else settle(new Error(`next build ended with ${code ?? signal}:\n${output}`));
    });
  });
}

/**
 * The fixture app on Next's production server, in this process: one for the file (each instance adds
 * process listeners that close() leaves), each test pointing the route at its own receiver.
 *
 * Next replaces the global `fetch` with its caching wrapper, once per process (a global symbol marks
 * it, whether the patch comes from preloading the routes at start or from the first request). So one
 * request is made before the tests, after which the original `fetch` is put back for good: every test
 * of this file (the other frameworks, the PostgreSQL pass) and its client requests use Node's own.
 */
async function serveNextApp(): Promise<Running> {
  // NODE_ENV is saved too: Next's router server sets it (the custom server leaves it today).
  const savedEnv: Record<string, string | undefined> = { NODE_ENV: process.env.NODE_ENV };
  for (const key of Object.keys(nextEnv)) savedEnv[key] = process.env[key];
  const { fetch } = globalThis;
  Object.assign(process.env, nextEnv);
  const app = createNextServer({ dev: false, dir: nextApp, hostname: '127.0.0.1', quiet: true });
  let server: Running | undefined;
  const close = async () => {
    try {
      await server?.close();
      await app.close();
    } finally {
      globalThis.fetch = fetch;
      restoreEnv(savedEnv);
    }
  };
  try {
    await app.prepare();
    const handle = app.getRequestHandler();
    server = await listen(createServer((req, res) => void handle(req, res)));
    const warmUp = await fetch(`${server.url}/echo`, { method: 'POST', body: '{}' });
    if (!warmUp.ok) throw new Error(`the Next.js fixture app answered ${warmUp.status}`);
    globalThis.fetch = fetch;
  } catch (error) {
    await close();
    throw error;
  }
  return { url: server.url, close };
}

/** Build directories left by runs that were killed before their afterAll (their process is gone). */
async function removeStaleNextBuilds(): Promise<void> {
  const tmp = resolve(nextApp, nextDistDir, '..');
  const names = await readdir(tmp).catch(() => []);
  for (const name of names) {
    const pid = Number(/^next-app-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH')
        await rm(resolve(tmp, name), { recursive: true, force: true });
    }
  }
}

let nextServer: Running | undefined;
// The build compiles with SWC/Turbopack on two busy cores: generous bounds, not sleeps.
beforeAll(async () => {
  await removeStaleNextBuilds();
  await buildNextApp(150_000);
}, 180_000);
beforeAll(async () => {
  nextServer = await serveNextApp();
}, 60_000);
afterAll(async () => {
  killNextBuild();
  try {
    await nextServer?.close();
  } finally {
    await rm(resolve(nextApp, nextDistDir), { recursive: true, force: true });
  }
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
      if (!nextServer) throw new Error('the Next.js fixture app is not running');
      nextRoute.cofferNextWebhook = nextWebhookHandler(receiver);
      return {
        url: nextServer.url,
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
