import { describe, expect, it } from 'vitest';
import { LABELS } from '../../platform/model/labels.js';
import { TIERS } from '../../platform/model/tiers.js';
import { unpinnedImageReason } from '../../platform/model/images.js';
import { checkAgainstPolicies, evaluatePolicies, formatViolation } from '../../policies/evaluator.js';
import {
  FIXTURE_NAMESPACES,
  FIXTURE_POLICY_OPTIONS,
  fixtureNamespace,
  fixtureNamespaceLabels,
  fixtureWorkload,
  hardenedContainer,
  hardenedPodSpec,
} from '../../policies/fixture-site.js';
import type { PolicyExemption } from '../../policies/options.js';
import { PINNED_IMAGE_PATTERN } from '../../policies/workload-standards.js';
import { kyvernoStringPatternMatches } from './kyverno-pattern.js';

const tenant = FIXTURE_NAMESPACES.tenant.name;
const monitoring = FIXTURE_NAMESPACES.monitoring.name;
const withImage = (image: string) => hardenedPodSpec(tenant, { containers: [{ ...hardenedContainer('app'), image }] });

describe('image pinning', () => {
  const images: readonly [string, boolean][] = [
    ['nginx:1.27.0', true],
    ['ghcr.io/org/app:v2', true],
    ['registry.local:5000/team/app:1.0', true],
    ['nginx@sha256:0123456789abcdef', true],
    ['nginx:latest@sha256:0123456789abcdef', true],
    ['registry.local:5000/app@sha256:0123456789abcdef', true],
    ['nginx', false],
    ['nginx:latest', false],
    ['docker.io/library/nginx', false],
    ['registry.local:5000/app', false],
    ['registry.local:5000/app:latest', false],
    ['ghcr.io/org/app:latest', false],
  ];

  it.each(images)('%s is pinned: %s', (image, pinned) => {
    expect(unpinnedImageReason(image) === undefined).toBe(pinned);
  });

  // An emulation of Kyverno's string patterns, so this runs without Go tools; test/cluster/kyverno.test.ts
  // checks these images (and more) against the real Kyverno CLI.
  it.each(images)("the Kyverno pattern agrees on %s", (image, pinned) => {
    expect(kyvernoStringPatternMatches(PINNED_IMAGE_PATTERN, image)).toBe(pinned);
  });
});

