/** Layer 04-tenants: one line per component (the catalog orders them by name). */
export { tenants } from './tenants.js';
