// Disputes opened by the dispute test cards once their charge is captured, the evidence flow and the
// test-mode outcome: submitted evidence `winning_evidence` wins, `losing_evidence` loses (decided
// just after the submitting request answers, as Stripe decides it asynchronously).

import type Stripe from 'stripe';
import { invalidRequest } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { PaymentsContext } from '../payments/context.js';
import { disputeFee } from '../payments/money.js';
import type { DisputeBehaviour } from '../payments/test-cards.js';
import { recordBalanceTransaction } from './balance-transactions-model.js';

declare module '../core/store.js' {
  interface ObjectTypes {
    dispute: Stripe.Dispute;
  }
}

/** The text fields of `evidence[...]` the API accepts (files are ids, stored as given). */
export const EVIDENCE_FIELDS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'customer_signature',
  'duplicate_charge_documentation',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'receipt',
  'refund_policy',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'service_documentation',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_documentation',
  'shipping_tracking_number',
  'uncategorized_file',
  'uncategorized_text',
] as const;
export type EvidenceField = (typeof EVIDENCE_FIELDS)[number];
// The compiler checks the list against the SDK's type both ways: no unknown name, none left out.
EVIDENCE_FIELDS satisfies readonly (keyof Stripe.Dispute.Evidence)[];
// `appeal` belongs to dispute appeals, which the emulator does not have yet.
type UnlistedEvidence = Exclude<
  keyof Stripe.Dispute.Evidence,
  EvidenceField | 'enhanced_evidence' | 'appeal'
>;
const everyEvidenceFieldListed: [UnlistedEvidence] extends [never] ? true : UnlistedEvidence = true;
void everyEvidenceFieldListed;

const DAY = 86_400;
/** Days the merchant has to respond; Stripe's real windows vary by network (7–21 days). */
const RESPONSE_DAYS = 7;

const emptyEvidence = (): Stripe.Dispute.Evidence => ({
  enhanced_evidence: {},
  ...(Object.fromEntries(EVIDENCE_FIELDS.map((field) => [field, null])) as Record<EvidenceField, null>),
});

