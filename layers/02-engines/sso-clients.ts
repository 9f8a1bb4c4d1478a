/**
 * The site's OIDC provider and its clients, as every component that signs users in through
 * single sign-on sees them: ArgoCD (which bundles Dex), Grafana, Argo Workflows, Vault's OIDC
 * login and the oauth2-proxy in front of the UIs without a login. Stated once here, from the
 * `sso` section of the config, so that the provider's side (Dex's static clients, the secrets
 * ArgoCD's Dex reads) and each client's side (its client id, where its secret comes from, the
 * endpoints it calls) cannot disagree.
 *
 * Two providers:
 * - **Dex, bundled with ArgoCD** (`sso.dex`): the issuer is `https://argocd.<domain>/api/dex`,
 *   served by argocd-server through the gateway. Each client is a Dex static client of its own,
 *   its secret generated in the cluster by Vault's seeder (`edge-idp/sso/<client>`), read by
 *   Dex through a Secret in ArgoCD's namespace (`$edge-idp-sso:<client>`) and by the client
 *   through its own ExternalSecret. Clients reach Dex's back-channel endpoints (token,
 *   userinfo, keys) in the cluster through argocd-server, without the gateway, where they can
 *   say so (Grafana, oauth2-proxy); those that only read the discovery document (Argo
 *   Workflows' token exchange, Vault) go through the gateway and trust the site CA.
 * - **An external provider** (`sso.oidc`): one client registered for the whole site, its secret
 *   written once by the operator to Vault (`edge-idp/sso/oidc`).
 */
import { ARGOCD_SERVER_SERVICE, ARGOCD_SUBDOMAIN } from '../../platform/argocd/constants.js';
import { connectorSecretsVaultKey, SSO_VAULT, type PlatformConfig } from '../../platform/config/schema.js';
import type { GeneratedCredential } from '../../platform/model/credentials.js';
import { serviceUrl } from '../../platform/model/services.js';
import { calls, GATEWAY, service, tcp, WORLD, type FlowSpec } from '../../platform/model/network.js';
import { GENERATED_PASSWORD } from '../01-services/vault.js';

/** Where argocd-server serves its bundled Dex (the issuer's path). */
export const DEX_PATH = '/api/dex';

/** The Secret in ArgoCD's namespace that ArgoCD's Dex (or its OIDC config) reads client and connector secrets from. */
export const ARGOCD_SSO_SECRET = 'edge-idp-sso';

/** Scopes every client asks for: `groups` carries the group memberships the RBAC maps. */
export const SSO_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'groups'];

/** The claim holding the groups. */
export const GROUPS_CLAIM = 'groups';

/** The site's OIDC provider: where its endpoints are, for browsers and for clients in the cluster. */
export interface OidcProvider {
  readonly kind: 'dex' | 'external';
  /** Issuer, exactly as in the tokens' `iss` claim. */
  readonly issuer: string;
  /** The authorization endpoint (the browser goes there). */
  readonly authorizationUrl: string;
  /** Token, userinfo and keys endpoints as a client in the cluster reaches them. */
  readonly tokenUrl: string;
  readonly userinfoUrl: string;
  /** Dex only: its signing keys in the cluster (an external provider's come from its discovery document). */
  readonly jwksUrl: string | undefined;
  /**
   * Dex only: the same issuer reached in the cluster without the gateway (for a client that can
   * read the discovery document from one URL and accept the issuer as another).
   */
  readonly inClusterIssuer: string | undefined;
  /**
   * The issuer's certificate is the gateway's, signed by the site CA (Dex): a client that calls
   * the issuer URL must trust the site CA. An external provider needs a publicly trusted one.
   */
  readonly siteCaSigned: boolean;
}

/** The provider of a config with `sso`; `undefined` without. */
export function oidcProvider(config: Pick<PlatformConfig, 'site' | 'sso'>): OidcProvider | undefined {
  const sso = config.sso;
  if (!sso) return undefined;
  if (sso.oidc) {
    return {
      kind: 'external',
      issuer: sso.oidc.issuer,
      authorizationUrl: sso.oidc.authorizationUrl,
      tokenUrl: sso.oidc.tokenUrl,
      userinfoUrl: sso.oidc.userinfoUrl,
      jwksUrl: undefined,
      inClusterIssuer: undefined,
      siteCaSigned: false,
    };
  }
  const issuer = `https://${ARGOCD_SUBDOMAIN}.${config.site.domain}${DEX_PATH}`;
  const inCluster = `${serviceUrl(ARGOCD_SERVER_SERVICE)}${DEX_PATH}`;
  return {
    kind: 'dex',
    issuer,
    authorizationUrl: `${issuer}/auth`,
    tokenUrl: `${inCluster}/token`,
    userinfoUrl: `${inCluster}/userinfo`,
    jwksUrl: `${inCluster}/keys`,
    inClusterIssuer: inCluster,
    siteCaSigned: true,
  };
}

