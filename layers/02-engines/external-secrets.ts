import { ApiObject } from 'cdk8s';
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
import {
  VAULT_KUBERNETES_AUTH_PATH,
  VAULT_KV_MOUNT,
  VAULT_MANAGED_PREFIX,
  VAULT_READER_SA_PREFIX,
  VAULT_TOKEN_AUDIENCE,
  policyHcl,
  readerPolicyRules,
  type VaultKubernetesRole,
} from '../01-services/vault.js';
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

/** Prefix of the Vault ClusterSecretStores, one per consuming namespace (`vault-<namespace>`). */
const VAULT_STORE_PREFIX = 'vault-';

/** The Vault ClusterSecretStore the ExternalSecrets of `namespace` read through (usable from that namespace only). */
export function vaultStoreName(namespace: string): string {
  return `${VAULT_STORE_PREFIX}${namespace}`;
}

/**
 * The ServiceAccount, in External Secrets' namespace, that the store for `namespace` logs in
 * to Vault as. Its tokens are minted per login (TokenRequest, ten minutes, audience `vault`),
 * so a token the controller holds for the Kubernetes API is never sent to Vault, and Vault
 * tells the consumers apart.
 */
export function vaultReaderServiceAccount(namespace: string): string {
  const name = `${VAULT_READER_SA_PREFIX}${namespace}`;
  if (name.length > 63) throw new Error(`external-secrets: ServiceAccount '${name}' is longer than 63 characters: shorten namespace '${namespace}'`);
  return name;
}

/**
 * What Vault grants the ExternalSecrets of one namespace: a Kubernetes-auth role bound to that
 * namespace's reader ServiceAccount, with `read` on exactly the Vault entries they read. The
 * consumer publishes it (`vaultRoles`); Vault's configurer writes it.
 */
export function vaultReaderRole(namespace: string, vaultKeys: readonly string[]): VaultKubernetesRole {
  const name = `${VAULT_MANAGED_PREFIX}read-${namespace}`;
  return {
    name,
    serviceAccount: vaultReaderServiceAccount(namespace),
    namespace: EXTERNAL_SECRETS_NAMESPACE,
    audience: VAULT_TOKEN_AUDIENCE,
    policy: { name, rules: policyHcl(readerPolicyRules(vaultKeys)) },
    ttl: '1h',
  };
}

/** Sync wave of the ClusterSecretStores: after the chart (wave 0), once the webhook that validates it is up. */
export const CLUSTER_SECRET_STORE_WAVE = 1;

export interface ExternalSecretsProps extends PlatformComponentProps {
  /**
   * Create the Vault ClusterSecretStores (one per consuming namespace, with the ServiceAccount
   * each logs in as). Default: true; the catalog turns it off when Vault is disabled.
   */
  readonly vaultStores?: boolean;
}

/**
 * External Secrets Operator: syncs secrets from Vault into Kubernetes Secrets, through one
 * ClusterSecretStore per consuming namespace (`vault-<namespace>`). Each store is usable only
 * from its namespace (`spec.conditions`, enforced by the controller), logs in to Vault as its
 * own ServiceAccount (`vault-reader-<namespace>`, in this namespace) with Kubernetes auth, and
 * verifies Vault's certificate against the site CA. Vault gives that identity `read` on exactly
 * the entries the namespace's ExternalSecrets read (the role the consumer declares). So an
 * ExternalSecret in namespace A can name neither B's store (conditions) nor B's entries (Vault
 * refuses A's identity). In layer 02, so Vault (layer 01) is up and configured before the
 * stores are created.
 *
 * Why the reader ServiceAccounts live here and not in the consumers' namespaces: the controller
 * can mint a token for any ServiceAccount in the cluster anyway (`serviceaccounts/token`,
 * cluster-wide, which `serviceAccountRef` needs), so their place does not limit it; and a store
 * of layer 02 naming a ServiceAccount that only layer 03 creates would be Degraded until then,
 * which stops the layer order. A namespaced SecretStore per consumer could not reference the
 * site CA, which lives in cert-manager's namespace.
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
  /** Whether Vault runs: the stores are made in phase 2, one per consuming namespace. */
  private readonly vaultStores: boolean;

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
          ...((props.vaultStores ?? true) ? [calls('controller', service(VAULT_SERVICE), "reads the platform's credentials through each consuming namespace's Vault store")] : []),
          ...parts.map((p) => calls(p.name, KUBE_APISERVER, 'watches its resources and writes Secrets and certificates')),
        ],
      },
      sync: { serverSideApply: true },
      // Delivered by the root before its layer's ApplicationSet: components of this layer read
      // Vault through ExternalSecrets too (Argo Workflows' and the SSO proxies' client secrets),
      // so the CRDs and the store must exist before that ApplicationSet syncs them.
      delivery: { kind: 'root' },
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
      values: {
        installCRDs: true,
        serviceMonitor: { enabled: true, renderMode: 'skipIfMissing' },
      },
    });

    this.vaultStores = props.vaultStores ?? true;
  }

  /**
   * Phase 2: one store and one reader ServiceAccount per namespace holding an ExternalSecret
   * that reads Vault, each checked against the role the consumer declared (its ServiceAccount,
   * and a policy that grants exactly the entries that namespace's ExternalSecrets read). A
   * mismatch is a bug in a component, refused at build time naming it.
   */
  protected override aggregate(site: PlatformSite): void {
    if (!this.vaultStores) return;
    const reads = vaultReads(site);
    const roles = new Map(site.components.flatMap((c) => c.vaultRoles.map((r) => [r.name, { role: r, component: c.componentName }] as const)));
    for (const [namespace, keys] of reads) {
      const expected = vaultReaderRole(namespace, [...keys]);
      const mismatch = readerRoleMismatch(namespace, keys, roles.get(expected.name));
      if (mismatch) throw new Error(mismatch);
      const serviceAccount = expected.serviceAccount;
      new KubeServiceAccount(this, `vault-reader-${namespace}`, {
        metadata: { name: serviceAccount, namespace: EXTERNAL_SECRETS_NAMESPACE },
        // Tokens are requested for it by the controller (TokenRequest); nothing mounts one.
        automountServiceAccountToken: false,
      });
      new ApiObject(this, `vault-store-${namespace}`, {
        apiVersion: EXTERNAL_SECRETS_API,
        kind: 'ClusterSecretStore',
        metadata: {
          name: vaultStoreName(namespace),
          annotations: {
            [ANNOTATIONS.syncWave]: String(CLUSTER_SECRET_STORE_WAVE),
            [ANNOTATIONS.syncOptions]: SKIP_DRY_RUN_ON_MISSING_RESOURCE,
          },
        },
        spec: {
          // Only ExternalSecrets in this namespace may use it (enforced by the controller).
          conditions: [{ namespaces: [namespace] }],
          provider: {
            vault: {
              server: serviceUrl(VAULT_SERVICE, 'https'),
              path: VAULT_KV_MOUNT,
              version: 'v2',
              caProvider: { type: 'Secret', name: SITE_CA.secretName, namespace: SITE_CA.namespace, key: SITE_CA.caKey },
              auth: {
                kubernetes: {
                  mountPath: VAULT_KUBERNETES_AUTH_PATH,
                  role: expected.name,
                  serviceAccountRef: { name: serviceAccount, namespace: EXTERNAL_SECRETS_NAMESPACE, audiences: [expected.audience] },
                },
              },
            },
          },
        },
      });
    }
  }
}