/** Opens the dispute a dispute card produces; emits `charge.dispute.created` (and the withdrawal). */
export function openDispute(
  ctx: PaymentsContext,
  charge: Stripe.Charge,
  behaviour: DisputeBehaviour,
): Stripe.Dispute {
  const created = ctx.now();
  const id = newId('dp');
  const withdrawals: Stripe.BalanceTransaction[] = behaviour.inquiry
    ? []
    : [
        recordBalanceTransaction(ctx, {
          amount: -charge.amount_captured,
          currency: charge.currency,
          fee: disputeFee(charge.currency),
          feeDescription: 'Dispute fee',
          type: 'adjustment',
          reportingCategory: 'dispute',
          source: id,
          description: `Chargeback withdrawal for ${charge.id}`,
        }),
      ];
  const dispute: Stripe.Dispute = {
    id,
    object: 'dispute',
    amount: charge.amount_captured,
    balance_transactions: withdrawals,
    charge: charge.id,
    created,
    currency: charge.currency,
    enhanced_eligibility_types: behaviour.enhancedEligibility ? [behaviour.enhancedEligibility] : [],
    evidence: emptyEvidence(),
    evidence_details: {
      due_by: created + RESPONSE_DAYS * DAY,
      enhanced_eligibility: behaviour.enhancedEligibility
        ? { visa_compelling_evidence_3: { required_actions: [], status: 'requires_action' } }
        : {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    is_charge_refundable: behaviour.inquiry,
    livemode: false,
    metadata: {},
    payment_intent:
      typeof charge.payment_intent === 'string' ? charge.payment_intent : (charge.payment_intent?.id ?? null),
    reason: behaviour.reason,
    status: behaviour.inquiry ? 'warning_needs_response' : 'needs_response',
  };
  ctx.account.insert(dispute);
  ctx.account.update({ ...charge, disputed: true });
  ctx.emit('charge.dispute.created', dispute);
  if (!behaviour.inquiry) ctx.emit('charge.dispute.funds_withdrawn', dispute);
  return dispute;
}

const isInquiry = (d: Stripe.Dispute) => d.status.startsWith('warning_');
const OPEN: readonly string[] = ['needs_response', 'warning_needs_response'];

function closedError(d: Stripe.Dispute) {
  return invalidRequest(
    `This dispute is ${d.status} and can no longer be changed. Only disputes with a status of needs_response or warning_needs_response can be updated.`,
    'dispute_already_closed',
  );
}

export interface DisputeUpdate {
  evidence?: Partial<Record<EvidenceField, string | null>>;
  metadata?: Stripe.Metadata;
  submit?: boolean;
}

/** `POST /v1/disputes/:id`: stage evidence, and submit it unless `submit=false`. */
export function updateDispute(
  ctx: PaymentsContext,
  dispute: Stripe.Dispute,
  patch: DisputeUpdate,
): Stripe.Dispute {
  const changesEvidence = patch.evidence !== undefined || patch.submit !== undefined;
  if (changesEvidence && !OPEN.includes(dispute.status)) throw closedError(dispute);
  const evidence: Stripe.Dispute.Evidence = { ...dispute.evidence, ...patch.evidence };
  const hasEvidence = EVIDENCE_FIELDS.some((f) => evidence[f] !== null && evidence[f] !== '');
  const submit = changesEvidence && patch.submit !== false;
  const next: Stripe.Dispute = {
    ...dispute,
    evidence,
    metadata: patch.metadata ?? dispute.metadata,
    evidence_details: {
      ...dispute.evidence_details,
      has_evidence: hasEvidence,
      submission_count: dispute.evidence_details.submission_count + (submit ? 1 : 0),
      submission_method: submit ? 'manual' : dispute.evidence_details.submission_method,
    },
    status: submit ? (isInquiry(dispute) ? 'warning_under_review' : 'under_review') : dispute.status,
  };
  ctx.account.update(next);
  ctx.emitUpdate('charge.dispute.updated', dispute, next);
  if (submit) ctx.later((auto) => decideTestOutcome(auto, next.id));
  return next;
}

/** The test-mode bank decision on submitted evidence. */
function decideTestOutcome(ctx: PaymentsContext, disputeId: string): void {
  const dispute = ctx.account.get('dispute', disputeId);
  if (!dispute || (dispute.status !== 'under_review' && dispute.status !== 'warning_under_review')) return;
  const text = dispute.evidence.uncategorized_text ?? '';
  const wins = text.includes('winning_evidence');
  const loses = text.includes('losing_evidence');
  if (!wins && !loses) return;
  if (isInquiry(dispute)) {
    closeWith(ctx, dispute, 'warning_closed', []);
    return;
  }
  if (loses) {
    closeWith(ctx, dispute, 'lost', []);
    return;
  }
  const reinstatement = recordBalanceTransaction(ctx, {
    amount: dispute.amount,
    currency: dispute.currency,
    fee: -disputeFee(dispute.currency),
    feeDescription: 'Dispute fee refund',
    type: 'adjustment',
    reportingCategory: 'dispute_reversal',
    source: dispute.id,
    description: `Chargeback reversal for ${typeof dispute.charge === 'string' ? dispute.charge : dispute.charge.id}`,
  });
  const won = closeWith(ctx, dispute, 'won', [reinstatement]);
  ctx.emit('charge.dispute.funds_reinstated', won);
}

function closeWith(
  ctx: PaymentsContext,
  dispute: Stripe.Dispute,
  status: Stripe.Dispute.Status,
  movements: Stripe.BalanceTransaction[],
): Stripe.Dispute {
  const next = ctx.account.update({
    ...dispute,
    status,
    is_charge_refundable: false,
    balance_transactions: [...dispute.balance_transactions, ...movements],
  });
  ctx.emit('charge.dispute.closed', next, { status: dispute.status });
  return next;
}

/** `POST /v1/disputes/:id/close`: accept the dispute (lost; an inquiry just closes). */
export function closeDispute(ctx: PaymentsContext, dispute: Stripe.Dispute): Stripe.Dispute {
  if (!OPEN.includes(dispute.status) && dispute.status !== 'under_review') throw closedError(dispute);
  return closeWith(ctx, dispute, isInquiry(dispute) ? 'warning_closed' : 'lost', []);
}
