import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { PlatformComponent, type PlatformComponentProps, type PlatformSite } from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { SYSTEM_NAMESPACES } from '../../platform/model/namespaces.js';
import { ARGOCD_NAMESPACE } from '../../platform/argocd/constants.js';
import { layerWave } from '../../platform/argocd/root.js';
import { platformPolicies, type PolicyExemption } from '../../policies/index.js';
import { platformNamespaces } from '../00-core/namespaces.js';
import { KYVERNO_NAMESPACE } from './kyverno.js';

/**
 * Objects of the platform itself that cannot meet a policy check, each with its reason. The
 * test suite evaluates synth/ against the policies with exactly this list, and fails on an
 * exemption that is no longer needed.
 */
export const PLATFORM_POLICY_EXEMPTIONS: readonly PolicyExemption[] = [];

export interface PlatformPoliciesProps extends PlatformComponentProps {
  /** Objects excused from a check, with their reasons. Default: {@link PLATFORM_POLICY_EXEMPTIONS}. */
  readonly exemptions?: readonly PolicyExemption[];
}

/**
 * The platform's Kyverno policies (authored in `policies/`), rendered for this site: its
 * namespaces and their tiers, the namespaces that must recover without Kyverno (ArgoCD's and
 * Kyverno's own, plus the system namespaces), and the documented exemptions.
 *
 * Delivered by the root between the engines layer and the apps layer (wave 25): ClusterPolicy
 * is Kyverno's CRD, so the policies must come after Kyverno (layer 02's ApplicationSet is
 * Healthy only once Kyverno's admission controller runs), and before the apps they check. It
 * lives in the engines project because ClusterPolicy is cluster-scoped, which the apps
 * project never allows.
 */
export class PlatformPolicies extends PlatformComponent {
  private readonly exemptions: readonly PolicyExemption[];

  constructor(scope: Construct, props: PlatformPoliciesProps) {
    super(scope, props, {
      namespace: KYVERNO_NAMESPACE,
      delivery: { kind: 'root', wave: layerWave('02-engines') + 5 },
      // Kyverno owns the rest of their lifecycle; replacing policies in place is enough.
      sync: { serverSideApply: true },
    });
    this.exemptions = props.exemptions ?? PLATFORM_POLICY_EXEMPTIONS;
  }

  /** Phase 2: the policies, for the namespaces (and their tiers) of every enabled component. */
  protected override aggregate(site: PlatformSite): void {
    const policies = platformPolicies({
      systemNamespaces: SYSTEM_NAMESPACES,
      platformNamespaces: platformNamespaces(site.components).map((n) => ({ name: n.name, tier: n.tier })),
      recoveryNamespaces: [ARGOCD_NAMESPACE, KYVERNO_NAMESPACE],
      exemptions: this.exemptions,
    });
    for (const policy of policies) {
      new ApiObject(this, policy.metadata.name, policy as unknown as ConstructorParameters<typeof ApiObject>[2]);
    }
  }
}

export const platformPoliciesComponent = defineComponent({
  file: import.meta.url,
  name: 'platform-policies',
  layer: '02-engines',
  tier: 'important',
  description: 'The platform Kyverno policies from policies/, rendered for this site (needs kyverno).',
  defaultEnabled: true,
  defaultFollows: 'kyverno',
  requires: [{ component: 'kyverno', why: 'the policies are Kyverno resources' }],
  build: (scope, ctx) => new PlatformPolicies(scope, ctx),
});
