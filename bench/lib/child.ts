// Benchmark processes: every load generator and every system under test runs in a child process of
// its own (so none shares an event loop with what it measures). Parent and child talk over Node's IPC
// channel with numbered requests; every call has a timeout, and every child is killed (by its pid, and
// only the children started here) when the run ends or fails.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Request {
  id: number;
  call: string;
  payload: unknown;
}
interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}
interface Ready {
  ready: true;
}

export interface BenchChild {
  readonly pid: number;
  call<T>(name: string, payload: unknown, timeoutMs: number): Promise<T>;
  /** Asks the child to finish, then kills it if it has not exited within the grace period. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every child still running (used on errors, signals and the global watchdog). */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

/**
 * Starts `script` (a .ts file, relative to bench/) in a new Node process running tsx, and resolves
 * once it reports ready.
 */
export async function startChild(
  script: string,
  options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; readyTimeoutMs?: number } = {},
): Promise<BenchChild> {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const child = fork(path, [], {
    execArgv: ['--import', 'tsx', ...(options.nodeArgs ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited: Error | undefined;
  child.on('message', (message: Reply) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(`${script}: ${message.error}`));
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`${script} exited (code ${code}, signal ${signal})`);
    for (const waiter of pending.values()) waiter.reject(exited);
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not report ready within ${options.readyTimeoutMs ?? 30_000} ms`));
    }, options.readyTimeoutMs ?? 30_000);
    child.once('message', (m: Ready) => {
      clearTimeout(timer);
      if (m.ready) resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code} before it was ready`));
    });
  });

  return {
    pid: child.pid ?? -1,
    call<T>(name: string, payload: unknown, timeoutMs: number): Promise<T> {
      if (exited) return Promise.reject(exited);
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${script}: ${name} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ id, call: name, payload } satisfies Request);
      });
    },
    async stop(graceMs = 5_000): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

export type Handlers = Record<string, (payload: never) => Promise<unknown>>;

/**
 * The child's side: answers the parent's calls with `handlers`, runs `onStop` on SIGTERM, and exits if
 * the parent goes away.
 */
export function serveParent(handlers: Handlers, onStop: () => Promise<void> = async () => {}): void {
  if (!process.send) throw new Error('serveParent: this script must be started by bench/lib/child.ts');
  const send = (m: Reply | Ready) => process.send?.(m);
  process.on('message', (message: Request) => {
    const handler = handlers[message.call];
    if (!handler) {
      send({ id: message.id, ok: false, error: `unknown call "${message.call}"` });
      return;
    }
    handler(message.payload as never).then(
      (result) => send({ id: message.id, ok: true, result }),
      (error: unknown) =>
        send({ id: message.id, ok: false, error: error instanceof Error ? error.stack : String(error) }),
    );
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const hard = setTimeout(() => process.exit(1), 4_000);
    onStop().finally(() => {
      clearTimeout(hard);
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  send({ ready: true });
}
