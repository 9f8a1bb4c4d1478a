import type { Construct } from 'constructs';
import { IntOrString, KubeDeployment, KubeService, type EnvVar } from 'cdk8s-plus-28/lib/imports/k8s.js';
import { ARGOCD_NAMESPACE } from '../../platform/argocd/constants.js';
import { connectorSecretsVaultKey, SSO_VAULT } from '../../platform/config/schema.js';
import { PlatformComponent, resources, type PlatformComponentProps, type PlatformSite, type PodPart } from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { ownPodSettings } from '../../platform/model/own-pod.js';
import { serviceUrl } from '../../platform/model/services.js';
import { oidcClients, uiExposures, type UiExposure } from '../../platform/model/ui.js';
import { GENERATED_PASSWORD } from '../01-services/vault.js';
import {
  ARGOCD_SSO_SECRET,
  argocdSecretKey,
  connectorSecretKey,
  GROUPS_CLAIM,
  oidcProvider,
  providerFlow,
  SSO_SCOPES,
  ssoClient,
  ssoGroups,
  type OidcProvider,
} from './sso-clients.js';
import { vaultExternalSecret, vaultReaderRoles, type VaultRef, type VaultSecretProps } from './vault-secret.js';
import { argoWorkflowsSignsInWithSso } from './argo-workflows.js';
import type { PlatformConfig } from '../../platform/config/schema.js';
import { compareText } from '../../platform/model/order.js';

/** Namespace of the UI proxies (and of Vault's OIDC configuration Job, `vault-oidc`). */
export const SSO_NAMESPACE = 'sso';

/**
 * oauth2-proxy, pinned: generated as our own Deployment from its image rather than from its
 * upstream chart (see the class comment). The image runs as a non-root user (distroless).
 */
export const OAUTH2_PROXY_IMAGE = 'quay.io/oauth2-proxy/oauth2-proxy:v7.15.3';

/** The proxies' one OIDC client, and where each proxy receives the provider's answer. */
export const OAUTH2_PROXY_CLIENT = 'oauth2-proxy';
const CALLBACK_PATH = '/oauth2/callback';
/** Deployment and Service of the proxy in front of UI `<name>`: `oauth2-proxy-<name>`. */
export const OAUTH2_PROXY_PREFIX = 'oauth2-proxy-';
const PROXY_CONTAINER_PORT = 4180;
/** Port of each proxy's Service (what the gateway routes to). */
const PROXY_SERVICE_PORT = 80;
/** Secret with the proxies' client secret and cookie secret, from Vault. */
export const OAUTH2_PROXY_SECRET = 'oauth2-proxy';
/** The proxies' cookie encryption key: 32 random characters, i.e. AES-256. */
const COOKIE_CREDENTIAL = { vaultKey: `${SSO_VAULT.folder}/oauth2-proxy-cookie`, fields: { 'cookie-secret': GENERATED_PASSWORD } } as const;

/** The proxies' pod group (network facts) and the label every proxy pod carries. */
const PROXY_PODS = 'proxy';
const PROXY_NAME_LABEL = 'app.kubernetes.io/name';
const OAUTH2_PROXY_NAME = 'oauth2-proxy';

/** What makes ArgoCD read a Secret's keys for `$<secret>:<key>` references in its settings. */
const ARGOCD_PART_OF_LABEL = { 'app.kubernetes.io/part-of': 'argocd' } as const;

