/** Layer 00-core: one line per component (the catalog orders them by name). */
export { cilium } from './cilium.js';
export { gatewayApi } from './gateway-api.js';
export { namespaces } from './namespaces.js';
export { networkPolicies } from './network-policies.js';
