import { CATALOG } from '../../layers/catalog.js';
import { buildTestSite } from './site.js';

/** The site with every catalog component switched on (optional ones included). */
export function buildAllEnabled() {
  return buildTestSite((cfg) => {
    cfg.components = Object.fromEntries(CATALOG.map((c) => [c.name, { ...(cfg.components?.[c.name] ?? {}), enabled: true }]));
  });
}
