export * from './signing.js';
export * from './address-safety.js';
export * from './thread.js';
export * from './outbox.js';
export * from './retry-schedule.js';
export * from './delivery-options.js';
export * from './signed-post.js';