/**
 * Single sign-on glue: what the site needs beyond each app's own OIDC settings.
 *
 * - **A proxy per UI without a login** (Hubble UI, Prometheus, Alertmanager, Policy Reporter
 *   UI, Backstage's demo…), unless the config lists it in `publicUis`: the gateway routes the
 *   UI's host to its proxy, the proxy signs the user in at the site's provider, checks the
 *   groups (admins and viewers; admins only for a UI that changes state) and forwards to the
 *   UI's Service. One oauth2-proxy instance per UI, because oauth2-proxy picks an upstream by
 *   path, never by host, and every UI lives at `/` of its own host; each is a small pod
 *   (5m/32Mi), counted by the capacity planner like any other. Cookies are per host (no cookie
 *   domain), so no UI receives another's session.
 * - **The secrets ArgoCD's Dex reads** (with the bundled Dex): a Secret in ArgoCD's namespace,
 *   labelled for ArgoCD, with every static client's secret and every connector's secret field,
 *   from Vault; with an external provider, the one client secret ArgoCD's `oidc.config` reads.
 *   It lives here, in layer 02, because ArgoCD's own Application syncs before External Secrets
 *   exists and the apps project (layer 03) may not write into ArgoCD's namespace.
 *
 * oauth2-proxy is generated here as a Deployment and Service from its pinned image, not from its
 * upstream chart: there is no reference data for that chart (values, schema) to check our values
 * against, so only a render would catch a wrong key, while these objects are checked field by
 * field against the Kubernetes schema in `npm test` and by the real API server in the cluster
 * suite, and the proxy takes all its settings as flags. One pod needs no more than that chart
 * would give (its ServiceMonitor, PodDisruptionBudget and Redis session store are unused).
 *
 * With the bundled Dex the proxies skip discovery and call Dex's token and keys endpoints in the
 * cluster (through argocd-server), so they start before the gateway runs and need neither the
 * gateway nor the site CA. With an external provider they read its discovery document at start.
 *
 * Tier `important`: the UIs behind the proxies are for people, and may wait for a worker.
 */
export class Sso extends PlatformComponent {
  /** The OIDC clients the Secret ArgoCD reads was made for (phase 1), checked in phase 2. */
  private readonly clients: readonly string[];

  constructor(scope: Construct, props: SsoProps) {
    const { config } = props.context;
    const client = ssoClient(config, OAUTH2_PROXY_CLIENT);
    const proxySecret: VaultSecretProps = {
      name: OAUTH2_PROXY_SECRET,
      namespace: SSO_NAMESPACE,
      vaultKey: client.vaultKey,
      keys: { 'client-secret': client.property },
      moreKeys: { 'cookie-secret': { vaultKey: COOKIE_CREDENTIAL.vaultKey, property: 'cookie-secret' } },
    };
    const argocdSecret: VaultSecretProps = {
      name: ARGOCD_SSO_SECRET,
      namespace: ARGOCD_NAMESPACE,
      vaultKey: client.vaultKey,
      keys: {},
      moreKeys: argocdSecretRefs(config, props.clients),
      labels: ARGOCD_PART_OF_LABEL,
    };
    super(scope, props, {
      namespace: SSO_NAMESPACE,
      uiProxy: {
        namespace: SSO_NAMESPACE,
        servicePrefix: OAUTH2_PROXY_PREFIX,
        port: PROXY_SERVICE_PORT,
        pods: PROXY_PODS,
        podPort: PROXY_CONTAINER_PORT,
        client: OAUTH2_PROXY_CLIENT,
        callbackPath: CALLBACK_PATH,
      },
      // The gateway's calls to the proxies and theirs to the UIs come from the UI exposures
      // (network-policy.ts); stated here: what the proxies call at the provider. One pod group
      // for every proxy (which UIs get one is only known in phase 2): each may reach every
      // proxied UI, not only its own.
      network: {
        pods: { [PROXY_PODS]: { labels: { [PROXY_NAME_LABEL]: OAUTH2_PROXY_NAME } } },
        flows: [providerFlow(PROXY_PODS, oidcProvider(config)!, 'redeems login codes and reads the signing keys')],
      },
      generatedCredentials: [COOKIE_CREDENTIAL, ...(client.generated ? [client.generated] : [])],
      // What Vault lets the two namespaces' ExternalSecrets read: exactly those entries.
      vaultRoles: vaultReaderRoles([proxySecret, argocdSecret]),
    });
    this.clients = props.clients;
    vaultExternalSecret(this, 'proxy-secret', proxySecret);
    vaultExternalSecret(this, 'argocd-secret', argocdSecret);
  }

