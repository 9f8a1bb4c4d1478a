import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import { ARGOCD_NAMESPACE, ARGOCD_SERVER_SERVICE, ARGOCD_SUBDOMAIN } from '../../platform/argocd/constants.js';
import { ARGOCD_PROGRESSIVE_SYNCS_PARAM, healthCustomizationsCm } from '../../platform/argocd/health.js';
import { BASICS_WAVE, layerWave } from '../../platform/argocd/root.js';
import type { FreeFormPath } from '../../platform/conformance/values-keys.js';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type PlatformComponentProps,
  type PlatformSite,
  type PodPart,
} from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { HELM_LABELS } from '../../platform/bootstrap/facts.js';
import { Type } from '@sinclair/typebox';
import { schedulingFor, TIERS } from '../../platform/model/tiers.js';
import { calls, KUBE_APISERVER, service, type PodGroup } from '../../platform/model/network.js';
import type { PlatformConfig } from '../../platform/config/schema.js';
import { oidcClients, uiExposures } from '../../platform/model/ui.js';
import {
  ARGOCD_SSO_SECRET,
  argocdSecretKey,
  argocdSecretRef,
  connectorSecretKey,
  GROUPS_CLAIM,
  oidcProvider,
  SSO_SCOPES,
  ssoClient,
  ssoGroups,
} from './sso-clients.js';

/**
 * The chart ArgoCD comes from. bootstrap.sh installs exactly this chart with the generated
 * values (`helm template | kubectl apply --server-side`), then the root adopts it.
 */
export const ARGOCD_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://argoproj.github.io/argo-helm',
  chart: 'argo-cd',
  version: '10.1.1',
};

/**
 * Root wave of the ArgoCD Application: after the basics (the AppProjects, including the one
 * this Application belongs to, and the PriorityClass its pods name) and before the first
 * layer's ApplicationSet. The root stops at the first wave that is not Healthy, so anything
 * later would let a broken layer block a fix to ArgoCD itself; this early, a commit that
 * repairs ArgoCD always applies.
 *
 * The ServiceMonitors the values ask for need the Prometheus Operator CRDs (layer 01, later
 * waves). The chart renders them only when the API is served (`.Capabilities`), so the
 * first sync (and bootstrap's `helm template`, which knows no CRDs) renders none; once the
 * CRDs exist, ArgoCD's next refresh renders them and the automated sync applies them.
 */
export const ARGOCD_WAVE = BASICS_WAVE + 10;
if (!(ARGOCD_WAVE > BASICS_WAVE && ARGOCD_WAVE < layerWave('00-core'))) {
  throw new Error(`ARGOCD_WAVE ${ARGOCD_WAVE} must lie between the basics (${BASICS_WAVE}) and the first layer (${layerWave('00-core')})`);
}

/** Ports of the repo server's and Redis' Services (the same on their pods). */
const ARGOCD_REPO_SERVER_PORT = 8081;
const ARGOCD_REDIS_PORT = 6379;

export { ARGOCD_SERVER_SERVICE };

/**
 * argo-cd chart maps we fill with keys its values.yaml does not list: the chart copies each
 * one verbatim into a ConfigMap. For the conformance check's allow-list.
 */
export const ARGOCD_FREE_FORM_PATHS: readonly FreeFormPath[] = [
  { path: ['configs', 'cm'], why: 'copied key by key into the argocd-cm ConfigMap (ArgoCD settings, health checks)' },
  { path: ['configs', 'params'], why: 'copied key by key into the argocd-cmd-params-cm ConfigMap (component flags)' },
];

/** One entry of ArgoCD's `resource.exclusions`. */
interface ResourceExclusion {
  readonly apiGroups: readonly string[];
  readonly kinds: readonly string[];
  readonly clusters?: readonly string[];
}

