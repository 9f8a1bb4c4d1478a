import { describe, expect, it } from 'vitest';
import { LABELS, REQUIRED_NAMESPACE_LABELS } from '../../platform/model/labels.js';
import { SYSTEM_NAMESPACES } from '../../platform/model/namespaces.js';
import { TIER_NAMES, TIERS } from '../../platform/model/tiers.js';
import { EXEMPTIONS_ANNOTATION, POLICY_NAMES } from '../../policies/checks.js';
import { crdValidator } from '../../platform/conformance/crd-schema.js';
import { FIXTURE_POLICY_OPTIONS } from '../../policies/fixture-site.js';
import { KYVERNO_ANNOTATIONS, type ClusterPolicy, type Rule } from '../../policies/kyverno.js';
import type { PlatformPolicyOptions } from '../../policies/options.js';
import { platformPolicies, policyNamed } from '../../policies/platform-policies.js';
import { POD_BEARING_KINDS } from '../../policies/pod-shapes.js';
import { KYVERNO_CRDS, upstreamPath } from '../../policies/upstream.js';
import { describeWithUpstream } from './upstream.js';

const policies = platformPolicies(FIXTURE_POLICY_OPTIONS);
const rulesOf = (name: ClusterPolicy['metadata']['name']): readonly Rule[] => policyNamed(policies, name).spec.rules;

