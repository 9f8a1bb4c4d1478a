/**
 * `require-namespace-labels` (Enforce): every namespace carries the platform's required labels,
 * and the tier and environment labels hold known values. Tier policies select namespaces by their
 * tier label, so a namespace without one (or with a misspelt one) silently escapes them: that is
 * why this one policy blocks instead of reporting.
 */
import { ENVIRONMENTS } from '../platform/config/schema.js';
import { LABELS, REQUIRED_NAMESPACE_LABELS } from '../platform/model/labels.js';
import { TIER_NAMES } from '../platform/model/tiers.js';
import { POLICY_NAMES } from './checks.js';
import { clusterPolicy, KYVERNO_FAILURE_POLICY, matchKinds, ruleExclusions, webhookConfiguration, type ClusterPolicy } from './kyverno.js';
import type { ResolvedPolicyOptions } from './options.js';

export const REQUIRE_NAMESPACE_LABELS_RULE = 'require-labels';

export type RequiredNamespaceLabel = (typeof REQUIRED_NAMESPACE_LABELS)[number];

/** Values a required label may take; labels not listed here may take any non-empty value. */
export const ALLOWED_NAMESPACE_LABEL_VALUES: Readonly<Partial<Record<RequiredNamespaceLabel, readonly string[]>>> = {
  [LABELS.tier]: TIER_NAMES,
  [LABELS.environment]: ENVIRONMENTS,
};

/** Kyverno pattern value of a required label: one of its allowed values, or any non-empty string (`?*`). */
function labelPattern(label: RequiredNamespaceLabel): string {
  return ALLOWED_NAMESPACE_LABEL_VALUES[label]?.join(' | ') ?? '?*';
}

function describeRequirement(label: RequiredNamespaceLabel): string {
  const allowed = ALLOWED_NAMESPACE_LABEL_VALUES[label];
  return allowed ? `${label} (one of: ${allowed.join(', ')})` : label;
}

/**
 * The policy. Admission is enforced (a namespace without the labels is rejected while Kyverno
 * runs), but the webhook fails open (failurePolicy Ignore): the platform's Kyverno forces
 * `Ignore` on every webhook (`features.forceFailurePolicyIgnore`, see the kyverno component),
 * because on a three-node edge site Kyverno is often what is down, and a down Kyverno must not
 * stop anyone from creating a namespace to repair the site. A namespace created while Kyverno is
 * down is reported by the background scan. Kyverno never sees requests for system, recovery or
 * platform namespaces (the generator labels platform namespaces itself, and
 * `checkAgainstPolicies` proves it before they are committed). Existing violations are allowed
 * (an update may keep, not add, a violation).
 */
export function requireNamespaceLabelsPolicy(o: ResolvedPolicyOptions): ClusterPolicy {
  const exemptions = o.exemptions.filter((e) => e.check === 'namespace-labels');
  const webhookExempt = [...new Set([...o.recoveryNamespaces, ...o.platformNamespaces.map((ns) => ns.name)])].sort();
  return clusterPolicy({
    description: {
      name: POLICY_NAMES.namespaceLabels,
      title: 'Require namespace labels',
      category: 'edge-idp',
      severity: 'medium',
      subjects: ['Namespace'],
      description:
        'Every namespace carries the labels the platform reads: owner, environment, part-of and tier. ' +
        'The tier label decides the PriorityClass of every pod in the namespace, so it must name a known tier.',
    },
    webhook: webhookConfiguration(KYVERNO_FAILURE_POLICY, webhookExempt),
    exemptions,
    rules: [
      {
        name: REQUIRE_NAMESPACE_LABELS_RULE,
        match: matchKinds(['Namespace']),
        exclude: ruleExclusions({
          check: 'namespace-labels',
          ruleKinds: ['Namespace'],
          systemNamespaces: o.systemNamespaces,
          exemptions,
        }),
        validate: {
          failureAction: 'Enforce',
          allowExistingViolations: true,
          message: `Namespaces must carry the labels ${REQUIRED_NAMESPACE_LABELS.map(describeRequirement).join(', ')}.`,
          pattern: {
            metadata: {
              labels: Object.fromEntries(REQUIRED_NAMESPACE_LABELS.map((label) => [label, labelPattern(label)])),
            },
          },
        },
      },
    ],
  });
}
