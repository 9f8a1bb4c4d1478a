import type { Construct } from 'constructs';
import { KubeConfigMap, KubeJob, KubeServiceAccount } from 'cdk8s-plus-28/lib/imports/k8s.js';
import { PlatformComponent, resources, type PlatformComponentProps, type PodPart } from '../../platform/model/component.js';
import type { PlatformConfig } from '../../platform/config/schema.js';
import type { VaultKubernetesRole } from '../../platform/model/credentials.js';
import { defineComponent } from '../../platform/model/definition.js';
import { ownPodSettings } from '../../platform/model/own-pod.js';
import { serviceUrl } from '../../platform/model/services.js';
import { calls, service } from '../../platform/model/network.js';
import { siteCaTrust } from '../01-services/cert-manager.js';
import { policyHcl, VAULT_IMAGE, VAULT_KUBERNETES_AUTH_PATH, VAULT_KV_MOUNT, VAULT_SERVICE, VAULT_TOKEN_AUDIENCE, VAULT_UI_SUBDOMAIN } from '../01-services/vault.js';
import { SSO_NAMESPACE } from '../02-engines/sso.js';
import { GROUPS_CLAIM, oidcProvider, SSO_SCOPES, ssoClient, ssoGroups, type OidcProvider, type SsoClient } from '../02-engines/sso-clients.js';

const NAME = 'vault-oidc';
/** The Job's pod labels (its network pod group). */
const JOB_LABELS = { 'app.kubernetes.io/name': NAME } as const;
/** Mount path of Vault's OIDC auth method. */
export const VAULT_OIDC_PATH = 'oidc';
/** The role the admin groups sign in with (the method's default role). */
export const VAULT_OIDC_ADMIN_ROLE = 'admin';
/**
 * The Vault policy the admin groups get: everything. Outside `edge-idp-*`, which Vault's
 * configurer deletes when no reader declares it.
 */
export const VAULT_SSO_ADMIN_POLICY = 'sso-admin';
/** Vault's own callback for the UI, and the CLI's (`vault login -method=oidc`). */
const UI_CALLBACK = `/ui/vault/auth/${VAULT_OIDC_PATH}/oidc/callback`;
const CLI_CALLBACK = 'http://localhost:8250/oidc/callback';
/** The site CA in the namespace: Vault's API certificate, and the bundled Dex's (the gateway's). */
const SITE_CA_SECRET = 'site-ca';
const MOUNTS = { ca: '/ca', config: '/config', token: '/var/run/secrets/vault', tmp: '/tmp' } as const;
const TOKEN_FILE = 'token';
/** How long the Job waits for the issuer to answer (through the gateway, which may still be coming up). */
const ISSUER_WAIT = { attempts: 60, seconds: 10 } as const;

/**
 * What Vault lets this component do: enable and configure the OIDC auth method, write the admin
 * policy it attaches, and read the one client secret. That is as much as root in practice (it
 * decides who signs in with which policy), so only Vault's bootstrap, with the root token, may
 * create it (`vaultBootstrapRoles`); the identity is a ServiceAccount of the `sso` namespace that
 * only ArgoCD writes to, whose tokens are requested for Vault alone.
 */
function configurerRole(client: SsoClient): VaultKubernetesRole {
  return {
    name: NAME,
    serviceAccount: NAME,
    namespace: SSO_NAMESPACE,
    audience: VAULT_TOKEN_AUDIENCE,
    policy: {
      name: NAME,
      rules: policyHcl([
        { path: 'sys/auth', capabilities: ['read'], why: 'whether the OIDC method is enabled' },
        { path: `sys/auth/${VAULT_OIDC_PATH}`, capabilities: ['create', 'update', 'read', 'sudo'], why: 'enable the OIDC method once' },
        { path: `auth/${VAULT_OIDC_PATH}/*`, capabilities: ['create', 'update', 'read'], why: "the method's config and its admin role" },
        { path: `sys/policies/acl/${VAULT_SSO_ADMIN_POLICY}`, capabilities: ['create', 'update', 'read'], why: 'the policy the admin groups get' },
        { path: `${VAULT_KV_MOUNT}/data/${client.vaultKey}`, capabilities: ['read'], why: "Vault's client secret at the provider" },
      ]),
    },
    ttl: '10m',
  };
}