/**
 * Kinds ArgoCD never watches: high-churn objects no one declares in git and that are no
 * useful child of a managed resource. Setting `resource.exclusions` replaces the chart's
 * default list, so that list is repeated here (Endpoints, EndpointSlices, Leases, authn/authz
 * reviews, CSRs, cert-manager CertificateRequests, Cilium identities and endpoints, Kyverno
 * reports), plus Events, cert-manager's ACME Orders and Challenges and the OpenReports group
 * Kyverno can write its reports to.
 */
export const ARGOCD_RESOURCE_EXCLUSIONS: readonly ResourceExclusion[] = [
  { apiGroups: ['', 'events.k8s.io'], kinds: ['Event'] },
  { apiGroups: ['', 'discovery.k8s.io'], kinds: ['Endpoints', 'EndpointSlice'] },
  { apiGroups: ['coordination.k8s.io'], kinds: ['Lease'] },
  {
    apiGroups: ['authentication.k8s.io', 'authorization.k8s.io'],
    kinds: ['SelfSubjectReview', 'TokenReview', 'LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'],
  },
  { apiGroups: ['certificates.k8s.io'], kinds: ['CertificateSigningRequest'] },
  { apiGroups: ['cert-manager.io'], kinds: ['CertificateRequest'] },
  { apiGroups: ['acme.cert-manager.io'], kinds: ['Order', 'Challenge'] },
  { apiGroups: ['cilium.io'], kinds: ['CiliumIdentity', 'CiliumEndpoint', 'CiliumEndpointSlice'] },
  {
    apiGroups: ['kyverno.io', 'reports.kyverno.io', 'wgpolicyk8s.io'],
    kinds: [
      'PolicyReport',
      'ClusterPolicyReport',
      'EphemeralReport',
      'ClusterEphemeralReport',
      'AdmissionReport',
      'ClusterAdmissionReport',
      'BackgroundScanReport',
      'ClusterBackgroundScanReport',
      'UpdateRequest',
    ],
  },
  { apiGroups: ['openreports.io'], kinds: ['Report', 'ClusterReport'] },
];

export interface ArgoCdProps extends PlatformComponentProps {
  /**
   * Run the notifications controller. Default: false: nothing is configured to notify out of
   * the box, and an idle controller is one more pod on the lifeboat node. When on, its
   * secret (`argocd-notifications-secret`) is created empty; fill it from External Secrets.
   */
  readonly notifications?: boolean;
}

/**
 * ArgoCD, self-managed: bootstrap installs it once from this chart and these values, then the
 * root Application owns it (see {@link ARGOCD_WAVE}) and ArgoCD reconciles itself from git.
 * Never pruned and never cascade-deleted: a bad commit must not delete the thing that would
 * revert it. Server-side apply, as bootstrap applies with ArgoCD's field manager and the
 * ApplicationSet CRD is too large for client-side apply.
 *
 * Choices:
 * - Tier `critical`: it is how the site is repaired, so it must survive both workers failing.
 * - One replica of everything and the single-pod Redis (no redis-ha): on three nodes HA would
 *   double the footprint for little gain; the lifeboat tier reschedules a lost pod, and Redis is
 *   only a cache ArgoCD rebuilds. Its password comes from the chart's `redis-secret-init` Job
 *   (a sync hook), never from git.
 * - Sign-in: the local `admin` account always signs in with the password ArgoCD generates into
 *   `argocd-initial-admin-secret` (no password in git, `argocd-secret` is rendered without
 *   data): the break-glass login when the identity provider is down. With `sso`, users also
 *   sign in through OIDC: the bundled Dex (a `dex-server` part: one pod, the component's tier, so
 *   that signing in to ArgoCD keeps working on the lifeboat node) with the connectors of the
 *   config, or an external provider (`oidc.config`). Groups map to roles (`configs.rbac`).
 *   Without `sso` there is no Dex and everyone but the admin is `role:readonly`.
 * - `server.insecure`: the layer-03 gateway terminates TLS with the site certificate and routes
 *   plain HTTP to `argocd-server:80` (Gateway API backends would otherwise need a
 *   BackendTLSPolicy for ArgoCD's self-signed certificate). The CLI uses `--grpc-web`.
 * - Annotation resource tracking (the v3 default, written down so it cannot drift), the health
 *   checks from `platform/argocd/health.ts` that make layer ordering work, and the exclusions in
 *   {@link ARGOCD_RESOURCE_EXCLUSIONS}.
 * - The ApplicationSet controller always runs (this chart has no switch for it): the layers
 *   are ApplicationSets. Notifications: see {@link ArgoCdProps.notifications}.
 * - Metrics and ServiceMonitors on for the controller, server, repo-server and ApplicationSet
 *   controller; not for Redis (that needs an exporter sidecar for a disposable cache).
 *
 * Requests are estimates of an idle edge site (a few dozen Applications, a few thousand
 * objects): the controller's memory grows with the objects it caches, the repo-server's
 * with the largest chart it renders, hence their larger limits; the server, ApplicationSet
 * controller, Redis and the hook Job idle at tens of MiB. They are not measurements on this
 * site; the capacity planner shows what they add up to.
 */
