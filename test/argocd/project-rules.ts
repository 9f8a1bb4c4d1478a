/**
 * A small evaluator of ArgoCD AppProject rules over one object: would a sync through this
 * project create it? Modelled on ArgoCD's own checks (argo-cd v3,
 * pkg/apis/application/v1alpha1/app_project_types.go and controller/sync.go):
 *
 * - a namespaced kind is permitted when `namespaceResourceWhitelist` is absent (nil: every
 *   kind) or lists its group and kind, and `namespaceResourceBlacklist` does not
 *   (`IsGroupKindPermitted`); a cluster-scoped kind only when `clusterResourceWhitelist` lists
 *   it (an empty or absent list permits none);
 * - a namespaced object must also land in a namespace of `destinations` (the sync's permission
 *   validator calls `IsDestinationPermitted` with the object's namespace, and the Application's
 *   own destination must be permitted too); cluster-scoped objects skip the namespace check.
 *
 * Simplified on purpose: exact matches only. ArgoCD also accepts globs (`*`) and, in
 * destinations, `!`-negations; the platform's projects use neither, and `assertNoPatterns`
 * fails the tests if one ever appears, so the simplification cannot go stale silently.
 */
export interface GroupKindRule {
  readonly group: string;
  readonly kind: string;
}

export interface AppProjectSpec {
  readonly destinations?: readonly { readonly server?: string; readonly namespace?: string }[];
  readonly clusterResourceWhitelist?: readonly GroupKindRule[];
  readonly namespaceResourceWhitelist?: readonly GroupKindRule[];
  readonly namespaceResourceBlacklist?: readonly GroupKindRule[];
}

export interface ObjectRef {
  readonly group: string;
  readonly kind: string;
  /** The namespace the object lands in; `undefined` for a cluster-scoped object. */
  readonly namespace?: string;
}

const listed = (list: readonly GroupKindRule[] | undefined, o: ObjectRef) => (list ?? []).some((r) => r.group === o.group && r.kind === o.kind);

/** `null` when the project permits the object, else why not. */
export function denial(projectName: string, spec: AppProjectSpec, o: ObjectRef): string | null {
  const gk = `${o.group || 'core'}/${o.kind}`;
  if (o.namespace === undefined) {
    return listed(spec.clusterResourceWhitelist, o) ? null : `${projectName}: cluster-scoped ${gk} is not in clusterResourceWhitelist`;
  }
  const white = spec.namespaceResourceWhitelist === undefined || listed(spec.namespaceResourceWhitelist, o);
  if (!white || listed(spec.namespaceResourceBlacklist, o)) return `${projectName}: ${gk} is not a permitted namespaced kind`;
  if (!(spec.destinations ?? []).some((d) => d.namespace === o.namespace)) return `${projectName}: namespace '${o.namespace}' is not a destination`;
  return null;
}

/** Throws when a rule uses a glob or a negation, which {@link denial} does not model. */
export function assertNoPatterns(projectName: string, spec: AppProjectSpec): void {
  const fields = [
    ...(spec.destinations ?? []).flatMap((d) => [d.server ?? '', d.namespace ?? '']),
    ...[spec.clusterResourceWhitelist, spec.namespaceResourceWhitelist, spec.namespaceResourceBlacklist].flatMap((l) => (l ?? []).flatMap((r) => [r.group, r.kind])),
  ];
  const bad = fields.find((f) => /[*?[\]!]/.test(f));
  if (bad !== undefined) throw new Error(`AppProject ${projectName} uses the pattern '${bad}', which the test evaluator does not model`);
}
