import { ApiObject } from 'cdk8s';
import { Type } from '@sinclair/typebox';
import type { Construct } from 'constructs';
import { ANNOTATIONS } from '../../platform/model/labels.js';
import { SKIP_DRY_RUN_ON_MISSING_RESOURCE } from '../../platform/argocd/constants.js';
import { ConfigError } from '../../platform/config/errors.js';
import { CONTROL_PLANE_ROLE_KEY } from '../../platform/model/tiers.js';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type PlatformComponentProps,
  type PodPart,
} from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { calls, KUBE_APISERVER, ownPods, service, tcp } from '../../platform/model/network.js';

/** The chart Cilium comes from. Bootstrap installs exactly this, ArgoCD then adopts it. */
export const CILIUM_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://helm.cilium.io/',
  chart: 'cilium',
  version: '1.20.0',
};

export const CILIUM_NAMESPACE = 'kube-system';

/** The LB IPAM pool (and its L2 announcement policy) built from `cluster.loadBalancerPool`. */
export const LB_POOL_NAME = 'edge-idp-lan';

/** The chart's Hubble UI Service (port 80 to the UI's 8081) and Relay Service (80 to 4245). */
export const HUBBLE_UI_SERVICE = { name: 'hubble-ui', port: 80 } as const;
export const HUBBLE_RELAY_SERVICE = { name: 'hubble-relay', port: 80 } as const;

/** Where Cilium's Gateway API and Envoy read TLS secrets from. */
export const CILIUM_SECRETS_NAMESPACE = 'cilium-secrets';

/**
 * Most operator replicas we run: the chart's operator pods repel each other per node, and two
 * are enough for failover on a three-node site.
 */
const MAX_OPERATOR_REPLICAS = 2;

export interface CiliumProps extends PlatformComponentProps {
  /**
   * Cilium operator replicas. Default: one per node up to two (the chart's pod anti-affinity
   * allows at most one per node).
   */
  readonly operatorReplicas?: number;
}

/**
 * Cilium: the CNI with kube-proxy replacement, Hubble (relay and UI) and Gateway API.
 *
 * Requests are for an idle three-node edge site: the agent's and Envoy's follow Cilium's
 * "small cluster" guidance (the agent idles around 150–200 MiB with a few hundred endpoints),
 * the operator, relay, UI and certgen figures are the idle usage such single-purpose Go
 * controllers show (tens of MiB). They are estimates, not measurements on this site: the
 * capacity planner shows what they add up to, and a site can override them.
 *
 * Hubble's TLS certificates are generated in the cluster by the chart's certgen CronJob
 * (`hubble.tls.auto.method: cronJob`): the `helm` method would render new random
 * certificates on every ArgoCD refresh and never converge.
 *
 * LoadBalancer Services (the gateway's) get an address from `cluster.loadBalancerPool` through
 * Cilium LB IPAM, announced on the LAN with L2 announcements (ARP): an edge site has no cloud
 * load balancer.
 *
 * No ServiceMonitors in this chart: the Prometheus Operator CRDs arrive in layer 01-services,
 * after this layer, and the chart refuses to render monitors without them. Cilium exposes
 * metrics Services instead, and the monitoring stack creates the ServiceMonitors
 * (`scrapeTargets`).
 */
