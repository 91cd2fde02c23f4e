// The standalone service as a Hono app: the webhook route (no API key: the signature is the
// authentication), health probes, the OpenAPI document and the bearer-authenticated REST API.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { Store } from '../billing/store/index.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import { honoWebhook } from './adapters/fetch.js';
import { CLOSE_AFTER_REFUSING_BODY } from './adapters/receive.js';
import { bearerAuth } from './auth.js';
import { httpErrorOf, PayloadTooLargeError } from './http-errors.js';
import { openApiDocument } from './openapi.js';
import type { DatabaseProbe } from './readiness.js';
import { storeProbe } from './readiness.js';
import { requestLog } from './request-log.js';
import { apiRoutes } from './routes/api.js';
import { healthRoutes } from './routes/health.js';
import type { ServiceBilling } from './types.js';

export interface ServiceOptions {
  billing: ServiceBilling;
  /** The REST API's bearer key; without one the REST API answers 503 (the webhook route still works). */
  apiKey?: string | undefined;
  logger?: Logger;
  /** The store `/readyz` checks (reachable, migrations applied); default `billing.store`. */
  store?: Store;
  databaseProbe?: DatabaseProbe;
  /** Whether a worker runs in this process, so `/readyz` requires it alive. Default true. */
  expectWorker?: boolean;
  /**
   * Routes of the program embedding the service (`coffer dev`'s demo pages), added to an app of their
   * own and mounted at `/`: they cannot replace the JSON 404 and error handlers, and paths under
   * `/v1` or `/webhooks` are refused.
   */
  routes?: (app: Hono) => void;
}

const REST_BODY_LIMIT = 100 * 1024;

export function createService(options: ServiceOptions): Hono {
  const { billing } = options;
  const logger = options.logger ?? silentLogger;
  const store = options.store ?? billing.store;
  const probe = options.databaseProbe ?? (store ? storeProbe(store) : undefined);
  if (!probe) throw new TypeError('createService needs `store` or `databaseProbe` for /readyz');

  const app = new Hono();
  app.use('*', requestId());
  app.use('*', requestLog(logger));
  app.onError((error, c) => {
    const { status, body } = httpErrorOf(error);
    if (status >= 500) logger.error({ err: error, requestId: c.get('requestId') }, 'request error');
    return c.json(body, status as 500);
  });
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );

  app.post(
    '/webhooks/stripe',
    honoWebhook(billing, { onError: (err) => logger.error({ err }, 'webhook handling failed') }),
  );
  app.route(
    '/',
    healthRoutes({
      probe,
      health: () => billing.webhooks.health(),
      expectWorker: options.expectWorker ?? true,
    }),
  );
  app.get('/openapi.json', (c) => c.json(openApiDocument()));

  app.use('/v1/*', bearerAuth(options.apiKey));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: REST_BODY_LIMIT,
      onError: (c) =>
        c.json(httpErrorOf(new PayloadTooLargeError(REST_BODY_LIMIT)).body, 413, CLOSE_AFTER_REFUSING_BODY),
    }),
  );
  app.route('/v1', apiRoutes(billing));
  if (options.routes) app.route('/', embeddedRoutes(options.routes));
  return app;
}

const RESERVED_PREFIXES = ['/v1', '/webhooks'];

function embeddedRoutes(mount: (app: Hono) => void): Hono {
  const extra = new Hono();
  mount(extra);
  for (const route of extra.routes) {
    const reserved = RESERVED_PREFIXES.find(
      (prefix) => route.path === prefix || route.path.startsWith(`${prefix}/`),
    );
    if (reserved)
      throw new TypeError(
        `ServiceOptions.routes: ${route.path} is under ${reserved}, which the service owns`,
      );
  }
  return extra;
}
