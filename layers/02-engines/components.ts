import type { ComponentDefinition } from '../../platform/model/definition.js';
import { isComponentOf } from '../../platform/model/component.js';
import { Namespaces } from '../00-core/namespaces.js';
import { GITOPS_COMPONENTS } from './gitops-components.js';
import { PlatformPolicies } from './platform-policies.js';
import { SECRETS_COMPONENTS } from './secrets-components.js';

/** The platform's own Kyverno policies: built last, from the namespaces of every other component. */
const POLICY_COMPONENTS: readonly ComponentDefinition[] = [
  {
    name: 'platform-policies',
    layer: '02-engines',
    description: 'The platform Kyverno policies from policies/, rendered for this site (needs kyverno).',
    defaultEnabled: true,
    defaultFollows: 'kyverno',
    buildLast: true,
    create: (scope, p) => {
      const namespaces = p.built.find((c) => isComponentOf(Namespaces, c));
      if (!namespaces) throw new Error('platform-policies is built after the namespaces component');
      return new PlatformPolicies(scope, 'platform-policies', {
        ...p,
        namespaces: namespaces.namespaces,
        kyvernoEnabled: p.context.config.components.kyverno?.enabled ?? false,
      });
    },
  },
];

/** Layer 02-engines, in build order. */
export const ENGINES_COMPONENTS: readonly ComponentDefinition[] = [...GITOPS_COMPONENTS, ...SECRETS_COMPONENTS, ...POLICY_COMPONENTS];
