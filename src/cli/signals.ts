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
