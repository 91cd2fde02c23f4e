// Child process hosting one system under test for the webhook benchmark; the load comes from another.
import { serveParent } from '../lib/child.js';
import { startSyncEngine } from './sync-engine.js';
import type { SystemOptions, SystemUnderTest } from './system.js';

let system: SystemUnderTest | undefined;

function current(): SystemUnderTest {
  if (!system) throw new Error('no system started');
  return system;
}

serveParent(
  {
    start: async (options: SystemOptions) => {
      if (options.system === 'sync-engine') {
        if (options.engine !== 'postgres')
          throw new Error('sync-engine runs on PostgreSQL only (it uses pg.Pool)');
        system = await startSyncEngine(options);
      } else {
        const { startCoffer } = await import('./coffer.js');
        system = await startCoffer(options);
      }
      return { url: system.url, via: system.via };
    },
    startWorker: async () => current().startWorker?.(),
    stopWorker: async () => current().stopWorker?.(),
    mirrored: async (objectIds: string[]) => current().mirrored(objectIds),
    backlog: async () => (current().backlog ? current().backlog?.() : 0),
    stats: async () => (current().stats ? current().stats?.() : {}),
    close: async () => {
      await system?.close();
      system = undefined;
    },
  },
  async () => {
    await system?.close();
  },
);
