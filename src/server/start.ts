// Runs the service on a real port: a node:http server whose listener answers the webhook route itself
// (src/server/webhook-route.ts) and hands every other request to the Hono app via @hono/node-server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { silentLogger } from '../shared/logger.js';
import { createService, type ServiceOptions } from './app.js';
import { webhookFastPath } from './webhook-route.js';

export interface StartServiceOptions extends ServiceOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1; use 0.0.0.0 to listen on every interface. */
  host?: string;
}

export interface RunningService {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startService(options: StartServiceOptions): Promise<RunningService> {
  const app = createService(options);
  const host = options.host ?? '127.0.0.1';
  const hono = getRequestListener(app.fetch, { hostname: host });
  // Deliveries skip Hono's routing, context and web Request/Response (the costliest part of a delivery
  // after the database); the answers, request id and log line are the same as through the app.
  const webhook = webhookFastPath(options.billing, options.logger ?? silentLogger);
  const server = createServer((req, res) => {
    if (!webhook(req, res)) void hono(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
