// Liveness and readiness for orchestrators and load balancers; neither needs the API key.
import { Hono } from 'hono';
import { checkReadiness, type DatabaseProbe } from '../readiness.js';
import type { WebhookHealth } from '../types.js';

export function healthRoutes(options: {
  probe: DatabaseProbe;
  health: () => Promise<WebhookHealth>;
  expectWorker: boolean;
}): Hono {
  const started = Date.now();
  const routes = new Hono();
  routes.get('/healthz', (c) =>
    c.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) }),
  );
  routes.get('/readyz', async (c) => {
    const report = await checkReadiness(options.probe, options.health, options.expectWorker);
    return c.json(report, report.ready ? 200 : 503);
  });
  return routes;
}
