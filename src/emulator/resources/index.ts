// Every API resource the emulator serves. Core resources register here; the payments half
// registers through `registerPayments` (src/emulator/payments/index.ts).
import type { EmulatorCore } from '../core/emulator.js';
import { registerPayments } from '../payments/index.js';
import { registerWebhookEndpoints } from '../webhooks/endpoints.js';
import { registerCustomers } from './customers.js';
import { registerEvents } from './events.js';
import { registerPrices } from './prices.js';
import { registerProducts } from './products.js';

export function registerResources(emu: EmulatorCore): void {
  registerCustomers(emu);
  registerProducts(emu);
  registerPrices(emu);
  registerEvents(emu);
  registerWebhookEndpoints(emu);
  registerPayments(emu);
}
