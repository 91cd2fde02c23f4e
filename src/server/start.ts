// Runs the service on a real port with @hono/node-server.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createService, type ServiceOptions } from './app.js';

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
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: host }, () => resolve(s));
    s.once('error', reject);
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
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      }),
  };
}
