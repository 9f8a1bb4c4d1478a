/** Fixtures of `workload-standards`: hardened workloads of each shape, then one broken standard per fixture. */
import { POLICY_NAMES, type CheckName } from './checks.js';
import {
  FIXTURE_NAMESPACES,
  FIXTURE_POLICY_OPTIONS,
  fixtureWorkload,
  hardenedContainer,
  hardenedPodSpec,
  type ExpectedRuleResult,
  type FixtureWorkloadKind,
  type PolicyFixture,
  type PolicyFixtureSet,
} from './fixture-site.js';
import { POD_SHAPES, SERVING_CONTROLLERS_SHAPE, shapeOfKind } from './pod-shapes.js';
import { WORKLOAD_CHECKS, workloadRuleName, type WorkloadCheck } from './workload-standards.js';

const tenant = FIXTURE_NAMESPACES.tenant.name;
const monitoring = FIXTURE_NAMESPACES.monitoring.name;

/**
 * Expected Kyverno results for an object of `kind`: every check that applies to its shape passes,
 * except those in `outcomes`.
 */
function resultsFor(kind: FixtureWorkloadKind, outcomes: Partial<Record<WorkloadCheck, 'fail' | 'skip'>> = {}): ExpectedRuleResult[] {
  const shape = shapeOfKind(kind, POD_SHAPES)!;
  return WORKLOAD_CHECKS.flatMap((check) => {
    const applies = check === 'readiness-probe' ? (SERVING_CONTROLLERS_SHAPE.kinds as readonly string[]).includes(kind) : true;
    return applies ? [{ rule: workloadRuleName(check, shape), result: outcomes[check] ?? 'pass' }] : [];
  });
}

/** A fixture that breaks one standard: Kyverno fails that rule; the evaluator reports it if it runs that check. */
function failing(
  file: `fail-${string}`,
  about: string,
  kind: FixtureWorkloadKind,
  check: WorkloadCheck,
  object: ReturnType<typeof fixtureWorkload>,
  evaluatorReports: readonly CheckName[],
): PolicyFixture {
  return { file, about, object, kyverno: resultsFor(kind, { [check]: 'fail' }), violations: evaluatorReports };
}

const exemptDeployment = FIXTURE_POLICY_OPTIONS.exemptions!.find((e) => e.check === 'pinned-images')!;

export const WORKLOAD_STANDARDS_FIXTURES: PolicyFixtureSet = {
  policy: POLICY_NAMES.workloadStandards,
  source: 'policies/workload-standards.fixtures.ts',
  fixtures: [
    {
      file: 'pass-deployment-hardened',
      about: 'A Deployment meeting every standard.',
      object: fixtureWorkload('Deployment', tenant, 'web', hardenedPodSpec(tenant)),
      kyverno: resultsFor('Deployment'),
      violations: [],
    },
    {
      file: 'pass-cronjob-hardened',
      about: 'A CronJob meeting every standard (batch pods need no readiness probe).',
      object: fixtureWorkload('CronJob', tenant, 'nightly-report', hardenedPodSpec(tenant, { containers: [hardenedContainer('report', { serving: false })] })),
      kyverno: resultsFor('CronJob'),
      violations: [],
    },
    {
      file: 'pass-pod-default-sa-without-token',
      about: 'A bare Pod of the default ServiceAccount that does not mount its token.',
      object: fixtureWorkload('Pod', tenant, 'toolbox', hardenedPodSpec(tenant, { serviceAccountName: 'default', automountServiceAccountToken: false })),
      kyverno: resultsFor('Pod'),
      violations: [],
    },
    failing(
      'fail-deployment-privilege-escalation',
      'A container that may escalate privileges: not Pod Security "restricted".',
      'Deployment',
      'pod-security-restricted',
      fixtureWorkload('Deployment', tenant, 'escalating', hardenedPodSpec(tenant, {
        containers: [{ ...hardenedContainer('app'), securityContext: { ...hardenedContainer('app').securityContext, allowPrivilegeEscalation: true } }],
      })),
      [],
    ),
    failing(
      'fail-deployment-latest-image',
      "An image with the mutable tag 'latest'.",
      'Deployment',
      'pinned-images',
      fixtureWorkload('Deployment', tenant, 'latest-web', hardenedPodSpec(tenant, { containers: [{ ...hardenedContainer('app'), image: 'nginx:latest' }] })),
      ['pinned-images'],
    ),
    failing(
      'fail-pod-untagged-image',
      'An image without a tag (it means latest).',
      'Pod',
      'pinned-images',
      fixtureWorkload('Pod', tenant, 'untagged', hardenedPodSpec(tenant, { containers: [{ ...hardenedContainer('app'), image: 'docker.io/library/busybox' }] })),
      ['pinned-images'],
    ),
    failing(
      'fail-statefulset-registry-port-untagged',
      'An untagged image from a registry with a port: the colon is not a tag.',
      'StatefulSet',
      'pinned-images',
      fixtureWorkload('StatefulSet', tenant, 'cache', hardenedPodSpec(tenant, { containers: [{ ...hardenedContainer('app'), image: 'registry.local:5000/cache' }] })),
      ['pinned-images'],
    ),
    failing(
      'fail-deployment-missing-memory-limit',
      'A container with requests but no memory limit.',
      'Deployment',
      'requests-and-memory-limit',
      fixtureWorkload('Deployment', tenant, 'unbounded', hardenedPodSpec(tenant, {
        containers: [{ ...hardenedContainer('app'), resources: { requests: { cpu: '50m', memory: '64Mi' } } }],
      })),
      ['requests-and-memory-limit'],
    ),
    failing(
      'fail-job-init-container-without-requests',
      'A Job whose init container requests nothing: init containers count too.',
      'Job',
      'requests-and-memory-limit',
      fixtureWorkload('Job', tenant, 'migrate', hardenedPodSpec(tenant, {
        initContainers: [{ ...hardenedContainer('wait-for-db', { serving: false }), resources: {} }],
        containers: [hardenedContainer('migrate', { serving: false })],
      })),
      ['requests-and-memory-limit'],
    ),
    failing(
      'fail-daemonset-without-readiness-probe',
      'A DaemonSet container without a readiness probe.',
      'DaemonSet',
      'readiness-probe',
      fixtureWorkload('DaemonSet', tenant, 'node-agent', hardenedPodSpec(tenant, { containers: [hardenedContainer('agent', { serving: false })] })),
      [],
    ),
    failing(
      'fail-deployment-default-sa-token',
      'A Deployment of the default ServiceAccount that mounts its token.',
      'Deployment',
      'default-service-account-token',
      fixtureWorkload('Deployment', tenant, 'tokened', (({ serviceAccountName: _sa, ...spec }) => spec)(hardenedPodSpec(tenant))),
      [],
    ),
    {
      file: 'skip-deployment-exempt-latest-image',
      about: `An unpinned image in an object exempted from pinned-images: ${exemptDeployment.reason}`,
      object: fixtureWorkload('Deployment', monitoring, exemptDeployment.name, hardenedPodSpec(monitoring, {
        containers: [{ ...hardenedContainer('exporter'), image: 'example.org/exporter:latest' }],
      })),
      kyverno: resultsFor('Deployment', { 'pinned-images': 'skip' }),
      violations: [],
      exempted: ['pinned-images'],
    },
  ],
};
