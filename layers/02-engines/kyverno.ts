import type { Construct } from 'constructs';
import { ARGOCD_NAMESPACE } from '../../platform/argocd/constants.js';
import { ConfigError } from '../../platform/config/errors.js';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type PlatformComponentProps,
  type PodPart,
  type PlatformSite,
} from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { Type } from '@sinclair/typebox';
import { LABELS } from '../../platform/model/labels.js';
import { KYVERNO_FAILURE_POLICY } from '../../policies/kyverno.js';
import { SYSTEM_NAMESPACES } from '../../platform/model/namespaces.js';
import { TIER_LIST, TIERS, type TierName } from '../../platform/model/tiers.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { calledBy, calls, KUBE_APISERVER, tcp } from '../../platform/model/network.js';

/** The chart Kyverno comes from. */
export const KYVERNO_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://kyverno.github.io/kyverno/',
  chart: 'kyverno',
  version: '3.9.0',
};

/** Kyverno's version in {@link KYVERNO_CHART} (the chart's appVersion). */
export const KYVERNO_APP_VERSION = 'v1.19.0';

export const KYVERNO_NAMESPACE = 'kyverno';

/** Label every namespace carries with its name (set by the API server, cannot be forged). */
const NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Tiers whose namespaces Kyverno's webhooks never see: the lifeboat tiers, i.e. what must keep
 * running (and be repairable) when everything else is gone.
 */
export const WEBHOOK_EXEMPT_TIERS: readonly TierName[] = TIER_LIST.filter((t) => t.lifeboat).map((t) => t.name);

/** Namespaces exempt from Kyverno's webhooks by name, whatever their labels. */
export const WEBHOOK_EXEMPT_NAMESPACES: readonly string[] = [...SYSTEM_NAMESPACES.filter((n) => n !== 'default'), KYVERNO_NAMESPACE, ARGOCD_NAMESPACE];

/** A Kubernetes label selector requirement. */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/**
 * The `namespaceSelector` of every webhook Kyverno registers (requirements are ANDed): the API
 * server does not call Kyverno at all for a namespace named in `exemptNamespaces` (the
 * Kubernetes system namespaces, Kyverno's own, ArgoCD's, plus any given), nor for one labelled
 * with a lifeboat tier (core, critical). Names cover namespaces before the platform has
 * labelled them (bootstrap creates `argocd` bare) and `kube-system`, which it never labels;
 * the tier label covers platform namespaces added later.
 */
export function kyvernoWebhookNamespaceSelector(extraExemptNamespaces: readonly string[] = []): {
  matchExpressions: LabelSelectorRequirement[];
} {
  const names = [...new Set([...WEBHOOK_EXEMPT_NAMESPACES, ...extraExemptNamespaces])].sort();
  return {
    matchExpressions: [
      { key: NAME_LABEL, operator: 'NotIn', values: names },
      { key: LABELS.tier, operator: 'NotIn', values: [...WEBHOOK_EXEMPT_TIERS] },
    ],
  };
}

export interface KyvernoProps extends PlatformComponentProps {
  /**
   * Admission controller replicas. Default: 1. Webhook failures are ignored (see the class
   * doc), so a lost admission pod means policies are briefly not enforced at admission, not a
   * blocked cluster; a second replica costs another 128Mi on a two-worker site.
   */
  readonly admissionReplicas?: number;
  /**
   * Create ServiceMonitors for the four controllers. Default: true. The chart renders them
   * unconditionally, so turn this off on a site without the Prometheus Operator CRDs.
   */
  readonly serviceMonitors?: boolean;
}

