/**
 * The root Application and everything it owns: the AppProjects, the PriorityClasses, one
 * ApplicationSet per layer, and the few Applications the root syncs directly (CRD bundles a
 * layer needs before its own ApplicationSet, ArgoCD itself).
 *
 * Ordering (docs/design.md#d3-layers-sync-in-order): the root syncs its children in sync waves and waits for each
 * wave to be Healthy before the next. The health checks in `health.ts` make an Application
 * Healthy only when Synced and Healthy, and an ApplicationSet only when every Application it
 * generated is, so wave N+1 starts only after layer N converged.
 */
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config/schema.js';
import type { GroupKind, PlatformComponent } from '../model/component.js';
import { apiGroup, isClusterScoped } from '../model/kinds.js';
import { compareText } from '../model/order.js';
import { ANNOTATIONS, LABELS, PLATFORM_NAME } from '../model/labels.js';
import { LAYERS, layerIndex, type LayerId } from '../model/layers.js';
import { mergeValues } from '../model/values.js';
import { rootDir } from '../synth/paths.js';
import { applicationElement, componentProject, platformRepo, projectName, repoPath, routesElement, SHARED_SYNC_POLICY, type ApplicationElement } from './applications.js';
import { ARGOCD_NAMESPACE, IN_CLUSTER, RESOURCES_FINALIZER, ROOT_NAME, ROUTES_PROJECT, TENANT_APPS_APPLICATIONSET } from './constants.js';
import { tenantApplication, tenantProject, type SiteTenant } from '../model/tenants.js';

const ARGO_API = 'argoproj.io/v1alpha1';

/** Wave of the root's basics: projects and PriorityClasses come before any layer. */
export const BASICS_WAVE = -20;

/** Wave of a layer's ApplicationSet. Ten apart, so root-owned Applications fit in between. */
export function layerWave(layer: LayerId): number {
  return layerIndex(layer) * 10;
}

/** Default wave of a root-owned Application: just before its layer's ApplicationSet. */
export function rootApplicationWave(component: PlatformComponent): number {
  return component.delivery.kind === 'root' && component.delivery.wave !== undefined
    ? component.delivery.wave
    : layerWave(component.layer) - 5;
}

/** Data about one component the root needs: its Application element and whether it has extra resources. */
export interface ComponentDelivery {
  readonly component: PlatformComponent;
  readonly element: ApplicationElement;
  /** Cluster-scoped kinds of the component's own extra resources (routes excluded). */
  readonly resourceKinds: readonly GroupKind[];
  /** Namespaced kinds of the component's own extra resources (routes excluded). */
  readonly resourceNamespacedKinds: readonly GroupKind[];
  /** Namespaces the component's own extra resources are written into (routes excluded). */
  readonly resourceNamespaces: readonly string[];
  /**
   * The component's HTTPRoutes into namespaces it does not own (the gateway's routes beside
   * their backends), delivered as their own Application in the routes project, which may create
   * nothing but HTTPRoutes: see {@link ROUTES_PROJECT}. `undefined` when it has none.
   */
  readonly routes?: { readonly element: ApplicationElement; readonly namespaces: readonly string[] };
}

/** The Gateway API kind that alone may cross into other components' namespaces. */
export const ROUTE_KIND: GroupKind = { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' };

interface DeliveredObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly namespace?: string };
}

/**
 * Is this object an HTTPRoute into a namespace the component does not own (its target, extra
 * namespaces and declared extra destinations)? Such objects go to the routes Application.
 */
export function isCrossNamespaceRoute(component: PlatformComponent, o: DeliveredObject): boolean {
  const ns = o.metadata.namespace;
  if (!ns || o.kind !== ROUTE_KIND.kind || apiGroup(o.apiVersion) !== ROUTE_KIND.group) return false;
  return ![component.targetNamespace, ...component.extraNamespaces, ...component.extraDestinations].includes(ns);
}

