import type { Construct } from 'constructs';
import type { FreeFormPath } from '../../platform/conformance/values-keys.js';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type PlatformComponentProps,
  type PodPart,
} from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { Type } from '@sinclair/typebox';
import { StringEnum } from '../../platform/config/schema.js';
import { TIERS } from '../../platform/model/tiers.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { calls, KUBE_APISERVER } from '../../platform/model/network.js';

/** The chart Argo Workflows comes from. */
export const ARGO_WORKFLOWS_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://argoproj.github.io/argo-helm',
  chart: 'argo-workflows',
  version: '1.0.18',
};

export const ARGO_WORKFLOWS_NAMESPACE = 'argo-workflows';

/** The chart's appVersion: the controller starts every workflow pod with this executor tag. */
export const ARGO_WORKFLOWS_APP_VERSION = 'v4.0.6';

/** The Argo Server (UI and API) service: plain HTTP (`server.secure: false`), TLS ends at the gateway. */
export const ARGO_WORKFLOWS_SERVER_SERVICE = { name: 'argo-workflows-server', port: 2746 } as const;

/** How the Argo Server authenticates API and UI calls. */
export const ARGO_WORKFLOWS_AUTH_MODES = ['client', 'server'] as const;

/** Defaults of the Argo Workflows settings. */
export const ARGO_WORKFLOWS_DEFAULTS = { authMode: 'client', workflowTtlSeconds: 86_400 } as const;
export type ArgoWorkflowsAuthMode = (typeof ARGO_WORKFLOWS_AUTH_MODES)[number];

/**
 * argo-workflows chart maps we fill with keys its values.yaml does not list. For the
 * conformance check's allow-list.
 */
export const ARGO_WORKFLOWS_FREE_FORM_PATHS: readonly FreeFormPath[] = [
  {
    path: ['controller', 'workflowDefaults'],
    why: 'copied verbatim into the controller ConfigMap as workflowDefaults: a Workflow object merged into every workflow',
  },
];

