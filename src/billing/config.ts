// One validated configuration object, built from explicit options and the environment. Errors name
// the environment variable (or option) and what is wrong with it; secret values are never echoed.
import { z } from 'zod';
import { ConfigurationError } from '../shared/errors.js';
import type { LogLevel } from '../shared/logger.js';

export type CofferMode = 'test' | 'live';

export interface CofferConfig {
  mode: CofferMode;
  stripe: {
    secretKey: string;
    /** Every secret currently valid for verifying webhooks (several during rotation). */
    webhookSecrets: string[];
    /** When set, the Stripe client talks to this emulator instead of Stripe. */
    emulatorUrl: string | undefined;
  };
  /** PostgreSQL connection string; when absent the embedded PGlite database is used. */
  databaseUrl: string | undefined;
  /** Where the embedded database and local state live. */
  dataDir: string;
  /** PostgreSQL schema holding every Coffer table. */
  schema: string;
  logLevel: LogLevel;
  /** Bearer key for the standalone service's REST API. */
  apiKey: string | undefined;
}

export interface ConfigOptions {
  mode?: CofferMode;
  stripe?: { secretKey?: string; webhookSecret?: string | string[]; emulatorUrl?: string };
  databaseUrl?: string;
  dataDir?: string;
  schema?: string;
  logLevel?: LogLevel;
  apiKey?: string;
}

/** The key used against the emulator when none is given: the emulator accepts any `sk_test_` key. */
export const EMULATOR_DEFAULT_KEY = 'sk_test_coffer_emulator';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const describeKey = (key: string): string => {
  const prefix = /^[a-z]+_(test|live)_/.exec(key)?.[0] ?? /^[a-z]+_/.exec(key)?.[0];
  return prefix ? `a key starting with ${prefix}` : 'a value that is not a Stripe key';
};

const emptyToUndefined = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

const rawSchema = z.object({
  COFFER_MODE: z.enum(['test', 'live'], { error: 'must be "test" or "live"' }),
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.array(z.string()),
  COFFER_EMULATOR_URL: z.url({ error: 'must be an http(s) URL such as http://127.0.0.1:12111' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// or postgresql:// connection string' })
    .optional(),
  COFFER_DATA_DIR: z.string().min(1, { error: 'must not be empty' }),
  COFFER_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'must be a lowercase SQL identifier (letters, digits, _)' }),
  COFFER_LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
  COFFER_API_KEY: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
});

/**
 * Builds the configuration. Options win over the environment. Throws ConfigurationError listing
 * every problem at once, each naming its variable.
 */
export function loadConfig(options: ConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): CofferConfig {
  const secrets = options.stripe?.webhookSecret ?? emptyToUndefined(env.STRIPE_WEBHOOK_SECRET) ?? [];
  const raw = {
    COFFER_MODE: options.mode ?? emptyToUndefined(env.COFFER_MODE) ?? 'test',
    STRIPE_SECRET_KEY: options.stripe?.secretKey ?? emptyToUndefined(env.STRIPE_SECRET_KEY),
    STRIPE_WEBHOOK_SECRET: (Array.isArray(secrets) ? secrets : secrets.split(','))
      .map((s) => s.trim())
      .filter(Boolean),
    COFFER_EMULATOR_URL: options.stripe?.emulatorUrl ?? emptyToUndefined(env.COFFER_EMULATOR_URL),
    DATABASE_URL: options.databaseUrl ?? emptyToUndefined(env.DATABASE_URL),
    COFFER_DATA_DIR: options.dataDir ?? emptyToUndefined(env.COFFER_DATA_DIR) ?? './.coffer',
    COFFER_SCHEMA: options.schema ?? emptyToUndefined(env.COFFER_SCHEMA) ?? 'coffer',
    COFFER_LOG_LEVEL: options.logLevel ?? emptyToUndefined(env.COFFER_LOG_LEVEL) ?? 'info',
    COFFER_API_KEY: options.apiKey ?? emptyToUndefined(env.COFFER_API_KEY),
  };

  const parsed = rawSchema.safeParse(raw);
  const issues: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${String(issue.path[0])} ${issue.message}`);
  const mode = raw.COFFER_MODE === 'live' ? 'live' : 'test';
  issues.push(...checkKeys(mode, raw.STRIPE_SECRET_KEY, raw.STRIPE_WEBHOOK_SECRET, raw.COFFER_EMULATOR_URL));
  if (issues.length > 0 || !parsed.success) throw new ConfigurationError(issues);

  const c = parsed.data;
  return {
    mode: c.COFFER_MODE,
    stripe: {
      secretKey: c.STRIPE_SECRET_KEY ?? EMULATOR_DEFAULT_KEY,
      webhookSecrets: c.STRIPE_WEBHOOK_SECRET,
      emulatorUrl: c.COFFER_EMULATOR_URL,
    },
    databaseUrl: c.DATABASE_URL,
    dataDir: c.COFFER_DATA_DIR,
    schema: c.COFFER_SCHEMA,
    logLevel: c.COFFER_LOG_LEVEL,
    apiKey: c.COFFER_API_KEY,
  };
}

/** The rules a Stripe key must meet for the mode; each message names the variable. */
function checkKeys(
  mode: CofferMode,
  key: string | undefined,
  webhookSecrets: string[],
  emulatorUrl: string | undefined,
): string[] {
  const issues: string[] = [];
  if (key === undefined) {
    if (!emulatorUrl) {
      issues.push('STRIPE_SECRET_KEY is required (or set COFFER_EMULATOR_URL to use the local emulator)');
    }
  } else if (/^pk_(test|live)_/.test(key)) {
    issues.push(
      'STRIPE_SECRET_KEY holds a publishable key (pk_…); a secret key (sk_…) or restricted key (rk_…) belongs here',
    );
  } else if (!/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/.test(key)) {
    issues.push(
      `STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_…, rk_test_…), got ${describeKey(key)}`,
    );
  } else if (/_live_/.test(key) && mode !== 'live') {
    issues.push(
      'STRIPE_SECRET_KEY is a live key but COFFER_MODE is not "live"; set COFFER_MODE=live to use it',
    );
  } else if (/_test_/.test(key) && mode === 'live') {
    issues.push('STRIPE_SECRET_KEY is a test key but COFFER_MODE is "live"; use a live key (sk_live_…)');
  }
  if (mode === 'live' && emulatorUrl) {
    issues.push('COFFER_EMULATOR_URL must not be set when COFFER_MODE is "live"');
  }
  for (const [i, secret] of webhookSecrets.entries()) {
    if (!/^whsec_[A-Za-z0-9+/=_]+$/.test(secret)) {
      issues.push(`STRIPE_WEBHOOK_SECRET entry ${i + 1} must start with whsec_`);
    }
  }
  return issues;
}
