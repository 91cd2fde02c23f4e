export type {
  CustomerRecord,
  Customers,
  CustomersDeps,
  EnsureCustomerInput,
  EnsuredCustomer,
} from './customers.js';
export { CUSTOMER_CREATE, createCustomers, validateUserId } from './customers.js';
export { customerMappingProjection } from './projection.js';
export type { CustomerMappingSource, CustomerTables } from './tables.js';