/**
 * Vault's OIDC login: single sign-on for Vault's UI and CLI, for the admin groups only (they get
 * {@link VAULT_SSO_ADMIN_POLICY}: everything; viewers get no Vault access). Token login stays.
 *
 * A PostSync Job configures it (enable the method, write the admin policy, the method's config
 * with the client secret it reads from Vault, the admin role bound to the admin groups), logging
 * in with Kubernetes auth under its own role ({@link configurerRole}). Only a root token may
 * create that role: Vault's bootstrap writes it at Vault's first start (`vaultBootstrapRoles`).
 * On a site whose Vault was bootstrapped before `sso` was configured, the Job cannot log in
 * until a root token runs the bootstrap once more (README, "Security model").
 *
 * Why a component of its own, in layer 03, and not Vault's configurer: Vault reads the
 * provider's discovery document when the method is configured and refuses the config when it
 * cannot. With the bundled Dex the issuer is `https://argocd.<domain>/api/dex`, served through
 * the gateway, which syncs in this layer; Vault syncs in layer 01, long before. Its configurer
 * would fail on the first sync and hold every later layer back. Here the Job waits for the issuer
 * to answer (up to {@link ISSUER_WAIT}), which also needs the cluster's DNS to resolve
 * `argocd.<domain>` to the gateway, as the site's DNS does for its users.
 */
export class VaultOidc extends PlatformComponent {
  constructor(scope: Construct, props: PlatformComponentProps) {
    const { config } = props.context;
    const provider = oidcProvider(config)!;
    const client = ssoClient(config, 'vault');
    const host = `${VAULT_UI_SUBDOMAIN}.${config.site.domain}`;
    const redirectUris = [`https://${host}${UI_CALLBACK}`, CLI_CALLBACK];
    const role = configurerRole(client);
    const parts: PodPart[] = [
      {
        name: 'configurer',
        kind: 'Job',
        path: [],
        resources: resources('10m', '32Mi', '64Mi'),
        keys: { priorityClassName: null, tolerations: null, affinity: null, resources: null, replicas: null },
        manifest: { kind: 'Job', name: NAME },
        note: `Our own PostSync Job (${NAME}), not a chart: tier settings and resources are in its manifest.`,
      },
    ];
    super(scope, props, {
      namespace: SSO_NAMESPACE,
      parts,
      vaultBootstrapRoles: [role],
      network: {
        pods: { configurer: { labels: JOB_LABELS } },
        flows: [calls('configurer', service(VAULT_SERVICE), "configures Vault's OIDC login (PostSync hook)")],
      },
      oidcClients: [{ name: 'vault', redirectUris }],
      generatedCredentials: client.generated ? [client.generated] : [],
    });

    const ca = siteCaTrust(this, { name: SITE_CA_SECRET, namespace: SSO_NAMESPACE });
    new KubeServiceAccount(this, 'sa', {
      metadata: { name: NAME, namespace: SSO_NAMESPACE },
      // Its token is requested for Vault only (the projected volume below).
      automountServiceAccountToken: false,
    });
    new KubeConfigMap(this, 'config', {
      metadata: { name: NAME, namespace: SSO_NAMESPACE },
      data: {
        'configure.sh': configureScript(provider, client, role.name, ca.key),
        'admin-policy.hcl': 'path "*" { capabilities = ["create", "read", "update", "patch", "delete", "list", "sudo"] }\n',
        'admin-role.json': `${JSON.stringify(adminRole(config, client, redirectUris), null, 2)}\n`,
      },
    });
    const own = ownPodSettings(this.parts.find((p) => p.name === 'configurer')!);
    new KubeJob(this, 'job', {
      metadata: {
        name: NAME,
        namespace: SSO_NAMESPACE,
        annotations: { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' },
      },
      spec: {
        backoffLimit: 3,
        template: {
          metadata: { labels: JOB_LABELS },
          spec: {
            ...own.scheduling,
            restartPolicy: 'OnFailure',
            serviceAccountName: NAME,
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'configurer',
                image: `${VAULT_IMAGE.repository}:${VAULT_IMAGE.tag}`,
                command: ['/bin/sh', `${MOUNTS.config}/configure.sh`],
                env: [
                  { name: 'VAULT_ADDR', value: serviceUrl(VAULT_SERVICE, 'https') },
                  { name: 'VAULT_CACERT', value: `${MOUNTS.ca}/${ca.key}` },
                  { name: 'HOME', value: MOUNTS.tmp },
                ],
                resources: own.resources,
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [
                  { name: 'ca', mountPath: MOUNTS.ca, readOnly: true },
                  { name: 'config', mountPath: MOUNTS.config, readOnly: true },
                  { name: 'vault-token', mountPath: MOUNTS.token, readOnly: true },
                  { name: 'tmp', mountPath: MOUNTS.tmp },
                ],
              },
            ],
            volumes: [
              { name: 'ca', secret: { secretName: ca.secretName, items: [{ key: ca.key, path: ca.key }] } },
              { name: 'config', configMap: { name: NAME } },
              // A token for Vault alone (audience `vault`), valid ten minutes: never the API token.
              {
                name: 'vault-token',
                projected: { sources: [{ serviceAccountToken: { audience: role.audience, expirationSeconds: 600, path: TOKEN_FILE } }] },
              },
              { name: 'tmp', emptyDir: { medium: 'Memory' } },
            ],
          },
        },
      },
    });
  }
}

