/**
 * The namespaced kinds of charts whose component files cannot carry the
 * `namespacedKinds` declaration yet (their files were being changed elsewhere when the AppProject
 * allow-lists were introduced), keyed by chart name, recorded at the versions the catalog pins
 * (cilium 1.20.0, argo-cd 10.1.1). Like a declaration, an entry holds across a version override
 * (`components.<name>.version`); the rendered check is what tells it is stale. A component's own
 * `namespacedKinds` always wins; move these into `layers/00-core/cilium.ts` and
 * `layers/02-engines/argocd.ts` and delete this file. The rendered check verifies them against
 * `helm template` like any declaration (`platform/render/check.ts`).
 *
 * No import from `component.ts` (it imports this file): the entries are plain group/kind pairs.
 */
const CORE = (...kinds: string[]) => kinds.map((kind) => ({ group: '', kind }));

export const CHART_NAMESPACED_KINDS: Readonly<Record<string, readonly { readonly group: string; readonly kind: string }[]>> = {
  cilium: [
    ...CORE('ConfigMap', 'Service', 'ServiceAccount'),
    { group: 'apps', kind: 'DaemonSet' },
    { group: 'apps', kind: 'Deployment' },
    { group: 'batch', kind: 'CronJob' },
    { group: 'batch', kind: 'Job' },
    { group: 'rbac.authorization.k8s.io', kind: 'Role' },
    { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
  ],
  'argo-cd': [
    ...CORE('ConfigMap', 'Secret', 'Service', 'ServiceAccount'),
    { group: 'apps', kind: 'Deployment' },
    { group: 'apps', kind: 'StatefulSet' },
    { group: 'batch', kind: 'Job' },
    { group: 'monitoring.coreos.com', kind: 'ServiceMonitor' },
    { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
    { group: 'rbac.authorization.k8s.io', kind: 'Role' },
    { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
  ],
};