export class Cilium extends PlatformComponent {
  constructor(scope: Construct, props: CiliumProps) {
    const { config } = props.context;
    const operatorReplicas = props.operatorReplicas ?? Math.min(MAX_OPERATOR_REPLICAS, config.nodes.length);
    if (!Number.isInteger(operatorReplicas) || operatorReplicas < 1 || operatorReplicas > config.nodes.length) {
      throw new ConfigError(props.context.configFile, [
        {
          path: 'components.cilium.operatorReplicas',
          message: `${String(operatorReplicas)} is not allowed: use an integer from 1 to ${config.nodes.length} (the node count; operator pods repel each other per node)`,
        },
      ]);
    }
    const parts: PodPart[] = [
      {
        name: 'agent',
        kind: 'DaemonSet',
        path: [],
        nodeAgent: true,
        resources: resources('100m', '192Mi', '1Gi'),
        extraContainers: [{ name: 'init', init: true, resourcesKey: ['initResources'], resources: resources('10m', '16Mi', '128Mi') }],
      },
      { name: 'envoy', kind: 'DaemonSet', path: ['envoy'], nodeAgent: true, resources: resources('25m', '64Mi', '512Mi') },
      {
        name: 'operator',
        kind: 'Deployment',
        path: ['operator'],
        replicas: operatorReplicas,
        resources: resources('25m', '64Mi', '256Mi'),
        // The chart's defaults: before the CNI runs every node is not-ready (and, on a cloud,
        // uninitialized); the operator must start anyway, or the agents never get ready.
        chartTolerations: [
          { key: CONTROL_PLANE_ROLE_KEY, operator: 'Exists' },
          { key: 'node-role.kubernetes.io/master', operator: 'Exists' },
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists' },
          { key: 'node.cloudprovider.kubernetes.io/uninitialized', operator: 'Exists' },
        ],
        // The chart's default affinity (which Helm keeps beside our nodeAffinity) requires one
        // operator per node, and it runs on the host network.
        onePerNode: true,
        note: 'The operator keeps the chart\'s default tolerations (not-ready, uninitialized): it must run before any node is Ready.',
      },
      { name: 'hubble-relay', kind: 'Deployment', path: ['hubble', 'relay'], resources: resources('10m', '32Mi', '128Mi') },
      {
        name: 'hubble-ui',
        kind: 'Deployment',
        path: ['hubble', 'ui'],
        resources: resources('5m', '16Mi', '64Mi'),
        keys: { resources: ['hubble', 'ui', 'frontend', 'resources'] },
        extraContainers: [{ name: 'backend', resourcesKey: ['hubble', 'ui', 'backend', 'resources'], resources: resources('5m', '32Mi', '128Mi') }],
        note: 'hubble-ui has one resources key per container (frontend, backend).',
      },
      {
        name: 'hubble-certgen',
        kind: 'CronJob',
        path: ['certgen'],
        resources: resources('10m', '32Mi', '64Mi'),
        note: 'Renews the Hubble TLS certificates.',
      },
      {
        name: 'hubble-generate-certs',
        kind: 'Job',
        path: ['certgen'],
        resources: resources('10m', '32Mi', '64Mi'),
        note: 'Generates the Hubble TLS certificates once at install; same `certgen` keys as the CronJob.',
      },
    ];
    // The chart's workloads run the image tagged with the chart's version (after any override).
    const version = props.settings.version ?? CILIUM_CHART.version;
    super(scope, props, {
      namespacedKinds: groupKinds(
        'ConfigMap',
        'Service',
        'ServiceAccount',
        'apps/DaemonSet',
        'apps/Deployment',
        'batch/CronJob',
        'batch/Job',
        'rbac.authorization.k8s.io/Role',
        'rbac.authorization.k8s.io/RoleBinding',
      ),
      bootstrapRollout: { workloads: ['daemonset/cilium', 'deployment/cilium-operator'], imageTag: `v${version}` },
      namespace: CILIUM_NAMESPACE,
      podSecurity: 'privileged',
      extraNamespaces: [CILIUM_SECRETS_NAMESPACE],
      // Hubble UI has no login: it shows every flow of the cluster to whoever reaches it.
      ui: [{ subdomain: 'hubble', service: HUBBLE_UI_SERVICE.name, port: HUBBLE_UI_SERVICE.port, login: 'none' }],
      // Cilium syncs before the ServiceMonitor CRD exists (and its chart refuses to render
      // monitors without it): the monitoring stack monitors these Services instead.
      scrapeTargets: [
        { name: 'cilium-agent', selector: { 'app.kubernetes.io/name': 'cilium-agent' }, port: 'metrics', pods: 'agent', podPort: 9962 },
        { name: 'cilium-operator', selector: { 'io.cilium/app': 'operator' }, port: 'metrics', pods: 'operator', podPort: 9963 },
        { name: 'hubble', selector: { 'k8s-app': 'hubble' }, port: 'hubble-metrics', pods: 'agent', podPort: 9965 },
      ],
      // The agent, Envoy and the operator run on the host network (no pod policy applies to
      // them); Hubble's relay, UI and certificate Jobs are pods, default-deny like any other.
      network: {
        pods: {
          agent: { labels: { 'k8s-app': 'cilium' }, hostNetwork: true },
          envoy: { labels: { 'k8s-app': 'cilium-envoy' }, hostNetwork: true },
          operator: { labels: { 'io.cilium/app': 'operator' }, hostNetwork: true },
          'hubble-relay': { labels: { 'k8s-app': 'hubble-relay' } },
          'hubble-ui': { labels: { 'k8s-app': 'hubble-ui' } },
          'hubble-certgen': { labels: { 'k8s-app': 'hubble-generate-certs' } },
        },
        services: {
          [HUBBLE_UI_SERVICE.name]: { pods: 'hubble-ui', ports: [[HUBBLE_UI_SERVICE.port, 8081]] },
          [HUBBLE_RELAY_SERVICE.name]: { pods: 'hubble-relay', ports: [[HUBBLE_RELAY_SERVICE.port, 4245]] },
        },
        flows: [
          calls('hubble-ui', service(HUBBLE_RELAY_SERVICE), 'shows the flows Hubble Relay collects'),
          calls('hubble-ui', KUBE_APISERVER, 'lists namespaces for its views'),
          calls('hubble-relay', ownPods('agent'), "collects flows from every node's Hubble server", tcp(4244)),
          calls('hubble-certgen', KUBE_APISERVER, 'writes the Hubble TLS Secrets'),
        ],
      },
      // The agent and operator register the cilium.io CRDs at start-up.
      providesApis: [
        ...['CiliumCIDRGroup', 'CiliumClusterwideEnvoyConfig', 'CiliumClusterwideNetworkPolicy', 'CiliumEndpoint', 'CiliumEnvoyConfig',
          'CiliumIdentity', 'CiliumLoadBalancerIPPool', 'CiliumLocalRedirectPolicy', 'CiliumNetworkPolicy', 'CiliumNode', 'CiliumNodeConfig',
        ].map((k) => `cilium.io/v2/${k}`),
        ...['CiliumEndpointSlice', 'CiliumL2AnnouncementPolicy', 'CiliumPodIPPool'].map((k) => `cilium.io/v2alpha1/${k}`),
      ],
      clusterScopedKinds: [
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
        { group: 'gateway.networking.k8s.io', kind: 'GatewayClass' },
      ],
      source: CILIUM_CHART,
      upstreamValues: 'cilium',
      parts,
      // Never prune or cascade-delete the CNI: a bad commit must not take the network down.
      sync: { prune: false, serverSideApply: true },
      values: {
        k8sServiceHost: config.cluster.apiServer.host,
        k8sServicePort: config.cluster.apiServer.port,
        kubeProxyReplacement: true,
        // LB IPAM + L2 announcements give the gateway's LoadBalancer Service a LAN address.
        // Every announcement lease is an API call: Cilium's docs ask for a higher client rate limit.
        l2announcements: { enabled: true },
        k8sClientRateLimit: { qps: 20, burst: 40 },
        rollOutCiliumPods: true,
        // Metrics Services for the ServiceMonitors the monitoring stack makes (see scrapeTargets).
        prometheus: { enabled: true, metricsService: true },
        ipam: { mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: [config.cluster.podCIDR] } },
        // The namespaces component owns (and labels) the secrets namespace.
        gatewayAPI: { enabled: true, secretsNamespace: { create: false, name: CILIUM_SECRETS_NAMESPACE } },
        tls: { secretsNamespace: { create: false, name: CILIUM_SECRETS_NAMESPACE } },
        envoy: { enabled: true, rollOutPods: true },
        operator: { rollOutPods: true, prometheus: { enabled: true, metricsService: true } },
        hubble: {
          enabled: true,
          tls: { auto: { enabled: true, method: 'cronJob' } },
          // A small set: every Hubble metric costs agent memory per flow label combination.
          metrics: { enabled: ['dns', 'drop', 'tcp', 'flow'] },
          relay: { enabled: true, rollOutPods: true },
          ui: { enabled: true, rollOutPods: true },
        },
      },
    });