describe('platformPolicies', () => {
  it('returns one ClusterPolicy per policy name, in a fixed order', () => {
    expect(policies.map((p) => p.metadata.name)).toEqual(Object.values(POLICY_NAMES));
    for (const p of policies) expect([p.apiVersion, p.kind]).toEqual(['kyverno.io/v1', 'ClusterPolicy']);
  });

  it('is deterministic: input order does not change the output', () => {
    const shuffled: PlatformPolicyOptions = {
      systemNamespaces: [...FIXTURE_POLICY_OPTIONS.systemNamespaces].reverse(),
      platformNamespaces: [...FIXTURE_POLICY_OPTIONS.platformNamespaces].reverse(),
      recoveryNamespaces: [...FIXTURE_POLICY_OPTIONS.recoveryNamespaces].reverse(),
      exemptions: [...(FIXTURE_POLICY_OPTIONS.exemptions ?? [])].reverse(),
    };
    expect(JSON.stringify(platformPolicies(shuffled))).toBe(JSON.stringify(policies));
  });

  it('gives every rule a unique name Kyverno accepts (at most 63 characters)', () => {
    for (const p of policies) {
      const names = p.spec.rules.map((r) => r.name);
      expect(new Set(names).size, p.metadata.name).toBe(names.length);
      for (const name of names) expect(name.length, name).toBeLessThanOrEqual(63);
    }
  });

  it('switches Kyverno auto-generation off everywhere (controller rules are written out)', () => {
    for (const p of policies) expect(p.metadata.annotations[KYVERNO_ANNOTATIONS.autogenControllers]).toBe('none');
  });

  it('enforces only namespace labels; everything else audits', () => {
    for (const p of policies) {
      for (const rule of p.spec.rules) {
        if (!rule.validate) continue;
        const expected = p.metadata.name === POLICY_NAMES.namespaceLabels ? 'Enforce' : 'Audit';
        expect(rule.validate.failureAction, `${p.metadata.name}/${rule.name}`).toBe(expected);
      }
    }
  });

  it('rejects bad options with every problem named', () => {
    const bad: PlatformPolicyOptions = {
      systemNamespaces: ['kube-public'],
      platformNamespaces: [
        { name: 'Monitoring', tier: 'critical' },
        { name: 'logs', tier: 'gold' as never },
      ],
      recoveryNamespaces: ['argocd'],
      exemptions: [
        { check: 'pinned-images', kind: 'Namespace', name: 'x', reason: 'because it is so' },
        { check: 'tier-priority-class', kind: 'Deployment', name: 'web', reason: 'short' },
      ],
    };
    let message = '';
    try {
      platformPolicies(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("systemNamespaces: must include 'kube-system'");
    expect(message).toContain("platformNamespaces[0].name: 'Monitoring' is not a namespace name");
    expect(message).toContain("platformNamespaces[1].tier: 'gold' is not a tier; allowed: core, critical, important, workloads");
    expect(message).toContain("exemptions[0].kind: check 'pinned-images' does not apply to kind 'Namespace'");
    expect(message).toContain('exemptions[1].namespace: required for a Deployment');
    expect(message).toContain("exemptions[1].reason: 'short' is too short");
  });
});

describeWithUpstream('platformPolicies against the upstream ClusterPolicy CRD (kyverno v1.19)', () => {
  it('emits only fields the CRD defines, with values it allows', () => {
    const validate = crdValidator(upstreamPath(KYVERNO_CRDS.clusterPolicy));
    for (const p of policies) expect(validate(p), p.metadata.name).toEqual([]);
  });

  it('avoids the spec-level fields v1.19 deprecates', () => {
    for (const p of policies) {
      expect(Object.keys(p.spec)).not.toContain('validationFailureAction');
      expect(Object.keys(p.spec)).not.toContain('failurePolicy');
      expect(Object.keys(p.spec)).not.toContain('webhookTimeoutSeconds');
    }
  });
});

describe('require-namespace-labels', () => {
  const [rule] = rulesOf(POLICY_NAMES.namespaceLabels);
  const labels = (rule!.validate!.pattern as { metadata: { labels: Record<string, string> } }).metadata.labels;

  it('requires exactly the REQUIRED_NAMESPACE_LABELS, the tier one from TIER_NAMES', () => {
    expect(Object.keys(labels).sort()).toEqual([...REQUIRED_NAMESPACE_LABELS].sort());
    expect(labels[LABELS.tier]!.split('|').map((s) => s.trim())).toEqual([...TIER_NAMES]);
  });

  it('lets existing violations be (reported by the background scan), blocks new ones', () => {
    const p = policyNamed(policies, POLICY_NAMES.namespaceLabels);
    expect(p.spec.background).toBe(true);
    expect(rule!.validate!.allowExistingViolations).toBe(true);
    expect(rule!.validate!.failureAction).toBe('Enforce');
  });

  it('excludes the system namespaces by name', () => {
    expect(rule!.exclude!.any![0]!.resources).toEqual({ kinds: ['Namespace'], names: [...SYSTEM_NAMESPACES].sort() });
  });
});

describe('tier-priority-class', () => {
  const rules = rulesOf(POLICY_NAMES.tierPriorityClass);

  it("mutates and validates with each tier's PriorityClass, selecting namespaces by their tier label", () => {
    for (const tier of TIER_NAMES) {
      const ofTier = rules.filter((r) => r.match.any![0]!.resources.namespaceSelector?.matchLabels?.[LABELS.tier] === tier);
      // Every pod is checked at admission (Pod), every template kind checked also gets the
      // safety-net mutation, and the workload controllers are all covered.
      const kindsOf = (rs: Rule[]) => [...new Set(rs.flatMap((r) => r.match.any!.flatMap((f) => f.resources.kinds ?? [])))].sort();
      const validated = kindsOf(ofTier.filter((r) => r.validate));
      expect(validated, tier).toContain('Pod');
      for (const kind of validated) expect(POD_BEARING_KINDS, `${tier}: ${kind}`).toContain(kind);
      expect(kindsOf(ofTier.filter((r) => r.mutate)), tier).toEqual(validated.filter((k) => k !== 'Pod'));
      expect(validated, tier).toEqual(expect.arrayContaining(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']));
      expect(ofTier.every((r) => r.mutate || r.validate), tier).toBe(true);
      for (const rule of ofTier) {
        const text = JSON.stringify(rule.mutate ?? rule.validate);
        expect(text, rule.name).toContain(`"${TIERS[tier].priorityClassName}"`);
      }
    }
  });

  it('never mutates Pods (the Priority admission plugin has already resolved their priority)', () => {
    const mutated = rules.filter((r) => r.mutate).flatMap((r) => r.match.any!.flatMap((f) => f.resources.kinds ?? []));
    expect(mutated).not.toContain('Pod');
    expect(new Set(mutated)).toEqual(new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']));
  });

  it('only adds a missing class, never replaces one', () => {
    for (const rule of rules.filter((r) => r.mutate)) expect(JSON.stringify(rule.mutate)).toContain('"+(priorityClassName)"');
  });
});

describe('exemptions in the manifests', () => {
  const exemption = FIXTURE_POLICY_OPTIONS.exemptions!.find((e) => e.check === 'pinned-images')!;
  const workload = policyNamed(policies, POLICY_NAMES.workloadStandards);

  it('exclude the object from its check only, and the pods and jobs it owns', () => {
    const excluded = (rule: Rule) => rule.exclude!.any!.slice(1).map((f) => f.resources);
    const byRule = Object.fromEntries(workload.spec.rules.map((r) => [r.name, excluded(r)]));
    expect(byRule['pinned-images-pod-controllers']).toEqual([
      { kinds: ['Deployment'], namespaces: [exemption.namespace], names: [exemption.name] },
    ]);
    expect(byRule['pinned-images-pods']).toEqual([{ kinds: ['Pod'], namespaces: [exemption.namespace], names: [`${exemption.name}-*`] }]);
    expect(byRule['pinned-images-cronjobs']).toEqual([]);
    expect(byRule['requests-and-memory-limit-pod-controllers']).toEqual([]);
  });

  it('are listed with their reasons on the policy they relax', () => {
    expect(workload.metadata.annotations[EXEMPTIONS_ANNOTATION]).toBe(
      `pinned-images: Deployment ${exemption.namespace}/${exemption.name}: ${exemption.reason}`,
    );
    expect(policyNamed(policies, POLICY_NAMES.tierPriorityClass).metadata.annotations[EXEMPTIONS_ANNOTATION]).toBeUndefined();
  });
});
