/**
 * Hostnames of teams and their routes, as plain functions: `{site}` expansion, which names a
 * hostname pattern covers (a wildcard `*.` stands for exactly one label, as on a Gateway
 * listener and in a TLS certificate), when two patterns overlap, and which names belong to the
 * platform (each site's `*.<domain>` and `<ui>.<domain>`).
 */
import { SITE_DOMAIN_PLACEHOLDER } from './schema.js';

/** `{site}` replaced by the site's domain. */
export function expandSite(hostname: string, domain: string): string {
  return hostname.split(SITE_DOMAIN_PLACEHOLDER).join(domain);
}

/** Whether the hostname pattern is a wildcard (`*.x.y`). */
export function isWildcard(pattern: string): boolean {
  return pattern.startsWith('*.');
}

/** What follows the wildcard's `*.` (`*.a.b` → `a.b`); the name itself when it is none. */
export function wildcardSuffix(pattern: string): string {
  return isWildcard(pattern) ? pattern.slice(2) : pattern;
}

/** Whether a hostname pattern covers a concrete host: equal, or a wildcard matching exactly one label. */
export function coversHost(pattern: string, host: string): boolean {
  if (!isWildcard(pattern)) return pattern === host;
  const suffix = `.${wildcardSuffix(pattern)}`;
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, -suffix.length);
  return label.length > 0 && !label.includes('.');
}

/** Whether some host is covered by both patterns (equal patterns, or a wildcard covering the other name). */
export function hostnamesOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  if (isWildcard(a) && !isWildcard(b)) return coversHost(a, b);
  if (isWildcard(b) && !isWildcard(a)) return coversHost(b, a);
  return false;
}

/**
 * How many labels a name (or pattern: `*` counts as a label) has below `domain`, or `undefined`
 * when it is not inside it (`x.a.example.com` is 2 below `example.com`; `example.com` itself, 0).
 */
export function labelsBelow(name: string, domain: string): number | undefined {
  if (name === domain) return 0;
  if (!name.endsWith(`.${domain}`)) return undefined;
  return name.slice(0, -domain.length - 1).split('.').length;
}

/**
 * Why a team may not use a hostname pattern on a site of `domain`, or `undefined` when it may.
 * The platform owns the site's domain, its wildcard `*.<domain>` (its certificate) and every
 * single label under it (`grafana.<domain>`, and those a future UI takes): a team's names are at
 * least two labels below the domain (`*.payments.<domain>`), or outside it.
 */
export function reservedHostnameReason(pattern: string, domain: string): string | undefined {
  const below = labelsBelow(pattern, domain);
  if (below === undefined || below >= 2) return undefined;
  if (below === 0) return `is the site's domain (${domain}), which is the platform's`;
  if (isWildcard(pattern)) return `is the platform's own wildcard (*.${domain}: its certificate and its UIs)`;
  return `is a single label under the site's domain (${domain}): those names are the platform's (its UIs)`;
}

/** Every pattern of `patterns` that overlaps `pattern`. */
export function overlapping(pattern: string, patterns: readonly string[]): string[] {
  return patterns.filter((p) => hostnamesOverlap(pattern, p));
}
