// Routes of `/v1/disputes`: retrieve, update (evidence, metadata, submit), close, list.

import type { ApiRequest, EmulatorCore } from '../core/emulator.js';
import { applyMetadata, metadataParam } from '../core/metadata.js';
import { type Param, p, parseParams } from '../core/params.js';
import { paymentsContext } from '../payments/context.js';
import { routeChargeLinkedList } from './common.js';
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

  routeChargeLinkedList(emu, 'dispute', '/v1/disputes', 'dispute');
}
