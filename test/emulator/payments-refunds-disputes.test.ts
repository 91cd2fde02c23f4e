// Refunds (several per charge, refund-behaviour cards), disputes from the dispute cards with the
// test-mode evidence outcome, and the balance transactions with the documented fee model.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypesAbout, type Harness, startHarness, waitFor } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emulator.close());

const paid = (payment_method: string, amount = 2000) =>
  h.stripe.paymentIntents.create({ amount, currency: 'usd', payment_method, confirm: true });

const eventTypesFor = (...ids: string[]) => eventTypesAbout(h.stripe, ...ids);

describe('refunds', () => {
  it('refunds a charge in several parts, then refuses more than what is left', async () => {
    const pi = await paid('pm_card_visa');
    const chargeId = pi.latest_charge as string;
    const first = await h.stripe.refunds.create({
      payment_intent: pi.id,
      amount: 500,
      reason: 'requested_by_customer',
      metadata: { ticket: 't1' },
    });
    expect(first).toMatchObject({
      status: 'succeeded',
      amount: 500,
      charge: chargeId,
      reason: 'requested_by_customer',
      metadata: { ticket: 't1' },
    });
    const second = await h.stripe.refunds.create({ charge: chargeId, amount: 700 });
    let charge = await h.stripe.charges.retrieve(chargeId);
    expect(charge).toMatchObject({ amount_refunded: 1200, refunded: false });

    const tooMuch = await h.stripe.refunds.create({ charge: chargeId, amount: 801 }).catch((e: unknown) => e);
    expect(tooMuch).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((tooMuch as Stripe.errors.StripeInvalidRequestError).param).toBe('amount');

    const rest = await h.stripe.refunds.create({ charge: chargeId });
    expect(rest.amount).toBe(800);
    charge = await h.stripe.charges.retrieve(chargeId);
    expect(charge).toMatchObject({ amount_refunded: 2000, refunded: true });
    const again = await h.stripe.refunds.create({ charge: chargeId }).catch((e: unknown) => e);
    expect((again as Stripe.errors.StripeInvalidRequestError).code).toBe('charge_already_refunded');

    const listed = await h.stripe.refunds.list({ charge: chargeId });
    expect(listed.data.map((r) => r.id)).toEqual([rest.id, second.id, first.id]);
    const withRefunds = await h.stripe.charges.retrieve(chargeId, { expand: ['refunds'] });
    expect(withRefunds.refunds?.data.map((r) => r.id)).toEqual([rest.id, second.id, first.id]);
    const found = await h.stripe.charges.search({ query: 'refunded:"true" AND amount:2000' });
    expect(found.data.map((c) => c.id)).toContain(chargeId);
    const updated = await h.stripe.refunds.update(first.id, { metadata: { ticket: 't2' } });
    expect(updated.metadata).toEqual({ ticket: 't2' });
    const types = await eventTypesFor(first.id, second.id, chargeId);
    expect(types.slice(0, 5)).toEqual([
      'charge.succeeded',
      'refund.created',
      'charge.refunded',
      'refund.created',
      'charge.refunded',
    ]);
  });

  it('each refund has a negative balance transaction and keeps the processing fee', async () => {
    const pi = await paid('pm_card_visa', 10_000);
    const refund = await h.stripe.refunds.create({ payment_intent: pi.id, amount: 4000 });
    const txn = await h.stripe.balanceTransactions.retrieve(refund.balance_transaction as string);
    expect(txn).toMatchObject({ amount: -4000, fee: 0, net: -4000, type: 'refund', source: refund.id });
    const charge = await h.stripe.charges.retrieve(pi.latest_charge as string, {
      expand: ['balance_transaction'],
    });
    // 2.9 % of 100.00 plus 0.30.
    expect(charge.balance_transaction).toMatchObject({
      amount: 10_000,
      fee: 320,
      net: 9680,
      type: 'charge',
      status: 'pending',
    });
    const charges = await h.stripe.balanceTransactions.list({ type: 'charge', limit: 100 });
    expect(charges.data.every((t) => t.type === 'charge')).toBe(true);
  });

  it('pm_card_pendingRefund: the refund starts pending and then succeeds', async () => {
    const pi = await paid('pm_card_pendingRefund');
    const refund = await h.stripe.refunds.create({ payment_intent: pi.id });
    expect(refund.status).toBe('pending');
    await waitFor(async () => (await h.stripe.refunds.retrieve(refund.id)).status === 'succeeded');
    expect(await eventTypesFor(refund.id)).toEqual([
      'refund.created',
      'refund.updated',
      'charge.refund.updated',
    ]);
  });

  it('pm_card_refundFail: the refund succeeds first and then fails, the money coming back', async () => {
    const pi = await paid('pm_card_refundFail');
    const refund = await h.stripe.refunds.create({ payment_intent: pi.id });
    expect(refund.status).toBe('succeeded');
    const failed = await waitFor(async () => {
      const r = await h.stripe.refunds.retrieve(refund.id);
      return r.status === 'failed' ? r : null;
    });
    expect(failed!.failure_reason).toBe('expired_or_canceled_card');
    const back = await h.stripe.balanceTransactions.retrieve(failed!.failure_balance_transaction as string);
    expect(back).toMatchObject({ amount: 2000, type: 'refund_failure' });
    expect((await h.stripe.charges.retrieve(pi.latest_charge as string)).amount_refunded).toBe(0);
    expect(await eventTypesFor(refund.id)).toEqual([
      'refund.created',
      'refund.updated',
      'refund.failed',
      'charge.refund.updated',
    ]);
  });

  it('card refunds cannot be canceled through the API; uncaptured charges are not refundable', async () => {
    const pi = await paid('pm_card_visa');
    const refund = await h.stripe.refunds.create({ payment_intent: pi.id, amount: 100 });
    const cancel = await h.stripe.refunds.cancel(refund.id).catch((e: unknown) => e);
    expect((cancel as Error).message).toContain('requires_action');
    const held = await h.stripe.paymentIntents.create({
      amount: 900,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      capture_method: 'manual',
    });
    const notYet = await h.stripe.refunds.create({ payment_intent: held.id }).catch((e: unknown) => e);
    expect(notYet).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });
});

