// `coffer prune --older-than-days N`: deletes processed webhook events (and their ledger rows) received
// more than N days ago, in batches; dead letters stay. For a cron job; an app can call
// `billing.webhooks.schedulePrune` instead.
import type { Command } from 'commander';
import { ValidationError } from '../../shared/errors.js';
import { openRuntime } from '../runtime.js';

export function registerPruneCommand(program: Command): void {
  program
    .command('prune')
    .description(
      'Delete processed webhook events older than the retention (at least 31 days); dead letters stay',
    )
    .requiredOption('--older-than-days <days>', 'retention in days (31 or more)')
    .action(async (opts: { olderThanDays: string }) => {
      const days = Number(opts.olderThanDays);
      if (!/^\d+(\.\d+)?$/.test(opts.olderThanDays.trim()) || !Number.isFinite(days)) {
        throw new ValidationError(
          `--older-than-days must be a number of days, got "${opts.olderThanDays}"`,
          'olderThanDays',
        );
      }
      const billing = await openRuntime({ worker: false });
      try {
        const count = await billing.webhooks.prune({ olderThanDays: days });
        console.log(`Pruned ${count} processed webhook event(s) older than ${days} days`);
      } finally {
        await billing.close();
      }
    });
}
