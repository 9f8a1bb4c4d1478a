import type { ComponentDefinition } from '../../platform/model/definition.js';
import { isComponentOf } from '../../platform/model/component.js';
import { Namespaces } from '../00-core/namespaces.js';
import { GITOPS_COMPONENTS } from './gitops-components.js';
import { PlatformPolicies } from './platform-policies.js';
import { PolicyReporter } from './policy-reporter.js';
import { GRAFANA_NAMESPACE } from '../03-apps/grafana.js';
import { SECRETS_COMPONENTS } from './secrets-components.js';

/** The platform's own Kyverno policies: built last, from the namespaces of every other component. */
const POLICY_COMPONENTS: readonly ComponentDefinition[] = [
  {
    name: 'platform-policies',
    layer: '02-engines',
    description: 'The platform Kyverno policies from policies/, rendered for this site (needs kyverno).',
    defaultEnabled: true,
    defaultFollows: 'kyverno',
    requires: [{ component: 'kyverno', why: 'the policies are Kyverno resources' }],
    buildLast: true,
    create: (scope, p) => {
      const namespaces = p.built.find((c) => isComponentOf(Namespaces, c));
      if (!namespaces) throw new Error('platform-policies is built after the namespaces component');
      return new PlatformPolicies(scope, 'platform-policies', {
        ...p,
        namespaces: namespaces.namespaces,
      });
    },
  },
];

/** Policy Reporter: reads Kyverno's reports cluster-wide (see its class doc for why it is an engine). */
const REPORTING_COMPONENTS: readonly ComponentDefinition[] = [
  {
    name: 'policy-reporter',
    layer: '02-engines',
    description: 'Policy Reporter UI and metrics for Kyverno policy reports.',
    defaultEnabled: true,
    create: (scope, p) => {
      const enabled = (name: string) => p.context.config.components[name]?.enabled ?? false;
      return new PolicyReporter(scope, 'policy-reporter', {
        ...p,
        kyvernoPlugin: enabled('kyverno'),
        ...(enabled('grafana') ? { grafanaDashboardsNamespace: GRAFANA_NAMESPACE } : {}),
      });
    },
  },
];

/** Layer 02-engines, in build order. */
export const ENGINES_COMPONENTS: readonly ComponentDefinition[] = [
  ...GITOPS_COMPONENTS,
  ...SECRETS_COMPONENTS,
  ...REPORTING_COMPONENTS,
  ...POLICY_COMPONENTS,
];
