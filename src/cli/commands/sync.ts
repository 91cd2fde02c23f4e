// `coffer sync`: backfill every mirrored Stripe type from the API (resumable, rate-limited, with a
// progress bar per type), or `--catch-up` to read the Events API from the stored cursor after
// downtime. Ctrl-C stops after the page in flight; the next run resumes from there.
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { openRuntime } from '../runtime.js';
import { parsePositive, waitForSignal } from '../signals.js';

interface SyncOptions {
  catchUp?: boolean;
  rate: string;
  types?: string;
  restart?: boolean;
}

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description(
      'Backfill the local mirror from Stripe (resumes where it stopped), or --catch-up from the Events API',
    )
    .option(
      '--catch-up',
      'feed missed events from the Events API (since the stored cursor) through the pipeline',
    )
    .option('--rate <n>', 'maximum Stripe requests per second', '20')
    .option('--types <list>', 'comma-separated object types to backfill (default: every mirrored type)')
    .option('--restart', 'start every type from the beginning instead of resuming')
    .action(async (opts: SyncOptions) => {
      const requestsPerSecond = parsePositive(opts.rate, '--rate');
      const billing = await openRuntime({ worker: false });
      const abort = new AbortController();
      void waitForSignal().then(() => abort.abort());
      try {
        if (opts.catchUp) {
          const result = await billing.sync.catchUp();
          // The missed events are stored now; process them here too (running workers may share them).
          const processed = await billing.worker.processAvailable();
          console.log(`Caught up: ${JSON.stringify(result)}; processed ${processed} event(s)`);
          return;
        }
        const types = opts.types
          ?.split(',')
          .map((t) => t.trim())
          .filter(Boolean);
        const bars = new MultiBar(
          {
            format: ' {type} {bar} {value} fetched, {written} written {state}',
            hideCursor: true,
            noTTYOutput: false,
          },
          Presets.shades_classic,
        );
        const byType = new Map<string, SingleBar>();
        const result = await billing.sync
          .backfill({
            ...(types?.length ? { types } : {}),
            requestsPerSecond,
            ...(opts.restart ? { restart: true } : {}),
            signal: abort.signal,
            onProgress: (p) => {
              let bar = byType.get(p.type);
              if (!bar) {
                bar = bars.create(1, 0, { type: p.type.padEnd(20), written: 0, state: '' });
                byType.set(p.type, bar);
              }
              // Stripe lists carry no totals: the bar fills as pages arrive and is full when the type is done.
              bar.setTotal(p.done ? Math.max(p.fetched, 1) : p.fetched + 100);
              // The type again: off a terminal cli-progress never starts the bar and drops create()'s payload.
              bar.update(p.fetched, {
                type: p.type.padEnd(20),
                written: p.written,
                state: p.done ? 'done' : '',
              });
            },
          })
          .finally(() => bars.stop());
        console.log(
          abort.signal.aborted ? 'Stopped; run `coffer sync` again to resume' : 'Backfill complete',
        );
        console.log(JSON.stringify(result));
      } finally {
        await billing.close();
      }
    });
}
