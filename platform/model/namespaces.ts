/** Namespace facts: which namespaces are the cluster's own, and the labels a platform namespace carries. */
import type { PlatformConfig } from '../config/schema.js';
import { LABELS, PLATFORM_NAME, POD_SECURITY_LABELS, POD_SECURITY_LEVELS, type PodSecurityLevel } from './labels.js';
import type { TierName } from './tiers.js';

/** Namespaces Kubernetes (or k3s) owns: the platform never creates, labels or deletes them. */
export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'default'] as const;

export function isSystemNamespace(name: string): boolean {
  return (SYSTEM_NAMESPACES as readonly string[]).includes(name);
}

/** The most permissive of several Pod Security levels (a namespace must admit all its pods). */
export function mostPermissive(levels: readonly PodSecurityLevel[]): PodSecurityLevel {
  return levels.reduce((a, b) => (POD_SECURITY_LEVELS.indexOf(a) <= POD_SECURITY_LEVELS.indexOf(b) ? a : b));
}

/**
 * Labels of a platform namespace: ownership, environment, tier, and Pod Security (enforce the
 * level the namespace needs; audit and warn at `restricted` so every relaxation stays visible).
 */
export function namespaceLabels(config: PlatformConfig, tier: TierName, podSecurity: PodSecurityLevel): Record<string, string> {
  return {
    [LABELS.partOf]: PLATFORM_NAME,
    [LABELS.owner]: config.site.owner,
    [LABELS.environment]: config.site.environment,
    [LABELS.tier]: tier,
    [LABELS.site]: config.site.name,
    [POD_SECURITY_LABELS.enforce]: podSecurity,
    [POD_SECURITY_LABELS.audit]: 'restricted',
    [POD_SECURITY_LABELS.warn]: 'restricted',
  };
}
