import { ApiObject, JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';
import { KubeServiceAccount } from 'cdk8s-plus-28/lib/imports/k8s.js';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type PlatformComponentProps,
  type PlatformSite,
  type PodPart,
} from '../../platform/model/component.js';
import { compareText } from '../../platform/model/order.js';
import { defineComponent } from '../../platform/model/definition.js';
import { ANNOTATIONS } from '../../platform/model/labels.js';
import { SKIP_DRY_RUN_ON_MISSING_RESOURCE } from '../../platform/argocd/constants.js';
import { SITE_CA } from '../01-services/cert-manager.js';
import { VAULT_SERVICE } from '../01-services/vault.js';
import { serviceUrl } from '../../platform/model/services.js';
import { VAULT_KUBERNETES_AUTH_PATH, VAULT_KV_MOUNT, type VaultKubernetesRole } from '../01-services/vault.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { calledBy, calls, KUBE_APISERVER, service, tcp } from '../../platform/model/network.js';

/** The chart External Secrets comes from. 2.x serves only `external-secrets.io/v1`. */
export const EXTERNAL_SECRETS_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://charts.external-secrets.io',
  chart: 'external-secrets',
  version: '2.9.0',
};

export const EXTERNAL_SECRETS_NAMESPACE = 'external-secrets';

/** The API version of SecretStores and ExternalSecrets (the only one chart 2.x serves). */
export const EXTERNAL_SECRETS_API = 'external-secrets.io/v1';

/** The ClusterSecretStore every namespace's ExternalSecrets name to read from Vault. */
export const VAULT_CLUSTER_SECRET_STORE = 'vault';

/**
 * The ServiceAccount External Secrets logs in to Vault as. A dedicated one, not the
 * controller's own: its tokens are minted per login (TokenRequest, ten minutes, audience
 * `vault`), so a token the controller holds for the Kubernetes API is never sent to Vault.
 */
export const EXTERNAL_SECRETS_VAULT_SA = 'external-secrets-vault';

/**
 * What Vault grants External Secrets: a Kubernetes-auth role bound to its ServiceAccount, with
 * read access to the platform KV store. The Vault component writes it into Vault (its
 * configurer) when External Secrets is enabled.
 */
export const EXTERNAL_SECRETS_VAULT_ROLE: VaultKubernetesRole = {
  name: 'external-secrets',
  serviceAccount: EXTERNAL_SECRETS_VAULT_SA,
  namespace: EXTERNAL_SECRETS_NAMESPACE,
  audience: 'vault',
  policy: {
    name: 'external-secrets-read',
    rules: [
      `path "${VAULT_KV_MOUNT}/data/*" { capabilities = ["read"] }`,
      `path "${VAULT_KV_MOUNT}/metadata/*" { capabilities = ["read", "list"] }`,
      '',
    ].join('\n'),
  },
  ttl: '1h',
};

/** Sync wave of the ClusterSecretStore: after the chart (wave 0), once the webhook that validates it is up. */
export const CLUSTER_SECRET_STORE_WAVE = 1;

export interface ExternalSecretsProps extends PlatformComponentProps {
  /**
   * Create the Vault ClusterSecretStore (and the ServiceAccount it logs in as). Default: true;
   * the catalog turns it off when Vault is disabled.
   */
  readonly vaultStore?: boolean;
}

/**
 * External Secrets Operator: syncs secrets from Vault into Kubernetes Secrets, through one
 * ClusterSecretStore (`vault`) that logs in with Vault's Kubernetes auth and verifies Vault's
 * certificate against the site CA. In layer 02, so Vault (layer 01) is up and configured before
 * the store is created.
 *
 * Tier `important`, not `critical`: the Kubernetes Secrets it wrote stay in place and keep
 * pods running when it is down; only new or rotated secrets wait for a worker to come back.
 * Keeping it off the control-plane lifeboat leaves that room to what repairs the site. While
 * it is down its validating webhook (failurePolicy Fail) rejects changes to ExternalSecrets and
 * stores, which is also only a delay.
 *
 * The webhook's certificate comes from the chart's cert-controller (not cert-manager), so the
 * chart works on its own; the CRDs are applied server-side (too large for client-side apply).
 * ServiceMonitors use the chart's `skipIfMissing` mode: they appear only when the Prometheus
 * Operator CRDs exist.
 *
 * Requests are estimates for an idle edge site with tens of ExternalSecrets, not
 * measurements: the controller (informers over its CRDs and the Secrets it owns) a few tens of
 * MiB, the webhook and cert-controller about 20–30 MiB each; limits leave room for the start-up
 * resync.
 */
export class ExternalSecrets extends PlatformComponent {
  /** The Vault ClusterSecretStore, when Vault is enabled (scoped to its consumers in phase 2). */
  private vaultStore: ApiObject | undefined;