/** One OIDC client of the site, as its app configures it. */
export interface SsoClient {
  /** Client id at the provider. */
  readonly id: string;
  /** Vault entry (under the KV mount) and property holding its secret. */
  readonly vaultKey: string;
  readonly property: string;
  /**
   * The secret as Vault's seeder generates it in the cluster (Dex clients); `undefined` for an
   * external provider, whose one client secret the operator writes to Vault.
   */
  readonly generated: GeneratedCredential | undefined;
}

/** The client `name` (a component's, e.g. `grafana`) of a config with `sso`. */
export function ssoClient(config: Pick<PlatformConfig, 'sso'>, name: string): SsoClient {
  if (config.sso?.oidc) {
    return { id: config.sso.oidc.clientId, vaultKey: SSO_VAULT.externalClient, property: SSO_VAULT.clientSecretProperty, generated: undefined };
  }
  const vaultKey = `${SSO_VAULT.folder}/${name}`;
  return {
    id: name,
    vaultKey,
    property: SSO_VAULT.clientSecretProperty,
    generated: { vaultKey, fields: { [SSO_VAULT.clientSecretProperty]: GENERATED_PASSWORD } },
  };
}

/** The admin and viewer groups of a config with `sso`. */
export function ssoGroups(config: Pick<PlatformConfig, 'sso'>): { readonly admin: readonly string[]; readonly viewer: readonly string[] } {
  return { admin: config.sso?.adminGroups ?? [], viewer: config.sso?.viewerGroups ?? [] };
}

/**
 * Key of a client's secret in {@link ARGOCD_SSO_SECRET}: the client's name with Dex, the one
 * shared client's property with an external provider (ArgoCD's own `oidc.config` reads it).
 */
export function argocdSecretKey(config: Pick<PlatformConfig, 'sso'>, client: string): string {
  return config.sso?.oidc ? SSO_VAULT.clientSecretProperty : client;
}

/**
 * The Vault entries the operator writes once, because they come from outside the site: each
 * Dex connector's secret fields, or the external provider's client secret. Nothing else of
 * single sign-on is written by hand (the Dex clients' secrets are generated in the cluster).
 */
export function operatorWrittenSecrets(config: Pick<PlatformConfig, 'sso'>): { readonly vaultKey: string; readonly property: string }[] {
  const sso = config.sso;
  if (!sso) return [];
  if (sso.oidc) return [{ vaultKey: SSO_VAULT.externalClient, property: SSO_VAULT.clientSecretProperty }];
  return (sso.dex?.connectors ?? []).flatMap((c) => c.secrets.map((property) => ({ vaultKey: connectorSecretsVaultKey(c.id), property })));
}

/**
 * The flow of a client's pods to the provider's back channel: to argocd-server in the cluster
 * (the bundled Dex), or to the world on 443 (an external provider).
 */
export function providerFlow(pods: string, provider: OidcProvider, what: string): FlowSpec {
  return provider.kind === 'dex'
    ? calls(pods, service(ARGOCD_SERVER_SERVICE), `${what} at the bundled Dex (through argocd-server)`)
    : calls(pods, WORLD, `${what} at the external OIDC provider`, tcp(443));
}

/**
 * The flow of a client's pods to the issuer URL itself, for what only the discovery document
 * points at: through the gateway to the bundled Dex (Cilium's `ingress` identity: a pod calling
 * the Gateway's address reaches its Envoy), or to the world on 443.
 */
export function issuerFlow(pods: string, provider: OidcProvider, what: string): FlowSpec {
  return provider.kind === 'dex'
    ? calls(pods, GATEWAY, `${what} at https://argocd.<domain>/api/dex (the bundled Dex, through the gateway)`, tcp(443))
    : calls(pods, WORLD, `${what} at the external OIDC provider`, tcp(443));
}

/** Key of a Dex connector's secret field in {@link ARGOCD_SSO_SECRET}. */
export function connectorSecretKey(connectorId: string, field: string): string {
  return `connector-${connectorId}.${field}`;
}

/** ArgoCD's reference to a key of {@link ARGOCD_SSO_SECRET} inside its `dex.config` / `oidc.config`. */
export function argocdSecretRef(key: string): string {
  return `$${ARGOCD_SSO_SECRET}:${key}`;
}
