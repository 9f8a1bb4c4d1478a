import { describe, expect, it } from 'vitest';
import { SYSTEM_NAMESPACES } from '../../platform/model/namespaces.js';
import { POLICY_NAMES } from '../../policies/checks.js';
import { FIXTURE_POLICY_OPTIONS } from '../../policies/fixture-site.js';
import { KYVERNO_FAILURE_POLICY, namespaceExemptionCondition, namespacesExemptedBy, WEBHOOK_TIMEOUT_SECONDS, type ClusterPolicy } from '../../policies/kyverno.js';
import { getPath } from '../../platform/model/values.js';
import { buildTestSite } from '../helpers/site.js';
import { platformPolicies } from '../../policies/platform-policies.js';
import { webhookSafetyFacts, webhookSafetyProblems } from '../../policies/webhook-safety.js';

const policies = platformPolicies(FIXTURE_POLICY_OPTIONS);
const build = await buildTestSite();
const facts = Object.fromEntries(webhookSafetyFacts(policies).map((f) => [f.policy, f]));
const recovery = [...new Set([...SYSTEM_NAMESPACES, ...FIXTURE_POLICY_OPTIONS.recoveryNamespaces])].sort();

/** A deep copy of the policies with `edit` applied to the named one. */
function edited(name: string, edit: (spec: Record<string, any>) => void): ClusterPolicy[] {
  const copy = structuredClone(policies) as ClusterPolicy[];
  edit(copy.find((p) => p.metadata.name === name)!.spec as Record<string, any>);
  return copy;
}

describe('webhook safety of the platform policies', () => {
  it('has no problems', () => {
    expect(webhookSafetyProblems(policies, FIXTURE_POLICY_OPTIONS)).toEqual([]);
  });

  it('every policy fails open, as the Kyverno install forces (the docs cannot promise Fail)', () => {
    const kyvernoValues = build.components.find((c) => c.componentName === 'kyverno')!.values;
    expect(getPath(kyvernoValues, ['features', 'forceFailurePolicyIgnore', 'enabled'])).toBe(true);
    for (const f of Object.values(facts)) expect(f.failurePolicy, f.policy).toBe(KYVERNO_FAILURE_POLICY);
    expect(facts[POLICY_NAMES.namespaceLabels]!.failurePolicy).toBe('Ignore');
    expect(facts[POLICY_NAMES.namespaceLabels]!.effects).toEqual(['enforce']);
    for (const name of [POLICY_NAMES.tierPriorityClass, POLICY_NAMES.workloadStandards, POLICY_NAMES.tenantNamespaceDefaults]) {
      expect(facts[name]!.failurePolicy, name).toBe('Ignore');
    }
    expect(facts[POLICY_NAMES.tierPriorityClass]!.effects).toEqual(['audit', 'mutate']);
    expect(facts[POLICY_NAMES.tenantNamespaceDefaults]!.effects).toEqual(['audit', 'generate']);
  });

  it(`times out within ${WEBHOOK_TIMEOUT_SECONDS}s`, () => {
    for (const f of Object.values(facts)) expect(f.timeoutSeconds, f.policy).toBeLessThanOrEqual(WEBHOOK_TIMEOUT_SECONDS);
  });

  it('never sends Kyverno a request about kube-system, ArgoCD or Kyverno itself', () => {
    expect(recovery).toEqual(expect.arrayContaining(['kube-system', 'argocd', 'kyverno']));
    for (const f of Object.values(facts)) expect(f.webhookExemptNamespaces, f.policy).toEqual(expect.arrayContaining(recovery));
  });

  it('keeps every platform namespace out of the fail-closed webhook', () => {
    const platform = FIXTURE_POLICY_OPTIONS.platformNamespaces.map((ns) => ns.name);
    expect(facts[POLICY_NAMES.namespaceLabels]!.webhookExemptNamespaces).toEqual(expect.arrayContaining(platform));
    // …but fail-open policies still see them at admission (the tier mutation matters most there).
    expect(facts[POLICY_NAMES.tierPriorityClass]!.webhookExemptNamespaces).not.toContain('monitoring');
  });

  it('excludes the system namespaces in every rule and never matches deletes', () => {
    for (const f of Object.values(facts)) {
      expect(f.namespacesExcludedByEveryRule, f.policy).toEqual(expect.arrayContaining([...SYSTEM_NAMESPACES]));
      expect(f.operations, f.policy).toEqual(['CREATE', 'UPDATE']);
    }
  });
});

describe('webhookSafetyProblems catches', () => {
  const problems = (changed: ClusterPolicy[]) => webhookSafetyProblems(changed, FIXTURE_POLICY_OPTIONS);

  it('a long or missing timeout', () => {
    expect(problems(edited(POLICY_NAMES.workloadStandards, (s) => (s.webhookConfiguration.timeoutSeconds = 15)))).toEqual([
      `${POLICY_NAMES.workloadStandards}: webhook timeout 15s; at most ${WEBHOOK_TIMEOUT_SECONDS}s`,
    ]);
    expect(problems(edited(POLICY_NAMES.workloadStandards, (s) => delete s.webhookConfiguration.timeoutSeconds))[0]).toContain('unset');
  });

  it('failing closed without enforcing, or with mutate rules', () => {
    const found = problems(edited(POLICY_NAMES.tierPriorityClass, (s) => (s.webhookConfiguration.failurePolicy = 'Fail')));
    expect(found.some((p) => p.includes('does not enforce'))).toBe(true);
    expect(found.some((p) => p.includes('mutate or generate'))).toBe(true);
  });

  it('a recovery namespace the webhook still receives', () => {
    const without = recovery.filter((ns) => ns !== 'argocd');
    const found = problems(
      edited(POLICY_NAMES.tenantNamespaceDefaults, (s) => (s.webhookConfiguration.matchConditions = [namespaceExemptionCondition(without)])),
    );
    expect(found).toEqual([`${POLICY_NAMES.tenantNamespaceDefaults}: the webhook still receives requests for namespaces argocd`]);
  });

  it('match conditions it cannot read, a rule without the system exclusion, a rule matching deletes', () => {
    const found = problems(
      edited(POLICY_NAMES.workloadStandards, (s) => {
        s.webhookConfiguration.matchConditions = [{ name: 'custom', expression: 'true' }];
        s.rules[0].exclude = undefined;
        s.rules[1].match.any[0].resources.operations = ['CREATE', 'DELETE'];
      }),
    );
    expect(found).toHaveLength(3);
    expect(found[0]).toContain('match conditions cannot be read');
    expect(found[1]).toContain('not every rule excludes system namespaces');
    expect(found[2]).toContain('DELETE');
  });
});

describe('namespace exemption condition', () => {
  it('reads back the namespaces it was written with, and nothing else', () => {
    const condition = namespaceExemptionCondition(['argocd', 'kube-system']);
    expect(namespacesExemptedBy(condition)).toEqual(['argocd', 'kube-system']);
    expect(namespacesExemptedBy({ ...condition, expression: condition.expression.replace('!(', '(') })).toBeUndefined();
    expect(namespacesExemptedBy({ ...condition, name: 'other' })).toBeUndefined();
  });

  it('looks at the name of Namespace objects and at the namespace of everything else', () => {
    expect(namespaceExemptionCondition(['a']).expression).toBe(
      "!((request.kind.group == '' && request.kind.kind == 'Namespace' ? request.name : request.namespace) in ['a'])",
    );
  });
});