  /**
   * Phase 2: one proxy per UI the gateway sends through it; and a check that every OIDC client
   * the components declare has its secret in the Secret ArgoCD reads, whose keys were fixed in
   * phase 1 from which components are enabled (Vault's reader role for ArgoCD's namespace is a
   * phase-1 fact).
   */
  protected override aggregate(site: PlatformSite): void {
    const config = site.config;
    const provider = oidcProvider(config)!;
    const exposures = uiExposures(site, this.context.configFile);
    const unexpected = oidcClients(site.components, exposures).filter((c) => !this.clients.includes(c.name));
    if (unexpected.length) {
      throw new Error(
        `sso: ${unexpected.map((c) => `'${c.name}'`).join(', ')} sign(s) users in through the provider, but the Secret ArgoCD reads was made for ${this.clients.join(', ')}: ` +
          'add the client to ssoClientNames (layers/02-engines/sso.ts)',
      );
    }
    const proxied = exposures.filter((e) => e.access === 'sso-proxy');
    this.addParts(proxied.map((e): PodPart => ({
      name: `proxy-${e.name}`,
      kind: 'Deployment',
      path: [],
      resources: resources('5m', '32Mi', '128Mi'),
      keys: { priorityClassName: null, tolerations: null, affinity: null, resources: null, replicas: null },
      manifest: { kind: 'Deployment', name: `${OAUTH2_PROXY_PREFIX}${e.name}` },
      note: `Our own Deployment (${OAUTH2_PROXY_PREFIX}${e.name}), not a chart: tier settings and resources are in its manifest.`,
    })));
    for (const e of proxied) this.proxy(e, provider);
  }

  /** The Deployment and Service of the proxy in front of one UI. */
  private proxy(ui: UiExposure, provider: OidcProvider): void {
    const name = `${OAUTH2_PROXY_PREFIX}${ui.name}`;
    const part = this.parts.find((p) => p.name === `proxy-${ui.name}`)!;
    const own = ownPodSettings(part);
    const labels = { [PROXY_NAME_LABEL]: OAUTH2_PROXY_NAME, 'app.kubernetes.io/instance': name };
    const groups = ssoGroups(this.context.config);
    const allowed = ui.adminOnly ? groups.admin : [...groups.admin, ...groups.viewer];
    const client = ssoClient(this.context.config, OAUTH2_PROXY_CLIENT);
    const secretEnv = (envName: string, key: string): EnvVar => ({ name: envName, valueFrom: { secretKeyRef: { name: OAUTH2_PROXY_SECRET, key } } });
    new KubeDeployment(this, `proxy-${ui.name}`, {
      metadata: { name, namespace: SSO_NAMESPACE, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            ...own.scheduling,
            // It calls no Kubernetes API.
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'oauth2-proxy',
                image: OAUTH2_PROXY_IMAGE,
                args: proxyArgs(ui, provider, client.id, allowed),
                env: [secretEnv('OAUTH2_PROXY_CLIENT_SECRET', 'client-secret'), secretEnv('OAUTH2_PROXY_COOKIE_SECRET', 'cookie-secret')],
                ports: [{ name: 'http', containerPort: PROXY_CONTAINER_PORT }],
                readinessProbe: { httpGet: { path: '/ready', port: IntOrString.fromString('http') }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: '/ping', port: IntOrString.fromString('http') }, periodSeconds: 30 },
                resources: own.resources,
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    });
    new KubeService(this, `proxy-${ui.name}-service`, {
      metadata: { name, namespace: SSO_NAMESPACE, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: PROXY_SERVICE_PORT, targetPort: IntOrString.fromString('http') }] },
    });
  }
}

export interface SsoProps extends PlatformComponentProps {
  /** The OIDC clients of the site ({@link ssoClientNames}). */
  readonly clients: readonly string[];
}

/**
 * The OIDC clients the site will have, from the config and which components are enabled: the
 * components that sign users in through the provider (their `oidcClients`), and the proxies.
 * Phase 1 needs them (the keys of the Secret ArgoCD reads, and the Vault role that reads them);
 * phase 2 checks them against what the components declare. With the bundled Dex ArgoCD is no
 * client (Dex registers it); with an external provider it is.
 */
