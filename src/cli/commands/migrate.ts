import type { Command } from 'commander';
import { loadConfig } from '../../billing/config.js';
import { openStore } from '../../billing/store/index.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (PGlite in COFFER_DATA_DIR, or DATABASE_URL)')
    .action(async () => {
      // Migrating needs no Stripe key; the store settings are all that matter here.
      const config = loadConfig(
        { stripe: { emulatorUrl: 'http://127.0.0.1:1' } },
        { ...process.env, STRIPE_SECRET_KEY: '' },
      );
      const store = await openStore({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        schema: config.schema,
      });
      try {
        const report = await store.migrate();
        const where = store.kind === 'postgres' ? 'PostgreSQL' : `PGlite in ${config.dataDir}`;
        console.log(
          report.applied.length
            ? `Applied ${report.applied.length} migration(s) to ${where}, schema ${config.schema}: ${report.applied.join(', ')}`
            : `Nothing to apply: ${report.alreadyApplied} migration(s) already applied to ${where}, schema ${config.schema}`,
        );
      } finally {
        await store.close();
      }
    });
}
