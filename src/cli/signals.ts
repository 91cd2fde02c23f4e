// Foreground commands run until SIGINT/SIGTERM, then shut down in order. A second signal while
// shutting down exits at once, so a stuck shutdown never traps the operator.
import { ValidationError } from '../shared/errors.js';

export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const force = () => process.exit(130);
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function parsePort(value: string, flag = '--port'): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ValidationError(`${flag} must be an integer between 0 and 65535, got '${value}'`, flag);
  }
  return port;
}

export function parsePositive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new ValidationError(`${flag} must be a positive number, got '${value}'`, flag);
  return n;
}

/** Turns "address in use" into a message naming the flag to change; other errors pass through. */
export function explainListenError(error: unknown, flag: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new ValidationError(
      `port ${port} is already in use; pass ${flag} <another port> (0 picks a free one)`,
      flag,
    );
  }
  if (code === 'EACCES') {
    return new ValidationError(
      `not allowed to listen on port ${port}; pass ${flag} with a port above 1023`,
      flag,
    );
  }
  return error;
}
