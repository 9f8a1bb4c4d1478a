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
import { StringEnum } from '../../platform/config/schema.js';
import { TIERS } from '../../platform/model/tiers.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { calls, KUBE_APISERVER } from '../../platform/model/network.js';
import { KubeRole, KubeRoleBinding, KubeSecret, KubeServiceAccount } from 'cdk8s-plus-28/lib/imports/k8s.js';
import type { PlatformConfig } from '../../platform/config/schema.js';
import { SITE_CA, siteCaTrust } from '../01-services/cert-manager.js';
import { vaultExternalSecret, vaultReaderRoles, type VaultSecretProps } from './vault-secret.js';
import { GROUPS_CLAIM, issuerFlow, oidcProvider, providerFlow, SSO_SCOPES, ssoClient, ssoGroups, type OidcProvider, type SsoClient } from './sso-clients.js';

/** The chart Argo Workflows comes from. */
export const ARGO_WORKFLOWS_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://argoproj.github.io/argo-helm',
  chart: 'argo-workflows',
  version: '1.0.18',
};

export const ARGO_WORKFLOWS_NAMESPACE = 'argo-workflows';

/** The chart's appVersion: the controller starts every workflow pod with this executor tag. */
export const ARGO_WORKFLOWS_APP_VERSION = 'v4.0.6';

/** The Argo Server (UI and API) service: plain HTTP (`server.secure: false`), TLS ends at the gateway. */
export const ARGO_WORKFLOWS_SERVER_SERVICE = { name: 'argo-workflows-server', port: 2746 } as const;

/** How the Argo Server authenticates API and UI calls. */
export const ARGO_WORKFLOWS_AUTH_MODES = ['client', 'server'] as const;

/** Defaults of the Argo Workflows settings. */
export const ARGO_WORKFLOWS_DEFAULTS = { authMode: 'client', workflowTtlSeconds: 86_400 } as const;
export type ArgoWorkflowsAuthMode = (typeof ARGO_WORKFLOWS_AUTH_MODES)[number];

/**
 * argo-workflows chart maps we fill with keys its values.yaml does not list. For the
 * conformance check's allow-list.
 */
export const ARGO_WORKFLOWS_FREE_FORM_PATHS: readonly FreeFormPath[] = [
  {
    path: ['controller', 'workflowDefaults'],
    why: 'copied verbatim into the controller ConfigMap as workflowDefaults: a Workflow object merged into every workflow',
  },
];