/**
 * Kyverno, the policy engine: admission, background, cleanup and reports controllers. The
 * policies themselves live in `policies/` and are deployed by a later component.
 *
 * Its webhooks must not be able to brick the cluster:
 * - every webhook's failure policy is forced to `Ignore` (`features.forceFailurePolicyIgnore`),
 *   so Kyverno down or slow means admission without policies, never a rejected request;
 *   violations still show up in policy reports from the background scan;
 * - the webhooks' `namespaceSelector` ({@link kyvernoWebhookNamespaceSelector}) keeps the API
 *   server from calling Kyverno for kube-system, kyverno, argocd and every core/critical
 *   namespace, so the CNI, ArgoCD and the monitoring that repair the site never wait on it.
 *   The Pod Security admission (built into the API server) still applies there;
 * - Kyverno does not turn policies into ValidatingAdmissionPolicies/MutatingAdmissionPolicies
 *   (`features.generate*AdmissionPolicy` off): those would be enforced by the API server itself,
 *   outside the selector above and fail-closed as the policy says.
 *
 * What stays fail-closed is Kyverno's webhook for its own policy objects (hard-coded upstream):
 * while Kyverno is down, policies cannot be created or changed, nothing else is blocked.
 *
 * Tier `important`, not critical: with the above, nothing depends on Kyverno to start, so it
 * can wait for a worker to come back instead of taking room on the control-plane node when
 * both workers are down. One replica of each controller.
 *
 * Its CRDs are too large for client-side apply: server-side apply.
 *
 * Requests are estimates of idle use with a few dozen policies on a small cluster (the
 * admission controller caches policies and the resources they match, the others idle at
 * tens of MiB); the chart's own defaults are in the same range. Not measured on this site.
 *
 * The chart's three hook Jobs are switched off: they have no priorityClassName key in this
 * chart, so they would run untiered at the cluster default class.
 * - `kyverno-rm-webhooks` and `kyverno-scale-to-zero` (`webhooksCleanup`) are Helm pre-delete
 *   hooks for `helm uninstall`; under ArgoCD a Kyverno removal goes through git, and the
 *   webhooks left behind fail open (`features.forceFailurePolicyIgnore`) and only see
 *   namespaces outside the lifeboat tiers. Delete `kyverno-resource-validating-webhook-cfg`
 *   and `kyverno-resource-mutating-webhook-cfg` after removing Kyverno.
 * - `kyverno-migrate-resources` (`crds.migration`) rewrites stored objects to the newest CRD
 *   version after a chart upgrade. A Kyverno upgrade that drops a stored version needs that
 *   step by hand (`kubectl kyverno migrate --resource …`, see the upgrade notes); our own
 *   policies are written in the served `kyverno.io/v1`.
 * The chart's helm-test pods are not deployed by ArgoCD.
 */
