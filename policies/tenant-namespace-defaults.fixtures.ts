/** Fixtures of `tenant-namespace-defaults`: a tenant namespace and what it gets, a non-tenant, and a misspelt label. */
import { LABELS } from '../platform/model/labels.js';
import { POLICY_NAMES } from './checks.js';
import { FIXTURE_NAMESPACES, fixtureNamespace, fixtureNamespaceLabels, type PolicyFixtureSet } from './fixture-site.js';
import { TENANT_LABEL_VALUE, TENANT_RULES, tenantLimitRange, tenantNetworkPolicy } from './tenant-namespace-defaults.js';

const tenant = FIXTURE_NAMESPACES.tenant;

export const TENANT_NAMESPACE_DEFAULTS_FIXTURES: PolicyFixtureSet = {
  policy: POLICY_NAMES.tenantNamespaceDefaults,
  source: 'policies/tenant-namespace-defaults.fixtures.ts',
  fixtures: [
    {
      file: 'pass-namespace-tenant',
      about: 'A tenant namespace: Kyverno generates its default-deny NetworkPolicy and its LimitRange.',
      object: fixtureNamespace(tenant.name, fixtureNamespaceLabels(tenant.tier, { [LABELS.tenant]: TENANT_LABEL_VALUE })),
      kyverno: [
        { rule: TENANT_RULES.labelValue, result: 'pass' },
        { rule: TENANT_RULES.networkPolicy, result: 'pass', generated: tenantNetworkPolicy(tenant.name) },
        { rule: TENANT_RULES.limitRange, result: 'pass', generated: tenantLimitRange(tenant.name) },
      ],
      violations: [],
    },
    {
      file: 'pass-namespace-not-tenant',
      about: 'A namespace explicitly not a tenant namespace: nothing is generated.',
      object: fixtureNamespace('shared-tools', fixtureNamespaceLabels('workloads', { [LABELS.tenant]: 'false' })),
      kyverno: [
        { rule: TENANT_RULES.labelValue, result: 'pass' },
        { rule: TENANT_RULES.networkPolicy, result: 'skip' },
      ],
      violations: [],
    },
    {
      file: 'fail-namespace-tenant-label-typo',
      about: 'A namespace meant as a tenant one, whose label value "yes" would leave it without default-deny.',
      object: fixtureNamespace('team-e', fixtureNamespaceLabels('workloads', { [LABELS.tenant]: 'yes' })),
      kyverno: [{ rule: TENANT_RULES.labelValue, result: 'fail' }],
      violations: ['tenant-label'],
    },
  ],
};
