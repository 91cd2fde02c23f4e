// A TCP proxy in front of PostgreSQL that a test can cut (open connections drop, new ones are
// closed at once) and restore: PostgreSQL unreachable without touching the real server.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP proxy in front of PostgreSQL that the test can cut and restore. */
export async function startProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let up = true;
  const server: Server = createServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  const port = address.port;
  return {
    port,
    /**
     * PostgreSQL goes away: open connections drop and new ones are closed at once. The proxy keeps
     * its port, so restoring it never races another process for the port.
     */
    async cut() {
      up = false;
      for (const s of sockets) s.destroy();
      // Let the pool see its idle connections close before anyone asks for one.
      await sleep(200);
    },
    async restore() {
      up = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        if (server.listening) server.close(() => resolve());
        else resolve();
      }),
  };
}
