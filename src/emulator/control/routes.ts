// The control API under `/_emulator/`: what tests use to make the emulator deterministic and to
// inspect it. Unauthenticated by design (the emulator listens on 127.0.0.1 by default).
import type { EmulatorCore, RouteDelay, RouteFailure } from '../core/emulator.js';
import { invalidRequest, resourceMissing } from '../core/errors.js';
import { API_VERSION } from '../core/events.js';
import { p, parseParams } from '../core/params.js';
import type { WebhookDeliverer } from '../webhooks/delivery.js';

const FAILURE_STATUSES: readonly RouteFailure['status'][] = [429, 500, 502, 503, 504];

const settingsShape = {
  webhook_retry_schedule_ms: p.array(p.integer({ min: 0 })).emptyable(),
  delivery_timeout_ms: p.integer({ min: 1 }),
  /** `{ fixed: <unix seconds> }`, `{ offset_seconds: <n> }`, or '' / null for wall time. */
  clock: p.object({ fixed: p.integer({ min: 0 }), offset_seconds: p.integer() }).emptyable(),
  delays: p
    .array(
      p.object({
        method: p.enum(['GET', 'POST', 'DELETE']),
        path: p.string().required(),
        ms: p.integer({ min: 0, max: 60_000 }).required(),
      }),
    )
    .emptyable(),
  failures: p
    .array(
      p.object({
        method: p.enum(['GET', 'POST', 'DELETE']),
        path: p.string().required(),
        status: p
          .integer()
          .refine((status, path) => {
            if (!FAILURE_STATUSES.includes(status as RouteFailure['status']))
              throw invalidRequest(`${path} must be one of ${FAILURE_STATUSES.join(', ')}`, undefined, path);
            return status as RouteFailure['status'];
          })
          .required(),
        count: p.integer({ min: 1 }),
      }),
    )
    .emptyable(),
};

export function registerControlRoutes(emu: EmulatorCore, deliverer: WebhookDeliverer): void {
  const startedAt = Date.now();
  const describeSettings = () => ({
    webhook_retry_schedule_ms: emu.settings.webhookRetrySchedule,
    delivery_timeout_ms: emu.settings.deliveryTimeoutMs,
    clock: emu.clock.describe(),
    now: emu.clock.seconds(),
    delays: emu.settings.delays,
    failures: emu.settings.failures,
  });

  emu.control('GET', '/_emulator/health', () => ({
    status: 'ok',
    api_version: API_VERSION,
    uptime_ms: Date.now() - startedAt,
    now: emu.clock.seconds(),
  }));

  emu.control('POST', '/_emulator/reset', () => {
    emu.reset();
    return { reset: true };
  });

  emu.control('GET', '/_emulator/deliveries', (req) => {
    const { event, endpoint } = parseParams({ event: p.string(), endpoint: p.string() }, req.params);
    return { object: 'list', data: deliverer.attempts({ event, endpoint }) };
  });

  emu.control('POST', '/_emulator/events/:id/resend', (req) => {
    const { endpoint } = parseParams({ endpoint: p.string() }, req.params);
    const started = deliverer.resend(req.pathParams.id!, endpoint);
    if (started < 0) throw resourceMissing('event', req.pathParams.id!);
    if (started === 0)
      throw invalidRequest('No enabled webhook endpoint matches this event.', undefined, 'endpoint');
    return { event: req.pathParams.id, deliveries: started };
  });

  emu.control('GET', '/_emulator/settings', describeSettings);

  emu.control('POST', '/_emulator/settings', (req) => {
    const s = parseParams(settingsShape, req.params);
    if (s.webhook_retry_schedule_ms !== undefined)
      emu.settings.webhookRetrySchedule = s.webhook_retry_schedule_ms ?? [];
    if (s.delivery_timeout_ms !== undefined) emu.settings.deliveryTimeoutMs = s.delivery_timeout_ms;
    if (s.delays !== undefined) emu.settings.delays = (s.delays ?? []) as RouteDelay[];
    if (s.failures !== undefined) {
      emu.settings.failures = (s.failures ?? []).map(({ method, path, status, count }) => ({
        ...(method === undefined ? {} : { method }),
        path,
        status,
        ...(count === undefined ? {} : { remaining: count }),
      }));
    }
    if (s.clock !== undefined) {
      const c = s.clock;
      if (c === null || (c.fixed === undefined && c.offset_seconds === undefined)) emu.clock.set(null);
      else if (c.fixed !== undefined && c.offset_seconds !== undefined) {
        throw invalidRequest(
          'clock takes either fixed or offset_seconds, not both.',
          'parameters_exclusive',
          'clock',
        );
      } else if (c.fixed !== undefined) emu.clock.set({ fixedSeconds: c.fixed });
      else emu.clock.set({ offsetSeconds: c.offset_seconds! });
    }
    return describeSettings();
  });
}
