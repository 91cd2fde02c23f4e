// The emulator's clock: wall time by default, or frozen / shifted through the control API so tests
// get deterministic `created` values. Webhook signatures use wall time regardless (receivers check it).
import type { Clock } from '../../shared/clock.js';

export type ClockSetting = { fixedSeconds: number } | { offsetSeconds: number } | null;

export class EmulatorClock implements Clock {
  private setting: ClockSetting = null;

  constructor(private readonly wall: Clock = { now: () => Date.now() }) {}

  set(setting: ClockSetting): void {
    this.setting = setting;
  }

  describe(): ClockSetting {
    return this.setting;
  }

  now(): number {
    const s = this.setting;
    if (s === null) return this.wall.now();
    if ('fixedSeconds' in s) return s.fixedSeconds * 1000;
    return this.wall.now() + s.offsetSeconds * 1000;
  }

  /** Unix seconds, the unit of every Stripe timestamp. */
  seconds(): number {
    return Math.floor(this.now() / 1000);
  }
}
