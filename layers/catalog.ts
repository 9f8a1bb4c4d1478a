/**
 * Every component the platform knows: each layer's index lists its components, and
 * `defineCatalog` checks them (layers, names, tiers, dependencies) and orders them. The CLI
 * hands this catalog to the library; nothing under platform/ imports it.
 */
import { defineCatalog } from '../platform/model/catalog.js';
import * as core from './00-core/index.js';
import * as services from './01-services/index.js';
import * as engines from './02-engines/index.js';
import * as apps from './03-apps/index.js';
import * as tenants from './04-tenants/index.js';

export const CATALOG = defineCatalog([
  { layer: '00-core', file: new URL('./00-core/index.ts', import.meta.url).href, exports: core },
  { layer: '01-services', file: new URL('./01-services/index.ts', import.meta.url).href, exports: services },
  { layer: '02-engines', file: new URL('./02-engines/index.ts', import.meta.url).href, exports: engines },
  { layer: '03-apps', file: new URL('./03-apps/index.ts', import.meta.url).href, exports: apps },
  { layer: '04-tenants', file: new URL('./04-tenants/index.ts', import.meta.url).href, exports: tenants },
]);
