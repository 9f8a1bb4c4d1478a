/**
 * `workload-standards` (Audit): what every pod should look like, reported, never blocked. Charts
 * the platform deploys do not all meet these yet, and a blocked pod on an edge cluster is an
 * outage nobody is on site to fix; the reports (Policy Reporter shows them) drive the fixes.
 */
import { POLICY_NAMES, type CheckName } from './checks.js';
import {
  clusterPolicy,
  matchKinds,
  nestPattern,
  ruleExclusions,
  webhookConfiguration,
  type ClusterPolicy,
  type Pattern,
  type Rule,
  type Validation,
} from './kyverno.js';
import type { ResolvedPolicyOptions } from './options.js';
import { POD_SHAPES, SERVING_CONTROLLERS_SHAPE, type PodShape } from './pod-shapes.js';

/** Rule name of a check on one pod shape. */
export function workloadRuleName(check: WorkloadCheck, shape: PodShape): string {
  return `${check}-${shape.id}`;
}

/** The checks this policy holds. */
export const WORKLOAD_CHECKS = [
  'pod-security-restricted',
  'requests-and-memory-limit',
  'pinned-images',
  'readiness-probe',
  'default-service-account-token',
] as const satisfies readonly CheckName[];
export type WorkloadCheck = (typeof WORKLOAD_CHECKS)[number];

/**
 * Kyverno pattern of a pinned image: a tag that is not `latest`, or a digest. The second
 * alternative handles a registry with a port (`host:5000/app:1.2`), whose first colon is not a
 * tag separator: `*:*` alone would let the untagged `host:5000/app` through. Patterns split on `|`
 * first, then on `&`.
 */
export const PINNED_IMAGE_PATTERN = '*:* & !*:latest & !*:*/* | *:*/*:* & !*:latest';

const RESOURCES_PATTERN: Pattern = {
  resources: { requests: { cpu: '?*', memory: '?*' }, limits: { memory: '?*' } },
};

/** A pattern over the pod spec of `shape`, checking every container and init container with `perContainer`. */
function everyContainer(shape: PodShape, perContainer: Pattern): Pattern {
  return nestPattern(shape.podSpecPath, { containers: [perContainer], '=(initContainers)': [perContainer] });
}

/** What each check validates, on one shape. */
const VALIDATIONS: Readonly<Record<WorkloadCheck, (shape: PodShape) => Omit<Validation, 'failureAction'>>> = {
  'pod-security-restricted': () => ({
    message: 'Pods should meet the Pod Security Standard "restricted" (see the failed controls in the report).',
    // `latest` follows the Kyverno release, which the chart version pins.
    podSecurity: { level: 'restricted', version: 'latest' },
  }),
  'requests-and-memory-limit': (shape) => ({
    message: 'Every container should request CPU and memory and set a memory limit, so the capacity plan holds.',
    pattern: everyContainer(shape, RESOURCES_PATTERN),
  }),
  'pinned-images': (shape) => ({
    message: "Every image should name a tag other than 'latest', or a digest, so a restart runs what was tested.",
    pattern: everyContainer(shape, { image: PINNED_IMAGE_PATTERN }),
  }),
  'readiness-probe': (shape) => ({
    message: 'Every container of a serving workload should have a readiness probe, so rollouts and Services wait for it.',
    // An empty map matches any value that is a map, and fails when the key is missing.
    pattern: nestPattern(shape.podSpecPath, { containers: [{ readinessProbe: {} }] }),
  }),
  'default-service-account-token': (shape) => ({
    message:
      'Pods of the default ServiceAccount should set automountServiceAccountToken: false (or use a ServiceAccount of their own).',
    anyPattern: [
      nestPattern(shape.podSpecPath, { serviceAccountName: '?* & !default' }),
      nestPattern(shape.podSpecPath, { automountServiceAccountToken: false }),
    ],
  }),
};

/** Shapes each check applies to: readiness only to controllers whose pods serve continuously. */
function shapesOf(check: WorkloadCheck): readonly PodShape[] {
  return check === 'readiness-probe' ? [SERVING_CONTROLLERS_SHAPE] : POD_SHAPES;
}

/** The policy: one Audit rule per check and pod shape. */
export function workloadStandardsPolicy(o: ResolvedPolicyOptions): ClusterPolicy {
  const exemptions = o.exemptions.filter((e) => (WORKLOAD_CHECKS as readonly string[]).includes(e.check));
  const rules = WORKLOAD_CHECKS.flatMap((check) =>
    shapesOf(check).map(
      (shape): Rule => ({
        name: workloadRuleName(check, shape),
        match: matchKinds(shape.kinds),
        exclude: ruleExclusions({ check, ruleKinds: shape.kinds, systemNamespaces: o.systemNamespaces, exemptions }),
        validate: { failureAction: 'Audit', ...VALIDATIONS[check](shape) },
      }),
    ),
  );
  return clusterPolicy({
    description: {
      name: POLICY_NAMES.workloadStandards,
      title: 'Workload standards',
      category: 'edge-idp',
      severity: 'medium',
      subjects: [...new Set(POD_SHAPES.flatMap((shape) => shape.kinds))],
      description:
        'Reports pods that do not meet the Pod Security Standard "restricted", lack requests or a memory limit, ' +
        'run unpinned images, serve without a readiness probe, or mount the default ServiceAccount token.',
    },
    webhook: webhookConfiguration('Ignore', o.recoveryNamespaces),
    exemptions,
    rules,
  });
}
