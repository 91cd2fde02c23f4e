// `coffer dev` (`npm start`): the emulator, the service on PGlite and a demo purchase, with no keys and
// no network. Prints every URL, the API key of this run and the one command that completes the demo
// checkout; Ctrl-C closes the service, the worker, the store and the emulator.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Command } from 'commander';
import { EMULATOR_DEFAULT_KEY } from '../../billing/config.js';
import { startEmulator } from '../../emulator/index.js';
import { startService } from '../../server/index.js';
import { createLogger, type LogLevel } from '../../shared/logger.js';
import { emulatorClient, ensureDemoCatalogue, registerDevEndpoint } from '../dev/demo.js';
import { DEMO_CANCEL_PATH, DEMO_SUCCESS_PATH, demoCheckoutPages } from '../dev/demo-pages.js';
import { openRuntime } from '../runtime.js';
import { explainListenError, parsePort, waitForSignal } from '../signals.js';

interface DevOptions {
  port: string;
  emulatorPort: string;
  host: string;
  memory?: boolean;
}

export const DEMO_USER = { userId: 'demo_user', email: 'demo@example.com', name: 'Demo User' };

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('Run the emulator, the service on PGlite and a demo checkout locally (no keys, no network)')
    .option('--port <port>', 'service port (0 = any free port)', process.env.PORT ?? '8080')
    .option(
      '--emulator-port <port>',
      'emulator port (0 = any free port)',
      process.env.COFFER_EMULATOR_PORT ?? '12111',
    )
    .option('--host <host>', 'interface for both', '127.0.0.1')
    .option('--memory', 'keep the emulator state in memory instead of COFFER_DATA_DIR/emulator')
    .action(async (opts: DevOptions) => {
      const port = parsePort(opts.port);
      const emulatorPort = parsePort(opts.emulatorPort, '--emulator-port');
      // Local test mode only: never a real key or a server database, whatever the shell exports.
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DATABASE_URL: '',
        STRIPE_SECRET_KEY: '',
        STRIPE_WEBHOOK_SECRET: '',
        COFFER_MODE: 'test',
      };
      const dataDir = env.COFFER_DATA_DIR?.trim() || './.coffer';
      const level = (env.COFFER_LOG_LEVEL?.trim() || 'warn') as LogLevel;
      const logger = createLogger({ level });

      const emulator = await startEmulator({
        port: emulatorPort,
        host: opts.host,
        logger: logger.child({ room: 'emulator' }),
        ...(opts.memory ? {} : { dataDir: join(dataDir, 'emulator') }),
      }).catch((error: unknown) => {
        throw explainListenError(error, '--emulator-port', emulatorPort);
      });
      const stops: (() => Promise<void>)[] = [() => emulator.close()];
      const stopAll = async () => {
        for (const stop of stops.reverse()) await stop();
      };
      try {
        const stripe = emulatorClient(emulator.url, EMULATOR_DEFAULT_KEY);
        // The endpoint's secret is needed before the service exists, its URL only after: register, then point it.
        const endpoint = await registerDevEndpoint(stripe, `${emulator.url}/_coffer_dev/not-listening-yet`);
        const apiKey = `coffer_dev_${randomBytes(18).toString('base64url')}`;
        const billing = await openRuntime({
          config: {
            mode: 'test',
            dataDir,
            apiKey,
            stripe: {
              secretKey: EMULATOR_DEFAULT_KEY,
              emulatorUrl: emulator.url,
              webhookSecret: [endpoint.secret],
            },
          },
          env,
          worker: true,
          logger,
        });
        stops.push(() => billing.close());
        const service = await startService({
          port,
          host: opts.host,
          billing,
          logger,
          apiKey,
          routes: demoCheckoutPages(billing, DEMO_USER.userId, logger),
        }).catch((error: unknown) => {
          throw explainListenError(error, '--port', port);
        });
        stops.push(() => service.close());
        await stripe.webhookEndpoints.update(endpoint.id, { url: `${service.url}/webhooks/stripe` });

        const catalogue = await ensureDemoCatalogue(stripe);
        await billing.customers.ensure(DEMO_USER);
        const session = await billing.checkout.create({
          userId: DEMO_USER.userId,
          lookupKey: catalogue[0],
          quantity: 1,
          mode: 'payment',
          successUrl: `${service.url}${DEMO_SUCCESS_PATH}`,
          cancelUrl: `${service.url}${DEMO_CANCEL_PATH}`,
        });
        printBanner({ emulatorUrl: emulator.url, serviceUrl: service.url, apiKey, dataDir, session });

        const signal = await waitForSignal();
        console.log(`\n${signal}: stopping the service, the worker, the store and the emulator…`);
      } finally {
        await stopAll();
      }
      console.log('coffer dev: stopped');
    });
}

function printBanner(info: {
  emulatorUrl: string;
  serviceUrl: string;
  apiKey: string;
  dataDir: string;
  session: { id: string; url: string };
}): void {
  const { emulatorUrl, serviceUrl, apiKey, session } = info;
  console.log(`Coffer dev is running (test mode, PGlite in ${info.dataDir}, no keys, no network)

  emulator   ${emulatorUrl}
  service    ${serviceUrl}
  readyz     ${serviceUrl}/readyz
  openapi    ${serviceUrl}/openapi.json
  api key    ${apiKey}   (generated for this run; local test mode only)

Demo purchase for user ${DEMO_USER.userId}, "Coffer Pro — lifetime":
  session    ${session.id}
  checkout   ${session.url}   (open in a browser; pay with 4242 4242 4242 4242, any future expiry and CVC;
             you land on ${serviceUrl}${DEMO_SUCCESS_PATH}, which shows the payment once its webhook reached the mirror)
  complete   curl -s -X POST ${emulatorUrl}/_emulator/checkout/sessions/${session.id}/complete -H 'content-type: application/json' -d '{"payment_method":"pm_card_visa"}'
  status     curl -s -H 'authorization: Bearer ${apiKey}' '${serviceUrl}/v1/checkout/sessions/${session.id}/status?userId=${DEMO_USER.userId}'

Press Ctrl-C to stop.`);
}
