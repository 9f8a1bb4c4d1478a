/** Layer 03-apps: one line per component (the catalog orders them by name). */
export { backstage } from './backstage.js';
export { gateway } from './gateway.js';
export { grafana } from './grafana.js';
export { sonarqube } from './sonarqube.js';
export { vaultOidc } from './vault-oidc.js';
