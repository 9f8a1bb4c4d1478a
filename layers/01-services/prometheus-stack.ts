import { ApiObject } from 'cdk8s';
import { Type } from '@sinclair/typebox';
import type { Construct } from 'constructs';
import { PROMETHEUS_OPERATOR_VERSION } from './prometheus-operator-crds.js';
import type { FreeFormPath } from '../../platform/conformance/values-keys.js';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type PlatformComponentProps,
  type PodPart,
  type ScrapeTarget,
  type UiEndpoint,
  type PlatformSite,
} from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { formatMemory, parseMemory } from '../../platform/model/quantity.js';
import type { ConfigProblem } from '../../platform/config/errors.js';
import { volumeSizeProblems } from '../../platform/config/semantics.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { calledBy, calls, CLUSTER_DNS, KUBE_APISERVER, service, tcp } from '../../platform/model/network.js';

/** Namespace of the monitoring stack; other components' ServiceMonitors and dashboards refer to it. */
export const MONITORING_NAMESPACE = 'monitoring';
/** Port of the config-reloader sidecar Prometheus and Alertmanager serve their reload metrics on. */
const RELOADER_PORT = 8080;

/** Prometheus query endpoint (kube-prometheus-stack with `fullnameOverride`, see its component). */
export const PROMETHEUS_SERVICE = { name: 'prometheus-stack-prometheus', namespace: MONITORING_NAMESPACE, port: 9090 } as const;
export const ALERTMANAGER_SERVICE = { name: 'prometheus-stack-alertmanager', namespace: MONITORING_NAMESPACE, port: 9093 } as const;

/** kube-prometheus-stack at an exact version (app: prometheus-operator v0.93.1). */
export const PROMETHEUS_STACK_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://prometheus-community.github.io/helm-charts',
  chart: 'kube-prometheus-stack',
  version: '88.5.3',
};

/**
 * The chart's `fullnameOverride`: object names become `prometheus-stack-<part>`, which is what
 * `PROMETHEUS_SERVICE` and `ALERTMANAGER_SERVICE` above name.
 */
export const PROMETHEUS_STACK_FULLNAME = 'prometheus-stack';

/**
 * Label of the Grafana dashboard ConfigMaps the chart deploys without its own Grafana
 * (`grafana.forceDeployDashboards`), for a Grafana sidecar to pick up.
 */
export const PROMETHEUS_STACK_DASHBOARD_LABEL = { key: 'grafana_dashboard', value: '1' } as const;

/** Defaults of {@link PrometheusStackProps}. */
export const PROMETHEUS_STACK_DEFAULTS = {
  retention: '7d',
  volumeSize: '10Gi',
  storageClass: 'local-path',
} as const;

/** Share of the volume Prometheus may fill before it deletes old blocks (the rest is WAL and headroom). */
const RETENTION_SIZE_SHARE = 0.8;

/** Prometheus' own duration syntax (as the Prometheus CRD validates `spec.retention`). */
export const PROMETHEUS_DURATION_PATTERN = '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$';
/** Prometheus' byte-size syntax (as the Prometheus CRD validates `spec.retentionSize`). */
export const PROMETHEUS_BYTES_PATTERN = '^(0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$';

export interface PrometheusStackProps extends PlatformComponentProps {
  /** How long Prometheus keeps samples. Default: `7d`. */
  readonly retention?: string;
  /**
   * Size at which Prometheus deletes its oldest blocks, whatever their age (Prometheus syntax:
   * `8GB`, `6GiB`). Default: 80% of `volumeSize` (the rest is left for the WAL and compaction).
   */
  readonly retentionSize?: string;
  /** Size of Prometheus' volume. Default: `10Gi`. */
  readonly volumeSize?: string;
  /** StorageClass of Prometheus' volume. Default: `local-path` (k3s' local-path provisioner). */
  readonly storageClass?: string;
}

