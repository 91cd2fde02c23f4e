// Intake: the signature matrix, body limits, duplicates and unknown types, on PGlite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/billing/store/index.js';
import type { WebhookPipeline } from '../../src/billing/webhooks/index.js';
import { closeStores, storeTargets } from '../support/store.js';
import { delivery, makeEvent, OTHER_SECRET, SECRET, signatureFor } from '../support/webhook-events.js';
import { openPipeline, tableRows } from '../support/webhook-pipeline.js';

afterAll(closeStores);

const customer = (id: string) => ({
  id,
  object: 'customer',
  livemode: false,
  created: 1,
  email: null,
  metadata: {},
});
const now = () => Math.floor(Date.now() / 1000);

describe.each(storeTargets)('webhook intake on $name', (target) => {
  let store: Store;
  let pipeline: WebhookPipeline;
  beforeAll(async () => {
    ({ store, pipeline } = await openPipeline(target));
  });

  const stored = async (id: string) =>
    (await store.withSession((s) => s.query('select id from webhook_events where id = $1', [id]))).length ===
    1;

  it('stores a correctly signed event and answers 200 at once, before processing', async () => {
    const event = makeEvent('customer.created', customer('cus_intake_ok'));
    const { body, headers } = delivery(event);
    const res = await pipeline.handle(body, headers);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ received: true });
    expect(res.headers['content-type']).toBe('application/json');
    const [row] = await store.withSession((s) =>
      s.query<{ status: string; body: string; object_id: string }>(
        'select status, body, object_id from webhook_events where id = $1',
        [event.id],
      ),
    );
    expect(row).toMatchObject({ status: 'pending', body, object_id: 'cus_intake_ok' });
  });

  it('stores the body byte for byte, whatever JSON escaping it holds', async () => {
    const event = makeEvent('customer.updated', customer('cus_intake_bytes'));
    // Escapes, quotes, backslashes, a tab, non-ASCII and an astral character, spaced as Stripe never would.
    const body = JSON.stringify(event, null, 3).replace(
      '"object": "event"',
      '"object": "event", "note": "Zoë \\u00e9 \\/ \\" \\\\ \\t 😀 \u00e9"',
    );
    expect(body).toContain('"note"');
    const res = await pipeline.handle(body, { 'stripe-signature': signatureFor(body) });
    expect(res.status).toBe(200);
    const [row] = await store.withSession((s) =>
      s.query<{ body: string }>('select body from webhook_events where id = $1', [event.id]),
    );
    expect(row?.body).toBe(body);
  });

  it('stores every column of a batch byte for byte, in small and large batches alike, duplicates once', async () => {
    // 40 at once: the first is written alone, the rest go in one INSERT (over 32 rows: one JSON
    // parameter); then 5 at once (one VALUES statement). Each batch repeats an event of its own.
    for (const size of [40, 5]) {
      const events = Array.from({ length: size }, (_, i) => {
        const event = makeEvent('customer.updated', customer(`cus_batch_${size}_${i}`));
        return i % 2 ? { ...event, livemode: true, account: `acct_${i}` } : event;
      });
      const bodies = events.map((event, i) =>
        JSON.stringify(event, null, i % 3).replace(
          '"object":',
          `"note": "Zoë \\u00e9 \\" \\\\ \\t 😀 ${i}", "object":`,
        ),
      );
      const answers = await Promise.all([
        ...bodies.map((body) => pipeline.handle(body, { 'stripe-signature': signatureFor(body) })),
        pipeline.handle(bodies[3] as string, { 'stripe-signature': signatureFor(bodies[3] as string) }),
      ]);
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
      expect(answers.filter((a) => a.body.includes('duplicate'))).toHaveLength(1);
      const rows = await store.withSession((s) =>
        s.query<Record<string, unknown>>(
          `select id, type, livemode, api_version, created, object_type, object_id, account, body, source, status
           from webhook_events where id = any($1::text[])`,
          [events.map((e) => e.id)],
        ),
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      events.forEach((event, i) => {
        expect(byId.get(event.id)).toEqual({
          id: event.id,
          type: 'customer.updated',
          livemode: i % 2 === 1,
          api_version: '2026-10-28.endive',
          created: event.created,
          object_type: 'customer',
          object_id: `cus_batch_${size}_${i}`,
          account: i % 2 ? `acct_${i}` : null,
          body: bodies[i],
          source: 'webhook',
          status: 'pending',
        });
      });
    }
  });

  it('accepts a Uint8Array body and a Headers instance', async () => {
    const event = makeEvent('customer.updated', customer('cus_bytes'));
    const { body, headers } = delivery(event);
    const res = await pipeline.handle(new TextEncoder().encode(body), new Headers(headers));
    expect(res.status).toBe(200);
    expect(await stored(event.id)).toBe(true);
  });

  it('refuses a tampered body, and never stores it', async () => {
    const event = makeEvent('customer.created', customer('cus_tampered'));
    const { body, headers } = delivery(event);
    const res = await pipeline.handle(body.replace('cus_tampered', 'cus_tampereX'), headers);
    expect(res.status).toBe(400);
    expect(res.body).toContain('no signature matches');
    expect(await stored(event.id)).toBe(false);
  });

  it('refuses a signature made with another secret', async () => {
    const event = makeEvent('customer.created', customer('cus_wrong_secret'));
    const res = await pipeline.handle(...args(delivery(event, { secret: 'whsec_someone_else' })));
    expect(res.status).toBe(400);
    expect(await stored(event.id)).toBe(false);
  });

  it('refuses timestamps older or further in the future than 300 s, accepts within', async () => {
    const old = makeEvent('customer.created', customer('cus_old'));
    const future = makeEvent('customer.created', customer('cus_future'));
    const edge = makeEvent('customer.created', customer('cus_edge'));
    const resOld = await pipeline.handle(...args(delivery(old, { timestamp: now() - 301 })));
    const resFuture = await pipeline.handle(...args(delivery(future, { timestamp: now() + 301 })));
    const resEdge = await pipeline.handle(...args(delivery(edge, { timestamp: now() - 250 })));
    expect([resOld.status, resFuture.status, resEdge.status]).toEqual([400, 400, 200]);
    expect(resOld.body).toContain('too old');
    expect(resFuture.body).toContain('future');
  });

  it('refuses a missing or garbled Stripe-Signature header with a clear reason', async () => {
    const body = JSON.stringify(makeEvent('customer.created', customer('cus_noheader')));
    const missing = await pipeline.handle(body, { 'content-type': 'application/json' });
    const garbled = await pipeline.handle(body, { 'stripe-signature': 'nonsense' });
    const noV1 = await pipeline.handle(body, { 'stripe-signature': `t=${now()},v0=abc` });
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('missing Stripe-Signature header');
    expect(garbled.status).toBe(400);
    expect(garbled.body).toContain('no timestamp');
    expect(noV1.status).toBe(400);
    expect(noV1.body).toContain('no v1 signature');
  });

  it('accepts either secret during rotation, and a header carrying one signature per secret', async () => {
    const rotating = (await openPipeline(target, { store, webhookSecrets: [SECRET, OTHER_SECRET] })).pipeline;
    const a = makeEvent('customer.created', customer('cus_rot_a'));
    const b = makeEvent('customer.created', customer('cus_rot_b'));
    const c = makeEvent('customer.created', customer('cus_rot_c'));
    expect((await rotating.handle(...args(delivery(a, { secret: SECRET })))).status).toBe(200);
    expect((await rotating.handle(...args(delivery(b, { secret: OTHER_SECRET })))).status).toBe(200);
    // Stripe sends one v1 per active secret during the overlap; only one needs to match.
    const body = JSON.stringify(c);
    const t = now();
    const both = `${signatureFor(body, { secret: 'whsec_retired', timestamp: t })},${signatureFor(body, { secret: OTHER_SECRET, timestamp: t }).split(',')[1]}`;
    expect((await rotating.handle(body, { 'stripe-signature': both })).status).toBe(200);
    // The single-secret pipeline does not know the new secret.
    const d = makeEvent('customer.created', customer('cus_rot_d'));
    expect((await pipeline.handle(...args(delivery(d, { secret: OTHER_SECRET })))).status).toBe(400);
  });

  it('answers 413 to a body over 1 MiB without verifying or storing it', async () => {
    const event = makeEvent('customer.created', {
      ...customer('cus_big'),
      description: 'x'.repeat(1024 * 1024),
    });
    const res = await pipeline.handle(...args(delivery(event)));
    expect(res.status).toBe(413);
    expect(res.body).toContain('limit is 1048576');
    expect(await stored(event.id)).toBe(false);
  });

  it('refuses a parsed object instead of the raw body', async () => {
    const res = await pipeline.handle({ id: 'evt_x' } as unknown as string, {});
    expect(res.status).toBe(400);
    expect(res.body).toContain('raw request body');
  });

  it('stores and acknowledges an unknown event type, and its handlers still run', async () => {
    const event = makeEvent('coffee.brewed', { id: 'brew_1', object: 'coffee' });
    const seen: string[] = [];
    const off = pipeline.on('coffee.brewed', (e) => {
      seen.push(e.id);
    });
    const res = await pipeline.handle(...args(delivery(event)));
    expect(res.status).toBe(200);
    await pipeline.worker.processAvailable();
    off();
    expect(seen).toEqual([event.id]);
    const [row] = await store.withSession((s) =>
      s.query<{ status: string }>('select status from webhook_events where id = $1', [event.id]),
    );
    expect(row?.status).toBe('processed');
  });

  it('acknowledges a duplicate delivery without processing it again', async () => {
    const event = makeEvent('customer.created', customer('cus_dup'));
    let calls = 0;
    const off = pipeline.on('customer.created', (e) => {
      if (e.id === event.id) calls++;
    });
    const first = await pipeline.handle(...args(delivery(event)));
    await pipeline.worker.processAvailable();
    // A redelivery after processing, signed again with a new timestamp as Stripe does.
    const again = await pipeline.handle(...args(delivery(event, { timestamp: now() - 5 })));
    await pipeline.worker.processAvailable();
    off();
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ received: true, duplicate: true });
    expect(calls).toBe(1);
  });

  it('delivers each event three times concurrently → stored once, processed once, handler called once', async () => {
    const events = Array.from({ length: 30 }, (_, i) =>
      makeEvent('customer.updated', customer(`cus_triple_${i}`)),
    );
    // Three pipelines on one store stand in for three service instances, each with the app's handler.
    const instances = [
      pipeline,
      (await openPipeline(target, { store })).pipeline,
      (await openPipeline(target, { store })).pipeline,
    ];
    const calls = new Map<string, number>();
    const offs = instances.map((p) =>
      p.on('customer.updated', (e) => {
        calls.set(e.id, (calls.get(e.id) ?? 0) + 1);
      }),
    );
    const responses = await Promise.all(
      events.flatMap((event) => {
        const d = delivery(event);
        return instances.map((p) => p.handle(d.body, d.headers));
      }),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(responses.filter((r) => r.body.includes('duplicate')).length).toBe(60);
    // Workers of all three instances race for the queue.
    await Promise.all(instances.map((p) => p.worker.processAvailable()));
    for (const off of offs) off();
    for (const event of events) expect(calls.get(event.id)).toBe(1);
    const ledger = await store.withSession((s) =>
      s.query<{ n: number }>(
        "select count(*)::int as n from webhook_side_effects where handler = 'customer.updated#1' and event_id = any($1::text[])",
        [events.map((e) => e.id)],
      ),
    );
    expect(ledger[0]?.n).toBe(30);
    const customers = await tableRows(store, 'stripe_customers');
    expect(customers.filter((c) => String(c.id).startsWith('cus_triple_')).length).toBe(30);
  });
});

const args = (d: { body: string; headers: Record<string, string> }): [string, Record<string, string>] => [
  d.body,
  d.headers,
];