export function describeDelivery(component: PlatformComponent, config: PlatformConfig, objects: readonly DeliveredObject[]): ComponentDelivery {
  if (component.isHelm && component.namespacedKinds === undefined) {
    const s = component.source as { chart: string; version: string };
    throw new Error(
      `component '${component.componentName}': chart ${s.chart}@${s.version} declares no namespacedKinds, so its AppProject cannot ` +
        `allow-list what it deploys; list the namespaced kinds 'helm template' renders (see 'edge-idp render') in its declaration`,
    );
  }
  const routes = objects.filter((o) => isCrossNamespaceRoute(component, o));
  const own = objects.filter((o) => !routes.includes(o));
  const kindsOf = (list: readonly DeliveredObject[]) => list.map((o) => ({ group: apiGroup(o.apiVersion), kind: o.kind }));
  const routeNamespaces = [...new Set(routes.map((o) => o.metadata.namespace!))].sort(compareText);
  return {
    component,
    element: applicationElement(component, config, { hasResources: own.length > 0 }),
    resourceKinds: kindsOf(own.filter((o) => isClusterScoped(o.kind))),
    resourceNamespacedKinds: kindsOf(own.filter((o) => !isClusterScoped(o.kind))),
    resourceNamespaces: [...new Set(own.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])))],
    ...(routes.length ? { routes: { element: routesElement(component, config), namespaces: routeNamespaces } } : {}),
  };
}

function uniqueSorted<T>(items: readonly T[], key: (t: T) => string): T[] {
  const map = new Map<string, T>();
  for (const i of items) map.set(key(i), i);
  return [...map.keys()].sort(compareText).map((k) => map.get(k)!);
}

const groupKindKey = (gk: GroupKind): string => `${gk.group}/${gk.kind}`;

/**
 * A project's `namespaceResourceWhitelist`, always present: ArgoCD reads an absent (nil) list
 * as "every namespaced kind" and a present empty one as "none" (`IsGroupKindPermitted` in
 * argo-cd pkg/apis/application/v1alpha1/app_project_types.go:
 * `namespaceWhitelist == nil || len(namespaceWhitelist) != 0 && isResourceInList(...)`), so a
 * layer that deploys only cluster-scoped objects gets `[]`. Destinations are checked per
 * object's namespace by the sync's permission validator (controller/sync.go), and a project's
 * kind lists apply to all of its destinations alike: there is no per-destination kind rule.
 */
function namespacedWhitelist(kinds: readonly GroupKind[]): GroupKind[] {
  return uniqueSorted(kinds, groupKindKey);
}

/** The kinds the root itself syncs into argocd: the projects, the ApplicationSets and its own Applications. */
const ROOT_NAMESPACED_KINDS: readonly GroupKind[] = ['AppProject', 'Application', 'ApplicationSet'].map((kind) => ({ group: 'argoproj.io', kind }));

function waveAnnotation(wave: number): Record<string, string> {
  return { [ANNOTATIONS.syncWave]: String(wave) };
}

function commonLabels(layer?: LayerId): Record<string, string> {
  return { [LABELS.partOf]: PLATFORM_NAME, ...(layer ? { [LABELS.layer]: layer } : {}) };
}

/**
 * What a project grants the Applications of `members`, no more: their destinations (each
 * component's namespaces, the namespaces its chart writes into, those of its own extra
 * resources), the cluster-scoped and namespaced kinds they deploy (each chart's declared kinds,
 * checked against helm template by the rendered check, and the kinds of the components' own
 * extra resources; routes into other namespaces go through the routes project), and their
 * sources (in rendered mode ArgoCD never contacts a chart repository: only git sources).
 */
function projectSpec(description: string, members: readonly ComponentDelivery[], config: PlatformConfig): Record<string, unknown> {
  const namespaces = [
    ...new Set(
      members.flatMap((d) => [d.component.targetNamespace, ...d.component.extraNamespaces, ...d.component.extraDestinations, ...d.resourceNamespaces]),
    ),
  ].sort();
  const clusterKinds = uniqueSorted(
    members.flatMap((d) => [...d.component.clusterScopedKinds, ...d.resourceKinds]),
    groupKindKey,
  );
  const namespacedKinds = members.flatMap((d) => [...(d.component.namespacedKinds ?? []), ...d.resourceNamespacedKinds]);
  const sourceRepos = [
    ...new Set([
      config.git.repoURL,
      ...members.flatMap((d) => (d.component.source && !(config.rendered && d.component.source.type === 'helm') ? [d.component.source.repoURL] : [])),
    ]),
  ].sort();
  return {
    description,
    sourceRepos,
    destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
    clusterResourceWhitelist: clusterKinds,
    namespaceResourceWhitelist: namespacedWhitelist(namespacedKinds),
  };
}

