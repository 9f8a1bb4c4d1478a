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
import { ANNOTATIONS, LABELS, PLATFORM_NAME } from '../model/labels.js';
import { LAYERS, layerIndex, type LayerId } from '../model/layers.js';
import { mergeValues } from '../model/values.js';
import { rootDir } from '../synth/paths.js';
import { applicationElement, projectName, SHARED_SYNC_POLICY, type ApplicationElement } from './applications.js';
import { ARGOCD_NAMESPACE, IN_CLUSTER, RESOURCES_FINALIZER, ROOT_NAME } from './constants.js';

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
  readonly resourceKinds: readonly GroupKind[];
  /** Namespaces the component's own extra resources are written into (e.g. routes beside their backends). */
  readonly resourceNamespaces: readonly string[];
}

export function describeDelivery(
  component: PlatformComponent,
  config: PlatformConfig,
  objects: readonly { apiVersion: string; kind: string; metadata: { namespace?: string } }[],
): ComponentDelivery {
  const resourceKinds = objects
    .filter((o) => isClusterScoped(o.kind))
    .map((o) => ({ group: apiGroup(o.apiVersion), kind: o.kind }));
  const resourceNamespaces = [...new Set(objects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])))];
  return {
    component,
    element: applicationElement(component, config, { hasResources: objects.length > 0 }),
    resourceKinds,
    resourceNamespaces,
  };
}

function uniqueSorted<T>(items: readonly T[], key: (t: T) => string): T[] {
  const map = new Map<string, T>();
  for (const i of items) map.set(key(i), i);
  return [...map.keys()].sort().map((k) => map.get(k)!);
}

function waveAnnotation(wave: number): Record<string, string> {
  return { [ANNOTATIONS.syncWave]: String(wave) };
}

function commonLabels(layer?: LayerId): Record<string, string> {
  return { [LABELS.partOf]: PLATFORM_NAME, ...(layer ? { [LABELS.layer]: layer } : {}) };
}

/** The root chart: every object under `synth/<site>/root/`. */
export class RootChart extends Chart {
  constructor(
    scope: Construct,
    id: string,
    props: {
      config: PlatformConfig;
      deliveries: readonly ComponentDelivery[];
      /** Adds cluster basics (PriorityClasses) to the chart. */
      addBasics: (scope: Construct) => void;
    },
  ) {
    super(scope, id, { disableResourceNameHashes: true, labels: commonLabels() });
    const { config, deliveries } = props;
    const repo = { repoURL: config.git.repoURL, targetRevision: config.git.revision };

    new ApiObject(this, 'project-root', {
      apiVersion: ARGO_API,
      kind: 'AppProject',
      metadata: { name: ROOT_NAME, namespace: ARGOCD_NAMESPACE, annotations: waveAnnotation(BASICS_WAVE) },
      spec: {
        description: 'The root of the platform: projects, PriorityClasses, ApplicationSets, root-owned Applications.',
        sourceRepos: [config.git.repoURL],
        destinations: [{ server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE }],
        clusterResourceWhitelist: [{ group: 'scheduling.k8s.io', kind: 'PriorityClass' }],
      },
    });

    for (const layer of LAYERS) {
      const members = deliveries.filter((d) => d.component.layer === layer.id);
      const namespaces = [
        ...new Set(
          members.flatMap((d) => [d.component.targetNamespace, ...d.component.extraNamespaces, ...d.component.extraDestinations, ...d.resourceNamespaces]),
        ),
      ].sort();
      const clusterKinds = uniqueSorted(
        members.flatMap((d) => [...d.component.clusterScopedKinds, ...d.resourceKinds]),
        (gk) => `${gk.group}/${gk.kind}`,
      );
      // In rendered mode ArgoCD never contacts a chart repository: only git sources are listed.
      const sourceRepos = [
        ...new Set([
          config.git.repoURL,
          ...members.flatMap((d) => (d.component.source && !(config.rendered && d.component.source.type === 'helm') ? [d.component.source.repoURL] : [])),
        ]),
      ].sort();
      new ApiObject(this, `project-${layer.id}`, {
        apiVersion: ARGO_API,
        kind: 'AppProject',
        metadata: {
          name: projectName(layer.id),
          namespace: ARGOCD_NAMESPACE,
          labels: commonLabels(layer.id),
          annotations: waveAnnotation(BASICS_WAVE),
        },
        spec: {
          description: `Layer ${layer.id}: ${layer.description}`,
          sourceRepos,
          destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
          clusterResourceWhitelist: clusterKinds,
        },
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
        source: { ...repo, path: rootDir(config.site.name) },
        destination: { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
        syncPolicy: mergeValues(SHARED_SYNC_POLICY as unknown as Record<string, unknown>, {
          automated: { prune: true },
          syncOptions: ['PruneLast=true'],
        }),
      },
    });

    for (const d of deliveries.filter((x) => x.component.delivery.kind === 'root')) {
      new ApiObject(this, `application-${d.element.name}`, rootOwnedApplication(d.element, rootApplicationWave(d.component)));
    }

    for (const layer of LAYERS) {
      const elements = deliveries
        .filter((d) => d.component.layer === layer.id && d.component.delivery.kind === 'applicationset')
        .map((d) => d.element);
      new ApiObject(this, `applicationset-${layer.id}`, layerApplicationSet(layer.id, elements));
    }
  }
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
      project: projectName(e.layer),
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
  const name = projectName(layer);
  return {
    apiVersion: ARGO_API,
    kind: 'ApplicationSet',
    metadata: {
      name,
      namespace: ARGOCD_NAMESPACE,
      labels: commonLabels(layer),
      annotations: {
        ...waveAnnotation(layerWave(layer)),
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
          project: name,
          destination: { server: IN_CLUSTER, namespace: '{{ .namespace }}' },
          syncPolicy: SHARED_SYNC_POLICY,
        },
      },
      templatePatch: TEMPLATE_PATCH,
    },
  };
}