/** A restricted-Pod-Security container context for the pods the controller creates (a fresh object each call). */
function restrictedContainer() {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export interface ArgoWorkflowsProps extends PlatformComponentProps {
  /**
   * Argo Server auth mode. Default: `client`: every call carries the caller's own Kubernetes
   * token, so the UI grants exactly the caller's RBAC. `server` runs every call as the
   * server's service account: anyone who reaches the URL could run pods; only for a lab.
   * (`sso` needs an identity provider the edge does not have.)
   */
  readonly authMode?: ArgoWorkflowsAuthMode;
  /**
   * Seconds a finished workflow is kept before it is deleted (`ttlStrategy`). Default: 86400
   * (one day): finished workflows and their pods would otherwise pile up in etcd and on nodes.
   */
  readonly workflowTtlSeconds?: number;
}

/**
 * Argo Workflows: the workflow controller and the Argo Server (UI/API), in one namespace that
 * is also where workflows run.
 *
 * Choices:
 * - Tier `important`: the engine may wait for a worker to come back. Workflow pods are
 *   tenant work: `workflowDefaults` gives them the workloads tier's PriorityClass, garbage
 *   collects succeeded pods, deletes finished workflows after a TTL, and makes their executor
 *   and main containers comply with the namespace's restricted Pod Security level (the chart's
 *   own pods get the missing seccomp profile too). The executor (`init`/`wait` containers) gets
 *   explicit requests so a requests-and-limits policy does not reject every workflow pod.
 * - Auth mode: see {@link ArgoWorkflowsProps.authMode}. `server.secure: false`: the layer-03
 *   gateway terminates TLS and routes plain HTTP to the server.
 * - Minimal CRDs rendered by the chart (`crds.full: false`). The full ones would come from a
 *   pre-install Job that downloads them from GitHub at sync time: an edge site may have no
 *   internet, and ArgoCD would not see or own them.
 * - `images.pullPolicy: IfNotPresent` (the chart says `Always`): the images are pinned to the
 *   chart's appVersion, and a registry outage must not stop pods from (re)starting.
 * - One replica each; ServiceMonitor for the controller metrics (the server offers none).
 *
 * Requests are estimates of an idle controller and server with a handful of workflows (Go
 * controllers idling at tens of MiB; the controller's memory grows with live workflows, hence
 * its limit). Not measured on this site; the capacity planner shows the totals.
 */
export class ArgoWorkflows extends PlatformComponent {
  constructor(scope: Construct, props: ArgoWorkflowsProps) {
    const authMode = props.authMode ?? ARGO_WORKFLOWS_DEFAULTS.authMode;
    const { config } = props.context;
    const host = `${ARGO_WORKFLOWS_SUBDOMAIN}.${config.site.domain}`;
    const provider = argoWorkflowsSignsInWithSso(config) ? oidcProvider(config) : undefined;
    const client = provider ? ssoClient(config, props.definition.name) : undefined;
    const caTrust = provider?.siteCaSigned ? { secretName: SITE_CA_TRUST_SECRET, key: SITE_CA.caKey } : undefined;
    const accounts = ssoAccounts(config);
    const ssoSecret: VaultSecretProps | undefined = client
      ? {
          name: ARGO_WORKFLOWS_SSO_SECRET,
          namespace: ARGO_WORKFLOWS_NAMESPACE,
          vaultKey: client.vaultKey,
          keys: { [SSO_CLIENT_SECRET_KEY]: client.property },
          // Argo reads the client id from the Secret too; it is no secret, so it is written here.
          literals: { [SSO_CLIENT_ID_KEY]: client.id },
        }
      : undefined;
    const ttl = props.workflowTtlSeconds ?? ARGO_WORKFLOWS_DEFAULTS.workflowTtlSeconds;
    const parts: PodPart[] = [
      {
        name: 'workflow-controller',
        kind: 'Deployment',
        path: ['controller'],
        resources: resources('25m', '96Mi', '512Mi'),
      },
      { name: 'server', kind: 'Deployment', path: ['server'], resources: resources('10m', '64Mi', '256Mi') },
    ];
    // Fresh objects per key: the model writes each part's settings into its block in place.
    const podSecurityContext = () => ({ seccompProfile: { type: 'RuntimeDefault' } });
    super(scope, props, {
      namespace: ARGO_WORKFLOWS_NAMESPACE,
      source: ARGO_WORKFLOWS_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('ConfigMap', 'Service', 'ServiceAccount', 'apps/Deployment', 'monitoring.coreos.com/ServiceMonitor', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding'),
      // The executor (init/wait containers of every workflow pod) is named only in the controller's config.
      runtimeImages: [`quay.io/argoproj/argoexec:${ARGO_WORKFLOWS_APP_VERSION}`],
      upstreamValues: 'argo-workflows',
      valuesAllowances: { freeForm: ARGO_WORKFLOWS_FREE_FORM_PATHS },
      parts,
      // `client` mode: the caller's own Kubernetes token (and single sign-on with `sso`).
      // `server` mode: no login at all, and every caller may run pods: admins only behind the proxy.
      ui: [
        {
          subdomain: ARGO_WORKFLOWS_SUBDOMAIN,
          service: ARGO_WORKFLOWS_SERVER_SERVICE.name,
          port: ARGO_WORKFLOWS_SERVER_SERVICE.port,
          ...(authMode === 'client' ? { login: 'oidc' as const } : { login: 'none' as const, adminOnly: true }),
        },
      ],
      oidcClients: client ? [{ name: props.definition.name, redirectUris: [`https://${host}${ARGO_WORKFLOWS_SSO_CALLBACK}`] }] : [],
      generatedCredentials: client?.generated ? [client.generated] : [],
      // What Vault lets its ExternalSecret read: exactly the client's entry.
      vaultRoles: ssoSecret ? vaultReaderRoles([ssoSecret]) : [],
      network: {
        pods: Object.fromEntries(
          parts.map((p) => [p.name, { labels: { 'app.kubernetes.io/name': `${props.definition.name}-${p.name}`, 'app.kubernetes.io/instance': props.definition.name } }]),
        ),
        services: { [ARGO_WORKFLOWS_SERVER_SERVICE.name]: { pods: 'server', ports: [ARGO_WORKFLOWS_SERVER_SERVICE.port] } },
        metrics: [{ pods: 'workflow-controller', port: 9090 }],
        flows: [
          calls('workflow-controller', KUBE_APISERVER, 'runs workflows as pods'),
          calls('server', KUBE_APISERVER, "serves the UI and API with each caller's own token"),
          ...(provider
            ? [
                // The discovery document: in the cluster with the bundled Dex (the issuer alias).
                providerFlow('server', provider, 'reads the discovery document'),
                // What the document points at: the issuer's own URL.
                issuerFlow('server', provider, 'redeems login codes and reads the signing keys'),
              ]
            : []),
        ],
        openEgress: 'workflows run in this namespace, and their steps call whatever they are written to (git hosts, registries, APIs)',
      },
      clusterScopedKinds: [
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      ],
      values: {
        images: { pullPolicy: 'IfNotPresent' },
        crds: { install: true, full: false, keep: true },
        workflow: { serviceAccount: { create: true }, rbac: { create: true } },
        controller: {
          workflowNamespaces: [ARGO_WORKFLOWS_NAMESPACE],
          metricsConfig: { enabled: true },
          serviceMonitor: { enabled: true },
          podSecurityContext: podSecurityContext(),
          workflowDefaults: {
            spec: {
              podPriorityClassName: TIERS.workloads.priorityClassName,
              podGC: { strategy: 'OnPodSuccess' },
              ttlStrategy: { secondsAfterCompletion: ttl },
            },
          },
        },
        executor: {
          resources: resources('10m', '32Mi', '256Mi'),
          securityContext: restrictedContainer(),
        },
        mainContainer: { securityContext: restrictedContainer() },
        server: {
          enabled: true,
          authModes: provider ? ['sso', authMode] : [authMode],
          secure: false,
          podSecurityContext: podSecurityContext(),
          ...(provider && client ? serverSso(provider, client, host, caTrust, accounts) : {}),
        },
      },
    });
    if (ssoSecret) {
      if (caTrust) siteCaTrust(this, { name: caTrust.secretName, namespace: ARGO_WORKFLOWS_NAMESPACE });
      vaultExternalSecret(this, 'sso-secret', ssoSecret);
      ssoServiceAccounts(this, accounts);
    }
  }
}

/**
 * Whether the Argo Server signs users in through the site's provider: with `sso`, in `client`
 * mode (in `server` mode every caller is the server's account anyway, and the UI counts as one
 * without a login).
 */
export function argoWorkflowsSignsInWithSso(config: Pick<PlatformConfig, 'sso' | 'components'>): boolean {
  const mode = (config.components['argo-workflows']?.authMode as ArgoWorkflowsAuthMode | undefined) ?? ARGO_WORKFLOWS_DEFAULTS.authMode;
  return config.sso !== undefined && mode === 'client';
}

/** The server's UI host label. */
const ARGO_WORKFLOWS_SUBDOMAIN = 'workflows';
/** Where the provider sends the browser back to. */
const ARGO_WORKFLOWS_SSO_CALLBACK = '/oauth2/callback';
/** Secret with the OIDC client id and secret (with `sso`), from Vault. */
export const ARGO_WORKFLOWS_SSO_SECRET = 'argo-workflows-sso';
const SSO_CLIENT_ID_KEY = 'client-id';
const SSO_CLIENT_SECRET_KEY = 'client-secret';
/** The site CA, for the server's calls to the bundled Dex through the gateway. */
const SITE_CA_TRUST_SECRET = 'site-ca';
const SITE_CA_MOUNT = '/etc/edge-idp/site-ca';

/**
 * The ServiceAccounts single sign-on maps users to (`sso.rbac`): Argo evaluates each account's
 * `rbac-rule` against the user's claims and acts as the matching account with the highest
 * precedence; a user matching none is refused. Admins get the chart's `-admin` aggregate role in
 * this namespace, viewers its `-view` role; both may read pods and their logs. Each account
 * needs a token Secret named `<account>.service-account-token` (Argo reads the token from it).
 */
const SSO_ACCOUNTS = [
  { name: 'sso-admin', groups: 'admin', clusterRole: 'admin', precedence: 2 },
  { name: 'sso-viewer', groups: 'viewer', clusterRole: 'view', precedence: 1 },
] as const;

type SsoAccount = (typeof SSO_ACCOUNTS)[number] & { readonly members: readonly string[] };

/** The accounts of {@link SSO_ACCOUNTS} whose group list is not empty, with their members. */
function ssoAccounts(config: PlatformConfig): SsoAccount[] {
  const groups = ssoGroups(config);
  return SSO_ACCOUNTS.map((a) => ({ ...a, members: a.groups === 'admin' ? groups.admin : groups.viewer })).filter((a) => a.members.length > 0);
}

const tokenSecretName = (account: string) => `${account}.service-account-token`;

/** `server.sso`: the client, the provider, and RBAC by the accounts of {@link SSO_ACCOUNTS}. */
function serverSso(provider: OidcProvider, client: SsoClient, host: string, caTrust: { secretName: string; key: string } | undefined, accounts: readonly SsoAccount[]): Record<string, unknown> {
  return {
    sso: {
      enabled: true,
      // With the bundled Dex: read the discovery document in the cluster (argocd-server), and
      // accept the issuer it names (https://argocd.<domain>/api/dex). Token exchange and keys
      // still go to the endpoints the document lists, through the gateway: hence the site CA.
      issuer: provider.inClusterIssuer ?? provider.issuer,
      ...(provider.inClusterIssuer ? { issuerAlias: provider.issuer } : {}),
      clientId: { name: ARGO_WORKFLOWS_SSO_SECRET, key: SSO_CLIENT_ID_KEY },
      clientSecret: { name: ARGO_WORKFLOWS_SSO_SECRET, key: SSO_CLIENT_SECRET_KEY },
      redirectUrl: `https://${host}${ARGO_WORKFLOWS_SSO_CALLBACK}`,
      scopes: SSO_SCOPES.filter((s) => s !== 'openid'),
      customGroupClaimName: GROUPS_CLAIM,
      // The server reads only these Secrets: the client's and the accounts' tokens.
      rbac: { enabled: true, secretWhitelist: [ARGO_WORKFLOWS_SSO_SECRET, ...accounts.map((a) => tokenSecretName(a.name))] },
    },
    ...(caTrust
      ? {
          // Go reads its trust roots from SSL_CERT_FILE: the site CA only. The server calls no
          // other TLS endpoint but the API server, whose CA comes with its token (no artifact
          // repository is configured; one behind a public certificate would need a bundle).
          extraEnv: [{ name: 'SSL_CERT_FILE', value: `${SITE_CA_MOUNT}/${caTrust.key}` }],
          volumes: [{ name: 'site-ca', secret: { secretName: caTrust.secretName, items: [{ key: caTrust.key, path: caTrust.key }] } }],
          volumeMounts: [{ name: 'site-ca', mountPath: SITE_CA_MOUNT, readOnly: true }],
        }
      : {}),
  };
}

/** The accounts with their rules, token Secrets and role bindings. */
function ssoServiceAccounts(scope: Construct, accounts: readonly SsoAccount[]): void {
  const ns = ARGO_WORKFLOWS_NAMESPACE;
  const logsRole = 'sso-pod-logs';
  new KubeRole(scope, 'sso-pod-logs', {
    metadata: { name: logsRole, namespace: ns },
    rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }],
  });
  for (const a of accounts) {
    new KubeServiceAccount(scope, `${a.name}-sa`, {
      metadata: {
        name: a.name,
        namespace: ns,
        annotations: {
          'workflows.argoproj.io/rbac-rule': a.members.map((g) => `'${g}' in ${GROUPS_CLAIM}`).join(' || '),
          'workflows.argoproj.io/rbac-rule-precedence': String(a.precedence),
        },
      },
    });
    new KubeSecret(scope, `${a.name}-token`, {
      metadata: { name: tokenSecretName(a.name), namespace: ns, annotations: { 'kubernetes.io/service-account.name': a.name } },
      type: 'kubernetes.io/service-account-token',
    });
    for (const [id, role] of [
      ['role', { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${ARGO_WORKFLOWS_RELEASE}-${a.clusterRole}` }],
      ['logs', { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: logsRole }],
    ] as const) {
      new KubeRoleBinding(scope, `${a.name}-${id}`, {
        metadata: { name: `${a.name}-${id === 'role' ? a.clusterRole : logsRole}`, namespace: ns },
        roleRef: role,
        subjects: [{ kind: 'ServiceAccount', name: a.name, namespace: ns }],
      });
    }
  }
}

/** Release name: the chart's aggregate roles are `<release>-admin`, `-edit`, `-view`. */
const ARGO_WORKFLOWS_RELEASE = 'argo-workflows';

export const argoWorkflows = defineComponent({
  file: import.meta.url,
  name: 'argo-workflows',
  layer: '02-engines',
  tier: 'important',
  description: 'Argo Workflows: workflow controller and Argo Server UI.',
  defaultEnabled: true,
  settings: {
    authMode: Type.Optional(
      StringEnum(ARGO_WORKFLOWS_AUTH_MODES, {
        description:
          `Argo Server auth mode: 'client' (the caller's own Kubernetes token) or 'server' (the server's service account; labs only). Default: ${ARGO_WORKFLOWS_DEFAULTS.authMode}.`,
      }),
    ),
    workflowTtlSeconds: Type.Optional(
      Type.Integer({ minimum: 60, description: `Seconds a finished workflow is kept before deletion. Default: ${ARGO_WORKFLOWS_DEFAULTS.workflowTtlSeconds}.` }),
    ),
  },
  build: (scope, ctx) =>
    new ArgoWorkflows(scope, { ...ctx, authMode: ctx.settings.authMode, workflowTtlSeconds: ctx.settings.workflowTtlSeconds }),
});
