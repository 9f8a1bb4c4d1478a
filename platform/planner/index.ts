/** The capacity and failure-scenario planner: a pure library (it never prints or exits). */
export * from './nodes.js';
export * from './pods.js';
export * from './placement.js';
export * from './scenarios.js';
export * from './verdict.js';
export { CAPACITY_DISCLAIMER } from './format.js';
export * from './render-terminal.js';
export * from './render-markdown.js';
