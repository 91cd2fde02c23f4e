// Runs `node bin/coffer.js …` as a real child process and reads what it prints.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, vi } from 'vitest';
import { openStore } from '../../src/billing/store/index.js';
import { buildProgram } from '../../src/cli/program.js';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { postgresUrl, uniqueSchema } from '../support/store.js';

const bin = fileURLToPath(new URL('../../bin/coffer.js', import.meta.url));
const cwd = fileURLToPath(new URL('../..', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output once `pattern` appears; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

const running = new Set<ChildProcess>();

export function runCli(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let text = '';
  child.stdout?.on('data', (chunk) => {
    text += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    text += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  exited.then(() => running.delete(child));
  return {
    child,
    output: () => text,
    waitFor: (pattern, timeoutMs = 50_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match) {
            clearInterval(timer);
            resolve(match);
          } else if (child.exitCode !== null) {
            clearInterval(timer);
            reject(
              new Error(
                `coffer ${args.join(' ')} exited (${child.exitCode}) before printing ${pattern}:\n${text}`,
              ),
            );
          }
        };
        const timer = setInterval(check, 50);
        setTimeout(() => {
          clearInterval(timer);
          reject(
            new Error(`coffer ${args.join(' ')} did not print ${pattern} within ${timeoutMs} ms:\n${text}`),
          );
        }, timeoutMs).unref();
      }),
    stop: async (signal = 'SIGINT', timeoutMs = 15_000) => {
      child.kill(signal);
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`coffer did not exit within ${timeoutMs} ms of ${signal}:\n${text}`)),
          timeoutMs,
        ).unref(),
      );
      return Promise.race([exited, timeout]);
    },
  };
}

/** Kills whatever a failed test left running (afterAll). */
export function killLeftovers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export { eventually } from '../server/support/http.js';

/** The environment for a child: the test's own, minus anything that would point it elsewhere. */
export function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'STRIPE_SECRET_KEY',
    'STRIPE_WEBHOOK_SECRET',
    'COFFER_API_KEY',
    'COFFER_EMULATOR_URL',
    'PORT',
  ])
    delete env[name];
  return { ...env, COFFER_LOG_LEVEL: 'warn', ...extra };
}

/** Where a CLI child keeps its data: a temp PGlite directory, and a fresh PostgreSQL schema when available. */
export interface CliDatabase {
  name: string;
  env(): Promise<NodeJS.ProcessEnv>;
}

const cleanups: (() => Promise<void>)[] = [];

/** Removes the temp directories and drops the schemas handed out by `cliDatabases` (afterAll). */
export async function cleanDatabases(): Promise<void> {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
}

export const cliDatabases: CliDatabase[] = [
  {
    name: 'pglite',
    env: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'coffer-serve-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return { COFFER_DATA_DIR: dir };
    },
  },
  ...(postgresUrl
    ? [
        {
          name: 'postgres',
          env: async () => {
            const schema = uniqueSchema('serve');
            cleanups.push(async () => {
              const store = await openStore({ databaseUrl: postgresUrl, schema, poolSize: 1 });
              await store.withSession((s) => s.exec(`drop schema if exists "${schema}" cascade`));
              await store.close();
            });
            return { DATABASE_URL: postgresUrl, COFFER_SCHEMA: schema };
          },
        },
      ]
    : []),
];

/** Starts an emulator for the file (beforeAll) and cleans up children, databases and it (afterAll). */
export function useEmulator(): { readonly url: string } {
  let emulator: RunningEmulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterAll(async () => {
    killLeftovers();
    await cleanDatabases();
    await emulator?.close();
  });
  return {
    get url() {
      if (!emulator) throw new Error('the emulator starts in beforeAll');
      return emulator.url;
    },
  };
}

/**
 * Runs the real `coffer` program in this process with `env` as the environment and returns what it
 * printed with console.log (faster than a child process when the command's own process is not the point).
 */
export async function runProgram(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const saved = process.env;
  process.env = { ...saved, DATABASE_URL: '', COFFER_LOG_LEVEL: 'silent', ...env };
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    lines.push(parts.join(' '));
  });
  try {
    await buildProgram().exitOverride().parseAsync(args, { from: 'user' });
    return lines.join('\n');
  } finally {
    log.mockRestore();
    process.env = saved;
  }
}
