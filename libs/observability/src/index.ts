export * from './health.module.js';
export * from './shutdown-state.js';
export * from './logging.module.js';
export * from './graceful-shutdown.js';
export * from './bootstrap.js';
export * from './wait-for-dependencies.js';
export * from './metrics.js';
export * from './metrics.module.js';
