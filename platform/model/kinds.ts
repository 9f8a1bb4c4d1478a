/**
 * Cluster-scoped kinds the platform may emit or allow-list. Anything not listed is treated as
 * namespaced; the conformance tests fail on a cluster-scoped CRD kind missing from here
 * (its CRD says `scope: Cluster`).
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'APIService',
  'CSIDriver',
  'ClusterIssuer',
  'ClusterPolicy',
  'ClusterPolicyReport',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterSecretStore',
  'ClusterExternalSecret',
  'CiliumClusterwideNetworkPolicy',
  'CiliumL2AnnouncementPolicy',
  'CiliumLoadBalancerIPPool',
  'CustomResourceDefinition',
  'GatewayClass',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED_KINDS.has(kind);
}

/**
 * API groups Kubernetes itself serves (not CRDs). Explicit, because a `*.k8s.io` pattern would
 * also match CRD groups such as `gateway.networking.k8s.io`.
 */
export const BUILT_IN_API_GROUPS: ReadonlySet<string> = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
]);

export function isBuiltInApiVersion(apiVersion: string): boolean {
  return BUILT_IN_API_GROUPS.has(apiGroup(apiVersion));
}

/** `apps/v1` → `apps`; `v1` → `` (the core group). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Group/kind pairs from `Kind` (core group) or `group/Kind` shorthands, for declarations such
 * as a component's `namespacedKinds`: `groupKinds('ConfigMap', 'apps/Deployment')`.
 */
export function groupKinds(...refs: readonly string[]): { readonly group: string; readonly kind: string }[] {
  return refs.map((ref) => {
    const slash = ref.lastIndexOf('/');
    return slash < 0 ? { group: '', kind: ref } : { group: ref.slice(0, slash), kind: ref.slice(slash + 1) };
  });
}
