/**
 * The platform passes its own policies (issue 4): every object synth emits is evaluated
 * against the policies' intent, with only the documented per-object exemptions; the pods the
 * charts render are checked through the component model (tiers, requests, pinned images: see
 * test/model/tiers.test.ts and test/conformance/values.test.ts) and, with real charts, by
 * `edge-idp render`.
 */
import { describe, expect, it } from 'vitest';
import { evaluatePolicies, formatViolation, webhookSafetyProblems, type ClusterPolicy } from '../../policies/index.js';
import { PLATFORM_POLICY_EXEMPTIONS } from '../../layers/02-engines/platform-policies.js';
import { isComponentOf } from '../../platform/model/component.js';
import { Namespaces } from '../../layers/00-core/namespaces.js';
import { SYSTEM_NAMESPACES } from '../../platform/model/namespaces.js';
import { ARGOCD_NAMESPACE } from '../../platform/argocd/constants.js';
import { KYVERNO_NAMESPACE } from '../../layers/02-engines/kyverno.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';

const build = await buildAllEnabled();
const namespaces = build.components.find((c) => isComponentOf(Namespaces, c))!.namespaces;
const objects = [...build.resources.values(), build.rootObjects].flat();
const policies = build.resources.get('platform-policies')! as unknown as ClusterPolicy[];

describe('the platform passes its own policies', () => {
  const evaluation = evaluatePolicies(objects, {
    systemNamespaces: SYSTEM_NAMESPACES,
    platformNamespaces: namespaces.map((n) => ({ name: n.name, tier: n.tier })),
    exemptions: PLATFORM_POLICY_EXEMPTIONS,
  });

  it('every object synth emits meets every check, or carries a documented exemption', () => {
    expect(evaluation.violations.map(formatViolation)).toEqual([]);
  });

  it('has no exemption that is no longer needed', () => {
    expect(evaluation.unusedExemptions).toEqual([]);
  });

  it('deploys all four policies for this site', () => {
    expect(policies.map((p) => p.metadata.name).sort()).toEqual([
      'require-namespace-labels',
      'tenant-namespace-defaults',
      'tier-priority-class',
      'workload-standards',
    ]);
  });

  it('cannot block the recovery of Cilium, ArgoCD or Kyverno during a Kyverno outage', () => {
    expect(
      webhookSafetyProblems(policies, {
        systemNamespaces: SYSTEM_NAMESPACES,
        platformNamespaces: namespaces.map((n) => ({ name: n.name, tier: n.tier })),
        recoveryNamespaces: [ARGOCD_NAMESPACE, KYVERNO_NAMESPACE],
      }),
    ).toEqual([]);
  });
});
