// Entry point of the payments half of the emulator (owned by E2): register payment resources,
// object definitions and control routes on the core here.
import type { EmulatorCore } from '../core/emulator.js';

export function registerPayments(_emu: EmulatorCore): void {}
