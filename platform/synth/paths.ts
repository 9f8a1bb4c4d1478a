/**
 * Paths under synth/: a contract with ArgoCD (it reads them from git) and with bootstrap.
 * Folders are named by site, layer and component, never by position or hash: renaming one
 * makes ArgoCD prune what moved.
 */
import type { LayerId } from '../model/layers.js';

/** The generated tree, relative to the repository root. */
export const SYNTH_DIR = 'synth';

export function siteDir(site: string): string {
  return `${SYNTH_DIR}/${site}`;
}

/** The fleet index: every site with its groups, ring, requests and capacity verdicts. */
export const FLEET_INDEX = `${SYNTH_DIR}/README.md`;

/** What one site runs: components, requests, ordering, the capacity plan. */
export function siteReadmeFile(site: string): string {
  return `${siteDir(site)}/README.md`;
}

/** What the root Application syncs: AppProjects, PriorityClasses, ApplicationSets, root-owned Applications. */
export function rootDir(site: string): string {
  return `${siteDir(site)}/root`;
}

export function componentDir(site: string, layer: LayerId, component: string): string {
  return `${siteDir(site)}/layers/${layer}/${component}`;
}

export function valuesFile(site: string, layer: LayerId, component: string): string {
  return `${componentDir(site, layer, component)}/values.yaml`;
}

export function resourcesDir(site: string, layer: LayerId, component: string): string {
  return `${componentDir(site, layer, component)}/resources`;
}

/**
 * A component's HTTPRoutes into other components' namespaces, read by its routes Application
 * (project `edge-idp-routes`, HTTPRoutes only) rather than by its own.
 */
export function routesDir(site: string, layer: LayerId, component: string): string {
  return `${componentDir(site, layer, component)}/routes`;
}

/** Files bootstrap reads (it runs before ArgoCD exists). */
export function bootstrapDir(site: string): string {
  return `${siteDir(site)}/bootstrap`;
}

/** ArgoCD configuration data other components consume (health checks). */
export function argocdDataDir(site: string): string {
  return `${siteDir(site)}/argocd`;
}

/** `rendered: true` mode: the chart as rendered, one object per file, read by ArgoCD as a directory. */
export function renderedDir(site: string, layer: LayerId, component: string): string {
  return `${componentDir(site, layer, component)}/rendered`;
}
