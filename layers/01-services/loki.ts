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
import { volumeSizeProblems } from '../../platform/config/semantics.js';
import { serviceMonitorCrdExists } from './prometheus-operator-crds.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { calledBy, ownPods, tcp } from '../../platform/model/network.js';

/** Namespace of the log store (Fluent Bit runs there too). */
export const LOGGING_NAMESPACE = 'logging';
/** Loki single binary (gateway disabled): push and query on one service. */
export const LOKI_SERVICE = { name: 'loki', namespace: LOGGING_NAMESPACE, port: 3100 } as const;

/**
 * Loki's open-source chart, which moved to the grafana-community repository (grafana/loki's
 * own chart is now the GEL one). App: Loki 3.7.6.
 */
export const LOKI_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://grafana-community.github.io/helm-charts',
  chart: 'loki',
  version: '18.11.0',
};

/** Defaults of {@link LokiProps}. */
export const LOKI_DEFAULTS = {
  retention: '168h',
  volumeSize: '10Gi',
  storageClass: 'local-path',
} as const;

/** Loki durations in retention settings (Prometheus model.Duration: `168h`, `7d`, `2w`). */
export const LOKI_DURATION_PATTERN = '^([0-9]+(ms|s|m|h|d|w|y))+$';

/**
 * Start of the only schema period. Any date before the first log works; it must never change
 * once logs are stored (Loki reads old chunks by the period they were written in).
 */
export const LOKI_SCHEMA_FROM = '2024-04-01';

export interface LokiProps extends PlatformComponentProps {
  /** How long Loki keeps logs before the compactor deletes them. Default: `168h` (7 days). */
  readonly retention?: string;
  /** Size of the single binary's volume (chunks, TSDB index, WAL). Default: `10Gi`. */
  readonly volumeSize?: string;
  /** StorageClass of that volume. Default: `local-path` (k3s' local-path provisioner). */
  readonly storageClass?: string;
  /** Create the chart's ServiceMonitor (the CRD exists). */
  readonly serviceMonitor: boolean;
}

/**
 * Loki config blocks the chart renders verbatim into Loki's config file (`config.yaml` with
 * `toYaml`), so their inner keys are Loki's configuration, not the chart's values.
 */
export const LOKI_FREE_FORM_PATHS: readonly FreeFormPath[] = [
  { path: ['loki', 'schemaConfig'], why: 'rendered as Loki schema_config (values.yaml: `schemaConfig: {}`)' },
  { path: ['loki', 'limits_config'], why: 'rendered as Loki limits_config (schema: additionalProperties)' },
  { path: ['loki', 'compactor'], why: 'rendered as Loki compactor config (schema: additionalProperties)' },
  { path: ['loki', 'analytics'], why: 'rendered as Loki analytics config (values.yaml: `analytics: {}`)' },
];

/**
 * Loki in single-binary mode (the chart's `Monolithic`, formerly `SingleBinary`): one
 * StatefulSet serving push and query at `loki.logging.svc:3100` (`LOKI_SERVICE`), chunks and
 * TSDB index on a local filesystem volume. Tier important: logs can wait for a worker to come
 * back; Fluent Bit keeps its place in each file meanwhile.
 *
 * The chart's defaults target the scalable mode with object storage, so everything is explicit:
 * `deploymentMode: Monolithic`, `singleBinary.replicas: 1`, read/write/backend at 0 replicas,
 * filesystem storage with replication factor 1, a tsdb/v13 schema, and no gateway (clients talk
 * to the `loki` Service directly), no memcached caches, no canary, no Helm test, no MinIO, no
 * rules sidecar. Auth is off (single tenant), so Fluent Bit and Grafana need no tenant header.
 * Retention is enforced by the compactor (`retention_period`); the volume is sized for it.
 * The volume is local-path: Loki stays on the node it first landed on.
 *
 * Requests are an estimate for an idle site pushing a few hundred KiB of logs a minute (Loki
 * idles at ~150–300 MiB in single-binary mode); the chart derives GOMEMLIMIT from the memory
 * limit. Not a measurement; a site can override it.
 */
