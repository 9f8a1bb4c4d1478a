import type { Construct } from 'constructs';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type GroupKind,
  type PlatformComponentProps,
  type PlatformSite,
  type PodPart,
} from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { calls, KUBE_APISERVER, service, type FlowSpec } from '../../platform/model/network.js';

export const POLICY_REPORTER_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://kyverno.github.io/policy-reporter',
  chart: 'policy-reporter',
  version: '3.9.1',
};

export const POLICY_REPORTER_NAMESPACE = 'policy-reporter';

/** The UI Service: `<fullnameOverride>-ui` (the chart's default fullnameOverride is `policy-reporter`). */
export const POLICY_REPORTER_UI_SERVICE = { name: 'policy-reporter-ui', port: 8080 } as const;
/** The core's API Service and the Kyverno plugin's (what the UI's and the plugin's config name). */
const POLICY_REPORTER_CORE_SERVICE = { name: 'policy-reporter', port: 8080 } as const;
const POLICY_REPORTER_PLUGIN_SERVICE = { name: 'policy-reporter-kyverno-plugin', port: 8080 } as const;

/**
 * Cluster-scoped kinds the chart renders: the core's ClusterRole (read PolicyReports,
 * ClusterPolicyReports and Reports in every namespace, list namespaces) and, with the Kyverno
 * plugin, the plugin's (read Kyverno policies), each with its binding. The chart's CRDs
 * (`target.crd`, `ui.crds.customBoard`) stay off, so no CustomResourceDefinition.
 */
export const POLICY_REPORTER_CLUSTER_KINDS: readonly GroupKind[] = [
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
];

export interface PolicyReporterProps extends PlatformComponentProps {
  /**
   * Run the Kyverno plugin (policy details in the UI; reads Kyverno policies cluster-wide).
   * Default: true when a component named `kyverno` is enabled, false otherwise.
   */
  readonly kyvernoPlugin?: boolean;
}

/**
 * Policy Reporter: a UI and metrics for the PolicyReports Kyverno writes.
 *
 * It must read reports in every namespace, so the chart's ClusterRole and ClusterRoleBinding
 * are unavoidable (the rules only read: get/list/watch reports, Kyverno policies, namespaces;
 * get pods/jobs). That is why it lives in layer 02-engines, next to the Kyverno whose reports it
 * shows, and not in 03-apps: the apps project allows no cluster-scoped kind at all, and an
 * apps project that allowed ClusterRoleBindings would let anything synced through it grant
 * itself cluster-wide rights. Its UI is still routed by the layer-03 gateway.
 *
 * The UI runs without a login: the gateway routes it only behind the SSO proxy (or when the
 * config lists it in `publicUis`). Its own OpenID Connect (UI 2.x, `ui.openIDConnect`) is not
 * used: it reads the provider's discovery document when it starts and fails when it cannot,
 * and with the bundled Dex the issuer is served through the gateway, which syncs in layer 03,
 * after this layer: the UI would crash-loop and hold its layer (and so the gateway) back for
 * ever. Its group rules restrict clusters and boards, not the login itself.
 *
 * Requests are estimates for an idle edge site with a few hundred report results, not
 * measurements: the chart documents 5m/75Mi for the core; the UI and plugin are small Go
 * servers (tens of MiB). The core's memory grows with the number of results (SQLite in an
 * emptyDir plus caches); `autoMemoryLimit` sets GOMEMLIMIT from the limit.
 */
