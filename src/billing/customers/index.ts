export type {
  CustomerRecord,
  Customers,
  CustomersDeps,
  EnsureCustomerInput,
  EnsuredCustomer,
} from './customers.js';
export { CUSTOMER_CREATE, createCustomers, validateUserId } from './customers.js';
export { type RegisterHandler, registerCustomerHandlers } from './handlers.js';
export type { CustomerMappingSource, CustomerTables } from './tables.js';
