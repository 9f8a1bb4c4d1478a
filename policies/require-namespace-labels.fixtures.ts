/** Fixtures of `require-namespace-labels`: labelled, unlabelled, misspelt tier, system and exempt namespaces. */
import { LABELS } from '../platform/model/labels.js';
import { POLICY_NAMES } from './checks.js';
import { fixtureNamespace, fixtureNamespaceLabels, type PolicyFixtureSet } from './fixture-site.js';
import { REQUIRE_NAMESPACE_LABELS_RULE } from './require-namespace-labels.js';

const rule = REQUIRE_NAMESPACE_LABELS_RULE;

function withoutLabel(labels: Record<string, string>, key: string): Record<string, string> {
  const { [key]: _removed, ...rest } = labels;
  return rest;
}

export const REQUIRE_NAMESPACE_LABELS_FIXTURES: PolicyFixtureSet = {
  policy: POLICY_NAMES.namespaceLabels,
  source: 'policies/require-namespace-labels.fixtures.ts',
  fixtures: [
    {
      file: 'pass-namespace-labelled',
      about: 'A namespace with every required label and a known tier.',
      object: fixtureNamespace('team-b', fixtureNamespaceLabels('workloads')),
      kyverno: [{ rule, result: 'pass' }],
      violations: [],
    },
    {
      file: 'fail-namespace-missing-owner',
      about: 'A namespace without the owner label.',
      object: fixtureNamespace('team-c', withoutLabel(fixtureNamespaceLabels('workloads'), LABELS.owner)),
      kyverno: [{ rule, result: 'fail' }],
      violations: ['namespace-labels'],
    },
    {
      file: 'fail-namespace-unknown-tier',
      about: 'A namespace whose tier label names no tier: the tier policies would silently skip its pods.',
      object: fixtureNamespace('team-d', fixtureNamespaceLabels('workloads', { [LABELS.tier]: 'gold' })),
      kyverno: [{ rule, result: 'fail' }],
      violations: ['namespace-labels'],
    },
    {
      file: 'skip-namespace-system',
      about: 'A namespace Kubernetes owns: no platform policy applies to it.',
      object: fixtureNamespace('kube-public', {}),
      kyverno: [{ rule, result: 'skip' }],
      violations: [],
    },
    {
      file: 'skip-namespace-exempt',
      about: 'An unlabelled namespace exempted by name (see FIXTURE_POLICY_OPTIONS.exemptions).',
      object: fixtureNamespace('sandbox', {}),
      kyverno: [{ rule, result: 'skip' }],
      violations: [],
      exempted: ['namespace-labels'],
    },
  ],
};
