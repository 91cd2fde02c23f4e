import { describe, expect, it } from 'vitest';
import { EMULATOR_DEFAULT_KEY, loadConfig } from '../../src/billing/config.js';
import { ConfigurationError } from '../../src/shared/errors.js';

const TEST_KEY = 'sk_test_51abcDEF';
const LIVE_KEY = 'sk_live_51abcDEF';

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig({}, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return [...(error as ConfigurationError).issues];
  }
  return [];
}

describe('configuration', () => {
  it('builds defaults from a minimal environment', () => {
    const config = loadConfig({}, { STRIPE_SECRET_KEY: TEST_KEY });
    expect(config).toMatchObject({
      mode: 'test',
      stripe: { secretKey: TEST_KEY, webhookSecrets: [], emulatorUrl: undefined },
      databaseUrl: undefined,
      dataDir: './.coffer',
      schema: 'coffer',
      logLevel: 'info',
    });
  });

  it('splits comma-separated webhook secrets for rotation', () => {
    const config = loadConfig(
      {},
      { STRIPE_SECRET_KEY: TEST_KEY, STRIPE_WEBHOOK_SECRET: 'whsec_new, whsec_old' },
    );
    expect(config.stripe.webhookSecrets).toEqual(['whsec_new', 'whsec_old']);
  });

  it('lets explicit options win over the environment', () => {
    const config = loadConfig(
      { schema: 'billing', logLevel: 'debug' },
      { STRIPE_SECRET_KEY: TEST_KEY, COFFER_SCHEMA: 'x' },
    );
    expect(config.schema).toBe('billing');
    expect(config.logLevel).toBe('debug');
  });

  it('uses a test key of its own against the emulator when none is given', () => {
    const config = loadConfig({}, { COFFER_EMULATOR_URL: 'http://127.0.0.1:12111' });
    expect(config.stripe.secretKey).toBe(EMULATOR_DEFAULT_KEY);
    expect(config.stripe.emulatorUrl).toBe('http://127.0.0.1:12111');
  });

  it('requires a secret key when not using the emulator', () => {
    expect(problems({})).toEqual([expect.stringMatching(/^STRIPE_SECRET_KEY is required/)]);
  });

  it('refuses a live key unless the mode is live', () => {
    expect(problems({ STRIPE_SECRET_KEY: LIVE_KEY })).toEqual([
      expect.stringMatching(/STRIPE_SECRET_KEY is a live key but COFFER_MODE is not "live"/),
    ]);
    expect(problems({ STRIPE_SECRET_KEY: 'rk_live_abc' })[0]).toMatch(/live key/);
    expect(loadConfig({}, { STRIPE_SECRET_KEY: LIVE_KEY, COFFER_MODE: 'live' }).mode).toBe('live');
  });

  it('refuses a test key in live mode', () => {
    expect(problems({ STRIPE_SECRET_KEY: TEST_KEY, COFFER_MODE: 'live' })).toEqual([
      expect.stringMatching(/STRIPE_SECRET_KEY is a test key but COFFER_MODE is "live"/),
    ]);
  });

  it('refuses a publishable key where a secret key belongs, and says so', () => {
    expect(problems({ STRIPE_SECRET_KEY: 'pk_test_abc' })).toEqual([
      expect.stringMatching(/STRIPE_SECRET_KEY holds a publishable key \(pk_…\)/),
    ]);
  });

  it('refuses a value that is not a Stripe key without echoing it', () => {
    const [message] = problems({ STRIPE_SECRET_KEY: 'hunter2-password' });
    expect(message).toMatch(/STRIPE_SECRET_KEY must be a Stripe secret key/);
    expect(message).not.toContain('hunter2');
  });

  it('names each bad variable', () => {
    const found = problems({
      STRIPE_SECRET_KEY: TEST_KEY,
      COFFER_MODE: 'staging',
      DATABASE_URL: 'mysql://localhost/db',
      COFFER_EMULATOR_URL: 'not a url',
      COFFER_LOG_LEVEL: 'loud',
      COFFER_SCHEMA: 'Bad-Schema',
      STRIPE_WEBHOOK_SECRET: 'whsec_ok,nope',
      COFFER_API_KEY: 'short',
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^COFFER_MODE must be "test" or "live"/),
        expect.stringMatching(/^DATABASE_URL must be a postgres:\/\//),
        expect.stringMatching(/^COFFER_EMULATOR_URL must be an http\(s\) URL/),
        expect.stringMatching(/^COFFER_LOG_LEVEL must be one of/),
        expect.stringMatching(/^COFFER_SCHEMA must be a lowercase SQL identifier/),
        expect.stringMatching(/^STRIPE_WEBHOOK_SECRET entry 2 must start with whsec_/),
        expect.stringMatching(/^COFFER_API_KEY must be at least 16 characters/),
      ]),
    );
    expect(found).toHaveLength(7);
  });

  it('refuses the emulator in live mode', () => {
    expect(
      problems({
        STRIPE_SECRET_KEY: LIVE_KEY,
        COFFER_MODE: 'live',
        COFFER_EMULATOR_URL: 'http://127.0.0.1:1',
      }),
    ).toEqual([expect.stringMatching(/COFFER_EMULATOR_URL must not be set when COFFER_MODE is "live"/)]);
  });
});
