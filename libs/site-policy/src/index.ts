export * from './site-policy.service.js';
export * from './model-scoring.js';
export * from './site-policy.module.js';
export * from './learning-labels.js';
export * from './external-scores.js';
