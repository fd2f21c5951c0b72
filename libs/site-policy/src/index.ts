export * from './site-policy.service.js';
export * from './site-policy.module.js';
