// `/v1/webhook_endpoints` (stripe-api.md §6.5): create (the only response carrying `secret`),
// retrieve, update (`disabled` flips `status`), list, delete. The secret and the `connect` flag are
// kept as hidden state.
import type Stripe from 'stripe';
import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { invalidRequest } from '../core/errors.js';
import { newId, randomChars } from '../core/ids.js';
import { listResponse, listShape } from '../core/list.js';
import { applyMetadata, metadataParam } from '../core/metadata.js';
import { p, parseParams } from '../core/params.js';

export interface WebhookEndpointHidden {
  secrets: string[];
  /** Receives events of connected accounts too. */
  connect: boolean;
}

const MAX_ENDPOINTS = 16;

const urlParam = () =>
  p.string().refine((s, path) => {
    let ok = false;
    try {
      const u = new URL(s);
      ok = u.protocol === 'http:' || u.protocol === 'https:';
    } catch {}
    if (!ok)
      throw invalidRequest(
        `Invalid URL: ${s}. URLs must begin with http:// or https://`,
        'url_invalid',
        path,
      );
    return s;
  });

const eventsParam = () => p.array(p.string());

const createShape = {
  url: urlParam().required(),
  enabled_events: eventsParam().required(),
  api_version: p.string(),
  connect: p.boolean(),
  description: p.string().emptyable(),
  metadata: metadataParam(),
};

const updateShape = {
  url: urlParam(),
  enabled_events: eventsParam(),
  disabled: p.boolean(),
  description: p.string().emptyable(),
  metadata: metadataParam(),
};

function checkEvents(events: string[]): string[] {
  if (events.length === 0)
    throw invalidRequest(
      'enabled_events must list at least one event type, or *.',
      'parameter_invalid_empty',
      'enabled_events',
    );
  events.forEach((e, i) => {
    if (!/^(\*|[a-z_]+(\.[a-z_]+)+)$/.test(e)) {
      throw invalidRequest(
        `Invalid enabled_events[${i}]: '${e}' is not an event type.`,
        undefined,
        `enabled_events[${i}]`,
      );
    }
  });
  return events;
}

/** Whether an endpoint subscribed to `enabled_events` wants an event of `type`. */
export function wantsEvent(enabledEvents: readonly string[], type: string): boolean {
  for (const e of enabledEvents) {
    if (e === '*' || e === type) return true;
  }
  return false;
}

export function registerWebhookEndpoints(emu: EmulatorCore): void {
  emu.objects.define({ object: 'webhook_endpoint' });
  const label = 'webhook endpoint';
  const get = (req: ApiRequest) => req.account.require('webhook_endpoint', req.pathParams.id!, 'id', label);

  emu.route('POST', '/v1/webhook_endpoints', (req) => {
    const params = parseParams(createShape, req.params);
    const all = req.account.collection('webhook_endpoint');
    if (all.size >= MAX_ENDPOINTS) {
      throw invalidRequest(
        `You have reached the maximum of ${MAX_ENDPOINTS} test webhook endpoints.`,
        undefined,
        'url',
      );
    }
    const endpoint: Stripe.WebhookEndpoint = {
      id: newId('we'),
      object: 'webhook_endpoint',
      api_version: params.api_version ?? null,
      application: null,
      created: emu.clock.seconds(),
      description: params.description ?? null,
      enabled_events: checkEvents(params.enabled_events),
      livemode: false,
      metadata: applyMetadata({}, params.metadata),
      status: 'enabled',
      url: params.url,
    };
    const secret = `whsec_${randomChars(32)}`;
    const hidden: WebhookEndpointHidden = { secrets: [secret], connect: params.connect ?? false };
    req.account.insert(endpoint, hidden);
    return { ...endpoint, secret };
  });

  emu.route('GET', '/v1/webhook_endpoints/:id', (req) => get(req));

  emu.route('POST', '/v1/webhook_endpoints/:id', (req) => {
    const before = get(req);
    const params = parseParams(updateShape, req.params);
    const after: Stripe.WebhookEndpoint = {
      ...before,
      url: params.url ?? before.url,
      enabled_events: params.enabled_events ? checkEvents(params.enabled_events) : before.enabled_events,
      status: params.disabled === undefined ? before.status : params.disabled ? 'disabled' : 'enabled',
      description: params.description === undefined ? before.description : params.description,
      metadata: applyMetadata(before.metadata, params.metadata),
    };
    return req.account.update(after);
  });

  emu.route('GET', '/v1/webhook_endpoints', (req) =>
    listResponse(
      req.account.collection('webhook_endpoint'),
      parseParams(listShape, req.params),
      '/v1/webhook_endpoints',
      undefined,
      label,
    ),
  );

  emu.route('DELETE', '/v1/webhook_endpoints/:id', (req) => {
    const endpoint = get(req);
    req.account.remove('webhook_endpoint', endpoint.id);
    return {
      id: endpoint.id,
      object: 'webhook_endpoint',
      deleted: true,
    } satisfies Stripe.DeletedWebhookEndpoint;
  });
}
