// Optional persistence: the whole state as one JSON file in `dataDir`, written shortly after changes
// (debounced, atomically via rename) and on close, and loaded on start.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger.js';
import type { EmulatorCore } from './emulator.js';
import type { IdempotencyRecord } from './idempotency.js';
import type { StoreSnapshot } from './store.js';

const FILE = 'emulator-state.json';
const DEBOUNCE_MS = 250;

interface PersistedState {
  store: StoreSnapshot;
  idempotency: IdempotencyRecord[];
  /** `EmulatorCore.persist` parts by name (absent in files written before they existed). */
  parts?: Record<string, unknown>;
}

export class Persistence {
  private readonly file: string;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  /** How long the last save took; a big state is saved less often so it cannot hog the CPU. */
  private lastSaveMs = 0;

  constructor(
    private readonly emu: EmulatorCore,
    dataDir: string,
    private readonly logger: Logger,
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.file = join(dataDir, FILE);
  }

  /** Loads the saved state, if any, then starts watching for changes. */
  load(): void {
    if (existsSync(this.file)) {
      const state = JSON.parse(readFileSync(this.file, 'utf8')) as PersistedState;
      this.emu.store.restore(state.store);
      this.emu.idempotency.load(state.idempotency ?? []);
      for (const [name, part] of this.emu.persistedParts) {
        if (state.parts?.[name] !== undefined) part.load(state.parts[name]);
      }
    }
    this.emu.store.onChange(() => this.scheduleSave());
    this.emu.onPartChange(() => this.scheduleSave());
  }

  private serialize(): string {
    const state: PersistedState = {
      store: this.emu.store.snapshot(),
      idempotency: this.emu.idempotency.dump(),
      parts: Object.fromEntries([...this.emu.persistedParts].map(([name, part]) => [name, part.dump()])),
    };
    return JSON.stringify(state);
  }

  private scheduleSave(): void {
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.writing = this.writing
          .then(async () => {
            const started = Date.now();
            await this.saveAsync();
            this.lastSaveMs = Date.now() - started;
          })
          .catch((err: unknown) => {
            this.logger.error({ err, file: this.file }, 'emulator: could not save state');
          });
      },
      Math.max(DEBOUNCE_MS, this.lastSaveMs * 10),
    );
    this.timer.unref();
  }

  private async saveAsync(): Promise<void> {
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, this.serialize());
    await rename(tmp, this.file);
  }

  /** Writes the state now (on shutdown). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.writing.catch(() => undefined);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, this.serialize());
    renameSync(tmp, this.file);
  }
}
