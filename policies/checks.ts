/**
 * The catalog of what the platform's policies check. A *check* is one intent ("every image is
 * pinned"); a Kyverno policy groups checks, and has one rule per check and pod shape. Exemptions
 * and violations name checks, so they stay meaningful if rules are regrouped.
 */
import { PLATFORM_DOMAIN } from '../platform/model/labels.js';
import { POD_BEARING_KINDS, SERVING_CONTROLLER_KINDS } from './pod-shapes.js';

/** Names of the Kyverno ClusterPolicies, also their folder names under `policies/`. */
export const POLICY_NAMES = {
  namespaceLabels: 'require-namespace-labels',
  tierPriorityClass: 'tier-priority-class',
  workloadStandards: 'workload-standards',
  tenantNamespaceDefaults: 'tenant-namespace-defaults',
} as const;
export type PolicyName = (typeof POLICY_NAMES)[keyof typeof POLICY_NAMES];

/** What a check is about, where it is enforced, and whether the TypeScript evaluator also runs it. */
export interface CheckInfo {
  /** The ClusterPolicy holding the check's rules. */
  readonly policy: PolicyName;
  /** Kinds an exemption from this check may name. */
  readonly kinds: readonly string[];
  /** Whether `checkAgainstPolicies` evaluates it (the others need a live cluster's view or a PSS engine). */
  readonly evaluated: boolean;
  readonly summary: string;
}

export const CHECKS = {
  'namespace-labels': {
    policy: POLICY_NAMES.namespaceLabels,
    kinds: ['Namespace'],
    evaluated: true,
    summary: 'Every namespace carries the required labels, with a known tier and environment.',
  },
  'tenant-label': {
    policy: POLICY_NAMES.tenantNamespaceDefaults,
    kinds: ['Namespace'],
    evaluated: true,
    summary: 'The tenant label, where present, is "true" or "false" (a typo would silently skip default-deny).',
  },
  'tier-priority-class': {
    policy: POLICY_NAMES.tierPriorityClass,
    kinds: POD_BEARING_KINDS,
    evaluated: true,
    summary: "Every pod in a platform namespace runs with its namespace tier's PriorityClass.",
  },
  'pod-security-restricted': {
    policy: POLICY_NAMES.workloadStandards,
    kinds: POD_BEARING_KINDS,
    evaluated: false,
    summary: 'Pods meet the Pod Security Standard "restricted".',
  },
  'requests-and-memory-limit': {
    policy: POLICY_NAMES.workloadStandards,
    kinds: POD_BEARING_KINDS,
    evaluated: true,
    summary: 'Every container requests CPU and memory and sets a memory limit.',
  },
  'pinned-images': {
    policy: POLICY_NAMES.workloadStandards,
    kinds: POD_BEARING_KINDS,
    evaluated: true,
    summary: 'Every image names a tag other than "latest", or a digest.',
  },
  'readiness-probe': {
    policy: POLICY_NAMES.workloadStandards,
    kinds: SERVING_CONTROLLER_KINDS,
    evaluated: false,
    summary: 'Every container of a Deployment, StatefulSet or DaemonSet has a readiness probe.',
  },
  'default-service-account-token': {
    policy: POLICY_NAMES.workloadStandards,
    kinds: POD_BEARING_KINDS,
    evaluated: false,
    summary: 'Pods of the default ServiceAccount do not mount its API token.',
  },
} as const satisfies Record<string, CheckInfo>;
export type CheckName = keyof typeof CHECKS;
export const CHECK_NAMES = Object.keys(CHECKS) as CheckName[];

export function isCheckName(name: string): name is CheckName {
  return Object.hasOwn(CHECKS, name);
}

/**
 * Annotation on a ClusterPolicy listing the exemptions compiled into its rules, one per line with
 * its reason, so that whoever reads a policy report in the cluster can see why an object is skipped.
 */
export const EXEMPTIONS_ANNOTATION = `${PLATFORM_DOMAIN}/policy-exemptions`;
