// `coffer serve --port N`: the standalone service (webhook route, health probes, REST API) with the
// webhook worker in-process unless --no-worker (then run `coffer worker` beside it).
import type { Command } from 'commander';
import { startService } from '../../server/index.js';
import { openRuntime } from '../runtime.js';
import { explainListenError, parsePort, waitForSignal } from '../signals.js';

interface ServeOptions {
  port: string;
  host: string;
  worker: boolean;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the Coffer service: POST /webhooks/stripe, /healthz, /readyz and the REST API')
    .option('--port <port>', 'port to listen on (0 = any free port)', process.env.PORT ?? '8080')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--no-worker', 'do not process webhook events in this process (run `coffer worker` instead)')
    .action(async (opts: ServeOptions) => {
      const port = parsePort(opts.port);
      const billing = await openRuntime({ worker: opts.worker });
      const { config, logger } = billing;
      const service = await startService({
        port,
        host: opts.host,
        billing,
        logger,
        apiKey: config.apiKey,
        expectWorker: opts.worker,
      }).catch(async (error: unknown) => {
        await billing.close();
        throw explainListenError(error, '--port', port);
      });
      console.log(`Coffer service listening on ${service.url}
  webhooks  POST ${service.url}/webhooks/stripe
  health    ${service.url}/healthz · ${service.url}/readyz
  REST API  ${service.url}/v1 (${config.apiKey ? 'bearer COFFER_API_KEY' : 'disabled: set COFFER_API_KEY'}) · ${service.url}/openapi.json
  worker    ${opts.worker ? 'in this process' : 'off (run `coffer worker`)'}`);

      const signal = await waitForSignal();
      console.log(`${signal}: stopping (finishing in-flight requests and events)…`);
      await service.close();
      await billing.close();
      console.log('Coffer service stopped');
    });
}