describe('disputes', () => {
  async function disputeOf(token: string) {
    const pi = await paid(token);
    const chargeId = pi.latest_charge as string;
    const list = await h.stripe.disputes.list({ charge: chargeId });
    expect(list.data).toHaveLength(1);
    return { pi, chargeId, dispute: list.data[0]! };
  }

  it('pm_card_createDispute opens a fraudulent dispute right after the charge, with the funds withdrawn', async () => {
    const { chargeId, dispute } = await disputeOf('pm_card_createDispute');
    expect(dispute).toMatchObject({
      status: 'needs_response',
      reason: 'fraudulent',
      amount: 2000,
      charge: chargeId,
    });
    expect(dispute.evidence_details.due_by).toBeGreaterThan(dispute.created);
    expect(dispute.balance_transactions[0]).toMatchObject({
      amount: -2000,
      fee: 1500,
      net: -3500,
      reporting_category: 'dispute',
    });
    expect((await h.stripe.charges.retrieve(chargeId)).disputed).toBe(true);
    expect(await eventTypesFor(dispute.id)).toEqual([
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
    ]);
    const refund = await h.stripe.refunds.create({ charge: chargeId }).catch((e: unknown) => e);
    expect((refund as Stripe.errors.StripeInvalidRequestError).code).toBe('charge_disputed');
  });

  it('winning_evidence wins: funds and fee reinstated', async () => {
    const { dispute } = await disputeOf('pm_card_createDispute');
    const submitted = await h.stripe.disputes.update(dispute.id, {
      evidence: { uncategorized_text: 'winning_evidence' },
    });
    expect(submitted.status).toBe('under_review');
    expect(submitted.evidence_details).toMatchObject({ has_evidence: true, submission_count: 1 });
    const won = await waitFor(async () => {
      const d = await h.stripe.disputes.retrieve(dispute.id);
      return d.status === 'won' ? d : null;
    });
    expect(won!.balance_transactions.map((t) => t.net)).toEqual([-3500, 3500]);
    expect(await eventTypesFor(dispute.id)).toEqual([
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
      'charge.dispute.updated',
      'charge.dispute.closed',
      'charge.dispute.funds_reinstated',
    ]);
  });

  it('losing_evidence loses; staged evidence (submit=false) decides nothing', async () => {
    const { dispute } = await disputeOf('pm_card_createDisputeProductNotReceived');
    expect(dispute.reason).toBe('product_not_received');
    const staged = await h.stripe.disputes.update(dispute.id, {
      evidence: { uncategorized_text: 'losing_evidence' },
      submit: false,
    });
    expect(staged).toMatchObject({
      status: 'needs_response',
      evidence_details: { submission_count: 0, has_evidence: true },
    });
    await h.stripe.disputes.update(dispute.id, { submit: true });
    const lost = await waitFor(async () => {
      const d = await h.stripe.disputes.retrieve(dispute.id);
      return d.status === 'lost' ? d : null;
    });
    expect(lost!.balance_transactions).toHaveLength(1);
    const late = await h.stripe.disputes
      .update(dispute.id, { evidence: { product_description: 'x' } })
      .catch((e: unknown) => e);
    expect(late).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it('closing accepts the dispute; an inquiry moves no money', async () => {
    const { dispute } = await disputeOf('pm_card_createDispute');
    const closed = await h.stripe.disputes.close(dispute.id);
    expect(closed.status).toBe('lost');
    const inquiry = await disputeOf('pm_card_createDisputeInquiry');
    expect(inquiry.dispute).toMatchObject({ status: 'warning_needs_response', balance_transactions: [] });
    expect(await eventTypesFor(inquiry.dispute.id)).toEqual(['charge.dispute.created']);
  });

  it('a dispute card under manual capture is disputed only once captured', async () => {
    const pi = await h.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_createDispute',
      confirm: true,
      capture_method: 'manual',
    });
    expect((await h.stripe.disputes.list({ payment_intent: pi.id })).data).toHaveLength(0);
    await h.stripe.paymentIntents.capture(pi.id);
    expect((await h.stripe.disputes.list({ payment_intent: pi.id })).data).toHaveLength(1);
  });
});