/** One team's apps on the site, as the root delivers them. */
export interface TenantDelivery {
  readonly tenant: SiteTenant;
  /** Its apps on this site: each app's folder under synth/ and the kinds of its objects. */
  readonly apps: readonly { readonly app: string; readonly path: string; readonly kinds: readonly GroupKind[] }[];
}

/**
 * Its wave: after the tenants layer (the teams' namespaces, quotas, Roles and secret stores,
 * delivered by the layer's ApplicationSet) is Healthy, so an app never starts in a namespace
 * without its quota, LimitRange or network policy.
 */
export const TENANT_APPS_WAVE = layerWave('04-tenants') + 5;

/**
 * A team's AppProject: its namespace as the only destination, no cluster-scoped kind, the
 * namespaced kinds its apps' objects use and nothing else, the platform repository as the only
 * source, and an `owners` role for its owner groups (sync and read its apps and their logs in
 * ArgoCD; everything else goes through a pull request). The team's namespace itself, its quota,
 * LimitRange, Role and network policy belong to the platform (the tenants layer), not to this
 * project: a team cannot raise its own quota.
 */
function tenantProjectSpec(t: TenantDelivery, config: PlatformConfig): Record<string, unknown> {
  const project = tenantProject(t.tenant.name);
  const groups = [...t.tenant.owners.groups].sort(compareText);
  const policy = (resource: string, action: string) => `p, proj:${project}:owners, ${resource}, ${action}, ${project}/*, allow`;
  return {
    description: `Team ${t.tenant.name}: its apps, into namespace ${t.tenant.namespace} only; no cluster-scoped kind.`,
    sourceRepos: [config.git.repoURL],
    destinations: [{ server: IN_CLUSTER, namespace: t.tenant.namespace }],
    clusterResourceWhitelist: [],
    namespaceResourceWhitelist: namespacedWhitelist(t.apps.flatMap((a) => a.kinds)),
    ...(groups.length
      ? {
          roles: [
            {
              name: 'owners',
              description: `Owners of team ${t.tenant.name} (tenants/${t.tenant.name}/tenant.yaml): read and sync its apps, read their logs.`,
              groups,
              policies: [policy('applications', 'get'), policy('applications', 'sync'), policy('logs', 'get')],
            },
          ],
        }
      : {}),
  };
}