/**
 * Keys the chart's templates read that its values.yaml only documents in a comment
 * (`# priorityClassName: ""`), or that belong to a subchart whose own values.yaml is not in the
 * upstream data folder. Each was checked against the template or subchart values that reads it;
 * the conformance test accepts exactly these (and fails on an entry no longer used).
 */
export const PROMETHEUS_STACK_EXTRA_KEYS: readonly FreeFormPath[] = [
  {
    path: ['prometheusOperator', 'priorityClassName'],
    why: 'templates/prometheus-operator/deployment.yaml reads it; values.yaml has it commented out',
  },
  ...['priorityClassName', 'tolerations', 'affinity', 'resources', 'replicas'].map((key) => ({
    path: ['kube-state-metrics', key],
    why: `kube-state-metrics subchart 8.4.0 (pinned by the chart's Chart.yaml): values.yaml key '${key}' read by templates/deployment.yaml`,
  })),
  ...['priorityClassName', 'tolerations', 'resources'].map((key) => ({
    path: ['prometheus-node-exporter', key],
    why: `prometheus-node-exporter subchart 4.56.1 (pinned by the chart's Chart.yaml): values.yaml key '${key}' read by templates/daemonset.yaml`,
  })),
];

/**
 * Maps the chart passes through verbatim into a prometheus-operator custom resource, so their
 * inner keys are the CRD's, not the chart's (checked against the Prometheus CRD instead).
 */
export const PROMETHEUS_STACK_FREE_FORM_PATHS: readonly FreeFormPath[] = [
  { path: ['prometheus', 'prometheusSpec', 'storageSpec'], why: 'copied into Prometheus spec.storage (a StorageSpec)' },
  { path: ['prometheus', 'prometheusSpec', 'externalLabels'], why: 'copied into Prometheus spec.externalLabels (a string map)' },
  { path: ['coreDns', 'serviceMonitor', 'selector'], why: 'copied into the CoreDNS ServiceMonitor spec.selector (a LabelSelector)' },
];

/** The config-reloader sidecar (and its init twin) the operator adds to Prometheus and Alertmanager pods. */
const CONFIG_RELOADER = resources('10m', '24Mi', '64Mi');
const CONFIG_RELOADER_KEY = ['prometheusOperator', 'prometheusConfigReloader', 'resources'] as const;

function configReloaders(): PodPart['extraContainers'] {
  return [
    { name: 'config-reloader', resourcesKey: CONFIG_RELOADER_KEY, resources: CONFIG_RELOADER },
    { name: 'init-config-reloader', init: true, resourcesKey: CONFIG_RELOADER_KEY, resources: CONFIG_RELOADER },
  ];
}

/** 80% of a Kubernetes memory quantity, in Prometheus' base-2 `MB`. */
function defaultRetentionSize(volumeSize: string): string {
  return `${Math.floor((parseMemory(volumeSize) * RETENTION_SIZE_SHARE) / 1024 ** 2)}MB`;
}

