/**
 * Label and annotation keys the platform writes. Written once here; every object, policy and
 * test refers to these constants.
 */

/** The value of `app.kubernetes.io/part-of` on everything the platform owns. */
export const PLATFORM_NAME = 'edge-idp';

/** Prefix of the platform's own label and annotation keys. */
export const PLATFORM_DOMAIN = 'edge-idp.io';

export const LABELS = {
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  owner: `${PLATFORM_DOMAIN}/owner`,
  environment: `${PLATFORM_DOMAIN}/environment`,
  tier: `${PLATFORM_DOMAIN}/tier`,
  layer: `${PLATFORM_DOMAIN}/layer`,
  site: `${PLATFORM_DOMAIN}/site`,
  /** Set on namespaces that hold tenant applications (policies generate default-deny for them). */
  tenant: `${PLATFORM_DOMAIN}/tenant`,
  /** The team a tenant namespace, AppProject or Application belongs to (`tenants/<team>/`). */
  team: `${PLATFORM_DOMAIN}/team`,
} as const;

/** The labels every platform namespace must carry (checked by policy and by tests). */
export const REQUIRED_NAMESPACE_LABELS = [
  LABELS.partOf,
  LABELS.owner,
  LABELS.environment,
  LABELS.tier,
] as const;

export const ANNOTATIONS = {
  syncWave: 'argocd.argoproj.io/sync-wave',
  syncOptions: 'argocd.argoproj.io/sync-options',
  compareOptions: 'argocd.argoproj.io/compare-options',
  /** How many Applications an ApplicationSet is expected to generate (read by its health check). */
  expectedApplications: `${PLATFORM_DOMAIN}/expected-applications`,
} as const;

/** Pod Security Standards levels, least privileged last. */
export const POD_SECURITY_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

export const POD_SECURITY_LABELS = {
  enforce: 'pod-security.kubernetes.io/enforce',
  audit: 'pod-security.kubernetes.io/audit',
  warn: 'pod-security.kubernetes.io/warn',
} as const;
