// The one error → HTTP table the service and adapters answer with.
import { describe, expect, it } from 'vitest';
import { httpErrorOf, PayloadTooLargeError, RawBodyLostError } from '../../src/server/http-errors.js';
import {
  ConfigurationError,
  ConflictError,
  NotFoundError,
  StripeUpstreamError,
  UnavailableError,
  ValidationError,
} from '../../src/shared/errors.js';

describe('httpErrorOf', () => {
  it.each([
    [
      new ValidationError('amount must be an integer', 'amount'),
      400,
      { code: 'validation_error', field: 'amount' },
    ],
    [new NotFoundError('no customer for u_1'), 404, { code: 'not_found' }],
    [new ConflictError('already refunded'), 409, { code: 'conflict' }],
    [new PayloadTooLargeError(1024), 413, { code: 'payload_too_large' }],
    [
      new StripeUpstreamError('refunds.create', {
        code: 'charge_already_refunded',
        requestId: 'req_1',
        message: 'x',
      }),
      502,
      { code: 'stripe_error', stripeCode: 'charge_already_refunded', requestId: 'req_1' },
    ],
    [new UnavailableError('The database is not reachable'), 503, { code: 'unavailable' }],
    [new RawBodyLostError('mount it first'), 500, { code: 'raw_body_lost' }],
  ])('maps %s', (error, status, fields) => {
    const result = httpErrorOf(error);
    expect(result.status).toBe(status);
    expect(result.body.error).toMatchObject({ ...fields, message: expect.any(String) });
  });

  it('answers 500 without the message of an unknown error or a configuration problem', () => {
    for (const error of [
      new Error('password=hunter2 at db.internal'),
      new ConfigurationError(['X is bad']),
    ]) {
      const { status, body } = httpErrorOf(error);
      expect(status).toBe(500);
      expect(body.error.code).toBe('internal_error');
      expect(body.error.message).not.toMatch(/hunter2|X is bad/);
    }
  });
});
