import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { PlatformComponent, type PlatformComponentProps, type PlatformSite } from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { layerWave } from '../../platform/argocd/root.js';
import { ciliumNetworkPolicy, namespacePolicies, siteFlows, type NamespaceNetworkPolicy } from '../../platform/model/network-policy.js';
import { CILIUM_NAMESPACE } from './cilium.js';

/**
 * Root wave of the network policies: after the core layer (wave 0: Cilium, which registers the
 * CiliumNetworkPolicy CRD and enforces it, and the namespaces the policies live in) and before
 * anything of the services layer starts (cert-manager and Vault are root-owned at waves 5 and 7,
 * the layer's ApplicationSet at 10). So every pod of layers 01 to 03 starts with its allow rules
 * already in place; only the core's pods (Cilium's, on the host network but for Hubble's) and
 * ArgoCD's run before them, and their rules must keep them working as they are: ArgoCD's egress
 * stays open, its ingress admits what its chart's own policies did, narrowed.
 */
export const NETWORK_POLICIES_WAVE = layerWave('00-core') + 1;

/**
 * The network policies: one CiliumNetworkPolicy per namespace, holding its default deny and one
 * allow rule per flow that reaches its pods or, where egress is enforced, leaves them — derived
 * in phase 2 from the network facts every enabled component publishes (`network` on its
 * declaration; `platform/model/network-policy.ts` says which Cilium semantics that relies on).
 *
 * Why a component of its own, and not the namespaces or the Cilium component:
 * - **Order.** Delivered by the root at {@link NETWORK_POLICIES_WAVE}, after the core layer is
 *   Healthy (Cilium has registered its CRDs and enforces them; the namespaces exist) and before
 *   any later layer: allow rules exist before the pods they admit. The namespaces and Cilium
 *   sync together in the core ApplicationSet, so neither could guarantee the CRD first.
 * - **Atomic.** Each namespace's default deny and its allows are one object, and every
 *   namespace's object is in this one Application: no sync applies a deny without its allows,
 *   and a flow's egress rule (caller's namespace) and ingress rule (callee's) change together.
 * - **Pruned.** A disabled component's or caller's rules go away (Cilium's Application never
 *   prunes: the CNI must never be deleted by a bad commit, but stale allows must be).
 * - **Least privilege.** It writes one kind into every platform namespace, so it has an
 *   AppProject of its own that allows exactly that (`ownProject`); in the core layer's project,
 *   Cilium's Application could then write Roles and RoleBindings into every namespace too.
 *
 * Turning it off (`components.network-policies.enabled: false`) deletes every policy: the
 * platform is then open again, as before issue 15.
 */
export class NetworkPolicies extends PlatformComponent {
  /** What each namespace's policy enforces (set in phase 2; README's table reads the same). */
  policies: readonly NamespaceNetworkPolicy[] = [];

  constructor(scope: Construct, props: PlatformComponentProps) {
    super(scope, props, {
      namespace: CILIUM_NAMESPACE,
      delivery: { kind: 'root', wave: NETWORK_POLICIES_WAVE },
      ownProject: 'The network policies: CiliumNetworkPolicies in every platform namespace, nothing else.',
    });
  }

  /** Phase 2: the flows of every enabled component, one policy per namespace. */
  protected override aggregate(site: PlatformSite): void {
    this.policies = namespacePolicies(site, siteFlows(site, this.context.configFile));
    for (const ns of this.policies) {
      new ApiObject(this, `policy-${ns.namespace}`, ciliumNetworkPolicy(ns) as unknown as ConstructorParameters<typeof ApiObject>[2]);
    }
  }
}

export const networkPolicies = defineComponent({
  file: import.meta.url,
  name: 'network-policies',
  layer: '00-core',
  tier: 'core',
  description: 'Default-deny CiliumNetworkPolicy in every platform namespace, allowing exactly the flows components declare.',
  defaultEnabled: true,
  requires: [{ component: 'cilium', why: 'Cilium enforces CiliumNetworkPolicies and registers their CRD' }],
  build: (scope, ctx) => new NetworkPolicies(scope, ctx),
});