/**
 * Why the role a component declared for `namespace` (if any) is not the one its ExternalSecrets
 * need (`read` on exactly `keys`), or undefined when it is.
 */
export function readerRoleMismatch(
  namespace: string,
  keys: ReadonlySet<string>,
  declared: { role: VaultKubernetesRole; component: string } | undefined,
): string | undefined {
  const expected = vaultReaderRole(namespace, [...keys]);
  if (declared && JSON.stringify(declared.role) === JSON.stringify(expected)) return undefined;
  return (
    `external-secrets: the ExternalSecrets in namespace '${namespace}' read ${[...keys].sort(compareText).join(', ')} from Vault, ` +
    `but ${declared ? `component '${declared.component}' declares role '${expected.name}' differently` : `no component declares role '${expected.name}'`}: ` +
    'publish vaultReaderRoles(...) of the same secrets as vaultRoles (layers/03-apps/app-credentials.ts)'
  );
}

/**
 * What each namespace's ExternalSecrets read from Vault: namespace → KV keys, from the
 * components' ExternalSecret objects. Every one must name its own namespace's store.
 */
export function vaultReads(site: PlatformSite): Map<string, Set<string>> {
  const reads = new Map<string, Set<string>>();
  for (const c of site.components) {
    for (const n of c.node.findAll()) {
      const o = n as Partial<ApiObject>;
      if (o.kind !== 'ExternalSecret' || typeof o.toJson !== 'function') continue;
      const es = o.toJson() as {
        metadata?: { name?: string; namespace?: string };
        spec?: { secretStoreRef?: { kind?: string; name?: string }; data?: { remoteRef?: { key?: string } }[] };
      };
      const ns = es.metadata?.namespace;
      const ref = es.spec?.secretStoreRef;
      if (!ns || ref?.kind !== 'ClusterSecretStore' || !ref.name?.startsWith(VAULT_STORE_PREFIX)) continue;
      if (ref.name !== vaultStoreName(ns)) {
        throw new Error(`external-secrets: ExternalSecret ${ns}/${es.metadata?.name} of component '${c.componentName}' names store '${ref.name}'; an ExternalSecret reads through its own namespace's store, '${vaultStoreName(ns)}'`);
      }
      const keys = reads.get(ns) ?? new Set<string>();
      for (const d of es.spec?.data ?? []) if (d.remoteRef?.key) keys.add(d.remoteRef.key);
      reads.set(ns, keys);
    }
  }
  return new Map([...reads].sort(([a], [b]) => compareText(a, b)));
}

export const externalSecrets = defineComponent({
  file: import.meta.url,
  name: 'external-secrets',
  layer: '02-engines',
  tier: 'important',
  description: 'External Secrets Operator and one Vault ClusterSecretStore per consuming namespace (when Vault is enabled).',
  defaultEnabled: true,
  // The stores log in to Vault: without Vault there is nothing to point them at.
  build: (scope, ctx) => new ExternalSecrets(scope, { ...ctx, vaultStores: ctx.enabled('vault') }),
});