describe('early fraud warnings', () => {
  it('pm_card_createIssuerFraudRecord succeeds, then raises an early fraud warning and no dispute', async () => {
    const pi = await paid('pm_card_createIssuerFraudRecord');
    expect(pi.status).toBe('succeeded');
    const charge = pi.latest_charge as string;
    expect((await h.stripe.disputes.list({ charge })).data).toEqual([]);
    const warnings = await h.stripe.radar.earlyFraudWarnings.list({ charge, expand: ['data.charge'] });
    expect(warnings).toMatchObject({ url: '/v1/radar/early_fraud_warnings', has_more: false });
    expect(warnings.data).toHaveLength(1);
    const warning = warnings.data[0]!;
    expect(warning).toMatchObject({
      object: 'radar.early_fraud_warning',
      actionable: true,
      payment_intent: pi.id,
      charge: { id: charge, object: 'charge' },
    });
    expect(warning.id).toMatch(/^issfr_/);
    expect((await h.stripe.radar.earlyFraudWarnings.retrieve(warning.id)).charge).toBe(charge);
    expect(await eventTypesFor(warning.id)).toEqual(['radar.early_fraud_warning.created']);
    // An ordinary card raises none.
    const plain = await paid('pm_card_visa');
    const none = await h.stripe.radar.earlyFraudWarnings.list({ payment_intent: plain.id });
    expect(none.data).toEqual([]);
    await expect(h.stripe.radar.earlyFraudWarnings.retrieve('issfr_nope')).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
