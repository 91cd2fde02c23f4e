import type { SuiteResult } from '../lib/report.js';

export async function runEmulatorSuite(_options: { scale: number }): Promise<SuiteResult> {
  return { title: 'Emulator (issue #3)', method: [], measurements: [], notes: ['- not written yet'] };
}
