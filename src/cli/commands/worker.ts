// `coffer worker`: a webhook worker as its own process. Any number may run against one PostgreSQL:
// each claims events with FOR UPDATE SKIP LOCKED under a lease, so none is processed twice.
import type { Command } from 'commander';
import { openRuntime } from '../runtime.js';
import { waitForSignal } from '../signals.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Process stored webhook events (run as many as you like against one PostgreSQL)')
    .option('--once', 'process what is due now, then exit')
    .action(async (opts: { once?: boolean }) => {
      const billing = await openRuntime({ worker: false });
      try {
        if (opts.once) {
          const processed = await billing.worker.processAvailable();
          console.log(`Processed ${processed} event(s)`);
          return;
        }
        billing.worker.start();
        console.log('Coffer worker running; Ctrl-C to stop');
        const signal = await waitForSignal();
        console.log(`${signal}: finishing the events in hand…`);
      } finally {
        await billing.close();
      }
      console.log('Coffer worker stopped');
    });
}
