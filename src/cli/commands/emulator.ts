// `coffer emulator`: the Stripe emulator alone, in the foreground, until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { type EmulatorOptions, startEmulator } from '../../emulator/index.js';
import { ValidationError } from '../../shared/errors.js';
import { createLogger, type LogLevel } from '../../shared/logger.js';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

interface EmulatorCommandOptions {
  port: string;
  host: string;
  dataDir?: string;
  logLevel: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ValidationError(`--port must be an integer between 0 and 65535, got '${value}'`, 'port');
  }
  return port;
}

export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('Run the local stateful Stripe emulator (any sk_test_… key works)')
    .option('--port <port>', 'port to listen on (0 = any free port)', '12111')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'keep state in this directory between restarts (default: memory only)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .action(async (opts: EmulatorCommandOptions) => {
      const level = LOG_LEVELS.find((l) => l === opts.logLevel);
      if (!level) {
        throw new ValidationError(
          `--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${opts.logLevel}'`,
          'log-level',
        );
      }
      const logger = createLogger({ name: 'coffer-emulator', level });
      const options: EmulatorOptions = { port: parsePort(opts.port), host: opts.host, logger };
      if (opts.dataDir) options.dataDir = opts.dataDir;
      const emulator = await startEmulator(options);
      const persisted = opts.dataDir ? ` (state kept in ${opts.dataDir})` : ' (state in memory)';
      console.log(`Coffer Stripe emulator listening on ${emulator.url}${persisted}

Point the Stripe SDK at it:
  import Stripe from 'stripe';
  const stripe = new Stripe('sk_test_123', { host: '${emulator.host}', port: ${emulator.port}, protocol: 'http' });

Control API: ${emulator.url}/_emulator/health · POST ${emulator.url}/_emulator/reset`);

      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          console.log(`\n${signal}: stopping the emulator${opts.dataDir ? ' and saving its state' : ''}…`);
          emulator.close().then(resolve, (err: unknown) => {
            logger.error({ err }, 'emulator: error while stopping');
            process.exitCode = 1;
            resolve();
          });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