  constructor(scope: Construct, props: ExternalSecretsProps) {
    const parts: PodPart[] = [
      {
        name: 'controller',
        kind: 'Deployment',
        path: [],
        resources: resources('10m', '64Mi', '256Mi'),
        keys: { replicas: ['replicaCount'] },
      },
      {
        name: 'webhook',
        kind: 'Deployment',
        path: ['webhook'],
        resources: resources('10m', '32Mi', '128Mi'),
        keys: { replicas: ['webhook', 'replicaCount'] },
      },
      {
        name: 'cert-controller',
        kind: 'Deployment',
        path: ['certController'],
        resources: resources('10m', '32Mi', '128Mi'),
        keys: { replicas: ['certController', 'replicaCount'] },
      },
    ];
    super(scope, props, {
      namespace: EXTERNAL_SECRETS_NAMESPACE,
      source: EXTERNAL_SECRETS_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('Secret', 'Service', 'ServiceAccount', 'apps/Deployment', 'monitoring.coreos.com/ServiceMonitor', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding'),
      upstreamValues: 'external-secrets',
      parts,
      network: {
        pods: {
          controller: { labels: { 'app.kubernetes.io/name': props.definition.name, 'app.kubernetes.io/instance': props.definition.name } },
          webhook: { labels: { 'app.kubernetes.io/name': `${props.definition.name}-webhook`, 'app.kubernetes.io/instance': props.definition.name } },
          'cert-controller': { labels: { 'app.kubernetes.io/name': `${props.definition.name}-cert-controller`, 'app.kubernetes.io/instance': props.definition.name } },
        },
        metrics: parts.map((p) => ({ pods: p.name, port: 8080 })),
        flows: [
          calledBy('webhook', KUBE_APISERVER, tcp(10250), 'validating webhook for stores and ExternalSecrets'),
          ...((props.vaultStore ?? true) ? [calls('controller', service(VAULT_SERVICE), "reads the platform's credentials through the Vault ClusterSecretStore")] : []),
          ...parts.map((p) => calls(p.name, KUBE_APISERVER, 'watches its resources and writes Secrets and certificates')),
        ],
      },
      sync: { serverSideApply: true },
      providesApis: [
        ...['ClusterExternalSecret', 'ClusterSecretStore', 'ExternalSecret', 'SecretStore'].map((k) => `external-secrets.io/v1/${k}`),
        ...['ClusterPushSecret', 'PushSecret'].map((k) => `external-secrets.io/v1alpha1/${k}`),
        ...['ClusterGenerator', 'Fake', 'Password', 'UUID', 'VaultDynamicSecret'].map((k) => `generators.external-secrets.io/v1alpha1/${k}`),
      ],
      clusterScopedKinds: [
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
        { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
      ],
      // The store logs in to Vault with this identity; Vault's configurer creates the role.
      vaultRoles: (props.vaultStore ?? true) ? [EXTERNAL_SECRETS_VAULT_ROLE] : [],
      values: {
        installCRDs: true,
        serviceMonitor: { enabled: true, renderMode: 'skipIfMissing' },
      },
    });

    if (props.vaultStore ?? true) {
      new KubeServiceAccount(this, 'vault-auth-sa', {
        metadata: { name: EXTERNAL_SECRETS_VAULT_SA, namespace: EXTERNAL_SECRETS_NAMESPACE },
        // Tokens are requested for it by the controller (TokenRequest); nothing mounts one.
        automountServiceAccountToken: false,
      });
      const role = EXTERNAL_SECRETS_VAULT_ROLE;
      this.vaultStore = new ApiObject(this, 'vault-cluster-secret-store', {
        apiVersion: EXTERNAL_SECRETS_API,
        kind: 'ClusterSecretStore',
        metadata: {
          name: VAULT_CLUSTER_SECRET_STORE,
          annotations: {
            [ANNOTATIONS.syncWave]: String(CLUSTER_SECRET_STORE_WAVE),
            [ANNOTATIONS.syncOptions]: SKIP_DRY_RUN_ON_MISSING_RESOURCE,
          },
        },
        spec: {
          provider: {
            vault: {
              server: serviceUrl(VAULT_SERVICE, 'https'),
              path: VAULT_KV_MOUNT,
              version: 'v2',
              caProvider: { type: 'Secret', name: SITE_CA.secretName, namespace: SITE_CA.namespace, key: SITE_CA.caKey },
              auth: {
                kubernetes: {
                  mountPath: VAULT_KUBERNETES_AUTH_PATH,
                  role: role.name,
                  serviceAccountRef: { name: role.serviceAccount, namespace: role.namespace, audiences: [role.audience] },
                },
              },
            },
          },
        },
      });
    }
  }

  /**
   * Phase 2: only the namespaces that hold an ExternalSecret reading the store (the platform's
   * own apps) may use it (`spec.conditions`, enforced by the ESO controller): a namespace that
   * can create an ExternalSecret but is no consumer cannot read the platform's credentials
   * through it. With no consumer, only External Secrets' own namespace (which holds none).
   */
  protected override aggregate(site: PlatformSite): void {
    if (!this.vaultStore) return;
    const consumers = new Set<string>();
    for (const c of site.components) {
      for (const n of c.node.findAll()) {
        const o = n as Partial<ApiObject>;
        if (o.kind !== 'ExternalSecret' || typeof o.toJson !== 'function') continue;
        const es = o.toJson() as { metadata?: { namespace?: string }; spec?: { secretStoreRef?: { kind?: string; name?: string } } };
        const ref = es.spec?.secretStoreRef;
        if (ref?.kind === 'ClusterSecretStore' && ref.name === VAULT_CLUSTER_SECRET_STORE && es.metadata?.namespace) consumers.add(es.metadata.namespace);
      }
    }
    const namespaces = consumers.size > 0 ? [...consumers].sort(compareText) : [EXTERNAL_SECRETS_NAMESPACE];
    this.vaultStore.addJsonPatch(JsonPatch.add('/spec/conditions', [{ namespaces }]));
  }
}

export const externalSecrets = defineComponent({
  file: import.meta.url,
  name: 'external-secrets',
  layer: '02-engines',
  tier: 'important',
  description: 'External Secrets Operator and the Vault ClusterSecretStore (when Vault is enabled).',
  defaultEnabled: true,
  // The store logs in to Vault: without Vault there is nothing to point it at.
  build: (scope, ctx) => new ExternalSecrets(scope, { ...ctx, vaultStore: ctx.enabled('vault') }),
});
