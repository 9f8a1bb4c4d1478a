/** The decisions bootstrap.sh delegates: pure functions over bootstrap.env and kubectl's JSON. */
export * from './exit-codes.js';
export * from './facts.js';
export * from './env.js';
export * from './kube.js';
export * from './nodes.js';
export * from './encryption.js';
export * from './state.js';
export * from './layers.js';
export * from './plan.js';