export class Kyverno extends PlatformComponent {
  constructor(scope: Construct, props: KyvernoProps) {
    const admissionReplicas = props.admissionReplicas ?? 1;
    const nodes = props.context.config.nodes.length;
    if (!Number.isInteger(admissionReplicas) || admissionReplicas < 1 || admissionReplicas > nodes) {
      throw new ConfigError(props.context.configFile, [
        {
          path: `components.${props.definition.name}.admissionReplicas`,
          message: `${String(admissionReplicas)} is not allowed: use an integer from 1 to ${nodes} (the node count)`,
        },
      ]);
    }
    const serviceMonitors = props.serviceMonitors ?? true;
    const parts: PodPart[] = [
      {
        name: 'admission-controller',
        kind: 'Deployment',
        path: ['admissionController'],
        replicas: admissionReplicas,
        resources: resources('50m', '128Mi', '512Mi'),
        keys: { resources: ['admissionController', 'container', 'resources'], affinity: null },
        extraContainers: [
          {
            name: 'kyverno-pre',
            init: true,
            resourcesKey: ['admissionController', 'initContainer', 'resources'],
            resources: resources('10m', '32Mi', '128Mi'),
          },
        ],
        note: 'Resources sit per container (container, initContainer); the chart takes node/pod affinity as separate keys.',
      },
      {
        name: 'background-controller',
        kind: 'Deployment',
        path: ['backgroundController'],
        resources: resources('20m', '64Mi', '256Mi'),
        keys: { affinity: null },
      },
      {
        name: 'cleanup-controller',
        kind: 'Deployment',
        path: ['cleanupController'],
        resources: resources('10m', '48Mi', '128Mi'),
        keys: { affinity: null },
      },
      {
        name: 'reports-controller',
        kind: 'Deployment',
        path: ['reportsController'],
        resources: resources('20m', '64Mi', '256Mi'),
        keys: { affinity: null },
      },
    ];
    // A fresh object per key: the model writes each part's settings into its block in place.
    const monitor = () => ({ serviceMonitor: { enabled: serviceMonitors } });
    super(scope, props, {
      namespace: KYVERNO_NAMESPACE,
      source: KYVERNO_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('ConfigMap', 'Service', 'ServiceAccount', 'apps/Deployment', 'monitoring.coreos.com/ServiceMonitor', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding'),
      upstreamValues: 'kyverno',
      parts,
      network: {
        // Two of the chart's selector labels: the controller and the release.
        pods: Object.fromEntries(
          parts.map((p) => [p.name, { labels: { 'app.kubernetes.io/component': p.name, 'app.kubernetes.io/instance': props.definition.name } }]),
        ),
        metrics: serviceMonitors ? parts.map((p) => ({ pods: p.name, port: 8000 })) : [],
        flows: [
          // The webhooks Kyverno registers at run time (Services kyverno-svc and kyverno-cleanup-controller, 443 → 9443).
          calledBy('admission-controller', KUBE_APISERVER, tcp(9443), 'admission webhooks (they fail open)'),
          calledBy('cleanup-controller', KUBE_APISERVER, tcp(9443), 'validating webhook for cleanup policies'),
          ...parts.map((p) => calls(p.name, KUBE_APISERVER, 'watches policies and the resources they match')),
        ],
      },
      sync: { serverSideApply: true },
      providesApis: [
        ...['ClusterPolicy', 'Policy'].flatMap((k) => [`kyverno.io/v1/${k}`, `kyverno.io/v2beta1/${k}`]),
        ...['CleanupPolicy', 'ClusterCleanupPolicy', 'PolicyException', 'UpdateRequest'].map((k) => `kyverno.io/v2/${k}`),
        ...['ValidatingPolicy'].flatMap((k) => ['v1', 'v1alpha1', 'v1beta1'].map((v) => `policies.kyverno.io/${v}/${k}`)),
        ...['ClusterEphemeralReport', 'EphemeralReport'].map((k) => `reports.kyverno.io/v1/${k}`),
        ...['ClusterPolicyReport', 'PolicyReport'].map((k) => `wgpolicyk8s.io/v1alpha2/${k}`),
      ],
      clusterScopedKinds: [
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      ],
      values: {
        global: { priorityClassName: TIERS.important.priorityClassName },
        // No migration hook Job (see the class comment): it would run without a tier.
        crds: { install: true, migration: { enabled: false } },
        // No pre-delete hook Jobs (see the class comment): they would run without a tier.
        webhooksCleanup: { enabled: false },
        config: {
          excludeKyvernoNamespace: true,
          // Phase 2 adds the namespaces of every lifeboat-tier component (see `aggregate`).
          webhooks: { namespaceSelector: kyvernoWebhookNamespaceSelector() },
        },
        features: {
          // One source with the policies' own failurePolicy (policies/kyverno.ts).
          forceFailurePolicyIgnore: { enabled: KYVERNO_FAILURE_POLICY === 'Ignore' },
          // Generated ValidatingAdmissionPolicies would enforce inside the API server, outside
          // the webhook namespaceSelector above and with the policy's own failure policy.
          generateValidatingAdmissionPolicy: { enabled: false },
          generateMutatingAdmissionPolicy: { enabled: false },
        },
        // The helm-test pods default to `readiness-checker:latest`; pin them to the release.
        test: { image: { tag: KYVERNO_APP_VERSION } },
        admissionController: monitor(),
        backgroundController: { enabled: true, ...monitor() },
        cleanupController: { enabled: true, ...monitor() },
        reportsController: { enabled: true, ...monitor() },
      },
    });
  }

  /**
   * Phase 2: the webhooks also never see the namespaces of any lifeboat-tier (core, critical)
   * component, by name: the tier label covers them once labelled, the name before that.
   */
  protected override aggregate(site: PlatformSite): void {
    const exempt = site.components.filter((c) => TIERS[c.tier].lifeboat).flatMap((c) => [c.targetNamespace, ...c.extraNamespaces]);
    this.setValue(['config', 'webhooks', 'namespaceSelector'], kyvernoWebhookNamespaceSelector(exempt));
  }
}

export const kyverno = defineComponent({
  file: import.meta.url,
  name: 'kyverno',
  layer: '02-engines',
  tier: 'important',
  description: 'Kyverno policy engine (webhooks fail open and never see system, ArgoCD or core/critical namespaces).',
  defaultEnabled: true,
  settings: {
    admissionReplicas: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Kyverno admission controller replicas (at most the node count). Default: 1.' }),
    ),
    serviceMonitors: Type.Optional(
      Type.Boolean({ description: 'Create ServiceMonitors for the Kyverno controllers (needs the Prometheus Operator CRDs). Default: true.' }),
    ),
  },
  build: (scope, ctx) =>
    new Kyverno(scope, { ...ctx, admissionReplicas: ctx.settings.admissionReplicas, serviceMonitors: ctx.settings.serviceMonitors }),
});
