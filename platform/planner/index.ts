/** The capacity and failure-scenario planner (the platform's pods and the tenants' quotas, see tenants.ts): a pure library (it never prints or exits). */
export * from './nodes.js';
export * from './pods.js';
export * from './placement.js';
export * from './scenarios.js';
export * from './verdict.js';
export * from './tenants.js';
export { CAPACITY_DISCLAIMER } from './format.js';
export * from './render-terminal.js';
export * from './render-markdown.js';