export class PolicyReporter extends PlatformComponent {
  constructor(scope: Construct, props: PolicyReporterProps) {
    const kyverno = props.kyvernoPlugin ?? false;
    const parts: PodPart[] = [
      {
        name: 'policy-reporter',
        kind: 'Deployment',
        path: [],
        resources: resources('10m', '80Mi', '256Mi'),
        keys: { replicas: ['replicaCount'] },
      },
      {
        name: 'ui',
        kind: 'Deployment',
        path: ['ui'],
        resources: resources('5m', '32Mi', '128Mi'),
        keys: { replicas: ['ui', 'replicaCount'] },
      },
    ];
    if (kyverno) {
      parts.push({
        name: 'kyverno-plugin',
        kind: 'Deployment',
        path: ['plugin', 'kyverno'],
        resources: resources('5m', '32Mi', '128Mi'),
        keys: { replicas: ['plugin', 'kyverno', 'replicaCount'] },
      });
    }
    super(scope, props, {
      namespace: POLICY_REPORTER_NAMESPACE,
      source: POLICY_REPORTER_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('ConfigMap', 'Secret', 'Service', 'ServiceAccount', 'apps/Deployment', 'monitoring.coreos.com/ServiceMonitor', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding'),
      upstreamValues: 'policy-reporter',
      parts,
      clusterScopedKinds: POLICY_REPORTER_CLUSTER_KINDS,
      network: {
        pods: {
          'policy-reporter': { labels: { 'app.kubernetes.io/name': POLICY_REPORTER_CORE_SERVICE.name, 'app.kubernetes.io/instance': props.definition.name } },
          ui: { labels: { 'app.kubernetes.io/name': POLICY_REPORTER_UI_SERVICE.name, 'app.kubernetes.io/instance': props.definition.name } },
          ...(kyverno ? { 'kyverno-plugin': { labels: { 'app.kubernetes.io/name': POLICY_REPORTER_PLUGIN_SERVICE.name, 'app.kubernetes.io/instance': props.definition.name } } } : {}),
        },
        services: {
          [POLICY_REPORTER_CORE_SERVICE.name]: { pods: 'policy-reporter', ports: [POLICY_REPORTER_CORE_SERVICE.port] },
          [POLICY_REPORTER_UI_SERVICE.name]: { pods: 'ui', ports: [POLICY_REPORTER_UI_SERVICE.port] },
          ...(kyverno ? { [POLICY_REPORTER_PLUGIN_SERVICE.name]: { pods: 'kyverno-plugin', ports: [POLICY_REPORTER_PLUGIN_SERVICE.port] } } : {}),
        },
        metrics: [{ pods: 'policy-reporter', port: POLICY_REPORTER_CORE_SERVICE.port }],
        flows: [
          calls('ui', service(POLICY_REPORTER_CORE_SERVICE), 'shows the results the core collects'),
          calls('ui', KUBE_APISERVER, 'reads its cluster Secret'),
          calls('policy-reporter', KUBE_APISERVER, 'watches policy reports'),
          ...(kyverno
            ? [
                calls('ui', service(POLICY_REPORTER_PLUGIN_SERVICE), 'shows Kyverno policy details'),
                calls('kyverno-plugin', service(POLICY_REPORTER_CORE_SERVICE), 'reports to the core'),
                calls('kyverno-plugin', KUBE_APISERVER, 'reads Kyverno policies'),
              ]
            : ([] as FlowSpec[])),
        ],
      },
      // No login configured (its OpenID Connect is not used: see the class comment).
      ui: [{ subdomain: 'policy-reporter', service: POLICY_REPORTER_UI_SERVICE.name, port: POLICY_REPORTER_UI_SERVICE.port, login: 'none' }],
      values: {
        ui: { enabled: true },
        plugin: { kyverno: { enabled: kyverno } },
        metrics: { enabled: true },
        monitoring: {
          enabled: true,
          serviceMonitor: { enabled: true },
          // No dashboards unless a component loads them (phase 2).
          grafana: { dashboards: { enabled: false } },
        },
      },
    });
  }

  /**
   * Phase 2: the chart's Grafana dashboards go into the namespace a component loads dashboards
   * from (Grafana's, in layer 03), when one is enabled.
   */
  protected override aggregate(site: PlatformSite): void {
    const dashboards = site.components.find((c) => c.dashboardsNamespace !== undefined)?.dashboardsNamespace;
    if (dashboards === undefined) return;
    this.addExtraDestinations([dashboards]);
    this.setValue(['monitoring', 'grafana'], { namespace: dashboards, dashboards: { enabled: true } });
  }
}

export const policyReporter = defineComponent({
  file: import.meta.url,
  name: 'policy-reporter',
  layer: '02-engines',
  tier: 'important',
  description: 'Policy Reporter UI and metrics for Kyverno policy reports.',
  defaultEnabled: true,
  build: (scope, ctx) => new PolicyReporter(scope, { ...ctx, kyvernoPlugin: ctx.enabled('kyverno') }),
});
