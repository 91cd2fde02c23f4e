// Builds billing services on one store and one Stripe client, the way createBilling wires them, for
// tests that exercise a service without the webhook pipeline.
import type Stripe from 'stripe';
import { createCustomers } from '../../src/billing/customers/index.js';
import { createOperations } from '../../src/billing/operations/index.js';
import type { Store } from '../../src/billing/store/index.js';
import { type Clock, systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';

export function billingServices(store: Store, stripe: Stripe, clock: Clock = systemClock) {
  const operations = createOperations(store.db, clock);
  const customers = createCustomers({ db: store.db, stripe, operations, clock, logger: silentLogger });
  return { operations, customers };
}
