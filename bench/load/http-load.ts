// Load child for the webhook benchmark: builds and signs every event before the clock starts, then
// POSTs them over loopback keep-alive connections in the requested shape.
import { Agent, request } from 'node:http';
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

function post(agent: Agent, url: URL, body: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          'stripe-signature': signature,
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out after 10 s')));
    req.on('error', reject);
    req.end(body);
  });
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
    const agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
    const url = new URL(job.url);
    const label = (i: number) => benchEventType(job.offset + i);
    try {
      return await runShape(
        job.shape,
        async (i) => {
          const status = await post(agent, url, bodies[i] as string, signatures[i] as string);
          if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
          return label(i);
        },
        { label, keepStarts: job.keepStarts ?? false, keepSamples: job.keepSamples ?? false },
      );
    } finally {
      agent.destroy();
    }
  },
});