export function ssoClientNames(config: Pick<PlatformConfig, 'sso' | 'components'>, enabled: (component: string) => boolean): string[] {
  return [
    ...(config.sso?.oidc && enabled('argocd') ? ['argocd'] : []),
    ...(enabled('argo-workflows') && argoWorkflowsSignsInWithSso(config) ? ['argo-workflows'] : []),
    ...(enabled('grafana') ? ['grafana'] : []),
    ...(enabled('vault-oidc') ? ['vault'] : []),
    OAUTH2_PROXY_CLIENT,
  ].sort(compareText);
}

/**
 * What the Secret ArgoCD reads holds: with the bundled Dex, each client's secret (`<client>`)
 * and each connector's secret fields; with an external provider, the one client secret its
 * `oidc.config` reads.
 */
function argocdSecretRefs(config: PlatformConfig, clients: readonly string[]): Record<string, VaultRef> {
  const refs: Record<string, VaultRef> = {};
  for (const name of config.sso?.dex ? clients : ['argocd']) {
    const client = ssoClient(config, name);
    refs[argocdSecretKey(config, name)] = { vaultKey: client.vaultKey, property: client.property };
  }
  for (const connector of config.sso?.dex?.connectors ?? []) {
    for (const field of connector.secrets) refs[connectorSecretKey(connector.id, field)] = { vaultKey: connectorSecretsVaultKey(connector.id), property: field };
  }
  return refs;
}

/**
 * oauth2-proxy's flags for one UI: the provider, the client, the groups that may pass, the UI's
 * Service as the upstream, PKCE, secure per-host cookies. With the bundled Dex, discovery is
 * skipped and the back-channel endpoints are Dex's in the cluster; the issuer is still checked
 * against every ID token.
 */
export function proxyArgs(ui: UiExposure, provider: OidcProvider, clientId: string, allowedGroups: readonly string[]): string[] {
  return [
    `--http-address=0.0.0.0:${PROXY_CONTAINER_PORT}`,
    '--provider=oidc',
    '--provider-display-name=Single sign-on',
    `--oidc-issuer-url=${provider.issuer}`,
    ...(provider.jwksUrl
      ? ['--skip-oidc-discovery=true', `--login-url=${provider.authorizationUrl}`, `--redeem-url=${provider.tokenUrl}`, `--oidc-jwks-url=${provider.jwksUrl}`]
      : []),
    `--client-id=${clientId}`,
    `--redirect-url=${ui.url}${CALLBACK_PATH}`,
    `--upstream=${serviceUrl({ name: ui.upstream.service, namespace: ui.upstream.namespace, port: ui.upstream.port })}/`,
    `--scope=${SSO_SCOPES.join(' ')}`,
    `--oidc-groups-claim=${GROUPS_CLAIM}`,
    ...allowedGroups.map((g) => `--allowed-group=${g}`),
    // Who may pass is decided by the groups above, not by e-mail domain.
    '--email-domain=*',
    '--code-challenge-method=S256',
    `--cookie-name=_edge_idp_${ui.name.replace(/-/g, '_')}`,
    '--cookie-secure=true',
    // Behind the gateway: take the client address and scheme from its X-Forwarded-* headers.
    '--reverse-proxy=true',
    '--skip-provider-button=true',
    '--silence-ping-logging=true',
  ];
}

export const sso = defineComponent({
  file: import.meta.url,
  name: 'sso',
  layer: '02-engines',
  tier: 'important',
  description: 'Single sign-on glue: an oauth2-proxy in front of each UI without a login, and the client secrets ArgoCD\'s Dex reads. Exists with the `sso` section.',
  defaultEnabled: false,
  configSection: 'sso',
  requiredWithSection: true,
  requires: [
    { component: 'vault', why: 'client and cookie secrets are generated in Vault (or written there by the operator)' },
    { component: 'external-secrets', why: 'client and cookie secrets reach the proxies and ArgoCD through ExternalSecrets' },
  ],
  build: (scope, ctx) => new Sso(scope, { ...ctx, clients: ssoClientNames(ctx.context.config, ctx.enabled) }),
});
