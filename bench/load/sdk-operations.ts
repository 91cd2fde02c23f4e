// The operations the SDK load child knows, and its job description (shared with the suite).
import type { LoadShape } from './shapes.js';

export const SDK_OPERATIONS = [
  'customers.create',
  'customers.retrieve',
  'customers.list',
  'products.create',
  'prices.create',
  'payment_intents.create+confirm',
] as const;
export type SdkOperation = (typeof SDK_OPERATIONS)[number];

export interface SdkLoadJob {
  port: number;
  operations: SdkOperation[];
  shape: LoadShape;
}