describe('checkAgainstPolicies', () => {
  it('passes compliant objects of the fixture site', () => {
    const objects = [
      fixtureNamespace(tenant, fixtureNamespaceLabels('workloads')),
      fixtureWorkload('Deployment', tenant, 'web', hardenedPodSpec(tenant)),
      fixtureWorkload('CronJob', monitoring, 'backup', hardenedPodSpec(monitoring)),
    ];
    expect(checkAgainstPolicies(objects, FIXTURE_POLICY_OPTIONS)).toEqual([]);
  });

  it('takes a namespace tier from its label when the options do not declare it', () => {
    const ns = fixtureNamespace('team-z', fixtureNamespaceLabels('important'));
    const pod = fixtureWorkload('Pod', 'team-z', 'p', { ...withImage('nginx:1.0'), priorityClassName: TIERS.workloads.priorityClassName });
    const [violation] = checkAgainstPolicies([ns, pod]);
    expect(violation).toMatchObject({ check: 'tier-priority-class', path: 'spec.priorityClassName', policy: 'tier-priority-class' });
    expect(violation!.message).toContain(TIERS.important.priorityClassName);
    // Without the Namespace object nothing says it is a platform namespace.
    expect(checkAgainstPolicies([pod])).toEqual([]);
  });

  it('reports a tier label that contradicts the declared tier', () => {
    const ns = fixtureNamespace(monitoring, fixtureNamespaceLabels('workloads'));
    expect(checkAgainstPolicies([ns], FIXTURE_POLICY_OPTIONS).map((v) => v.message)).toEqual([
      `label ${LABELS.tier}='workloads' but the platform declares this namespace as tier 'critical'`,
    ]);
  });

  it('skips system namespaces and objects that carry no pods', () => {
    const objects = [
      fixtureNamespace('kube-system', {}),
      fixtureWorkload('DaemonSet', 'kube-system', 'cilium', { containers: [{ name: 'agent', image: 'cilium' }] }),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: tenant }, data: {} },
    ];
    expect(checkAgainstPolicies(objects, FIXTURE_POLICY_OPTIONS)).toEqual([]);
  });

  it('reads List objects and reports in a stable order', () => {
    const objects = [
      fixtureWorkload('Pod', tenant, 'b', withImage('nginx')),
      { apiVersion: 'v1', kind: 'List', items: [fixtureWorkload('Pod', tenant, 'a', withImage('nginx:latest'))] },
    ];
    const lines = checkAgainstPolicies(objects, FIXTURE_POLICY_OPTIONS).map(formatViolation);
    expect(lines).toEqual([
      "Pod team-a/a: pinned-images (workload-standards) at spec.containers[0].image: container 'app': image 'nginx:latest' uses the mutable tag 'latest'",
      "Pod team-a/b: pinned-images (workload-standards) at spec.containers[0].image: container 'app': image 'nginx' has no tag, so it runs whatever latest is at pull time",
    ]);
    expect(checkAgainstPolicies([...objects].reverse(), FIXTURE_POLICY_OPTIONS).map(formatViolation)).toEqual(lines);
  });

  it('refuses input that is not an object', () => {
    expect(() => checkAgainstPolicies(['nope'])).toThrow(/objects\[0\] is not an object/);
  });
});

describe('exemptions', () => {
  const exemption: PolicyExemption = {
    check: 'pinned-images',
    kind: 'Deployment',
    namespace: tenant,
    name: 'vendor',
    reason: 'the vendor publishes only latest; ticket OPS-1 tracks pinning',
  };
  const opts = { ...FIXTURE_POLICY_OPTIONS, exemptions: [exemption] };

  it('excuse the exempt object and the pods its controller made, with the reason kept', () => {
    const objects = [
      fixtureWorkload('Deployment', tenant, 'vendor', withImage('vendor/app:latest')),
      fixtureWorkload('Pod', tenant, 'vendor-7d9f8-abcde', withImage('vendor/app:latest')),
    ];
    const result = evaluatePolicies(objects, opts);
    expect(result.violations).toEqual([]);
    expect(result.exempted.map((e) => `${e.violation.object.kind}: ${e.exemption.reason}`)).toEqual([
      `Deployment: ${exemption.reason}`,
      `Pod: ${exemption.reason}`,
    ]);
    expect(result.unusedExemptions).toEqual([]);
  });

  it('excuse only their own check, object and namespace', () => {
    const objects = [
      fixtureWorkload('Deployment', tenant, 'vendor', hardenedPodSpec(tenant, { containers: [{ ...hardenedContainer('app'), resources: {} }] })),
      fixtureWorkload('Deployment', monitoring, 'vendor', hardenedPodSpec(monitoring, { containers: [{ ...hardenedContainer('app'), image: 'x:latest' }] })),
      fixtureWorkload('Deployment', tenant, 'vendorx', withImage('x:latest')),
    ];
    const result = evaluatePolicies(objects, opts);
    expect(result.violations.map((v) => `${v.check} ${v.object.namespace}/${v.object.name}`)).toEqual([
      // Sorted by kind, namespace, name, check.
      `pinned-images ${monitoring}/vendor`,
      `requests-and-memory-limit ${tenant}/vendor`,
      `pinned-images ${tenant}/vendorx`,
    ]);
    expect(result.unusedExemptions).toEqual([exemption]);
  });

  it('are validated like the policy options', () => {
    expect(() => checkAgainstPolicies([], { exemptions: [{ ...exemption, reason: ' ' }] })).toThrow(/reason/);
  });
});
