// `GET /v1/events` (filters `type` with `*` wildcards, `types[]`, `created`, `delivery_success`)
// and `GET /v1/events/:id`. Like Stripe, only events of the last 30 days (emulator clock) are served.
import type { EmulatorCore } from '../core/emulator.js';
import { invalidRequest, resourceMissing } from '../core/errors.js';
import { listResponse, listWithCreatedShape } from '../core/list.js';
import { p, parseParams } from '../core/params.js';

const listShape = {
  ...listWithCreatedShape,
  type: p.string(),
  types: p.array(p.string()),
  delivery_success: p.boolean(),
};

/** `customer.*` matches every customer event; otherwise the type must be equal. */
const typeMatcher = (pattern: string) =>
  pattern.endsWith('*') ? (t: string) => t.startsWith(pattern.slice(0, -1)) : (t: string) => t === pattern;

const RETENTION_SECONDS = 30 * 86_400;

export function registerEvents(emu: EmulatorCore): void {
  emu.objects.define({ object: 'event' });
  const retained = (e: { created: number }) => e.created > emu.clock.seconds() - RETENTION_SECONDS;

  emu.route('GET', '/v1/events/:id', (req) => {
    const event = req.account.require('event', req.pathParams.id!);
    if (!retained(event)) throw resourceMissing('event', event.id);
    return event;
  });

  emu.route('GET', '/v1/events', (req) => {
    const params = parseParams(listShape, req.params);
    if (params.type !== undefined && params.types !== undefined)
      throw invalidRequest(
        'You may only specify one of these parameters: type, types.',
        'parameters_exclusive',
        'types',
      );
    if (params.types !== undefined && params.types.length > 20)
      throw invalidRequest('types can list at most 20 event types.', undefined, 'types');
    const matchers = (params.types ?? (params.type === undefined ? [] : [params.type])).map(typeMatcher);
    const success = params.delivery_success;
    return listResponse(
      req.account.collection('event'),
      params,
      '/v1/events',
      (e) =>
        retained(e) &&
        (matchers.length === 0 || matchers.some((m) => m(e.type))) &&
        (success === undefined || (e.pending_webhooks === 0) === success),
      'event',
    );
  });
}
