// Structured logging (pino) with redaction. Anything that looks like a Stripe secret, a webhook
// signing secret, an authorization header, a cookie, a webhook signature or a card number (a digit
// run that passes the Luhn check) is replaced before the line is written, wherever it appears.
import pino from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const REDACTED = '[REDACTED]';
const SECRET_KEYS =
  /^(authorization|proxy-authorization|cookie|set-cookie|stripe-signature|password|secret|api[-_]?key|client[-_]?secret|webhook[-_]?secret|secret[-_]?key)$/i;
const SECRET_TOKENS =
  /\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9+/=]+|\bBearer\s+[A-Za-z0-9._~+/=-]+/g;
const DIGIT_RUN = /\b\d(?:[ -]?\d){12,18}\b/g;

/** True when `digits` passes the Luhn checksum used by card numbers. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Replaces secrets and card numbers inside a string. */
export function scrubString(text: string): string {
  return text.replace(SECRET_TOKENS, REDACTED).replace(DIGIT_RUN, (run) => {
    const digits = run.replace(/[ -]/g, '');
    return digits.length >= 13 && passesLuhn(digits) ? '[REDACTED_CARD]' : run;
  });
}

/** Deep copy of `value` with secret-named fields and secret-shaped strings redacted. */
export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubString(value.message),
      stack: value.stack && scrubString(value.stack),
    };
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEYS.test(key) ? REDACTED : scrub(item, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** `json` (default when not a terminal) or `pretty` (default in a terminal). */
  format?: 'json' | 'pretty';
  name?: string;
  /** Where JSON lines go; tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.stdout.isTTY && !options.destination ? 'pretty' : 'json');
  const config: pino.LoggerOptions = {
    level: options.level ?? 'info',
    name: options.name ?? 'coffer',
    formatters: { log: (object) => scrub(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? scrubString(arg) : arg)) as Parameters<typeof method>,
        );
      },
    },
  };
  if (options.destination) return pino(config, options.destination);
  if (format === 'pretty')
    return pino({ ...config, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(config);
}

/** A logger that writes nothing; the default for libraries until the app passes its own. */
export const silentLogger: Logger = pino({ level: 'silent' });