/** The root chart: every object under `synth/<site>/root/`. */
export class RootChart extends Chart {
  constructor(
    scope: Construct,
    id: string,
    props: {
      config: PlatformConfig;
      deliveries: readonly ComponentDelivery[];
      /** Every team on the site with its apps here. Default: none. */
      tenants?: readonly TenantDelivery[];
      /** Adds cluster basics (PriorityClasses) to the chart. */
      addBasics: (scope: Construct) => void;
    },
  ) {
    super(scope, id, { disableResourceNameHashes: true, labels: commonLabels() });
    const { config, deliveries } = props;
    const repo = platformRepo(config);

    new ApiObject(this, 'project-root', {
      apiVersion: ARGO_API,
      kind: 'AppProject',
      metadata: { name: ROOT_NAME, namespace: ARGOCD_NAMESPACE, annotations: waveAnnotation(BASICS_WAVE) },
      spec: {
        description: 'The root of the platform: projects, PriorityClasses, ApplicationSets, root-owned Applications.',
        sourceRepos: [config.git.repoURL],
        destinations: [{ server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE }],
        clusterResourceWhitelist: [{ group: 'scheduling.k8s.io', kind: 'PriorityClass' }],
        namespaceResourceWhitelist: namespacedWhitelist(ROOT_NAMESPACED_KINDS),
      },
    });

    for (const layer of LAYERS) {
      const members = deliveries.filter((d) => d.component.layer === layer.id && d.component.ownProject === undefined);
      new ApiObject(this, `project-${layer.id}`, {
        apiVersion: ARGO_API,
        kind: 'AppProject',
        metadata: {
          name: projectName(layer.id),
          namespace: ARGOCD_NAMESPACE,
          labels: commonLabels(layer.id),
          annotations: waveAnnotation(BASICS_WAVE),
        },
        spec: projectSpec(`Layer ${layer.id}: ${layer.description}`, members, config),
      });
    }
    // A component with a project of its own: the same grants, computed from its Application alone.
    for (const d of deliveries.filter((x) => x.component.ownProject !== undefined)) {
      new ApiObject(this, `project-${d.component.componentName}`, {
        apiVersion: ARGO_API,
        kind: 'AppProject',
        metadata: {
          name: componentProject(d.component),
          namespace: ARGOCD_NAMESPACE,
          labels: commonLabels(d.component.layer),
          annotations: waveAnnotation(BASICS_WAVE),
        },
        spec: projectSpec(d.component.ownProject!, [d], config),
      });
    }

    // ArgoCD cannot scope kinds per destination (a project's whitelists apply to all of its
    // destinations), so the routes into other components' namespaces get a project of their
    // own: every route namespace, HTTPRoutes only, nothing cluster-scoped.
    const routed = deliveries.filter((d) => d.routes);
    if (routed.length) {
      new ApiObject(this, 'project-routes', {
        apiVersion: ARGO_API,
        kind: 'AppProject',
        metadata: { name: ROUTES_PROJECT, namespace: ARGOCD_NAMESPACE, labels: commonLabels(), annotations: waveAnnotation(BASICS_WAVE) },
        spec: {
          description: 'HTTPRoutes the gateway places beside their backends in other components\' namespaces: HTTPRoutes only.',
          sourceRepos: [config.git.repoURL],
          destinations: [...new Set(routed.flatMap((d) => [d.routes!.element.namespace, ...d.routes!.namespaces]))]
            .sort(compareText)
            .map((namespace) => ({ server: IN_CLUSTER, namespace })),
          clusterResourceWhitelist: [],
          namespaceResourceWhitelist: namespacedWhitelist([ROUTE_KIND]),
        },
      });
    }

    const tenants = [...(props.tenants ?? [])].sort((a, b) => compareText(a.tenant.name, b.tenant.name));
    for (const t of tenants) {
      new ApiObject(this, `project-${tenantProject(t.tenant.name)}`, {
        apiVersion: ARGO_API,
        kind: 'AppProject',
        metadata: {
          name: tenantProject(t.tenant.name),
          namespace: ARGOCD_NAMESPACE,
          labels: { ...commonLabels('04-tenants'), [LABELS.team]: t.tenant.name },
          annotations: waveAnnotation(BASICS_WAVE),
        },
        spec: tenantProjectSpec(t, config),
      });
    }

    props.addBasics(this);
    for (const child of this.node.children) {
      if (child instanceof ApiObject && child.kind === 'PriorityClass') {
        child.metadata.addAnnotation(ANNOTATIONS.syncWave, String(BASICS_WAVE));
      }
    }

    new ApiObject(this, 'root-application', {
      apiVersion: ARGO_API,
      kind: 'Application',
      // No resources finalizer: deleting the root must never delete the platform.
      metadata: { name: ROOT_NAME, namespace: ARGOCD_NAMESPACE },
      spec: {
        project: ROOT_NAME,
        source: { ...repo, path: repoPath(config, rootDir(config.site.name)) },
        destination: { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
        syncPolicy: mergeValues(SHARED_SYNC_POLICY as unknown as Record<string, unknown>, {
          automated: { prune: true },
          syncOptions: ['PruneLast=true'],
        }),
      },
    });

    for (const d of deliveries.filter((x) => x.component.delivery.kind === 'root')) {
      for (const e of elementsOf(d)) new ApiObject(this, `application-${e.name}`, rootOwnedApplication(e, rootApplicationWave(d.component)));
    }

    for (const layer of LAYERS) {
      const elements = deliveries
        .filter((d) => d.component.layer === layer.id && d.component.delivery.kind === 'applicationset')
        .flatMap(elementsOf);
      new ApiObject(this, `applicationset-${layer.id}`, layerApplicationSet(layer.id, elements));
    }
    const apps = tenants.flatMap((t) => t.apps.map((a) => ({ tenant: t.tenant, ...a })));
    if (apps.length) new ApiObject(this, 'applicationset-tenant-apps', tenantAppsApplicationSet(config, apps));
  }
}

/**
 * The teams' apps: one Application per app (`tenant-<team>-<app>`), in its team's project, into
 * its team's namespace, from its folder under synth/; pruned, and deleted with its objects when
 * the app leaves git. The same element shape and template as the layers' ApplicationSets, so the
 * same checks (ArgoCD's own templating in the cluster suite, the sync order, the diff) read it.
 * A team's element names only its own project and namespace (both derived from the team's name
 * by synth), and that project refuses anything else.
 */
function tenantAppsApplicationSet(config: PlatformConfig, apps: readonly { tenant: SiteTenant; app: string; path: string }[]) {
  const elements: ApplicationElement[] = apps.map((a) => ({
    name: tenantApplication(a.tenant.name, a.app),
    namespace: a.tenant.namespace,
    layer: '04-tenants',
    project: tenantProject(a.tenant.name),
    sources: [{ ...platformRepo(config), path: repoPath(config, a.path) }],
    syncOptions: ['PruneLast=true'],
    prune: true,
    cascadeDelete: true,
    ignoreDifferences: [],
  }));
  return applicationSet(TENANT_APPS_APPLICATIONSET, '04-tenants', TENANT_APPS_WAVE, elements);
}

/** A component's Applications: its own, then its routes' when it has cross-namespace routes. */
function elementsOf(d: ComponentDelivery): ApplicationElement[] {
  return d.routes ? [d.element, d.routes.element] : [d.element];
}

/** An Application owned by the root, equivalent to what the ApplicationSet template makes of an element. */
function rootOwnedApplication(e: ApplicationElement, wave: number) {
  return {
    apiVersion: ARGO_API,
    kind: 'Application',
    metadata: {
      name: e.name,
      namespace: ARGOCD_NAMESPACE,
      labels: { ...commonLabels(e.layer), [LABELS.component]: e.name },
      annotations: waveAnnotation(wave),
      ...(e.cascadeDelete ? { finalizers: [RESOURCES_FINALIZER] } : {}),
    },
    spec: {
      project: e.project,
      destination: { server: IN_CLUSTER, namespace: e.namespace },
      sources: e.sources,
      syncPolicy: mergeValues(SHARED_SYNC_POLICY as unknown as Record<string, unknown>, {
        automated: { prune: e.prune },
        syncOptions: e.syncOptions,
      }),
      ...(e.ignoreDifferences.length ? { ignoreDifferences: e.ignoreDifferences } : {}),
    },
  };
}

/**
 * Per-element parts of the template. ArgoCD applies the rendered patch as a strategic merge
 * patch, where a key with no value (`metadata:` alone parses to null) deletes that key: every
 * mapping here is emitted only with something under it. `missingkey=error` makes a missing element key fail the
 * generation instead of rendering "<no value>"; every element carries every key.
 */
const TEMPLATE_PATCH = `{{- if .cascadeDelete }}
metadata:
  finalizers:
    - ${RESOURCES_FINALIZER}
{{- end }}
spec:
  sources: {{ toJson .sources }}
  syncPolicy:
    automated:
      prune: {{ .prune }}
    syncOptions: {{ toJson .syncOptions }}
{{- if .ignoreDifferences }}
  ignoreDifferences: {{ toJson .ignoreDifferences }}
{{- end }}
`;

function layerApplicationSet(layer: LayerId, elements: readonly ApplicationElement[]) {
  return applicationSet(projectName(layer), layer, layerWave(layer), elements);
}

function applicationSet(name: string, layer: LayerId, wave: number, elements: readonly ApplicationElement[]) {
  return {
    apiVersion: ARGO_API,
    kind: 'ApplicationSet',
    metadata: {
      name,
      namespace: ARGOCD_NAMESPACE,
      labels: commonLabels(layer),
      annotations: {
        ...waveAnnotation(wave),
        [ANNOTATIONS.expectedApplications]: String(elements.length),
      },
    },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      // The core layer carries the CNI: deleting its ApplicationSet must never cascade.
      syncPolicy: { preserveResourcesOnDeletion: layerIndex(layer) === 0 },
      generators: [{ list: { elements: elements.map((e) => ({ ...e })) } }],
      template: {
        metadata: {
          name: '{{ .name }}',
          namespace: ARGOCD_NAMESPACE,
          labels: { ...commonLabels(layer), [LABELS.component]: '{{ .name }}' },
        },
        spec: {
          // Per element: the layer's project, the routes project for a routes Application, or a team's.
          // The elements are ours, written to git by synth (not from an SCM or PR generator),
          // so a templated project grants nothing a commit could not grant anyway.
          project: '{{ .project }}',
          destination: { server: IN_CLUSTER, namespace: '{{ .namespace }}' },
          syncPolicy: SHARED_SYNC_POLICY,
        },
      },
      templatePatch: TEMPLATE_PATCH,
    },
  };
}
