export * from './cilium.js';
export * from './components.js';
export * from './gateway-api.js';
export * from './namespaces.js';
export * from './priority-classes.js';
