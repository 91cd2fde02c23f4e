// `coffer/server`: the standalone service and the framework adapters for the webhook route.
export * from './adapters/index.js';
export { createService, type ServiceOptions } from './app.js';
export { type ErrorBody, httpErrorOf } from './http-errors.js';
export { openApiDocument } from './openapi.js';
export { type DatabaseStatus, type ReadinessReport, storeProbe } from './readiness.js';
export { type RunningService, type StartServiceOptions, startService } from './start.js';
export type * from './types.js';