/**
 * kube-prometheus-stack: Prometheus, Alertmanager, the Prometheus Operator (with its admission
 * webhook certificate Jobs), kube-state-metrics and node-exporter, in `monitoring`. Tier
 * critical: it is what an operator needs to see the site, so every part but node-exporter may
 * fall back to the control-plane node; node-exporter runs on every node.
 *
 * Decisions:
 * - **CRDs elsewhere**: `crds.enabled: false`; the `prometheus-operator-crds` component syncs
 *   them from the root before layer 01 (see `prometheus-operator-crds.ts`). Synth refuses this
 *   component without that one.
 * - **No Grafana**: `grafana.enabled: false` (Grafana is standalone in layer 03); the chart's
 *   dashboards are still deployed as ConfigMaps labelled
 *   {@link PROMETHEUS_STACK_DASHBOARD_LABEL} for that Grafana's sidecar.
 * - **Every namespace's monitors**: the `*SelectorNilUsesHelmValues: false` settings make the
 *   empty selectors match every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and
 *   PrometheusRule in every namespace, not only those labelled with this release.
 * - **k3s control plane**: k3s runs the scheduler, controller-manager and its datastore (kine
 *   or embedded etcd) inside the k3s process, not as pods, with their metrics bound to
 *   127.0.0.1 by default, so the chart's pod-selecting Services would find nothing; and Cilium
 *   replaces kube-proxy. So the kubeEtcd, kubeScheduler, kubeControllerManager and
 *   kubeProxy scrape jobs are off (the chart then also drops their alert rules, which would
 *   otherwise fire `…Down` forever). The API server, kubelet/cAdvisor and CoreDNS are scraped;
 *   CoreDNS through the cluster's own `kube-dns` Service, so nothing lands in kube-system.
 * - **Edge storage**: Prometheus keeps `retention` (7d) capped at `retentionSize` (80% of a
 *   10Gi `local-path` volume). A local-path volume lives on one node, so Prometheus is pinned
 *   to the node it first landed on (normally a worker); if that node is lost, Prometheus waits
 *   for it (or for its PVC to be deleted) instead of moving to the control-plane node.
 *   Alertmanager keeps its silences in an emptyDir, so it stays free to move.
 * - **Webhook certificates**: the chart's certgen Jobs create and patch the admission webhook
 *   CA; the CA bundle they patch in is ignored by ArgoCD's diff.
 *
 * Requests are estimates for an idle three-node site with a few hundred pods' worth of series
 * (~100k active series), not measurements: Prometheus' ~0.6–1 GiB follows its rule of thumb of
 * a few KiB per active series; the operator, kube-state-metrics, node-exporter, Alertmanager
 * and config-reloader figures are the tens of MiB such Go binaries idle at. The capacity
 * planner shows what they add up to; a site can override them.
 */
