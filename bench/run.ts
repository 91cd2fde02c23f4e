// `npm run bench [-- emulator|webhooks]`: runs the benchmarks of issues #3 and #4, prints a table and
// rewrites docs/benchmarks.md. Every load is bounded in count and time, loopback only, and a watchdog
// ends the run (killing only the processes it started) if anything hangs.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { runEmulatorSuite } from './emulator/suite.js';
import { killAllChildren } from './lib/child.js';
import { describeMachine } from './lib/machine.js';
import { consoleTable, errorText, markdown, type SuiteResult } from './lib/report.js';
import { runWebhookSuite } from './webhooks/suite.js';
import type { EngineName } from './webhooks/system.js';

const SUITES = ['emulator', 'webhooks'] as const;
type SuiteName = (typeof SUITES)[number];

const WATCHDOG_MS = 9 * 60_000;

function parseArgs(argv: string[]): { suites: SuiteName[]; write: boolean } {
  const names = argv.filter((a) => !a.startsWith('--'));
  for (const name of names) {
    if (!(SUITES as readonly string[]).includes(name)) {
      throw new Error(`unknown benchmark "${name}"; choose from: ${SUITES.join(', ')}`);
    }
  }
  const suites = names.length ? (names as SuiteName[]) : [...SUITES];
  // A partial run would drop the other suite's figures from the report, so it only prints unless asked.
  const complete = SUITES.every((s) => suites.includes(s));
  return { suites, write: complete ? !argv.includes('--no-write') : argv.includes('--write') };
}

async function main(): Promise<void> {
  const { suites, write } = parseArgs(process.argv.slice(2));
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  if (!(scale > 0 && scale <= 1))
    throw new Error(`BENCH_SCALE must be in (0, 1], got ${process.env.BENCH_SCALE}`);
  const engines = (process.env.BENCH_COFFER_ENGINES ?? 'postgres,pglite').split(',').map((e) => e.trim());
  for (const engine of engines) {
    if (engine !== 'postgres' && engine !== 'pglite') {
      throw new Error(`BENCH_COFFER_ENGINES lists "${engine}"; use postgres and/or pglite`);
    }
  }
  const started = performance.now();
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const machine = await describeMachine(databaseUrl);
  console.log(`Coffer benchmarks — ${date}\n${machine.join('\n')}\n`);

  const results: SuiteResult[] = [];
  for (const suite of suites) {
    const t0 = performance.now();
    console.log(`▶ ${suite} …`);
    try {
      results.push(
        suite === 'emulator'
          ? await runEmulatorSuite({ scale })
          : await runWebhookSuite({ databaseUrl, scale, engines: engines as EngineName[] }),
      );
    } catch (error) {
      console.error(error);
      results.push({
        title: suite === 'emulator' ? 'Stripe emulator (issue #3)' : 'Webhook pipeline (issue #4)',
        method: [],
        measurements: [],
        notes: [`- This suite failed before it measured anything: ${errorText(error)}`],
      });
    }
    console.log(`  done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const seconds = (performance.now() - started) / 1000;
  machine.push(
    `Load average at the end (1/5/15 min): ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')}`,
  );
  console.log(`\n${consoleTable(results)}\n\nTotal ${seconds.toFixed(0)} s`);
  if (!write) {
    console.log('docs/benchmarks.md left as it was (partial run or --no-write).');
    return;
  }
  const command = `npm run bench${suites.length < SUITES.length ? ` -- ${suites.join(' ')}` : ''}`;
  writeFileSync(
    new URL('../docs/benchmarks.md', import.meta.url),
    markdown({
      date,
      machine,
      command,
      durationSeconds: seconds,
      suites: results,
      preamble: [
        'Targets are those of issue #3 (emulator) and issue #4 (webhook pipeline). PASS/FAIL is judged on this ' +
          'run only; PENDING means it could not be measured in this run (not landed yet, or it failed to start: see the notes). On a 2-core machine the load ' +
          'generator, the system measured and PostgreSQL share the cores, and other work running at the ' +
          'same time makes every figure noisy: compare runs on a quiet machine.',
        ...(scale < 1 ? ['', `**Shortened run (BENCH_SCALE=${scale}): durations scaled down.**`] : []),
        '',
        '## How to run',
        '',
        '- `npm run bench` runs both suites (about 4 minutes on 2 cores) and rewrites this file; ' +
          '`npm run bench -- emulator` or `npm run bench -- webhooks` runs one and only prints (add `--write` to ' +
          'make this file hold that suite alone); `npm run bench -- --no-write` runs both and only prints.',
        '- Needs PostgreSQL at `postgres://postgres@127.0.0.1:5432/test` (or `BENCH_DATABASE_URL`); every ' +
          'schema it creates (`bench_*`) is dropped at the end.',
        '- `BENCH_SCALE=0.5` halves every duration (a quick check; figures are less stable); ' +
          '`BENCH_COFFER_ENGINES=postgres` skips PGlite; `BENCH_COFFER_VIA=http` serves Coffer through a plain ' +
          '`node:http` server calling `billing.webhooks.handle` instead of the service.',
        '- Everything listens on 127.0.0.1 only, every load is bounded in count and time, and a watchdog ends ' +
          'the run after 9 minutes, killing only the processes the run started.',
      ],
    }),
  );
  console.log('Wrote docs/benchmarks.md');
}

const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${WATCHDOG_MS / 60_000} min; stopping`);
  killAllChildren();
  process.exit(2);
}, WATCHDOG_MS);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

main().then(
  () => {
    killAllChildren();
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    killAllChildren();
    process.exit(1);
  },
);
