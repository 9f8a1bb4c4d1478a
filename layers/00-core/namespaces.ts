import type { Construct } from 'constructs';
import { KubeNamespace } from 'cdk8s-plus-28/lib/imports/k8s.js';
import { PlatformComponent, type PlatformComponentProps, type PlatformSite } from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { ANNOTATIONS, LABELS, type PodSecurityLevel } from '../../platform/model/labels.js';
import { TENANT_LABEL_VALUE } from '../../policies/tenant-namespace-defaults.js';
import { isSystemNamespace, mostPermissive, namespaceLabels } from '../../platform/model/namespaces.js';
import { compareTiers, type TierName } from '../../platform/model/tiers.js';
import { ARGOCD_NAMESPACE } from '../../platform/argocd/constants.js';

/** A namespace the platform owns, with what its components need of it. */
export interface PlatformNamespace {
  readonly name: string;
  readonly tier: TierName;
  readonly podSecurity: PodSecurityLevel;
  /**
   * Never pruned or deleted by ArgoCD: ArgoCD's own, and any namespace of a component that is
   * never pruned or that holds state (keys, volumes).
   */
  readonly protected: boolean;
  readonly components: readonly string[];
}

/**
 * Collects the namespaces of the given components. Components sharing a namespace must share
 * a tier: the namespace's tier label is what the tier policy checks pods against.
 */
export function platformNamespaces(components: readonly PlatformComponent[]): PlatformNamespace[] {
  const byName = new Map<string, PlatformComponent[]>();
  for (const c of components) {
    for (const ns of [c.targetNamespace, ...c.extraNamespaces]) {
      if (isSystemNamespace(ns)) continue;
      const members = byName.get(ns) ?? [];
      if (!members.includes(c)) byName.set(ns, [...members, c]);
    }
  }
  // ArgoCD's namespace exists before any component (bootstrap creates it); the platform labels and keeps it.
  if (!byName.has(ARGOCD_NAMESPACE)) byName.set(ARGOCD_NAMESPACE, []);
  return [...byName.keys()].sort().map((name) => {
    const members = byName.get(name)!;
    const tiers = [...new Set(members.map((c) => c.tier))].sort(compareTiers);
    if (tiers.length > 1) {
      throw new Error(
        `namespace '${name}' holds components of different tiers (${members.map((c) => `${c.componentName}: ${c.tier}`).join(', ')}); ` +
          'components sharing a namespace must share a tier, or move one to its own namespace',
      );
    }
    return {
      name,
      tier: tiers[0] ?? 'critical',
      podSecurity: members.length ? mostPermissive(members.map((c) => c.podSecurity)) : 'baseline',
      protected: name === ARGOCD_NAMESPACE || members.some((c) => !c.sync.prune || c.holdsState),
      components: members.map((c) => c.componentName).sort(),
    };
  });
}

/**
 * Every platform namespace, labelled with owner, environment, tier and Pod Security level.
 * One owner for all namespaces: components may share one, and every namespace exists before
 * the layers that use it.
 */
export class Namespaces extends PlatformComponent {
  /** Set in phase 2. */
  namespaces: readonly PlatformNamespace[] = [];

  constructor(scope: Construct, props: PlatformComponentProps) {
    super(scope, props, {
      namespace: 'kube-system',
    });
  }

  /**
   * Phase 2: one Namespace per namespace of every enabled component. A team's namespace (one the
   * tenants component uses) is owned by the team and labelled as a tenant namespace, so the
   * tenant-namespace-defaults policy applies to it; created here, in the core layer, like every
   * namespace, so its network policy (root wave 1) has somewhere to go before any team pod starts.
   */
  protected override aggregate(site: PlatformSite): void {
    this.namespaces = platformNamespaces(site.components);
    const teams = new Map(this.context.tenants.map((t) => [t.namespace, t.name]));
    for (const ns of this.namespaces) {
      const team = teams.get(ns.name);
      new KubeNamespace(this, ns.name, {
        metadata: {
          name: ns.name,
          labels: {
            ...namespaceLabels(site.config, ns.tier, ns.podSecurity),
            ...(team !== undefined ? { [LABELS.owner]: team, [LABELS.tenant]: TENANT_LABEL_VALUE, [LABELS.team]: team } : {}),
          },
          ...(ns.protected ? { annotations: { [ANNOTATIONS.syncOptions]: 'Prune=false,Delete=false' } } : {}),
        },
      });
    }
  }
}

export const namespaces = defineComponent({
  file: import.meta.url,
  name: 'namespaces',
  layer: '00-core',
  tier: 'core',
  description: 'Every platform namespace, with ownership, tier and Pod Security labels.',
  defaultEnabled: true,
  required: true,
  build: (scope, ctx) => new Namespaces(scope, ctx),
});
