// Routes of `/v1/disputes`: retrieve, update (evidence, metadata, submit), close, list.

import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { listResponse, listWithCreatedShape } from '../core/list.js';
import { applyMetadata, metadataParam } from '../core/metadata.js';
import { type Param, p, parseParams } from '../core/params.js';
import { paymentsContext } from '../payments/context.js';
import { closeDispute, EVIDENCE_FIELDS, type EvidenceField, updateDispute } from './disputes-model.js';

const evidenceShape = Object.fromEntries(
  EVIDENCE_FIELDS.map((f) => [f, p.string({ maxLength: 20_000 }).emptyable()]),
) as Record<EvidenceField, Param<string | null>>;

const updateShape = { evidence: p.object(evidenceShape), metadata: metadataParam(), submit: p.boolean() };

export function registerDisputes(emu: EmulatorCore): void {
  emu.objects.define({ object: 'dispute', expandable: ['charge', 'payment_intent'] });
  const get = (req: ApiRequest) => req.account.require('dispute', req.pathParams.id!, 'dispute', 'dispute');

  emu.route('GET', '/v1/disputes/:id', (req) => get(req));

  emu.route('POST', '/v1/disputes/:id', (req) => {
    const dispute = get(req);
    const params = parseParams(updateShape, req.params);
    return updateDispute(paymentsContext(emu, req), dispute, {
      ...(params.evidence === undefined ? {} : { evidence: params.evidence }),
      ...(params.metadata === undefined
        ? {}
        : { metadata: applyMetadata(dispute.metadata, params.metadata) }),
      ...(params.submit === undefined ? {} : { submit: params.submit }),
    });
  });

  emu.route('POST', '/v1/disputes/:id/close', (req) => {
    parseParams({}, req.params);
    return closeDispute(paymentsContext(emu, req), get(req));
  });

  emu.route('GET', '/v1/disputes', (req) => {
    const params = parseParams(
      { ...listWithCreatedShape, charge: p.string(), payment_intent: p.string() },
      req.params,
    );
    const { charge, payment_intent } = params;
    return listResponse(
      req.account.collection('dispute'),
      params,
      '/v1/disputes',
      (d) =>
        (charge === undefined || d.charge === charge) &&
        (payment_intent === undefined || d.payment_intent === payment_intent),
      'dispute',
    );
  });
}
