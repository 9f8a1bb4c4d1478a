import type { Construct } from 'constructs';
import { APPS_DECLARED_KEYS, APPS_FREE_FORM_PATHS } from './conformance.js';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type PlatformComponentProps,
  type PodPart,
} from '../../platform/model/component.js';
import { LOKI_SERVICE } from '../01-services/loki.js';
import { MONITORING_NAMESPACE, PROMETHEUS_SERVICE } from '../01-services/prometheus-stack.js';
import { serviceUrl } from '../../platform/model/services.js';
import { PROMETHEUS_STACK_DASHBOARD_LABEL } from '../01-services/prometheus-stack.js';
import { KubeRole, KubeRoleBinding } from 'cdk8s-plus-28/lib/imports/k8s.js';
import { vaultCredentialsRequire, vaultExternalSecret, vaultReaderRoles, type VaultSecretProps } from './app-credentials.js';
import { appCredential, GENERATED_PASSWORD } from '../01-services/vault.js';
import { defineComponent } from '../../platform/model/definition.js';
import type { PlatformConfig } from '../../platform/config/schema.js';
import { GROUPS_CLAIM, oidcProvider, providerFlow, SSO_SCOPES, ssoClient, ssoGroups } from '../02-engines/sso-clients.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { calls, KUBE_APISERVER, service } from '../../platform/model/network.js';

/** The standalone Grafana chart (grafana-community, where the OSS Grafana charts moved). */
export const GRAFANA_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://grafana-community.github.io/helm-charts',
  chart: 'grafana',
  version: '12.11.1',
};

/** Grafana's own namespace: its tier (important) differs from the monitoring namespace's (critical). */
export const GRAFANA_NAMESPACE = 'grafana';

/** The Service the chart creates (release `grafana`, so the fullname is `grafana`), port 80 → 3000. */
export const GRAFANA_SERVICE = { name: 'grafana', port: 80 } as const;
/** Grafana's own port behind {@link GRAFANA_SERVICE}. */
const GRAFANA_PORT = 3000;

/** The chart's ServiceAccount (its fullname, the release name here), which the sidecar runs as. */
const GRAFANA_SERVICE_ACCOUNT = GRAFANA_SERVICE.name;

/** Where the dashboards sidecar looks for labelled ConfigMaps (with kube-prometheus-stack on): Grafana's own namespace and the stack's. */
const DASHBOARD_NAMESPACES: readonly string[] = [GRAFANA_NAMESPACE, MONITORING_NAMESPACE];

/** Secret holding the admin credentials, created by External Secrets from Vault. */
export const GRAFANA_ADMIN_SECRET = 'grafana-admin';

/** Secret holding Grafana's OIDC client secret (with `sso`), created by External Secrets from Vault. */
export const GRAFANA_SSO_SECRET = 'grafana-sso';

const GRAFANA_SUBDOMAIN = 'grafana';
/** Where the provider sends the browser back to (Grafana's generic OAuth login). */
const GRAFANA_OAUTH_CALLBACK = '/login/generic_oauth';
/** Grafana reads every setting from `GF_<SECTION>_<KEY>` too: the client secret comes this way. */
const CLIENT_SECRET_ENV = 'GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET';

/**
 * `[auth.generic_oauth]` for the site's provider. Grafana does not read discovery documents, so
 * it gets the endpoints: with the bundled Dex the browser goes to the issuer and Grafana calls
 * the token and userinfo endpoints in the cluster (no gateway, no site CA). Roles come from the
 * groups claim; `role_attribute_strict` refuses a user in neither group list.
 */
function genericOauth(config: PlatformConfig, clientId: string): Record<string, unknown> {
  const provider = oidcProvider(config)!;
  const { admin, viewer } = ssoGroups(config);
  const member = (groups: readonly string[]) => `(${groups.map((g) => `contains(${GROUPS_CLAIM}[*], '${g}')`).join(' || ')})`;
  const role = [`${member(admin)} && 'Admin'`, ...(viewer.length ? [`${member(viewer)} && 'Viewer'`] : [])].join(' || ');
  return {
    enabled: true,
    name: 'Single sign-on',
    client_id: clientId,
    scopes: SSO_SCOPES.join(' '),
    auth_url: provider.authorizationUrl,
    token_url: provider.tokenUrl,
    api_url: provider.userinfoUrl,
    use_pkce: true,
    allow_sign_up: true,
    groups_attribute_path: GROUPS_CLAIM,
    role_attribute_path: role,
    role_attribute_strict: true,
  };
}

