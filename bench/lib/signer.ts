// Signs a webhook body the way Stripe does: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
import { createHmac } from 'node:crypto';

export function stripeSignatureHeader(body: string, secret: string, timestampSeconds: number): string {
  if (!secret) throw new Error('stripeSignatureHeader: the signing secret is empty');
  const t = Math.floor(timestampSeconds);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}