/** The admin role of the OIDC method: the admin groups, the client's audience, Vault's callbacks. */
function adminRole(config: PlatformConfig, client: SsoClient, redirectUris: readonly string[]): Record<string, unknown> {
  return {
    role_type: 'oidc',
    user_claim: 'sub',
    groups_claim: GROUPS_CLAIM,
    oidc_scopes: SSO_SCOPES.filter((s) => s !== 'openid'),
    bound_audiences: [client.id],
    // A list claim matches when one of its values is one of these.
    bound_claims: { [GROUPS_CLAIM]: [...ssoGroups(config).admin] },
    allowed_redirect_uris: [...redirectUris],
    token_policies: [VAULT_SSO_ADMIN_POLICY],
    token_ttl: '1h',
    token_max_ttl: '8h',
  };
}

/**
 * The Job's script (POSIX sh, Vault CLI): log in, read the client secret into a file (never on
 * a command line), enable the method once, write the policy, then the method's config, retried
 * while the issuer does not answer yet, and the role. Every step is idempotent.
 */
export function configureScript(provider: OidcProvider, client: SsoClient, role: string, caFile: string): string {
  const ca = provider.siteCaSigned ? ` oidc_discovery_ca_pem=@${MOUNTS.ca}/${caFile}` : '';
  return [
    'set -eu',
    'umask 077',
    `VAULT_TOKEN="$(vault write -field=token auth/${VAULT_KUBERNETES_AUTH_PATH}/login role=${role} jwt=@${MOUNTS.token}/${TOKEN_FILE})"`,
    'export VAULT_TOKEN',
    // Its token is revoked when the script ends, whatever the outcome (as Vault's own Jobs do).
    "trap 'vault token revoke -self >/dev/null 2>&1 || true' EXIT",
    // Without a line end: Vault would take it as part of the secret.
    `vault kv get -mount=${VAULT_KV_MOUNT} -field=${client.property} ${client.vaultKey} | tr -d '\\n' > ${MOUNTS.tmp}/client-secret`,
    `vault auth list -format=json | grep -q '"${VAULT_OIDC_PATH}/"' || vault auth enable -path=${VAULT_OIDC_PATH} oidc`,
    `vault policy write ${VAULT_SSO_ADMIN_POLICY} ${MOUNTS.config}/admin-policy.hcl`,
    'n=0',
    `until vault write auth/${VAULT_OIDC_PATH}/config oidc_discovery_url=${provider.issuer} oidc_client_id=${client.id} oidc_client_secret=@${MOUNTS.tmp}/client-secret default_role=${VAULT_OIDC_ADMIN_ROLE}${ca}; do`,
    '  n=$((n + 1))',
    `  if [ "$n" -ge ${ISSUER_WAIT.attempts} ]; then echo "the issuer ${provider.issuer} did not answer: check that the cluster resolves its host (to the gateway) and that the gateway routes it"; exit 1; fi`,
    `  echo "waiting for the issuer ${provider.issuer} (attempt $n)"`,
    `  sleep ${ISSUER_WAIT.seconds}`,
    'done',
    `vault write auth/${VAULT_OIDC_PATH}/role/${VAULT_OIDC_ADMIN_ROLE} @${MOUNTS.config}/admin-role.json`,
    `echo "Vault OIDC login configured: role ${VAULT_OIDC_ADMIN_ROLE}, issuer ${provider.issuer}"`,
    '',
  ].join('\n');
}

export const vaultOidc = defineComponent({
  file: import.meta.url,
  name: NAME,
  layer: '03-apps',
  tier: 'important',
  description: "Vault's OIDC login for the admin groups (single sign-on), configured by a Job once the gateway serves the issuer. Exists with the `sso` section and Vault.",
  defaultEnabled: false,
  configSection: 'sso',
  defaultFollows: 'vault',
  requires: [
    { component: 'vault', why: 'it configures Vault' },
    { component: 'sso', why: 'the provider registers its client through the SSO component' },
  ],
  build: (scope, ctx) => new VaultOidc(scope, ctx),
});