export interface GrafanaProps extends PlatformComponentProps {
  /** kube-prometheus-stack runs (its dashboards and datasource exist). */
  readonly prometheusStack: boolean;
  /**
   * Vault entry (relative to the KV mount of its namespace's store) holding the admin
   * credentials as properties `admin-user` and `admin-password`. Default: `edge-idp/grafana`.
   */
  readonly adminVaultKey?: string;
  /**
   * Run the dashboards sidecar, which loads dashboards from ConfigMaps labelled
   * `grafana_dashboard` in Grafana's own namespace (namespaced RBAC: it cannot read other
   * namespaces). Default: true.
   */
  readonly dashboardsSidecar?: boolean;
}

/**
 * Grafana, standalone (kube-prometheus-stack's bundled Grafana is disabled), because:
 * - it belongs to layer 03 (a UI on top of the services), and the AppProject of layer 03
 *   allows no cluster-scoped objects: the chart's RBAC is namespaced (`rbac.namespaced`), so
 *   it renders a Role, never a ClusterRole, and the sidecar only reads its own namespace;
 * - it upgrades on its own schedule, independently of the Prometheus stack;
 * - its datasources are the layer-01 service addresses their components publish (`PROMETHEUS_SERVICE`, `LOKI_SERVICE`)
 *   (Prometheus and Loki), provisioned from values, not discovered.
 *
 * No admin password in git, and none generated by the chart: with no `admin.existingSecret`
 * the chart renders a Secret with `randAlphaNum` (its `lookup` of the existing Secret finds
 * nothing under ArgoCD's `helm template`), i.e. a new password on every render. The admin
 * Secret comes from Vault through an ExternalSecret instead (see `adminVaultKey`).
 *
 * Single sign-on (with `sso`): generic OAuth against the site's provider (see `genericOauth`),
 * its client secret from Vault through a second ExternalSecret into an environment variable
 * (the chart's `assertNoLeakedSecrets` refuses secrets in grafana.ini). The admin login stays:
 * the break-glass account when the provider is down.
 *
 * Storage: no PVC (the chart default). Datasources and dashboards are provisioned, so only
 * users, preferences and dashboards saved from the UI are lost on a restart; a PVC would
 * also bring the chart's root `init-chown-data` container, which the restricted Pod Security
 * level rejects.
 *
 * Requests are estimates for an idle edge site, not measurements: Grafana 13 idles around
 * 100–150 MiB with a handful of dashboards, the k8s-sidecar (Python) around 50–70 MiB. The
 * capacity planner adds them up; a site can override them.
 */
