// The anchor: @supabase/stripe-sync-engine 0.48.5 behind a tiny node:http server, the way its own
// Fastify route uses it (raw body + Stripe-Signature → processWebhook → 200, or an error status).
// Its migrations hard-code the `stripe` schema; we apply them to a schema of our own (same SQL, only
// the schema name rewritten) so a run never touches anything it did not create.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { StripeSync } from '@supabase/stripe-sync-engine';
import pg from 'pg';
import { listen, readBody } from '../lib/http.js';
import type { SystemUnderTest } from './system.js';

const require = createRequire(import.meta.url);

export async function migrateSyncEngine(databaseUrl: string, schema: string): Promise<number> {
  const dir = join(dirname(require.resolve('@supabase/stripe-sync-engine')), 'migrations');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`create schema if not exists "${schema}"`);
    await client.query(`set search_path to "${schema}"`);
    for (const file of files) {
      const sql = readFileSync(join(dir, file), 'utf8')
        .replace(/"stripe"\./g, `"${schema}".`)
        .replace(/\bstripe\./g, `"${schema}".`);
      await client.query('begin');
      await client.query(sql);
      await client.query('commit');
    }
  } finally {
    await client.end();
  }
  return files.length;
}

const TABLES: Record<string, string> = { cus: 'customers', pi: 'payment_intents', ch: 'charges' };

export async function startSyncEngine(options: {
  databaseUrl: string;
  schema: string;
  secret: string;
}): Promise<SystemUnderTest> {
  await migrateSyncEngine(options.databaseUrl, options.schema);
  // Stock configuration: pool of 10, no revalidation via the API (so it never calls Stripe),
  // no backfill of related entities.
  const sync = new StripeSync({
    poolConfig: { connectionString: options.databaseUrl },
    schema: options.schema,
    stripeSecretKey: 'sk_test_bench_not_used',
    stripeWebhookSecret: options.secret,
  });
  const server: Server = createServer(async (req, res) => {
    try {
      if (req.method !== 'POST' || req.url !== '/webhooks') {
        res.writeHead(404).end();
        return;
      }
      const body = await readBody(req);
      await sync.processWebhook(body, String(req.headers['stripe-signature'] ?? ''));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    } catch (error) {
      const signature = error instanceof Error && error.name === 'StripeSignatureVerificationError';
      res.writeHead(signature ? 400 : 500, { 'content-type': 'application/json' }).end('{"error":"failed"}');
    }
  });
  const port = await listen(server);
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    via: 'node:http server calling StripeSync.processWebhook (stock config, pool 10)',
    async mirrored(objectIds) {
      const found: Record<string, null> = {};
      for (const [prefix, table] of Object.entries(TABLES)) {
        const ids = objectIds.filter((id) => id.startsWith(`${prefix}_`));
        if (!ids.length) continue;
        const { rows } = await pool.query<{ id: string }>(
          `select id from "${options.schema}"."${table}" where id = any($1)`,
          [ids],
        );
        for (const row of rows) found[row.id] = null;
      }
      return found;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await sync.close();
      await pool.end();
    },
  };
}
