import type { Construct } from 'constructs';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type PlatformComponentProps,
  type PodPart,
} from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { serviceMonitorCrdExists } from './prometheus-operator-crds.js';
import { LOGGING_NAMESPACE, LOKI_SERVICE } from './loki.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { calls, KUBE_APISERVER, service } from '../../platform/model/network.js';

/** Fluent Bit's chart at an exact version (app: Fluent Bit 5.1.1). */
export const FLUENT_BIT_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://fluent.github.io/helm-charts',
  chart: 'fluent-bit',
  version: '0.58.1',
};

/** Where Fluent Bit remembers how far it read each log file (on the node, survives restarts). */
export const FLUENT_BIT_TAIL_DB = '/var/log/flb_kube.db';

/**
 * systemd units whose journal Fluent Bit ships: k3s runs the kubelet and containerd inside
 * `k3s` (server) or `k3s-agent`; `kubelet` covers kubeadm-style nodes.
 */
export const FLUENT_BIT_SYSTEMD_UNITS = ['k3s.service', 'k3s-agent.service', 'kubelet.service'] as const;

/** The Fluent Bit pipeline, as the chart's `config.*` strings (classic config format). */
export function fluentBitConfig(site: string): { inputs: string; filters: string; outputs: string } {
  const loki = (match: string, labels: string): string =>
    [
      '[OUTPUT]',
      '    Name        loki',
      `    Match       ${match}`,
      `    Host        ${LOKI_SERVICE.name}.${LOKI_SERVICE.namespace}.svc`,
      `    Port        ${LOKI_SERVICE.port}`,
      `    Labels      ${labels}`,
      '    Line_Format json',
      // Retry until Loki is back (it is important-tier and may wait for a worker); the tail
      // input pauses at Mem_Buf_Limit meanwhile and resumes from its DB offsets, so memory stays bounded.
      '    Retry_Limit no_limits',
      '',
    ].join('\n');
  return {
    inputs: [
      '[INPUT]',
      '    Name              tail',
      '    Path              /var/log/containers/*.log',
      '    multiline.parser  docker, cri',
      '    Tag               kube.*',
      `    DB                ${FLUENT_BIT_TAIL_DB}`,
      '    DB.locking        true',
      '    Mem_Buf_Limit     5MB',
      '    Skip_Long_Lines   On',
      '',
      '[INPUT]',
      '    Name              systemd',
      '    Tag               host.*',
      ...FLUENT_BIT_SYSTEMD_UNITS.map((u) => `    Systemd_Filter    _SYSTEMD_UNIT=${u}`),
      '    Read_From_Tail    On',
      '',
    ].join('\n'),
    filters: [
      '[FILTER]',
      '    Name                kubernetes',
      '    Match               kube.*',
      '    Merge_Log           On',
      '    Keep_Log            Off',
      '    Labels              Off',
      '    Annotations         Off',
      '    K8S-Logging.Parser  On',
      '    K8S-Logging.Exclude On',
      '',
    ].join('\n'),
    outputs: [
      loki(
        'kube.*',
        `job=fluent-bit, site=${site}, namespace=$kubernetes['namespace_name'], pod=$kubernetes['pod_name'], container=$kubernetes['container_name'], node=$kubernetes['host']`,
      ),
      loki('host.*', `job=systemd-journal, site=${site}, unit=$_SYSTEMD_UNIT, node=$_HOSTNAME`),
    ].join('\n'),
  };
}

/** Fluent Bit has no settings beyond the toggle yet: its props are the common ones. */
export interface FluentBitProps extends PlatformComponentProps {
  /** Create the chart's ServiceMonitor (the CRD exists). */
  readonly serviceMonitor: boolean;
}

/**
 * Fluent Bit: a DaemonSet on every node, control plane included (a node agent: it tolerates
 * every taint), that tails container logs and the k3s/kubelet journal, adds Kubernetes metadata
 * and ships both to Loki (`LOKI_SERVICE`) with `namespace`, `pod`, `container`, `node` and
 * `site` labels. Tier important, like Loki: they share the `logging` namespace, and the
 * namespace's tier is one (namespaces.ts). It reads `/var/log` through a hostPath and runs as
 * root, so `logging` enforces Pod Security `privileged`. The chart's Docker volume
 * (`/var/lib/docker/containers`) is dropped: k3s runs containerd, whose logs are under
 * `/var/log/pods`. Synth refuses Fluent Bit without Loki, its only destination.
 *
 * Requests are an estimate for an idle node (Fluent Bit idles at ~10–20 MiB; the tail input's
 * 5 MB buffer and the Kubernetes metadata cache come on top), not a measurement.
 */
export class FluentBit extends PlatformComponent {
  constructor(scope: Construct, props: FluentBitProps) {
    const { config } = props.context;
    const serviceMonitor = props.serviceMonitor;
    const parts: PodPart[] = [
      {
        name: 'fluent-bit',
        kind: 'DaemonSet',
        path: [],
        nodeAgent: true,
        resources: resources('20m', '48Mi', '128Mi'),
      },
    ];
    super(scope, props, {
      namespace: LOGGING_NAMESPACE,
      podSecurity: 'privileged',
      source: FLUENT_BIT_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('ConfigMap', 'Service', 'ServiceAccount', 'apps/DaemonSet', 'monitoring.coreos.com/ServiceMonitor'),
      upstreamValues: 'fluent-bit',
      parts,
      // Not on the host network: it reads node logs through a hostPath, so pod policy applies.
      network: {
        pods: { 'fluent-bit': { labels: { 'app.kubernetes.io/name': 'fluent-bit', 'app.kubernetes.io/instance': props.definition.name } } },
        metrics: serviceMonitor ? [{ pods: 'fluent-bit', port: 2020 }] : [],
        flows: [
          calls('fluent-bit', service(LOKI_SERVICE), 'ships every log to Loki'),
          calls('fluent-bit', KUBE_APISERVER, 'adds Kubernetes metadata to each record'),
        ],
      },
      clusterScopedKinds: [
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      ],
      values: {
        kind: 'DaemonSet',
        testFramework: { enabled: false },
        serviceMonitor: { enabled: serviceMonitor },
        config: fluentBitConfig(config.site.name),
        daemonSetVolumes: [
          { name: 'varlog', hostPath: { path: '/var/log' } },
          { name: 'etcmachineid', hostPath: { path: '/etc/machine-id', type: 'File' } },
        ],
        daemonSetVolumeMounts: [
          { name: 'varlog', mountPath: '/var/log' },
          { name: 'etcmachineid', mountPath: '/etc/machine-id', readOnly: true },
        ],
      },
    });
  }
}

export const fluentBit = defineComponent({
  file: import.meta.url,
  name: 'fluent-bit',
  layer: '01-services',
  tier: 'important',
  description: 'Fluent Bit on every node, shipping container and k3s logs to Loki.',
  defaultEnabled: true,
  requires: [{ component: 'loki', why: 'Fluent Bit ships every log to Loki' }],
  build: (scope, ctx) => new FluentBit(scope, { ...ctx, serviceMonitor: serviceMonitorCrdExists(ctx.enabled) }),
});