    // cilium.io kinds: the operator registers their CRDs when it starts (chart resources, wave
    // 0), so these come one wave later and skip the dry run that would fail before that.
    const crAnnotations = { [ANNOTATIONS.syncWave]: '1', [ANNOTATIONS.syncOptions]: SKIP_DRY_RUN_ON_MISSING_RESOURCE };
    new ApiObject(this, 'lb-pool', {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumLoadBalancerIPPool',
      metadata: { name: LB_POOL_NAME, annotations: crAnnotations },
      spec: { blocks: [{ cidr: config.cluster.loadBalancerPool }] },
    });
    new ApiObject(this, 'l2-announcements', {
      apiVersion: 'cilium.io/v2alpha1',
      kind: 'CiliumL2AnnouncementPolicy',
      metadata: { name: LB_POOL_NAME, annotations: crAnnotations },
      // Any node may answer ARP for a LoadBalancer address: the lease moves when a node dies.
      spec: { loadBalancerIPs: true },
    });
  }
}
export const cilium = defineComponent({
  file: import.meta.url,
  name: 'cilium',
  layer: '00-core',
  tier: 'core',
  description: 'Cilium CNI: kube-proxy replacement, Hubble relay and UI, Gateway API.',
  defaultEnabled: true,
  required: true,
  settings: {
    operatorReplicas: Type.Optional(
      Type.Integer({ minimum: 1, description: `Cilium operator replicas. Default: one per node, at most ${MAX_OPERATOR_REPLICAS}.` }),
    ),
  },
  build: (scope, ctx) => new Cilium(scope, { ...ctx, operatorReplicas: ctx.settings.operatorReplicas }),
});
