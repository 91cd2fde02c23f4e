import type { Command } from 'commander';
import { loadConfig } from '../../billing/config.js';
import { openStore } from '../../billing/store/index.js';

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('Run Coffer locally on its embedded defaults (PGlite, no keys, no network)')
    .action(async () => {
      const config = loadConfig(
        { stripe: { emulatorUrl: 'http://127.0.0.1:1' } },
        { ...process.env, STRIPE_SECRET_KEY: '' },
      );
      const store = await openStore({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        schema: config.schema,
      });
      const report = await store.migrate();
      console.log(
        `coffer dev: database ready (${store.kind}, schema ${config.schema}, ${report.applied.length} new migration(s))`,
      );
      console.log('coffer dev: press Ctrl-C to stop');
      await waitForSignal();
      await store.close();
      console.log('coffer dev: stopped');
    });
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
