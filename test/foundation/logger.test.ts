import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, passesLuhn, scrubString } from '../../src/shared/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ destination, level: 'debug' }) };
}

const BEARER = 'sk_test_51HxYzSecretKeyValue';
const SIGNATURE = 't=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd';
const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const CARD = '4242424242424242';

describe('logging', () => {
  it('shows no bearer key, webhook signature, signing secret or card number from a logged request', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        req: {
          method: 'POST',
          url: '/webhooks/stripe',
          headers: {
            authorization: `Bearer ${BEARER}`,
            'stripe-signature': SIGNATURE,
            cookie: 'session=abc',
          },
          body: { card: { number: CARD }, note: `card 4242 4242 4242 4242, secret ${WHSEC}` },
        },
        config: { webhookSecret: WHSEC },
      },
      `received request with key ${BEARER}`,
    );
    const out = lines.join('');
    expect(out).toContain('/webhooks/stripe');
    for (const secret of [
      BEARER,
      SIGNATURE,
      'v1=5257a869',
      WHSEC,
      CARD,
      '4242 4242 4242 4242',
      'session=abc',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[REDACTED]');
    expect(out).toContain('[REDACTED_CARD]');
  });

  it('redacts secrets inside logged errors', () => {
    const { lines, logger } = capture();
    logger.error({ err: new Error(`Invalid API Key provided: ${BEARER}`) }, 'stripe call failed');
    expect(lines.join('')).not.toContain(BEARER);
    expect(lines.join('')).toContain('Invalid API Key provided');
  });

  it('leaves ordinary numbers alone', () => {
    // An id-like run that fails Luhn, and a short amount, stay readable.
    expect(scrubString('order 1234567890123 amount 1999')).toBe('order 1234567890123 amount 1999');
    expect(passesLuhn('4000000000000002')).toBe(true);
    expect(passesLuhn('4000000000000003')).toBe(false);
  });
});