/** A restricted-Pod-Security container context for the pods the controller creates (a fresh object each call). */
function restrictedContainer() {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export interface ArgoWorkflowsProps extends PlatformComponentProps {
  /**
   * Argo Server auth mode. Default: `client`: every call carries the caller's own Kubernetes
   * token, so the UI grants exactly the caller's RBAC. `server` runs every call as the
   * server's service account: anyone who reaches the URL could run pods; only for a lab.
   * (`sso` needs an identity provider the edge does not have.)
   */
  readonly authMode?: ArgoWorkflowsAuthMode;
  /**
   * Seconds a finished workflow is kept before it is deleted (`ttlStrategy`). Default: 86400
   * (one day): finished workflows and their pods would otherwise pile up in etcd and on nodes.
   */
  readonly workflowTtlSeconds?: number;
}

/**
 * Argo Workflows: the workflow controller and the Argo Server (UI/API), in one namespace that
 * is also where workflows run.
 *
 * Choices:
 * - Tier `important`: the engine may wait for a worker to come back. Workflow pods are
 *   tenant work: `workflowDefaults` gives them the workloads tier's PriorityClass, garbage
 *   collects succeeded pods, deletes finished workflows after a TTL, and makes their executor
 *   and main containers comply with the namespace's restricted Pod Security level (the chart's
 *   own pods get the missing seccomp profile too). The executor (`init`/`wait` containers) gets
 *   explicit requests so a requests-and-limits policy does not reject every workflow pod.
 * - Auth mode: see {@link ArgoWorkflowsProps.authMode}. `server.secure: false`: the layer-03
 *   gateway terminates TLS and routes plain HTTP to the server.
 * - Minimal CRDs rendered by the chart (`crds.full: false`). The full ones would come from a
 *   pre-install Job that downloads them from GitHub at sync time: an edge site may have no
 *   internet, and ArgoCD would not see or own them.
 * - `images.pullPolicy: IfNotPresent` (the chart says `Always`): the images are pinned to the
 *   chart's appVersion, and a registry outage must not stop pods from (re)starting.
 * - One replica each; ServiceMonitor for the controller metrics (the server offers none).
 *
 * Requests are estimates of an idle controller and server with a handful of workflows (Go
 * controllers idling at tens of MiB; the controller's memory grows with live workflows, hence
 * its limit). Not measured on this site; the capacity planner shows the totals.
 */
export class ArgoWorkflows extends PlatformComponent {
  constructor(scope: Construct, props: ArgoWorkflowsProps) {
    const authMode = props.authMode ?? ARGO_WORKFLOWS_DEFAULTS.authMode;
    const ttl = props.workflowTtlSeconds ?? ARGO_WORKFLOWS_DEFAULTS.workflowTtlSeconds;
    const parts: PodPart[] = [
      {
        name: 'workflow-controller',
        kind: 'Deployment',
        path: ['controller'],
        resources: resources('25m', '96Mi', '512Mi'),
      },
      { name: 'server', kind: 'Deployment', path: ['server'], resources: resources('10m', '64Mi', '256Mi') },
    ];
    // Fresh objects per key: the model writes each part's settings into its block in place.
    const podSecurityContext = () => ({ seccompProfile: { type: 'RuntimeDefault' } });
    super(scope, props, {
      namespace: ARGO_WORKFLOWS_NAMESPACE,
      source: ARGO_WORKFLOWS_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('ConfigMap', 'Service', 'ServiceAccount', 'apps/Deployment', 'monitoring.coreos.com/ServiceMonitor', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding'),
      // The executor (init/wait containers of every workflow pod) is named only in the controller's config.
      runtimeImages: [`quay.io/argoproj/argoexec:${ARGO_WORKFLOWS_APP_VERSION}`],
      upstreamValues: 'argo-workflows',
      valuesAllowances: { freeForm: ARGO_WORKFLOWS_FREE_FORM_PATHS },
      parts,
      ui: [{ subdomain: 'workflows', service: ARGO_WORKFLOWS_SERVER_SERVICE.name, port: ARGO_WORKFLOWS_SERVER_SERVICE.port }],
      network: {
        pods: Object.fromEntries(
          parts.map((p) => [p.name, { labels: { 'app.kubernetes.io/name': `${props.definition.name}-${p.name}`, 'app.kubernetes.io/instance': props.definition.name } }]),
        ),
        services: { [ARGO_WORKFLOWS_SERVER_SERVICE.name]: { pods: 'server', ports: [ARGO_WORKFLOWS_SERVER_SERVICE.port] } },
        metrics: [{ pods: 'workflow-controller', port: 9090 }],
        flows: [
          calls('workflow-controller', KUBE_APISERVER, 'runs workflows as pods'),
          calls('server', KUBE_APISERVER, "serves the UI and API with each caller's own token"),
        ],
        openEgress: 'workflows run in this namespace, and their steps call whatever they are written to (git hosts, registries, APIs)',
      },
      clusterScopedKinds: [
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      ],
      values: {
        images: { pullPolicy: 'IfNotPresent' },
        crds: { install: true, full: false, keep: true },
        workflow: { serviceAccount: { create: true }, rbac: { create: true } },
        controller: {
          workflowNamespaces: [ARGO_WORKFLOWS_NAMESPACE],
          metricsConfig: { enabled: true },
          serviceMonitor: { enabled: true },
          podSecurityContext: podSecurityContext(),
          workflowDefaults: {
            spec: {
              podPriorityClassName: TIERS.workloads.priorityClassName,
              podGC: { strategy: 'OnPodSuccess' },
              ttlStrategy: { secondsAfterCompletion: ttl },
            },
          },
        },
        executor: {
          resources: resources('10m', '32Mi', '256Mi'),
          securityContext: restrictedContainer(),
        },
        mainContainer: { securityContext: restrictedContainer() },
        server: {
          enabled: true,
          authModes: [authMode],
          secure: false,
          podSecurityContext: podSecurityContext(),
        },
      },
    });
  }
}

export const argoWorkflows = defineComponent({
  file: import.meta.url,
  name: 'argo-workflows',
  layer: '02-engines',
  tier: 'important',
  description: 'Argo Workflows: workflow controller and Argo Server UI.',
  defaultEnabled: true,
  settings: {
    authMode: Type.Optional(
      StringEnum(ARGO_WORKFLOWS_AUTH_MODES, {
        description:
          `Argo Server auth mode: 'client' (the caller's own Kubernetes token) or 'server' (the server's service account; labs only). Default: ${ARGO_WORKFLOWS_DEFAULTS.authMode}.`,
      }),
    ),
    workflowTtlSeconds: Type.Optional(
      Type.Integer({ minimum: 60, description: `Seconds a finished workflow is kept before deletion. Default: ${ARGO_WORKFLOWS_DEFAULTS.workflowTtlSeconds}.` }),
    ),
  },
  build: (scope, ctx) =>
    new ArgoWorkflows(scope, { ...ctx, authMode: ctx.settings.authMode, workflowTtlSeconds: ctx.settings.workflowTtlSeconds }),
});