export class Grafana extends PlatformComponent {
  constructor(scope: Construct, props: GrafanaProps) {
    const domain = props.context.config.site.domain;
    const host = `${GRAFANA_SUBDOMAIN}.${domain}`;
    const sso = props.context.config.sso ? { client: ssoClient(props.context.config, props.definition.name) } : undefined;
    const sidecar = props.dashboardsSidecar ?? true;
    // kube-prometheus-stack's dashboards exist only when it runs.
    const dashboardNamespaces = props.prometheusStack ? DASHBOARD_NAMESPACES : [GRAFANA_NAMESPACE];
    const credential = appCredential(props.definition.name, { 'admin-user': { value: 'admin' }, 'admin-password': GENERATED_PASSWORD });
    const ssoSecret: VaultSecretProps | undefined = sso
      ? { name: GRAFANA_SSO_SECRET, namespace: GRAFANA_NAMESPACE, vaultKey: sso.client.vaultKey, keys: { [sso.client.property]: sso.client.property } }
      : undefined;
    const adminSecret: VaultSecretProps = {
      name: GRAFANA_ADMIN_SECRET,
      namespace: GRAFANA_NAMESPACE,
      vaultKey: props.adminVaultKey ?? credential.vaultKey,
      keys: { 'admin-user': 'admin-user', 'admin-password': 'admin-password' },
    };
    const parts: PodPart[] = [
      {
        name: 'grafana',
        kind: 'Deployment',
        path: [],
        resources: resources('50m', '160Mi', '512Mi'),
        extraContainers: sidecar
          ? [{ name: 'grafana-sc-dashboard', resourcesKey: ['sidecar', 'resources'], resources: resources('10m', '64Mi', '192Mi') }]
          : [],
        note: '`priorityClassName` is documented (commented out) in values.yaml and read by _pod.tpl; one `sidecar.resources` key serves every sidecar container.',
      },
    ];
    super(scope, props, {
      namespace: GRAFANA_NAMESPACE,
      source: GRAFANA_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('ConfigMap', 'Service', 'ServiceAccount', 'apps/Deployment', 'monitoring.coreos.com/ServiceMonitor', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding'),
      upstreamValues: 'grafana',
      valuesAllowances: { freeForm: APPS_FREE_FORM_PATHS.grafana, undeclared: APPS_DECLARED_KEYS.grafana },
      parts,
      // Its own login: the admin from Vault, and single sign-on through OIDC when `sso` is configured.
      ui: [{ subdomain: GRAFANA_SUBDOMAIN, service: GRAFANA_SERVICE.name, port: GRAFANA_SERVICE.port, login: 'oidc' }],
      oidcClients: sso ? [{ name: props.definition.name, redirectUris: [`https://${host}${GRAFANA_OAUTH_CALLBACK}`] }] : [],
      network: {
        pods: { grafana: { labels: { 'app.kubernetes.io/name': GRAFANA_SERVICE.name, 'app.kubernetes.io/instance': props.definition.name } } },
        services: { [GRAFANA_SERVICE.name]: { pods: 'grafana', ports: [[GRAFANA_SERVICE.port, GRAFANA_PORT]] } },
        metrics: [{ pods: 'grafana', port: GRAFANA_PORT }],
        flows: [
          calls('grafana', service(PROMETHEUS_SERVICE), 'queries metrics (datasource)'),
          calls('grafana', service(LOKI_SERVICE), 'queries logs (datasource)'),
          ...(sidecar ? [calls('grafana', KUBE_APISERVER, 'loads dashboard ConfigMaps (sidecar)')] : []),
          ...(sso ? [providerFlow('grafana', oidcProvider(props.context.config)!, 'signs users in: redeems login codes and reads their groups')] : []),
        ],
      },
      // Other charts put their dashboards here; the sidecar loads them.
      dashboardsNamespace: GRAFANA_NAMESPACE,
      generatedCredentials: [credential, ...(sso?.client.generated ? [sso.client.generated] : [])],
      // What Vault lets its ExternalSecrets read: exactly those entries.
      vaultRoles: vaultReaderRoles([adminSecret, ...(ssoSecret ? [ssoSecret] : [])]),
      values: {
        // Role + RoleBinding in Grafana's namespace only: no ClusterRole, no ClusterRoleBinding.
        rbac: { namespaced: true },
        testFramework: { enabled: false },
        admin: { existingSecret: GRAFANA_ADMIN_SECRET },
        serviceMonitor: { enabled: true },
        // The dashboards kube-prometheus-stack ships land in `monitoring` (labelled for a sidecar):
        // search there too. The chart's RBAC is namespaced (its own namespace only), so a Role
        // in `monitoring` below lets the sidecar read them.
        sidecar: {
          dashboards: {
            enabled: sidecar,
            label: PROMETHEUS_STACK_DASHBOARD_LABEL.key,
            labelValue: PROMETHEUS_STACK_DASHBOARD_LABEL.value,
            ...(sidecar && dashboardNamespaces.length > 1 ? { searchNamespace: dashboardNamespaces } : {}),
          },
        },
        datasources: {
          'datasources.yaml': {
            apiVersion: 1,
            datasources: [
              { name: 'Prometheus', type: 'prometheus', uid: 'prometheus', access: 'proxy', url: serviceUrl(PROMETHEUS_SERVICE), isDefault: true },
              { name: 'Loki', type: 'loki', uid: 'loki', access: 'proxy', url: serviceUrl(LOKI_SERVICE) },
            ],
          },
        },
        'grafana.ini': {
          server: { domain: host, root_url: `https://${host}` },
          // Edge sites are often offline: do not phone home.
          analytics: { check_for_updates: false, reporting_enabled: false },
          ...(sso ? { 'auth.generic_oauth': genericOauth(props.context.config, sso.client.id) } : {}),
        },
        // The client secret reaches Grafana as an environment variable, never through grafana.ini.
        ...(sso ? { envValueFrom: { [CLIENT_SECRET_ENV]: { secretKeyRef: { name: GRAFANA_SSO_SECRET, key: sso.client.property } } } } : {}),
      },
    });
    if (sidecar) {
      // Read access to the dashboard ConfigMaps in each namespace beyond Grafana's own.
      for (const ns of dashboardNamespaces.filter((n) => n !== GRAFANA_NAMESPACE)) {
        const name = `${GRAFANA_SERVICE.name}-dashboards-reader`;
        new KubeRole(this, `dashboards-reader-${ns}`, {
          metadata: { name, namespace: ns },
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
        });
        new KubeRoleBinding(this, `dashboards-reader-binding-${ns}`, {
          metadata: { name, namespace: ns },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
          subjects: [{ kind: 'ServiceAccount', name: GRAFANA_SERVICE_ACCOUNT, namespace: GRAFANA_NAMESPACE }],
        });
      }
    }
    if (ssoSecret) vaultExternalSecret(this, 'sso-secret', ssoSecret);
    vaultExternalSecret(this, 'admin-secret', adminSecret);
  }
}

export const grafana = defineComponent({
  file: import.meta.url,
  name: 'grafana',
  layer: '03-apps',
  tier: 'important',
  description: 'Grafana (standalone chart) with Prometheus and Loki datasources; admin credentials from Vault.',
  defaultEnabled: true,
  requires: vaultCredentialsRequire('its admin credentials'),
  build: (scope, ctx) => new Grafana(scope, { ...ctx, prometheusStack: ctx.enabled('prometheus-stack') }),
});
