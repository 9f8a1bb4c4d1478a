import type { ComponentDefinition } from '../../platform/model/definition.js';
import { OBSERVABILITY_COMPONENTS } from './observability-components.js';
import { PKI_COMPONENTS } from './pki-components.js';

/** Layer 01-services, in build order. */
export const SERVICES_COMPONENTS: readonly ComponentDefinition[] = [...OBSERVABILITY_COMPONENTS, ...PKI_COMPONENTS];
