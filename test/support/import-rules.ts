// The house rule, as code: which room of src/ may import which. Read by test/foundation/imports.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const ROOMS = ['shared', 'emulator', 'billing', 'ops', 'server', 'cli'] as const;
export type Room = (typeof ROOMS)[number];

/** For each room, the rooms it may import from (itself always). */
export const ALLOWED: Record<Room, readonly Room[]> = {
  shared: [],
  // The emulator and billing meet only over HTTP, through the official SDK.
  emulator: ['shared'],
  billing: ['shared'],
  ops: ['billing', 'shared'],
  server: ['billing', 'ops', 'shared'],
  cli: ['shared', 'emulator', 'billing', 'ops', 'server'],
};

export interface SourceFile {
  /** Path relative to the repository root, e.g. `src/billing/index.ts`. */
  path: string;
  source: string;
}

export interface Violation {
  file: string;
  specifier: string;
  from: Room;
  to: Room;
}

const IMPORT =
  /(?:\bimport\s*(?:[\w*{}\s,]*?\s*from\s*)?|\bexport\s*[\w*{}\s,]*?\s*from\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

export function roomOf(path: string): Room | undefined {
  const match = /^src\/([^/]+)\//.exec(path);
  return ROOMS.find((room) => room === match?.[1]);
}

/** Every import in `files` that crosses a wall the house rule forbids, naming file and import. */
export function findViolations(files: SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const from = roomOf(file.path);
    if (!from) continue;
    for (const match of file.source.matchAll(IMPORT)) {
      const specifier = match[1]!;
      if (!specifier.startsWith('.')) continue;
      const target = relative('.', resolve(dirname(file.path), specifier)).replaceAll('\\', '/');
      const to = roomOf(`${target}/`) ?? roomOf(target);
      if (to && to !== from && !ALLOWED[from].includes(to))
        violations.push({ file: file.path, specifier, from, to });
    }
  }
  return violations;
}

export function readSources(root: string, dir = 'src'): SourceFile[] {
  const files: SourceFile[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) files.push(...readSources(root, path));
    else if (/\.(ts|tsx|js|mjs)$/.test(entry.name))
      files.push({ path, source: readFileSync(join(root, path), 'utf8') });
  }
  return files;
}
