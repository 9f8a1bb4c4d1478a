/**
 * Fixtures of `tier-priority-class`. A pod template without a class is a `fail-` fixture: the
 * generator must set every class, so the evaluator reports it; in the cluster Kyverno's mutate
 * rule fills it in (the expected patched object is written beside it).
 */
import { TIERS } from '../platform/model/tiers.js';
import { POLICY_NAMES } from './checks.js';
import {
  FIXTURE_NAMESPACES,
  fixtureWorkload,
  hardenedContainer,
  hardenedPodSpec,
  type KubeObject,
  type PolicyFixtureSet,
} from './fixture-site.js';
import { POD_SPEC_PATHS, type PodBearingKind } from './pod-shapes.js';
import { tierRuleName } from './tier-priority-class.js';

const critical = FIXTURE_NAMESPACES.monitoring;
const tenant = FIXTURE_NAMESPACES.tenant;

/** A copy of `object` whose pod spec has `priorityClassName` set, as Kyverno's mutate rule leaves it. */
function withPriorityClass(object: KubeObject, priorityClassName: string): KubeObject {
  const copy = structuredClone(object) as Record<string, unknown>;
  const podSpec = POD_SPEC_PATHS[object.kind as PodBearingKind].reduce<Record<string, unknown>>(
    (node, key) => node[key] as Record<string, unknown>,
    copy,
  );
  podSpec.priorityClassName = priorityClassName;
  return copy as KubeObject;
}

/** A hardened pod spec in `namespace` without any PriorityClass. */
function podSpecWithoutClass(namespace: string) {
  const { priorityClassName: _none, ...spec } = hardenedPodSpec(namespace);
  return spec;
}

const deploymentWithoutClass = fixtureWorkload('Deployment', critical.name, 'chart-without-class', podSpecWithoutClass(critical.name));
const cronJobWithoutClass = fixtureWorkload('CronJob', critical.name, 'compaction', {
  ...podSpecWithoutClass(critical.name),
  containers: [hardenedContainer('compactor', { serving: false })],
});

export const TIER_PRIORITY_CLASS_FIXTURES: PolicyFixtureSet = {
  policy: POLICY_NAMES.tierPriorityClass,
  source: 'policies/tier-priority-class.fixtures.ts',
  fixtures: [
    {
      file: 'pass-deployment-critical-class',
      about: `A Deployment in a ${critical.tier} namespace with the ${critical.tier} tier's PriorityClass.`,
      object: fixtureWorkload('Deployment', critical.name, 'prometheus-operator', hardenedPodSpec(critical.name)),
      kyverno: [{ rule: tierRuleName('require', critical.tier, 'pod-controllers'), result: 'pass' }],
      violations: [],
    },
    {
      file: 'pass-pod-workloads-class',
      about: `A bare Pod in a ${tenant.tier} namespace with the ${tenant.tier} tier's PriorityClass.`,
      object: fixtureWorkload('Pod', tenant.name, 'debug', hardenedPodSpec(tenant.name)),
      kyverno: [{ rule: tierRuleName('require', tenant.tier, 'pods'), result: 'pass' }],
      violations: [],
    },
    {
      file: 'fail-deployment-missing-class',
      about: 'A Deployment from a chart that offers no priorityClassName key: Kyverno fills in the tier class.',
      object: deploymentWithoutClass,
      kyverno: [
        {
          rule: tierRuleName('default', critical.tier, 'pod-controllers'),
          result: 'pass',
          patched: withPriorityClass(deploymentWithoutClass, TIERS[critical.tier].priorityClassName),
        },
        // Validation runs on the mutated object.
        { rule: tierRuleName('require', critical.tier, 'pod-controllers'), result: 'pass' },
      ],
      violations: ['tier-priority-class'],
    },
    {
      file: 'fail-cronjob-missing-class',
      about: 'A CronJob without a PriorityClass: Kyverno fills in the tier class on its job template.',
      object: cronJobWithoutClass,
      kyverno: [
        {
          rule: tierRuleName('default', critical.tier, 'cronjobs'),
          result: 'pass',
          patched: withPriorityClass(cronJobWithoutClass, TIERS[critical.tier].priorityClassName),
        },
      ],
      violations: ['tier-priority-class'],
    },
    {
      file: 'fail-statefulset-wrong-class',
      about: `A StatefulSet in a ${critical.tier} namespace that names the ${tenant.tier} class: reported, not changed.`,
      object: fixtureWorkload(
        'StatefulSet',
        critical.name,
        'alertmanager',
        hardenedPodSpec(critical.name, { priorityClassName: TIERS[tenant.tier].priorityClassName }),
      ),
      kyverno: [{ rule: tierRuleName('require', critical.tier, 'pod-controllers'), result: 'fail' }],
      violations: ['tier-priority-class'],
    },
    {
      file: 'fail-pod-wrong-class',
      about: `A tenant Pod that claims the ${critical.tier} class: it could preempt the platform.`,
      object: fixtureWorkload(
        'Pod',
        tenant.name,
        'greedy',
        hardenedPodSpec(tenant.name, { priorityClassName: TIERS[critical.tier].priorityClassName }),
      ),
      kyverno: [{ rule: tierRuleName('require', tenant.tier, 'pods'), result: 'fail' }],
      violations: ['tier-priority-class'],
    },
  ],
};
