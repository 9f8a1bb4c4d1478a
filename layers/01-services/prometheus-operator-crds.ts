import type { Construct } from 'constructs';
import { Type } from '@sinclair/typebox';
import { PlatformComponent, type GitDirectorySource, type PlatformComponentProps } from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';

/**
 * prometheus-operator release whose CRDs the platform installs: the appVersion of the pinned
 * kube-prometheus-stack chart (see `prometheus-stack.ts`), so the operator and its CRDs match.
 */
export const PROMETHEUS_OPERATOR_VERSION = 'v0.93.1';

/**
 * The operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule, Prometheus, Alertmanager…),
 * straight from the prometheus-operator repository at the pinned tag. kube-prometheus-stack
 * bundles byte-identical copies of these files (its `charts/crds/crds/` records this very path
 * and tag in each file's first line); we take them from here instead, so they are not tied to
 * the chart's release and are synced before anything in layer 01 uses them.
 */
export const PROMETHEUS_OPERATOR_CRDS: GitDirectorySource = {
  type: 'git',
  repoURL: 'https://github.com/prometheus-operator/prometheus-operator.git',
  path: 'example/prometheus-operator-crd',
  targetRevision: PROMETHEUS_OPERATOR_VERSION,
  include: 'monitoring.coreos.com_*.yaml',
};

/** The API group of every CRD in the bundle. */
export const PROMETHEUS_OPERATOR_API_GROUP = 'monitoring.coreos.com';

/**
 * Root wave of the CRD bundle. Layer 01's root-owned Applications (cert-manager, at the default
 * wave 10 × 1 − 5 = 5) create ServiceMonitors, and Loki, Fluent Bit and Vault (in the layer's
 * ApplicationSet, wave 10) do too, so the CRDs go one wave earlier: after layer 00 (wave 0) has
 * converged, before anything in layer 01.
 */
export const PROMETHEUS_OPERATOR_CRDS_WAVE = 4;

/**
 * prometheus-operator CRDs as a root-owned Application, like the Gateway API CRDs in layer 00.
 *
 * - Delivered by the root at wave {@link PROMETHEUS_OPERATOR_CRDS_WAVE}, before cert-manager
 *   (wave 5) and the layer-01 ApplicationSet (wave 10): every ServiceMonitor in layer 01 and
 *   later finds its CRD.
 * - Server-side apply: the Prometheus, Alertmanager and ThanosRuler CRDs are far over the
 *   262 KiB client-side `last-applied-configuration` limit.
 * - Never pruned, never cascade-deleted: deleting the CRDs deletes every ServiceMonitor,
 *   PrometheusRule and the Prometheus itself across the cluster.
 * - kube-prometheus-stack runs with `crds.enabled: false`, so nothing else owns these CRDs.
 *
 * The Application's destination namespace is `kube-system` (as for the Gateway API CRDs): the
 * objects are cluster-scoped, and a platform namespace here would tie `monitoring`'s lifetime to
 * a bundle that is never deleted. No pods: no parts, no tier settings to apply; the tier only
 * orders it among the root's children.
 */
export class PrometheusOperatorCrds extends PlatformComponent {
  constructor(scope: Construct, props: PlatformComponentProps) {
    super(scope, props, {
      namespace: 'kube-system',
      source: PROMETHEUS_OPERATOR_CRDS,
      sync: { serverSideApply: true, prune: false },
      delivery: { kind: 'root', wave: PROMETHEUS_OPERATOR_CRDS_WAVE },
      clusterScopedKinds: [{ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }],
      providesApis: [
        ...['Alertmanager', 'PodMonitor', 'Probe', 'Prometheus', 'PrometheusRule', 'ServiceMonitor', 'ThanosRuler'].map(
          (k) => `${PROMETHEUS_OPERATOR_API_GROUP}/v1/${k}`,
        ),
        ...['AlertmanagerConfig', 'PrometheusAgent', 'ScrapeConfig'].map((k) => `${PROMETHEUS_OPERATOR_API_GROUP}/v1alpha1/${k}`),
      ],
    });
  }
}

export const prometheusOperatorCrds = defineComponent({
  file: import.meta.url,
  name: 'prometheus-operator-crds',
  layer: '01-services',
  tier: 'critical',
  description:
    'prometheus-operator CRDs (ServiceMonitor, PrometheusRule, Prometheus…), synced by the root before layer 01 so every component can ship monitors.',
  defaultEnabled: true,
  build: (scope, ctx) => new PrometheusOperatorCrds(scope, ctx),
});

/** The `serviceMonitor` setting of a component whose chart can create its own ServiceMonitor. */
export const serviceMonitorSetting = Type.Optional(
  Type.Boolean({
    description: `Create the chart's ServiceMonitor. Default: on when the ${prometheusOperatorCrds.name} component is enabled (the ServiceMonitor CRD exists).`,
  }),
);

/** Whether the ServiceMonitor CRD will exist: the CRD component is enabled (a config fact, not a build-order one). */
export function serviceMonitorCrdExists(enabled: (component: string) => boolean): boolean {
  return enabled(prometheusOperatorCrds.name);
}
