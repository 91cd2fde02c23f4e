// Load child for the webhook benchmark: builds and signs every event before the clock starts, then
// POSTs them over loopback keep-alive connections in the requested shape, with undici's Pool: it takes
// about 30 µs less CPU per request than node:http's client on the cores it shares with the systems
// measured (and both systems alike get the same lighter client).
import { Pool } from 'undici';
import { serveParent } from '../lib/child.js';
import { stripeSignatureHeader } from '../lib/signer.js';
import { benchEventType, buildEvent } from '../webhooks/events.js';
import { type LoadShape, operationCount, runShape } from './shapes.js';

export interface WebhookLoadJob {
  url: string;
  secret: string;
  /** Run tag and first index: event i of this job is event `offset + i` of the run. */
  tag: string;
  offset: number;
  shape: LoadShape;
  keepStarts?: boolean;
  keepSamples?: boolean;
}

const TIMEOUT_MS = 10_000;

async function post(pool: Pool, path: string, body: string, signature: string): Promise<number> {
  const res = await pool.request({
    path,
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'stripe-signature': signature,
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    },
    body,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
  });
  await res.body.dump();
  return res.statusCode;
}

serveParent({
  run: async (job: WebhookLoadJob) => {
    const count = operationCount(job.shape);
    const now = Math.floor(Date.now() / 1000);
    const bodies: string[] = [];
    const signatures: string[] = [];
    for (let i = 0; i < count; i++) {
      const body = buildEvent(job.tag, job.offset + i, now);
      bodies.push(body);
      signatures.push(stripeSignatureHeader(body, job.secret, now));
    }
    const sockets = job.shape.kind === 'closed' ? job.shape.concurrency : 256;
    const url = new URL(job.url);
    const pool = new Pool(url.origin, { connections: sockets, pipelining: 1 });
    const path = `${url.pathname}${url.search}`;
    const label = (i: number) => benchEventType(job.offset + i);
    try {
      const cpu = process.cpuUsage();
      const report = await runShape(
        job.shape,
        async (i) => {
          const status = await post(pool, path, bodies[i] as string, signatures[i] as string);
          if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
          return label(i);
        },
        { label, keepStarts: job.keepStarts ?? false, keepSamples: job.keepSamples ?? false },
      );
      const used = process.cpuUsage(cpu);
      // The load generator's own CPU while sending (it shares the cores with what it measures).
      return { ...report, loadCpuMicros: used.user + used.system };
    } finally {
      await pool.destroy();
    }
  },
});
