/** ArgoCD facts the generator writes in several places: each written once, here. */

/** Namespace ArgoCD runs in, and where every Application, ApplicationSet and AppProject lives. */
export const ARGOCD_NAMESPACE = 'argocd';

/** The in-cluster destination. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Field manager ArgoCD uses for server-side apply: bootstrap applies with it so ArgoCD adopts with no diff. */
export const ARGOCD_FIELD_MANAGER = 'argocd-controller';

/** Finalizer that makes deleting an Application delete its resources. */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** Name of the root Application and its AppProject. */
export const ROOT_NAME = 'edge-idp-root';

/**
 * ArgoCD's own APIs: served wherever ArgoCD renders a chart (its CRDs come with it), so they are
 * part of the `.Capabilities.APIVersions` ArgoCD's renders see.
 */
export const ARGOCD_APIS: readonly string[] = ['Application', 'ApplicationSet', 'AppProject'].map((k) => `argoproj.io/v1alpha1/${k}`);
