/**
 * What ArgoCD needs to run a component: its sources, sync policy and project. One function
 * computes them; the layer ApplicationSets carry the result as list elements, and the root
 * uses the same result for the Applications it owns directly, so the two cannot disagree.
 */
import type { PlatformConfig } from '../config/schema.js';
import type { PlatformComponent } from '../model/component.js';
import { layerById, type LayerId } from '../model/layers.js';
import { PLATFORM_NAME } from '../model/labels.js';
import { renderedDir, resourcesDir, routesDir, valuesFile } from '../synth/paths.js';
import { ROUTES_PROJECT } from './constants.js';

/** Shared by every Application: heal drift, retry forever with backoff, pick up new commits on retry. */
export const SHARED_SYNC_POLICY = {
  automated: { selfHeal: true },
  retry: {
    // Negative: unlimited. A layer waiting on the one before must converge without a human.
    limit: -1,
    refresh: true,
    backoff: { duration: '10s', factor: 2, maxDuration: '5m' },
  },
} as const;

/**
 * A path under synth/ (relative to the repository root, where synth/ is) as ArgoCD reads it: from
 * the top of the git repository, so prefixed with `git.path` when the root is a folder below it.
 */
export function repoPath(config: PlatformConfig, path: string): string {
  return `${config.git.path}${path}`;
}

/** The platform repository at the revision this site tracks (its ring's ref in a fleet). */
export function platformRepo(config: PlatformConfig): { repoURL: string; targetRevision: string } {
  return { repoURL: config.git.repoURL, targetRevision: config.git.revision };
}

export function projectName(layer: LayerId): string {
  return `${PLATFORM_NAME}-${layerById(layer).shortName}`;
}

/**
 * The AppProject of a component's Application: its own (`edge-idp-<component>`) when its
 * declaration asks for one (`ownProject`), else its layer's.
 */
export function componentProject(component: PlatformComponent): string {
  return component.ownProject !== undefined ? `${PLATFORM_NAME}-${component.componentName}` : projectName(component.layer);
}

/** Per-component Application data: what the ApplicationSet template leaves to its elements. */
export interface ApplicationElement {
  readonly name: string;
  readonly namespace: string;
  readonly layer: LayerId;
  /** The AppProject: its layer's, its own (`componentProject`), or the routes project for a routes Application. */
  readonly project: string;
  readonly sources: readonly Record<string, unknown>[];
  readonly syncOptions: readonly string[];
  readonly prune: boolean;
  /** Deleting the Application deletes its resources (the resources finalizer). */
  readonly cascadeDelete: boolean;
  readonly ignoreDifferences: readonly Record<string, unknown>[];
}

export function applicationElement(
  component: PlatformComponent,
  config: PlatformConfig,
  opts: { hasResources: boolean },
): ApplicationElement {
  const site = config.site.name;
  const repo = platformRepo(config);
  const sources: Record<string, unknown>[] = [];
  const source = component.source;
  if (source?.type === 'helm' && config.rendered) {
    // The chart as rendered and committed: ArgoCD reads a directory, no chart repository.
    sources.push({ ...repo, path: repoPath(config, renderedDir(site, component.layer, component.componentName)) });
  } else if (source?.type === 'helm') {
    sources.push({
      repoURL: source.repoURL,
      chart: source.chart,
      targetRevision: source.version,
      helm: {
        releaseName: component.releaseName,
        valueFiles: [`$values/${repoPath(config, valuesFile(site, component.layer, component.componentName))}`],
      },
    });
    sources.push({ ...repo, ref: 'values' });
  } else if (source?.type === 'git') {
    sources.push({
      repoURL: source.repoURL,
      targetRevision: source.targetRevision,
      path: source.path,
      ...(source.include ? { directory: { include: source.include } } : {}),
    });
  }
  if (opts.hasResources) {
    sources.push({ ...repo, path: repoPath(config, resourcesDir(site, component.layer, component.componentName)) });
  }
  if (sources.length === 0) {
    throw new Error(`component '${component.componentName}' has neither a source nor extra resources: nothing to deploy`);
  }
  const ignoreDifferences = component.sync.ignoreDifferences ?? [];
  const syncOptions = [
    'PruneLast=true',
    ...(component.sync.serverSideApply ? ['ServerSideApply=true'] : []),
    ...(ignoreDifferences.length ? ['RespectIgnoreDifferences=true'] : []),
    ...(component.sync.extraSyncOptions ?? []),
  ];
  return {
    name: component.componentName,
    namespace: component.targetNamespace,
    layer: component.layer,
    project: componentProject(component),
    sources,
    syncOptions,
    prune: component.sync.prune,
    cascadeDelete: component.sync.prune,
    ignoreDifferences,
  };
}

/**
 * The Application of a component's HTTPRoutes into other components' namespaces
 * (`<component>-routes`, in the routes project): the routes directory, synced like the
 * component's own resources.
 */
export function routesElement(component: PlatformComponent, config: PlatformConfig): ApplicationElement {
  return {
    name: `${component.componentName}-routes`,
    namespace: component.targetNamespace,
    layer: component.layer,
    project: ROUTES_PROJECT,
    sources: [{ ...platformRepo(config), path: repoPath(config, routesDir(config.site.name, component.layer, component.componentName)) }],
    syncOptions: ['PruneLast=true'],
    prune: component.sync.prune,
    cascadeDelete: component.sync.prune,
    ignoreDifferences: [],
  };
}
