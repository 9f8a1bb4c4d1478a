import { CATALOG } from '../../layers/catalog.js';
import { buildTestSite } from './site.js';
import { dexSso } from './sso.js';

/**
 * The site with every catalog component switched on (optional ones included) and single
 * sign-on through the bundled Dex, so that the components that exist only with `sso` are built
 * too.
 */
export function buildAllEnabled() {
  return buildTestSite((cfg) => {
    cfg.sso = dexSso();
    cfg.components = Object.fromEntries(CATALOG.map((c) => [c.name, { ...(cfg.components?.[c.name] ?? {}), enabled: true }]));
  });
}
