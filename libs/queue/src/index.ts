export * from './jobs.js';
export * from './redis-connection.js';
export * from './queue.module.js';