export class ArgoCd extends PlatformComponent {
  constructor(scope: Construct, props: ArgoCdProps) {
    const notifications = props.notifications ?? false;
    const { config } = props.context;
    const critical = schedulingFor('critical');
    const parts: PodPart[] = [
      {
        name: 'application-controller',
        kind: 'StatefulSet',
        path: ['controller'],
        resources: resources('100m', '384Mi', '1Gi'),
      },
      { name: 'server', kind: 'Deployment', path: ['server'], resources: resources('25m', '96Mi', '256Mi') },
      {
        name: 'repo-server',
        kind: 'Deployment',
        path: ['repoServer'],
        resources: resources('50m', '128Mi', '1Gi'),
        extraContainers: [
          { name: 'copyutil', init: true, resourcesKey: ['repoServer', 'copyutil', 'resources'], resources: resources('10m', '32Mi', '128Mi') },
        ],
        note: 'copyutil (init) copies the argocd binary; without its own key it would inherit the repo-server resources.',
      },
      {
        name: 'applicationset-controller',
        kind: 'Deployment',
        path: ['applicationSet'],
        resources: resources('10m', '64Mi', '256Mi'),
      },
      {
        name: 'redis',
        kind: 'Deployment',
        path: ['redis'],
        resources: resources('10m', '32Mi', '128Mi'),
        keys: { replicas: null },
        note: 'The chart runs exactly one Redis pod (no replicas key); HA would be redis-ha.',
      },
      {
        name: 'redis-secret-init',
        kind: 'Job',
        path: ['redisSecretInit'],
        resources: resources('10m', '32Mi', '128Mi'),
        note: 'Helm pre-install/pre-upgrade hook (an ArgoCD PreSync hook): generates the Redis password secret.',
      },
    ];
    const provider = oidcProvider(config);
    const dex = provider?.kind === 'dex';
    if (dex) {
      parts.push({
        name: 'dex-server',
        kind: 'Deployment',
        path: ['dex'],
        resources: resources('10m', '48Mi', '256Mi'),
        keys: { replicas: null },
        extraContainers: [
          { name: 'copyutil', init: true, resourcesKey: ['dex', 'initImage', 'resources'], resources: resources('10m', '32Mi', '128Mi') },
        ],
        note: 'The chart runs exactly one Dex pod (no replicas key); copyutil (init) copies the argocd binary that starts Dex.',
      });
    }
    if (notifications) {
      parts.push({
        name: 'notifications-controller',
        kind: 'Deployment',
        path: ['notifications'],
        resources: resources('10m', '32Mi', '128Mi'),
        keys: { replicas: null },
        note: 'The chart runs exactly one notifications pod (no replicas key).',
      });
    }
    // A fresh object per key: the model writes each part's settings into its block in place.
    const metrics = () => ({ metrics: { enabled: true, serviceMonitor: { enabled: true } } });
    // Without the application controller and the repo server ArgoCD syncs nothing.
    const release = props.definition.name;
    // The chart's selector labels: `<release>-<part>` and the release.
    // Dex's Service (the chart's `<release>-dex-server`) and its ports (the chart's defaults).
    const dexService = { name: `${release}-dex-server` };
    const pod = (part: string): PodGroup => ({ labels: { 'app.kubernetes.io/name': `${release}-${part}`, 'app.kubernetes.io/instance': release } });
    const repoServer = service({ name: `${release}-repo-server`, port: ARGOCD_REPO_SERVER_PORT });
    const redis = service({ name: `${release}-redis`, port: ARGOCD_REDIS_PORT });
    super(scope, props, {
      releaseName: release,
      namespacedKinds: groupKinds(
        'ConfigMap',
        'Secret',
        'Service',
        'ServiceAccount',
        'apps/Deployment',
        'apps/StatefulSet',
        'batch/Job',
        'monitoring.coreos.com/ServiceMonitor',
        'rbac.authorization.k8s.io/Role',
        'rbac.authorization.k8s.io/RoleBinding',
      ),
      bootstrapRollout: {
        workloads: [`statefulset/${release}-application-controller`, `deployment/${release}-repo-server`],
        workloadSelector: `${HELM_LABELS.instance}=${release}`,
        crds: ['applications', 'applicationsets', 'appprojects'].map((plural) => `${plural}.argoproj.io`),
      },
      namespace: ARGOCD_NAMESPACE,
      source: ARGOCD_CHART,
      upstreamValues: 'argo-cd',
      valuesAllowances: { freeForm: ARGOCD_FREE_FORM_PATHS },
      // The chart renders its ServiceMonitors only once the cluster serves monitoring.coreos.com.
      capabilityGatedApiGroups: ['monitoring.coreos.com'],
      parts,
      delivery: { kind: 'root', wave: ARGOCD_WAVE },
      // The chart's own NetworkPolicies are off (`global.networkPolicy.create`): they admit any
      // pod to the server and any namespace to every metrics port. These flows are theirs,
      // narrowed: the server from the gateway only, the repo server and Redis from the parts
      // that use them, metrics from Prometheus. Egress stays open (see openEgress).
      network: {
        pods: {
          'application-controller': pod('application-controller'),
          server: pod('server'),
          'repo-server': pod('repo-server'),
          'applicationset-controller': pod('applicationset-controller'),
          redis: pod('redis'),
          'redis-secret-init': pod('redis-secret-init'),
          ...(notifications ? { 'notifications-controller': pod('notifications-controller') } : {}),
          ...(dex ? { 'dex-server': pod('dex-server') } : {}),
        },
        services: {
          [ARGOCD_SERVER_SERVICE.name]: { pods: 'server', ports: [[ARGOCD_SERVER_SERVICE.port, 8080], [443, 8080]] },
          ...(dex ? { [dexService.name]: { pods: 'dex-server', ports: [DEX_PORTS.http, DEX_PORTS.grpc, DEX_PORTS.metrics] } } : {}),
          [`${release}-repo-server`]: { pods: 'repo-server', ports: [ARGOCD_REPO_SERVER_PORT] },
          [`${release}-redis`]: { pods: 'redis', ports: [ARGOCD_REDIS_PORT] },
        },
        // The chart's ServiceMonitors (once the monitoring CRDs exist).
        metrics: [
          { pods: 'application-controller', port: 8082 },
          { pods: 'server', port: 8083 },
          { pods: 'repo-server', port: 8084 },
          { pods: 'applicationset-controller', port: 8080 },
          ...(notifications ? [{ pods: 'notifications-controller', port: 9001 }] : []),
          ...(dex ? [{ pods: 'dex-server', port: DEX_PORTS.metrics }] : []),
        ],
        flows: [
          calls('application-controller', repoServer, 'renders manifests'),
          calls('server', repoServer, 'renders manifests for the UI and API'),
          calls('applicationset-controller', repoServer, 'reads git for generators'),
          ...(notifications ? [calls('notifications-controller', repoServer, 'reads notification settings from git')] : []),
          calls('application-controller', redis, 'caches cluster state'),
          calls('server', redis, 'caches application state'),
          calls('repo-server', redis, 'caches rendered manifests'),
          calls('application-controller', KUBE_APISERVER, 'syncs every Application'),
          calls('server', KUBE_APISERVER, 'serves the UI and API from cluster state'),
          calls('applicationset-controller', KUBE_APISERVER, 'generates Applications'),
          calls('redis-secret-init', KUBE_APISERVER, "creates Redis' password Secret (PreSync hook)"),
          ...(notifications ? [calls('notifications-controller', KUBE_APISERVER, 'watches Applications')] : []),
          ...(dex
            ? [
                calls('server', service({ ...dexService, port: DEX_PORTS.http }), 'serves the bundled Dex at /api/dex (single sign-on)'),
                calls('server', service({ ...dexService, port: DEX_PORTS.grpc }), "reads Dex's clients over gRPC"),
                calls('dex-server', KUBE_APISERVER, 'reads its config from argocd-cm and the Secrets labelled for ArgoCD'),
              ]
            : []),
        ],
        openEgress:
          'the repo server fetches git and Helm repositories wherever Applications point (any host); ArgoCD is how the site is repaired, so no missing rule may cut it off',
      },
      // Never prune or cascade-delete ArgoCD: a bad commit must not delete its own repairer.
      sync: { prune: false, serverSideApply: true },
      // Its own login: the local admin, and single sign-on through OIDC when `sso` is configured.
      ui: [{ subdomain: ARGOCD_SUBDOMAIN, service: ARGOCD_SERVER_SERVICE.name, port: ARGOCD_SERVER_SERVICE.port, login: 'oidc' }],
      // With an external provider ArgoCD is one more client of it (the bundled Dex registers ArgoCD itself).
      oidcClients:
        provider?.kind === 'external'
          ? [{ name: props.definition.name, redirectUris: [`https://${ARGOCD_SUBDOMAIN}.${config.site.domain}/auth/callback`, ARGOCD_CLI_CALLBACK] }]
          : [],
      clusterScopedKinds: [
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      ],
      values: {
        global: {
          domain: `${ARGOCD_SUBDOMAIN}.${config.site.domain}`,
          // Fallback for any pod a future value turns on without a declared part (e.g. Dex).
          priorityClassName: TIERS.critical.priorityClassName,
          tolerations: structuredClone(critical.tolerations),
          // The network-policies component admits exactly the flows declared above instead.
          networkPolicy: { create: false },
        },
        crds: { install: true, keep: true },
        configs: {
          cm: {
            'application.resourceTrackingMethod': 'annotation',
            'resource.exclusions': stringify(ARGOCD_RESOURCE_EXCLUSIONS),
            ...healthCustomizationsCm(),
            ...ssoSettings(config),
          },
          // Keeps ApplicationSet status.resources current: the layer gate reads it (health.ts).
          params: { 'server.insecure': true, [ARGOCD_PROGRESSIVE_SYNCS_PARAM]: true },
          rbac: rbacSettings(config),
          // The chart creates argocd-secret without data (no password in git); the server
          // adds its signing key and the initial admin password secret at runtime.
          secret: { createSecret: true },
        },
        dex: dex ? { enabled: true, ...metrics() } : { enabled: false },
        notifications: {
          enabled: notifications,
          ...(notifications ? { metrics: { enabled: true, serviceMonitor: { enabled: true } } } : {}),
        },
        redisSecretInit: { enabled: true },
        controller: metrics(),
        server: metrics(),
        repoServer: metrics(),
        applicationSet: metrics(),
      },
    });
  }

