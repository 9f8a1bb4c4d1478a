/** ArgoCD facts the generator writes in several places: each written once, here. */
import { ANNOTATIONS } from '../model/labels.js';

/** Namespace ArgoCD runs in, and where every Application, ApplicationSet and AppProject lives. */
export const ARGOCD_NAMESPACE = 'argocd';

/** Subdomain of ArgoCD's UI and API (`https://argocd.<domain>`), where its bundled Dex is served too (`/api/dex`). */
export const ARGOCD_SUBDOMAIN = 'argocd';

/** The ArgoCD UI/API Service: plain HTTP (`server.insecure`), TLS ends at the gateway. */
export const ARGOCD_SERVER_SERVICE = { name: 'argocd-server', namespace: ARGOCD_NAMESPACE, port: 80 } as const;

/** The in-cluster destination. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Field manager ArgoCD uses for server-side apply: bootstrap applies with it so ArgoCD adopts with no diff. */
export const ARGOCD_FIELD_MANAGER = 'argocd-controller';

/** Finalizer that makes deleting an Application delete its resources. */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/**
 * Sync option of a custom resource synced with, or soon after, the CRD that defines it: ArgoCD's
 * dry run fails while the CRD does not exist yet; with this option ArgoCD skips the dry run for
 * it and retries the sync until the CRD is there.
 */
export const SKIP_DRY_RUN_ON_MISSING_RESOURCE = 'SkipDryRunOnMissingResource=true';

/** The sync-options annotation of such a custom resource (spread it into its annotations). */
export const CR_SYNC_OPTIONS = { [ANNOTATIONS.syncOptions]: SKIP_DRY_RUN_ON_MISSING_RESOURCE } as const;

/**
 * The project of the routes Applications: HTTPRoutes into other components' namespaces, and
 * nothing else (`platform/argocd/root.ts`).
 */
export const ROUTES_PROJECT = 'edge-idp-routes';

/** The ApplicationSet of every team's apps: one Application per app, in its team's project (`root.ts`). */
export const TENANT_APPS_APPLICATIONSET = 'edge-idp-tenant-apps';

/** Name of the root Application and its AppProject. */
export const ROOT_NAME = 'edge-idp-root';

/**
 * ArgoCD's own APIs: served wherever ArgoCD renders a chart (its CRDs come with it), so they are
 * part of the `.Capabilities.APIVersions` ArgoCD's renders see.
 */
export const ARGOCD_APIS: readonly string[] = ['Application', 'ApplicationSet', 'AppProject'].map((k) => `argoproj.io/v1alpha1/${k}`);
