// The payments half of the emulator: payment methods, setup and payment intents, charges, refunds,
// disputes, early fraud warnings, balance transactions, Checkout Sessions, and the 3D Secure test page.
import type { EmulatorCore } from '../core/emulator.js';
import { registerThreeDSecurePages } from '../pages/three-d-secure-routes.js';
import { registerBalanceTransactions } from '../resources/balance-transactions.js';
import { registerCharges } from '../resources/charges.js';
import { registerCheckoutSessions } from '../resources/checkout-sessions.js';
import { registerCheckoutControl } from '../resources/checkout-sessions-control.js';
import { registerDisputes } from '../resources/disputes.js';
import { registerEarlyFraudWarnings } from '../resources/early-fraud-warnings.js';
import { registerPaymentIntents } from '../resources/payment-intents.js';
import { registerPaymentMethods } from '../resources/payment-methods.js';
import { registerRefunds } from '../resources/refunds.js';
import { registerSetupAttempts } from '../resources/setup-attempts.js';
import { registerSetupIntents } from '../resources/setup-intents.js';

export function registerPayments(emu: EmulatorCore): void {
  registerPaymentMethods(emu);
  registerSetupIntents(emu);
  registerSetupAttempts(emu);
  registerPaymentIntents(emu);
  registerCharges(emu);
  registerRefunds(emu);
  registerDisputes(emu);
  registerEarlyFraudWarnings(emu);
  registerBalanceTransactions(emu);
  registerCheckoutSessions(emu);
  registerCheckoutControl(emu);
  registerThreeDSecurePages(emu);
}