  /**
   * Phase 2, with the bundled Dex: its config, with the connectors of the config (their secrets
   * read from {@link ARGOCD_SSO_SECRET}) and one static client per OIDC client of the site
   * (Grafana, Argo Workflows, Vault, the UI proxy), each with its redirect URIs and its secret
   * from the same Secret. ArgoCD registers itself.
   */
  protected override aggregate(site: PlatformSite): void {
    const sso = site.config.sso;
    if (!sso?.dex) return;
    const clients = oidcClients(site.components, uiExposures(site, this.context.configFile));
    const dexConfig = {
      connectors: sso.dex.connectors.map((c) => ({
        type: c.type,
        id: c.id,
        name: c.name,
        config: {
          ...c.config,
          ...Object.fromEntries(c.secrets.map((field) => [field, argocdSecretRef(connectorSecretKey(c.id, field))])),
        },
      })),
      staticClients: clients.map((c) => ({
        id: ssoClient(site.config, c.name).id,
        name: c.name,
        secret: argocdSecretRef(argocdSecretKey(site.config, c.name)),
        redirectURIs: [...c.redirectUris],
      })),
    };
    this.setValue(['configs', 'cm', 'dex.config'], stringify(dexConfig));
  }
}

/** Ports of the bundled Dex (the chart's `dex.servicePort*` defaults, the same on the pod). */
const DEX_PORTS = { http: 5556, grpc: 5557, metrics: 5558 } as const;

