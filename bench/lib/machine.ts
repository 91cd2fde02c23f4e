// The machine a run happened on, for the report.
import { cpus, loadavg, totalmem } from 'node:os';
import pg from 'pg';

export async function describeMachine(databaseUrl: string): Promise<string[]> {
  const cpu = cpus();
  const lines = [
    `CPU: ${cpu[0]?.model.trim() ?? 'unknown'} × ${cpu.length}`,
    `Memory: ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `Node.js: ${process.version} (${process.platform} ${process.arch})`,
    `Load average at start (1/5/15 min): ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')} — other work on the machine makes figures noisy`,
  ];
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string }>('select version()');
    // Settings changed from PostgreSQL's own defaults by its configuration (files, command line,
    // ALTER SYSTEM/DATABASE/ROLE), leaving out paths, locale, logging and how it is reached.
    const changed = await client.query<{ name: string; setting: string; unit: string | null }>(
      `select name, setting, unit from pg_settings
        where source not in ('default', 'override', 'client', 'session')
          and setting is distinct from boot_val
          and name not like 'lc\\_%' and name not like 'log\\_%' and name not like 'ssl%'
          and name not in ('listen_addresses', 'port', 'cluster_name', 'data_directory', 'hba_file',
            'ident_file', 'config_file', 'external_pid_file', 'unix_socket_directories', 'TimeZone',
            'DateStyle', 'default_text_search_config', 'dynamic_shared_memory_type', 'application_name')
        order by name`,
    );
    const settings = changed.rows.map((r) => `${r.name} = ${r.setting}${r.unit ? ` (${r.unit})` : ''}`);
    lines.push(
      `PostgreSQL: ${rows[0]?.version ?? 'unknown'} at ${redact(databaseUrl)}, ${
        settings.length ? `stock settings except ${settings.join(', ')}` : 'stock settings'
      }`,
    );
  } catch (error) {
    lines.push(`PostgreSQL: not reachable at ${redact(databaseUrl)} (${(error as Error).message})`);
  } finally {
    await client.end().catch(() => undefined);
  }
  return lines;
}

/** The connection string without any password. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
