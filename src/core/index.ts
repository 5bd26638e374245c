export * from './clock.js';
export * from './rng.js';
export * from './units.js';
export * from './errors/index.js';
export * from './logger.js';
export * from './spec/index.js';
export * from './float16.js';
