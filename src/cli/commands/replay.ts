// `coffer replay <eventId>` and `coffer replay --failed`: put events back through the pipeline
// (dead letters included). The side-effect ledger keeps handlers that already succeeded from re-running.
import type { Command } from 'commander';
import { ValidationError } from '../../shared/errors.js';
import { openRuntime } from '../runtime.js';

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('Reprocess one stored webhook event, or every dead-lettered one with --failed')
    .argument('[eventId]', 'the event to reprocess (evt_…)')
    .option('--failed', 'reprocess every dead-lettered event')
    .action(async (eventId: string | undefined, opts: { failed?: boolean }) => {
      if (!eventId && !opts.failed) {
        throw new ValidationError(
          'Say what to replay: an event id (coffer replay evt_…) or --failed',
          'eventId',
        );
      }
      if (eventId && opts.failed) {
        throw new ValidationError('Give either an event id or --failed, not both', 'eventId');
      }
      const billing = await openRuntime({ worker: false });
      try {
        if (eventId) {
          await billing.webhooks.replay(eventId);
          console.log(`Replayed ${eventId}`);
        } else {
          const count = await billing.webhooks.replayFailed();
          console.log(`Replayed ${count} dead-lettered event(s)`);
        }
      } finally {
        await billing.close();
      }
    });
}
