// Coffer's side of the webhook benchmark. Wired to the pipeline once src/billing/webhooks lands.
import type { SystemOptions, SystemUnderTest } from './system.js';

export async function startCoffer(options: SystemOptions): Promise<SystemUnderTest> {
  throw new Error(
    `Coffer's webhook pipeline (src/billing/webhooks) has not landed yet; ${options.engine} not measured`,
  );
}