export class Loki extends PlatformComponent {
  constructor(scope: Construct, props: LokiProps) {
    const retention = props.retention ?? LOKI_DEFAULTS.retention;
    const volumeSize = props.volumeSize ?? LOKI_DEFAULTS.volumeSize;
    const storageClass = props.storageClass ?? LOKI_DEFAULTS.storageClass;
    const serviceMonitor = props.serviceMonitor;

    const parts: PodPart[] = [
      {
        name: 'loki',
        kind: 'StatefulSet',
        path: ['singleBinary'],
        replicas: 1,
        resources: resources('100m', '256Mi', '1Gi'),
        note: 'The single binary (all targets in one process); the chart names it after the release.',
      },
    ];

    super(scope, props, {
      namespace: LOGGING_NAMESPACE,
      // The namespace holds Loki's volume (the logs).
      holdsState: true,
      source: LOKI_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('ConfigMap', 'Service', 'ServiceAccount', 'apps/StatefulSet', 'monitoring.coreos.com/ServiceMonitor'),
      upstreamValues: 'loki',
      valuesAllowances: { freeForm: LOKI_FREE_FORM_PATHS },
      // The release name is the Service name: LOKI_SERVICE.
      releaseName: LOKI_SERVICE.name,
      parts,
      // Loki has no authentication (`auth_enabled: false`): only the callers that declare a
      // flow to LOKI_SERVICE (Fluent Bit, Grafana) and Prometheus reach it. It calls nothing.
      network: {
        pods: { loki: { labels: { 'app.kubernetes.io/name': 'loki', 'app.kubernetes.io/instance': LOKI_SERVICE.name, 'app.kubernetes.io/component': 'single-binary' } } },
        services: { [LOKI_SERVICE.name]: { pods: 'loki', ports: [LOKI_SERVICE.port, 9095, [9096, 9095]] } },
        metrics: serviceMonitor ? [{ pods: 'loki', port: LOKI_SERVICE.port }] : [],
        flows: [calledBy('loki', ownPods('loki'), tcp(7946, 9095), "memberlist gossip and gRPC between Loki's own processes")],
      },
      clusterScopedKinds: [
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      ],
      values: {
        deploymentMode: 'Monolithic',
        loki: {
          auth_enabled: false,
          // Its egress is only DNS (a default-deny namespace): the usage report to Grafana Labs would be dropped anyway.
          analytics: { reporting_enabled: false },
          commonConfig: { replication_factor: 1 },
          storage: { type: 'filesystem' },
          schemaConfig: {
            configs: [
              {
                from: LOKI_SCHEMA_FROM,
                store: 'tsdb',
                object_store: 'filesystem',
                schema: 'v13',
                index: { prefix: 'index_', period: '24h' },
              },
            ],
          },
          limits_config: { retention_period: retention },
          compactor: { retention_enabled: true, delete_request_store: 'filesystem' },
        },
        singleBinary: {
          persistence: { enabled: true, size: volumeSize, storageClass },
        },
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        gateway: { enabled: false },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
        minio: { enabled: false },
        sidecar: { rules: { enabled: false } },
        monitoring: { serviceMonitor: { enabled: serviceMonitor } },
      },
    });
  }
}

export const loki = defineComponent({
  file: import.meta.url,
  name: 'loki',
  layer: '01-services',
  tier: 'important',
  description: 'Loki single binary with filesystem storage: the platform log store.',
  defaultEnabled: true,
  settings: {
    retention: Type.Optional(
      Type.String({
        pattern: LOKI_DURATION_PATTERN,
        description: `How long Loki keeps logs (e.g. "168h", "14d"). Default: ${LOKI_DEFAULTS.retention}.`,
      }),
    ),
    volumeSize: Type.Optional(
      Type.String({
        format: 'memory-quantity',
        description: `Size of the Loki volume (Kubernetes quantity, e.g. "20Gi"). Default: ${LOKI_DEFAULTS.volumeSize}.`,
      }),
    ),
    storageClass: Type.Optional(
      Type.String({ format: 'dns-subdomain', description: `StorageClass of the Loki volume. Default: ${LOKI_DEFAULTS.storageClass}.` }),
    ),
  },
  check: (s) => volumeSizeProblems(s, ['volumeSize']),
  build: (scope, { settings, ...ctx }) =>
    new Loki(scope, {
      ...ctx,
      settings,
      retention: settings.retention,
      volumeSize: settings.volumeSize,
      storageClass: settings.storageClass,
      serviceMonitor: serviceMonitorCrdExists(ctx.enabled),
    }),
});
