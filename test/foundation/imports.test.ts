import { describe, expect, it } from 'vitest';
import { findViolations, readSources } from '../support/import-rules.js';

describe('the import rule', () => {
  it('holds for the whole source tree', () => {
    const files = readSources(process.cwd());
    expect(files.length).toBeGreaterThan(5);
    const violations = findViolations(files).map(
      (v) => `${v.file} imports ${v.specifier} (${v.from} → ${v.to})`,
    );
    expect(violations).toEqual([]);
  });

  it('catches the emulator importing billing and the reverse, naming file and import', () => {
    const violations = findViolations([
      {
        path: 'src/emulator/resources/customers.ts',
        source: "import { openStore } from '../../billing/store/index.js';",
      },
      { path: 'src/billing/client.ts', source: "import type { Emu } from '../emulator/index.js';\n" },
      { path: 'src/billing/lazy.ts', source: "const m = await import('../emulator/index.js');" },
    ]);
    expect(violations).toEqual([
      {
        file: 'src/emulator/resources/customers.ts',
        specifier: '../../billing/store/index.js',
        from: 'emulator',
        to: 'billing',
      },
      { file: 'src/billing/client.ts', specifier: '../emulator/index.js', from: 'billing', to: 'emulator' },
      { file: 'src/billing/lazy.ts', specifier: '../emulator/index.js', from: 'billing', to: 'emulator' },
    ]);
  });

  it('catches ops importing server or cli, and anything importing cli', () => {
    const violations = findViolations([
      { path: 'src/ops/score.ts', source: "export { x } from '../server/app.js';" },
      { path: 'src/ops/audit.ts', source: "import '../cli/main.js';" },
      { path: 'src/server/app.ts', source: "import { run } from '../cli/main.js';" },
      {
        path: 'src/billing/index.ts',
        source: "import { a } from './store/index.js';\nimport Stripe from 'stripe';",
      },
      { path: 'src/server/ok.ts', source: "import { createBilling } from '../billing/index.js';" },
    ]);
    expect(violations.map((v) => `${v.file}:${v.to}`)).toEqual([
      'src/ops/score.ts:server',
      'src/ops/audit.ts:cli',
      'src/server/app.ts:cli',
    ]);
  });
});
