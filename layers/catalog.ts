import type { ComponentDefinition } from '../platform/model/definition.js';
import { CORE_COMPONENTS } from './00-core/components.js';
import { SERVICES_COMPONENTS } from './01-services/components.js';
import { ENGINES_COMPONENTS } from './02-engines/components.js';
import { APPS_COMPONENTS } from './03-apps/components.js';

/** Every component the platform knows, layer by layer: the source of the config's `components` keys. */
export const CATALOG: readonly ComponentDefinition[] = [
  ...CORE_COMPONENTS,
  ...SERVICES_COMPONENTS,
  ...ENGINES_COMPONENTS,
  ...APPS_COMPONENTS,
];