export class PrometheusStack extends PlatformComponent {
  constructor(scope: Construct, props: PrometheusStackProps) {
    const { config } = props.context;
    const retention = props.retention ?? PROMETHEUS_STACK_DEFAULTS.retention;
    const volumeSize = props.volumeSize ?? PROMETHEUS_STACK_DEFAULTS.volumeSize;
    const retentionSize = props.retentionSize ?? defaultRetentionSize(volumeSize);
    const storageClass = props.storageClass ?? PROMETHEUS_STACK_DEFAULTS.storageClass;
    // The Helm release (the component's name): the chart's pods carry it as `release` and `app.kubernetes.io/instance`.
    const release = props.definition.name;

    const admissionJob = (name: string, note: string): PodPart => ({
      name,
      kind: 'Job',
      path: ['prometheusOperator', 'admissionWebhooks', 'patch'],
      resources: resources('10m', '16Mi', '64Mi'),
      note,
    });
    const parts: PodPart[] = [
      {
        name: 'operator',
        kind: 'Deployment',
        path: ['prometheusOperator'],
        resources: resources('25m', '64Mi', '256Mi'),
        keys: { replicas: null },
        note: 'The chart hard-codes one replica; priorityClassName is read by the template but only commented in values.yaml.',
      },
      admissionJob('admission-create', 'Hook Job creating the webhook CA and certificate; shares the patch block with admission-patch.'),
      admissionJob('admission-patch', 'Hook Job patching the CA into the webhook configurations; shares the patch block with admission-create.'),
      {
        name: 'prometheus',
        kind: 'Prometheus',
        path: ['prometheus', 'prometheusSpec'],
        replicas: 1,
        resources: resources('200m', '768Mi', '2Gi'),
        keys: { replicas: ['prometheus', 'prometheusSpec', 'replicas'] },
        extraContainers: configReloaders(),
        note: 'The operator builds the StatefulSet; config-reloader resources are operator flags shared with Alertmanager.',
      },
      {
        name: 'alertmanager',
        kind: 'Alertmanager',
        path: ['alertmanager', 'alertmanagerSpec'],
        replicas: 1,
        resources: resources('10m', '48Mi', '128Mi'),
        keys: { replicas: ['alertmanager', 'alertmanagerSpec', 'replicas'] },
        extraContainers: configReloaders(),
        note: 'The operator builds the StatefulSet; config-reloader resources are operator flags shared with Prometheus.',
      },
      {
        name: 'kube-state-metrics',
        kind: 'Deployment',
        path: ['kube-state-metrics'],
        resources: resources('10m', '64Mi', '256Mi'),
        note: 'Subchart: its keys sit under kube-state-metrics.',
      },
      {
        name: 'node-exporter',
        kind: 'DaemonSet',
        path: ['prometheus-node-exporter'],
        nodeAgent: true,
        resources: resources('10m', '24Mi', '64Mi'),
        note: 'Subchart: its keys sit under prometheus-node-exporter; must see every node.',
      },
    ];

    // Neither UI has a login: the gateway routes them only behind the SSO proxy (or when the
    // config lists them in `publicUis`). Alertmanager's can silence alerts: admins only.
    const ui: UiEndpoint[] = [
      { subdomain: 'prometheus', service: PROMETHEUS_SERVICE.name, port: PROMETHEUS_SERVICE.port, login: 'none' },
      { subdomain: 'alertmanager', service: ALERTMANAGER_SERVICE.name, port: ALERTMANAGER_SERVICE.port, login: 'none', adminOnly: true },
    ];

    super(scope, props, {
      namespace: MONITORING_NAMESPACE,
      // The namespace holds Prometheus' and Alertmanager's volumes.
      holdsState: true,
      // node-exporter uses hostNetwork, hostPID and hostPath mounts of / , /proc and /sys.
      podSecurity: 'privileged',
      source: PROMETHEUS_STACK_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('ConfigMap', 'Secret', 'Service', 'ServiceAccount', 'apps/DaemonSet', 'apps/Deployment', 'batch/Job', 'monitoring.coreos.com/Alertmanager', 'monitoring.coreos.com/Prometheus', 'monitoring.coreos.com/PrometheusRule', 'monitoring.coreos.com/ServiceMonitor', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding'),
      // The operator injects the config reloader into Prometheus and Alertmanager pods.
      runtimeImages: [`quay.io/prometheus-operator/prometheus-config-reloader:${PROMETHEUS_OPERATOR_VERSION}`],
      upstreamValues: 'kube-prometheus-stack',
      valuesAllowances: { freeForm: PROMETHEUS_STACK_FREE_FORM_PATHS, undeclared: PROMETHEUS_STACK_EXTRA_KEYS },
      parts,
      ui,
      // Prometheus and Alertmanager have no authentication: only Grafana (its flow to
      // PROMETHEUS_SERVICE), the gateway when the UI is exposed, and Prometheus itself reach them.
      network: {
        pods: {
          // Made by the operator: the labels are what the chart's Services select them by.
          prometheus: { labels: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': PROMETHEUS_SERVICE.name }, createdAtRuntime: true },
          alertmanager: { labels: { 'app.kubernetes.io/name': 'alertmanager', alertmanager: ALERTMANAGER_SERVICE.name }, createdAtRuntime: true },
          operator: { labels: { app: 'kube-prometheus-stack-operator', release } },
          admission: { labels: { 'app.kubernetes.io/component': 'prometheus-operator-webhook', 'app.kubernetes.io/instance': release } },
          'kube-state-metrics': { labels: { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': release } },
          'node-exporter': { labels: { 'app.kubernetes.io/name': 'prometheus-node-exporter', 'app.kubernetes.io/instance': release }, hostNetwork: true },
        },
        services: {
          [PROMETHEUS_SERVICE.name]: { pods: 'prometheus', ports: [PROMETHEUS_SERVICE.port, RELOADER_PORT] },
          [ALERTMANAGER_SERVICE.name]: { pods: 'alertmanager', ports: [ALERTMANAGER_SERVICE.port, RELOADER_PORT] },
        },
        // The chart's own ServiceMonitors.
        metrics: [
          { pods: 'prometheus', port: PROMETHEUS_SERVICE.port },
          { pods: 'prometheus', port: RELOADER_PORT },
          { pods: 'alertmanager', port: ALERTMANAGER_SERVICE.port },
          { pods: 'alertmanager', port: RELOADER_PORT },
          { pods: 'operator', port: 10250 },
          { pods: 'kube-state-metrics', port: 8080 },
          { pods: 'node-exporter', port: 9100 },
        ],
        scraper: 'prometheus',
        flows: [
          calls('prometheus', service(ALERTMANAGER_SERVICE), 'sends alerts to Alertmanager'),
          calledBy('operator', KUBE_APISERVER, tcp(10250), 'admission webhook: validates PrometheusRules and AlertmanagerConfigs'),
          calls('operator', KUBE_APISERVER, 'manages the Prometheus and Alertmanager StatefulSets'),
          calls('kube-state-metrics', KUBE_APISERVER, 'reads every object it reports on'),
          calls('admission', KUBE_APISERVER, 'creates and patches the webhook certificate (hook Jobs)'),
          calls('prometheus', KUBE_APISERVER, 'discovers scrape targets and scrapes the API server'),
        ],
        openEgress:
          'Prometheus scrapes every ServiceMonitor in every namespace (anyone may add one), the kubelets and node-exporter on every node and CoreDNS; Alertmanager sends to whatever receivers are configured',
      },
      clusterScopedKinds: [
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
        { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
        { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
      ],
      sync: {
        ignoreDifferences: [
          // The admission-patch Job writes the CA bundle in after the chart created the webhooks.
          {
            group: 'admissionregistration.k8s.io',
            kind: 'MutatingWebhookConfiguration',
            jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
          },
          {
            group: 'admissionregistration.k8s.io',
            kind: 'ValidatingWebhookConfiguration',
            jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
          },
        ],
      },
      values: {
        fullnameOverride: PROMETHEUS_STACK_FULLNAME,
        crds: { enabled: false },
        grafana: { enabled: false, forceDeployDashboards: true },
        // k3s: no separately reachable etcd, scheduler or controller-manager; Cilium replaces kube-proxy.
        kubeEtcd: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeProxy: { enabled: false },
        // Scrape CoreDNS through the cluster's own kube-dns Service (k3s and kubeadm both give it
        // the `k8s-app: kube-dns` label and a `metrics` port, 9153) instead of a second Service the
        // chart would create in kube-system, a namespace the platform does not own.
        coreDns: {
          service: { enabled: false },
          serviceMonitor: {
            selector: { matchLabels: { ...CLUSTER_DNS.labels } },
            port: 'metrics',
            // The chart's rules and dashboards expect job="coredns"; kube-dns carries no jobLabel.
            relabelings: [{ targetLabel: 'job', replacement: 'coredns' }],
          },
        },
        prometheus: {
          prometheusSpec: {
            retention,
            retentionSize,
            externalLabels: { site: config.site.name },
            storageSpec: {
              volumeClaimTemplate: {
                spec: {
                  storageClassName: storageClass,
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: volumeSize } },
                },
              },
            },
            ruleSelectorNilUsesHelmValues: false,
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
            probeSelectorNilUsesHelmValues: false,
            scrapeConfigSelectorNilUsesHelmValues: false,
          },
        },
      },
    });

  }

  /**
   * Phase 2: one ServiceMonitor per scrape target of every enabled component (metrics Services
   * of components that sync before the ServiceMonitor CRD and so cannot ship their own), in
   * that component's namespace.
   */
  protected override aggregate(site: PlatformSite): void {
    const targets = site.components.flatMap((c) => c.scrapeTargets.map((t): ScrapeTarget & { namespace: string } => ({ ...t, namespace: c.targetNamespace })));
    for (const t of targets) {
      new ApiObject(this, `scrape-${t.namespace}-${t.name}`, {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: t.name, namespace: t.namespace },
        spec: {
          selector: { matchLabels: { ...t.selector } },
          namespaceSelector: { matchNames: [t.namespace] },
          endpoints: [{ port: t.port, interval: '30s' }],
        },
      });
    }
  }
}
/** Prometheus sizes (`--storage.tsdb.retention.size`): every unit is a power of 1024, with or without `i`. */
const PROMETHEUS_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5, E: 1024 ** 6 };

/** A Prometheus byte size (`8GB`, `6GiB`, `0`) → bytes, else undefined. */
export function parsePrometheusBytes(s: string): number | undefined {
  if (s === '0') return 0;
  const m = /^((?:[0-9]*\.)?[0-9]+)(?:([KMGTPE])i?)?B$/.exec(s);
  return m ? Number(m[1]) * PROMETHEUS_UNITS[m[2] ?? '']! : undefined;
}

/** `retentionSize` larger than the volume: Prometheus would fill the disk before deleting old data. */
function retentionSizeProblems(s: { readonly retentionSize?: string; readonly volumeSize?: string }): ConfigProblem[] {
  if (s.retentionSize === undefined) return [];
  const retention = parsePrometheusBytes(s.retentionSize);
  const volumeSize = s.volumeSize ?? PROMETHEUS_STACK_DEFAULTS.volumeSize;
  const volume = parseMemory(volumeSize);
  if (retention === undefined || volume <= 0 || retention <= volume) return [];
  const volumeText = s.volumeSize ? `components.prometheus-stack.volumeSize '${s.volumeSize}'` : `the default volumeSize '${volumeSize}'`;
  return [
    {
      path: 'retentionSize',
      message: `'${s.retentionSize}' (${formatMemory(retention)}) is larger than the volume (${volumeText}, ${formatMemory(volume)}): Prometheus would fill the disk before deleting old data; use at most the volume size, better about 80% of it (the default), or a larger volumeSize`,
    },
  ];
}

export const prometheusStack = defineComponent({
  file: import.meta.url,
  name: 'prometheus-stack',
  layer: '01-services',
  tier: 'critical',
  description: 'kube-prometheus-stack: Prometheus, Alertmanager, Prometheus Operator, kube-state-metrics, node-exporter.',
  defaultEnabled: true,
  requires: [{ component: 'prometheus-operator-crds', why: 'the chart runs with crds.enabled=false: the CRDs come from that component' }],
  settings: {
    retention: Type.Optional(
      Type.String({
        pattern: PROMETHEUS_DURATION_PATTERN,
        description: `How long Prometheus keeps samples (Prometheus duration, e.g. "7d", "36h"). Default: ${PROMETHEUS_STACK_DEFAULTS.retention}.`,
      }),
    ),
    retentionSize: Type.Optional(
      Type.String({
        pattern: PROMETHEUS_BYTES_PATTERN,
        description: 'Size at which Prometheus deletes its oldest data (e.g. "8GB", "6GiB"). Default: 80% of volumeSize.',
      }),
    ),
    volumeSize: Type.Optional(
      Type.String({
        format: 'memory-quantity',
        description: `Size of the Prometheus volume (Kubernetes quantity, e.g. "20Gi"). Default: ${PROMETHEUS_STACK_DEFAULTS.volumeSize}.`,
      }),
    ),
    storageClass: Type.Optional(
      Type.String({
        format: 'dns-subdomain',
        description: `StorageClass of the Prometheus volume. Default: ${PROMETHEUS_STACK_DEFAULTS.storageClass}.`,
      }),
    ),
  },
  check: (s) => [...volumeSizeProblems(s, ['volumeSize']), ...retentionSizeProblems(s)],
  build: (scope, ctx) =>
    new PrometheusStack(scope, {
      ...ctx,
      retention: ctx.settings.retention,
      retentionSize: ctx.settings.retentionSize,
      volumeSize: ctx.settings.volumeSize,
      storageClass: ctx.settings.storageClass,
    }),
});
