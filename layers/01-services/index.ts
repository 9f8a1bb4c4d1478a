/** Layer 01-services: one line per component (the catalog orders them by name). */
export { certManager } from './cert-manager.js';
export { fluentBit } from './fluent-bit.js';
export { loki } from './loki.js';
export { prometheusOperatorCrds } from './prometheus-operator-crds.js';
export { prometheusStack } from './prometheus-stack.js';
export { vault } from './vault.js';