/** The ArgoCD CLI's callback when it logs in through an external provider (`argocd login --sso`). */
const ARGOCD_CLI_CALLBACK = 'http://localhost:8085/auth/callback';

/**
 * `argocd-cm` settings of single sign-on: the bundled Dex's `dex.config` (filled in phase 2,
 * declared here to keep its place), or `oidc.config` for an external provider, its client
 * secret read from {@link ARGOCD_SSO_SECRET}.
 */
function ssoSettings(config: PlatformConfig): Record<string, string> {
  const provider = oidcProvider(config);
  if (!provider) return {};
  if (provider.kind === 'dex') return { 'dex.config': '' };
  return {
    'oidc.config': stringify({
      name: 'Single sign-on',
      issuer: provider.issuer,
      clientID: ssoClient(config, 'argocd').id,
      clientSecret: argocdSecretRef(argocdSecretKey(config, 'argocd')),
      requestedScopes: [...SSO_SCOPES],
    }),
  };
}

/**
 * `argocd-rbac-cm`: without single sign-on only the local admin signs in, and everyone else
 * (nobody) is read-only. With it, the admin groups get `role:admin`, the viewer groups
 * `role:readonly`, and any other signed-in user nothing (`policy.default` empty): a user the
 * provider knows is not yet a user of the platform.
 */
function rbacSettings(config: PlatformConfig): Record<string, string> {
  if (!config.sso) return { 'policy.default': 'role:readonly' };
  const { admin, viewer } = ssoGroups(config);
  const lines = [...admin.map((g) => `g, ${g}, role:admin`), ...viewer.map((g) => `g, ${g}, role:readonly`)];
  return { 'policy.default': '', 'policy.csv': `${lines.join('\n')}\n`, scopes: `[${GROUPS_CLAIM}]` };
}

export const argocd = defineComponent({
  file: import.meta.url,
  name: 'argocd',
  layer: '02-engines',
  tier: 'critical',
  description: 'ArgoCD: the GitOps engine, managing itself and every layer from git.',
  defaultEnabled: true,
  required: true,
  settings: {
    notifications: Type.Optional(Type.Boolean({ description: 'Run the ArgoCD notifications controller. Default: false.' })),
  },
  build: (scope, ctx) => new ArgoCd(scope, { ...ctx, notifications: ctx.settings.notifications }),
});
