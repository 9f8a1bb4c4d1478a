/**
 * The platform config (`platform.yaml`): one TypeBox definition gives both the JSON Schema
 * that ajv checks and the TypeScript types, so the two cannot drift apart. Defaults live here
 * as JSON Schema `default`s, applied by the loader; the only defaults that are not static (the
 * git remote and branch) are documented here and resolved in `load.ts`.
 */
import { Type, type Static, type TSchema, type TObject, type TProperties } from '@sinclair/typebox';
import { POD_SECURITY_LEVELS } from '../model/labels.js';
import { SECRETS_ENCRYPTION_MODES } from './secrets-encryption.js';

/** A string enum that ajv reports as one `enum` error (a union of literals would give one error per branch). */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/**
 * Kubernetes minors the platform accepts (`cluster.kubernetesVersion`). Defined once: the format
 * help, the description and the loader's check all read it. The pinned charts' own `kubeVersion`
 * constraints (Chart.yaml) only ask for 1.25 or newer, with no upper bound; this window is
 * deliberately narrower: the cluster suite runs the platform on 1.33, and a minor outside it has
 * not been exercised with these chart versions. Widen it when a suite run on that minor passes.
 */
export const SUPPORTED_KUBERNETES_MINORS = { min: 31, max: 34 } as const;
const SUPPORTED_KUBERNETES = `1.${SUPPORTED_KUBERNETES_MINORS.min} to 1.${SUPPORTED_KUBERNETES_MINORS.max}`;

/**
 * Longest `ui` subdomain a component may claim (`policy-reporter` is 15): with the site domain
 * capped at {@link DOMAIN_MAX_LENGTH}, every `<subdomain>.<domain>` hostname fits the
 * 253-character DNS name limit (HTTPRoute hostnames, certificate DNS names).
 */
export const UI_SUBDOMAIN_MAX_LENGTH = 20;
/** DNS names are at most 253 characters. */
export const DNS_NAME_MAX_LENGTH = 253;
export const DOMAIN_MAX_LENGTH = DNS_NAME_MAX_LENGTH - UI_SUBDOMAIN_MAX_LENGTH - 1;

/** Custom formats, registered with ajv in `load.ts` and explained in error messages. */
export const FORMATS = {
  'dns-label': {
    pattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    help: 'a DNS-1123 label: lower-case letters, digits and "-", at most 63 characters, e.g. "edge-01"',
  },
  domain: {
    pattern: /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
    help: 'a lower-case DNS domain with at least two labels, e.g. "edge.example.com"',
  },
  'git-url': {
    pattern: /^(https:\/\/[^\s/]+\/\S+|ssh:\/\/\S+@[^\s/]+\/\S+|git@[^\s:]+:\S+|file:\/\/\/\S+)$/,
    help: 'a git URL ArgoCD can clone: https://host/org/repo.git, ssh://git@host/org/repo.git or git@host:org/repo.git',
  },
  host: {
    pattern: /^((25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}|([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*)$/,
    help: 'an IPv4 address or a DNS name, e.g. "192.168.10.10" or "k8s-api.edge.example.com" (IPv6 is not supported)',
  },
  cidr: {
    pattern: /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/,
    help: 'an IPv4 CIDR, e.g. "10.42.0.0/16" (IPv6 is not supported)',
  },
  'cpu-quantity': {
    pattern: /^([0-9]+(\.[0-9]+)?|[0-9]+m)$/,
    help: 'a Kubernetes CPU quantity: cores ("4", "3.5") or millicores ("3500m")',
  },
  'memory-quantity': {
    pattern: /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/,
    help: 'a Kubernetes memory quantity, e.g. "8Gi" or "7800Mi"',
  },
  semver: {
    pattern: /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/,
    help: 'an exact chart version such as "1.20.0" (ranges are not allowed: synth must be reproducible)',
  },
  'k8s-version': {
    pattern: /^v?1\.(0|[1-9]\d*)(\.(0|[1-9]\d*))?$/,
    help: `a Kubernetes version such as "1.33" or "1.33.2", written as a string; supported: ${SUPPORTED_KUBERNETES}`,
  },
  'https-url': {
    pattern: /^https:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(\/[A-Za-z0-9._~%!$&'()*+,;=:@\/-]*)?$/,
    help: 'an https URL without query or fragment, e.g. "https://login.example.com/realms/edge"',
  },
  'dns-subdomain': {
    pattern: /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    help: 'a Kubernetes object name (DNS-1123 subdomain): lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters, e.g. "local-path"',
  },
} as const;
export type FormatName = keyof typeof FORMATS;

const fmt = (format: FormatName, description: string, extra: Record<string, unknown> = {}) =>
  Type.String({ format, description, ...extra });

export const NODE_ROLES = ['control-plane', 'worker'] as const;
export const ENVIRONMENTS = ['production', 'staging', 'development', 'lab'] as const;

export const SiteSchema = Type.Object(
  {
    name: fmt('dns-label', 'Site name: used in labels, object names and the synth/<site>/ folder.'),
    domain: fmt(
      'domain',
      `Base domain: UIs are served at <component>.<domain> with a wildcard certificate. At most ${DOMAIN_MAX_LENGTH} characters, so every <component>.<domain> fits the ${DNS_NAME_MAX_LENGTH}-character DNS name limit.`,
    ),
    environment: StringEnum(ENVIRONMENTS, {
      description: 'Environment label written on every namespace.',
      default: 'production',
    }),
    owner: Type.String({
      minLength: 1,
      pattern: '^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$',
      description: 'Owning team, written as a label on every namespace (a valid label value).',
      default: 'platform-team',
    }),
  },
  { additionalProperties: false, description: 'The edge site this config describes.' },
);

export const GitSchema = Type.Object(
  {
    repoURL: Type.Optional(
      fmt('git-url', 'Repository ArgoCD reads synth/ from. Default: the `origin` remote of this checkout.'),
    ),
    revision: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: '^[A-Za-z0-9][-A-Za-z0-9_./]*$',
        description:
          "Branch, tag or commit ArgoCD tracks. Default: the current branch of this checkout. In a fleet, set it only in fleet.yaml's defaults (it names the default branch): each site tracks its rollout ring's ref.",
      }),
    ),
    path: Type.Optional(
      Type.String({
        pattern: '^(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9_.][-A-Za-z0-9_./]*$',
        description:
          'Folder of this repository root (where synth/ is) inside the git repository, e.g. "deploy/edge": the prefix of every path ArgoCD reads. Default: where the root sits in this checkout (the top: empty).',
      }),
    ),
  },
  { additionalProperties: false, default: {}, description: 'Where ArgoCD reads this repository.' },
);

export const ClusterSchema = Type.Object(
  {
    apiServer: Type.Object(
      {
        host: fmt('host', 'Kubernetes API host Cilium talks to directly (there is no kube-proxy to reach the service IP): the control-plane node\'s address or a DNS name, outside the pod CIDR, the Service CIDR and the load-balancer pool.'),
        port: Type.Integer({ minimum: 1, maximum: 65535, default: 6443, description: 'Kubernetes API port.' }),
      },
      { additionalProperties: false, description: 'The API endpoint Cilium needs for kube-proxy replacement.' },
    ),
    podCIDR: fmt(
      'cidr',
      'Pod CIDR handed to Cilium cluster-pool IPAM, which gives each node a /24 of it: at most a /24, with room for one /24 per node. Must not overlap the Service CIDR or the load-balancer pool.',
      { default: '10.42.0.0/16' },
    ),
    serviceCIDR: fmt(
      'cidr',
      "The cluster's Service CIDR, as k3s was installed with it (`--service-cidr`; k3s' default). Not passed to the cluster (it is fixed at install time): the loader checks that no other network overlaps it and that the API server host is not a Service address.",
      { default: '10.43.0.0/16' },
    ),
    loadBalancerPool: fmt(
      'cidr',
      'Free addresses on the site LAN for LoadBalancer Services (the gateway takes one): Cilium LB IPAM hands them out and announces them on the LAN (L2 announcements). Must not overlap DHCP ranges or node addresses (nor the API server host, the pod CIDR or the Service CIDR).',
    ),
    secretsEncryption: StringEnum(SECRETS_ENCRYPTION_MODES, {
      description:
        "Whether the cluster encrypts Secrets at rest (Vault's unseal key is a Secret: without encryption, anyone with the datastore or a server's disk has it). `required`: bootstrap refuses (exit 12) unless it sees encryption (k3s `--secrets-encryption` on the control-plane node, or the API server's storage metrics). `verified`: you checked it another way (another distribution, a managed control plane); bootstrap refuses only on evidence of the opposite. `none`: not encrypted, and this site accepts it (a lab): bootstrap warns and goes on.",
      default: 'required',
    }),
    // A string, but a YAML number is let through the schema so the loader can say to quote it
    // (`1.30` unquoted is the number 1.3).
    kubernetesVersion: Type.Unsafe<string>({
      type: ['string', 'number'],
      format: 'k8s-version',
      description: `Kubernetes version the charts are rendered for (a string: quote it). Supported: ${SUPPORTED_KUBERNETES}.`,
      default: '1.33',
    }),
  },
  { additionalProperties: false, description: 'Cluster facts the generator needs.' },
);

export const NodeSchema = Type.Object(
  {
    name: fmt('dns-label', 'Node name exactly as `kubectl get nodes` shows it.'),
    role: StringEnum(NODE_ROLES, {
      description: '`control-plane` nodes carry the control-plane NoSchedule taint; `worker` nodes run the rest.',
    }),
    cpu: fmt('cpu-quantity', 'Allocatable CPU of the node.'),
    memory: fmt('memory-quantity', 'Allocatable memory of the node.'),
  },
  { additionalProperties: false },
);


/**
 * Dex connector types (Dex v2.45, the version the argo-cd chart pins): `ConnectorsConfig` in
 * dexidp/dex server/server.go, without the mock connectors, the `samlExperimental` alias and
 * `authproxy` (it trusts a header an authenticating proxy in front of Dex sets; the platform
 * runs none there).
 */
export const DEX_CONNECTOR_TYPES = [
  'atlassian-crowd',
  'bitbucket-cloud',
  'gitea',
  'github',
  'gitlab',
  'google',
  'keystone',
  'ldap',
  'linkedin',
  'microsoft',
  'oauth',
  'oidc',
  'openshift',
  'saml',
] as const;

/**
 * A group name as the identity provider sends it in the `groups` claim. It is written into
 * ArgoCD's RBAC CSV, Grafana's JMESPath role rule, Argo Workflows' RBAC expressions, oauth2-proxy
 * flags and Vault's bound claims, so quotes, backslashes, commas and leading or trailing spaces
 * (each special in one of those) are refused.
 */
export const SSO_GROUP_PATTERN = "^[^\\s'\",\\\\]([^'\",\\\\]{0,254}[^\\s'\",\\\\])?$";
const ssoGroup = Type.String({
  pattern: SSO_GROUP_PATTERN,
  description: "A group name as the identity provider sends it in the `groups` claim (no quotes, backslashes or commas).",
});

/**
 * Where SSO secrets live in Vault: the KV mount and the folder under it (Vault's own component
 * states the same mount and apps folder; `test/layers/sso.test.ts` holds the two together).
 * The operator writes the secrets that come from outside the site here once; Vault's seeder
 * generates the Dex client secrets here.
 */
export const SSO_VAULT = {
  mount: 'secret',
  folder: 'edge-idp/sso',
  /** The external provider's client secret (property `client-secret`). */
  externalClient: 'edge-idp/sso/oidc',
  /** Property holding a client secret. */
  clientSecretProperty: 'client-secret',
} as const;

/** Vault entry (under {@link SSO_VAULT}.mount) of one Dex connector's secrets, one property per key. */
export function connectorSecretsVaultKey(connectorId: string): string {
  return `${SSO_VAULT.folder}/connector-${connectorId}`;
}

/** A key of a Dex connector's `config` whose value is a secret (read from Vault, never from the config). */
export const DEX_SECRET_FIELD_PATTERN = '^[A-Za-z][A-Za-z0-9]{0,62}$';

export const DexConnectorSchema = Type.Object(
  {
    type: StringEnum(DEX_CONNECTOR_TYPES, { description: 'Dex connector type (dexidp.io/docs/connectors).' }),
    id: Type.String({
      pattern: '^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$',
      description: 'Connector id: lower-case letters, digits and "-", at most 32 characters; unique among the connectors. Names its Vault entry.',
    }),
    name: Type.String({ minLength: 1, maxLength: 63, description: 'Name shown on the login page.' }),
    config: Type.Record(Type.String(), Type.Unknown(), {
      default: {},
      description:
        "The connector's settings as Dex reads them (e.g. github: clientID, orgs). No secret may be written here: list secret keys under `secrets`. The redirect URI is set for you (https://argocd.<domain>/api/dex/callback).",
    }),
    secrets: Type.Array(Type.String({ pattern: DEX_SECRET_FIELD_PATTERN }), {
      uniqueItems: true,
      default: [],
      description:
        `Keys of \`config\` whose values are secrets (e.g. clientSecret, bindPW). Dex reads each from Vault, where the operator writes it once: \`vault kv put -mount=${SSO_VAULT.mount} ${connectorSecretsVaultKey('<id>')} <key>=…\`.`,
    }),
  },
  { additionalProperties: false },
);

export const SsoSchema = Type.Object(
  {
    dex: Type.Optional(
      Type.Object(
        {
          connectors: Type.Array(DexConnectorSchema, {
            minItems: 1,
            description: 'Upstream identity providers Dex signs users in with (GitHub, LDAP, an OIDC provider…).',
          }),
        },
        {
          additionalProperties: false,
          description:
            "Use the Dex bundled with ArgoCD as the OIDC issuer (https://argocd.<domain>/api/dex). Each app gets its own Dex client, with a secret generated in the cluster. Set exactly one of `dex` and `oidc`.",
        },
      ),
    ),
    oidc: Type.Optional(
      Type.Object(
        {
          issuer: fmt('https-url', 'Issuer URL, exactly as in the tokens\' `iss` claim (its discovery document is `<issuer>/.well-known/openid-configuration`).'),
          clientId: Type.String({
            pattern: '^[A-Za-z0-9][-A-Za-z0-9_.:@]{0,254}$',
            description:
              `The one client registered for the site at the provider. Its secret is read from Vault, where the operator writes it once: \`vault kv put -mount=${SSO_VAULT.mount} ${SSO_VAULT.externalClient} ${SSO_VAULT.clientSecretProperty}=…\`. Register every redirect URI \`npm run synth\` prints.`,
          }),
          authorizationUrl: fmt('https-url', "The provider's authorization endpoint (`authorization_endpoint` of its discovery document): Grafana does not read the discovery document."),
          tokenUrl: fmt('https-url', "The provider's token endpoint (`token_endpoint`), for Grafana."),
          userinfoUrl: fmt('https-url', "The provider's userinfo endpoint (`userinfo_endpoint`), for Grafana."),
        },
        {
          additionalProperties: false,
          description:
            'Use an external OIDC provider (Keycloak, Entra ID, Okta…), reachable from the cluster with a publicly trusted certificate. Set exactly one of `dex` and `oidc`.',
        },
      ),
    ),
    adminGroups: Type.Array(ssoGroup, {
      minItems: 1,
      uniqueItems: true,
      description: 'Groups whose members administer the platform: ArgoCD role:admin, Grafana Admin, Argo Workflows admin, Vault admin policy; they pass every SSO proxy.',
    }),
    viewerGroups: Type.Array(ssoGroup, {
      uniqueItems: true,
      default: [],
      description: 'Groups whose members get read-only access: ArgoCD role:readonly, Grafana Viewer, Argo Workflows view; they pass the SSO proxies of read-only UIs (not Alertmanager). No Vault access.',
    }),
  },
  {
    additionalProperties: false,
    description:
      'Single sign-on. Without it, UIs with a login of their own keep it (local accounts) and UIs without one are not routed (see `publicUis`). With it, ArgoCD, Grafana, Argo Workflows and Vault sign users in through OIDC, and an oauth2-proxy signs users in before every UI that has no login of its own. README, "Security model", says how to set it up.',
  },
);

/** The `sso` section after defaults. */
export type SsoConfig = Static<typeof SsoSchema>;
export type DexConnectorConfig = Static<typeof DexConnectorSchema>;

/** Settings every component accepts. */
export const ComponentToggleProperties = {
  enabled: Type.Optional(Type.Boolean({ description: 'Turn the component on or off. Default: per component.' })),
  version: Type.Optional(
    fmt('semver', 'Exact chart version to use instead of the pinned one (checked upstream data still describes the pinned one).'),
  ),
} satisfies TProperties;

/** What a component contributes to the config schema: its extra settings, documented. */
export interface ComponentConfigEntry {
  readonly name: string;
  readonly description: string;
  /** Extra component settings beyond `enabled` and `version`. Default: none. */
  readonly settings?: TProperties;
}

/** Builds the whole config schema from the component catalog (so a component's toggle cannot be forgotten). */
export function buildConfigSchema(components: readonly ComponentConfigEntry[]) {
  const componentProps: Record<string, TSchema> = {};
  for (const c of components) {
    componentProps[c.name] = Type.Object(
      { ...ComponentToggleProperties, ...(c.settings ?? {}) },
      { additionalProperties: false, default: {}, description: c.description },
    );
  }
  return Type.Object(
    {
      site: SiteSchema,
      git: GitSchema,
      cluster: ClusterSchema,
      nodes: Type.Array(NodeSchema, {
        minItems: 1,
        description:
          'The nodes of the site. Exactly the nodes bootstrap expects; exactly one control-plane node (HA control planes are not supported yet).',
      }),
      components: Type.Object(componentProps, {
        additionalProperties: false,
        default: {},
        description: 'Per-component toggles, chart version overrides and settings.',
      }),
      rendered: Type.Boolean({
        default: false,
        description:
          'Commit the rendered charts under synth/<site>/layers/<layer>/<component>/rendered/ and point the Applications at them instead of at the chart repositories (for sites whose ArgoCD cannot reach chart repositories). Synth then needs helm and the charts (reachable, or unpacked in $EDGE_IDP_CHARTS_DIR).',
      }),
      capacity: Type.Object(
        {
          onShortfall: StringEnum(['fail', 'warn'] as const, {
            description:
              'What synth does when the capacity plan fails (Green does not fit, or the critical tier does not survive with every worker down): `fail` exits with code 3 and writes nothing; `warn` prints the findings and writes synth/.',
            default: 'fail',
          }),
          yellow: StringEnum(['warn', 'fail'] as const, {
            description:
              'What a shortfall with one worker down (a Yellow scenario) is: `warn`, the site degrades but keeps running (a warning); `fail`, a failure like a Green shortfall, for sites that must run every platform pod with a worker down (a fleet may require it in its defaults).',
            default: 'warn',
          }),
        },
        { additionalProperties: false, default: {}, description: 'Capacity and failure-scenario checks at synth time.' },
      ),
      sso: Type.Optional(SsoSchema),
      publicUis: Type.Array(Type.String({ pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' }), {
        uniqueItems: true,
        default: [],
        description:
          'UIs without a login of their own that the gateway routes anyway, with nothing in front, to anyone who reaches the gateway (each is flagged PUBLIC in the synth summary). Such a UI is otherwise routed only behind the SSO proxy (with `sso`), or not at all. Names are UI subdomains (README, "Security model", lists them); a name that is no UI without a login is an error listing the valid ones.',
      }),
      podSecurity: Type.Optional(
        Type.Object(
          {
            defaultLevel: StringEnum(POD_SECURITY_LEVELS, {
              description: 'Pod Security level enforced on platform namespaces that ask for nothing more permissive.',
              default: 'restricted',
            }),
          },
          { additionalProperties: false, description: 'Pod Security Standards for platform namespaces.' },
        ),
      ),
    },
    { additionalProperties: false, $id: 'https://edge-idp.io/schemas/platform.json', title: 'edge-idp platform.yaml' },
  );
}

export type ConfigSchema = ReturnType<typeof buildConfigSchema>;

/** The config as written by the user (after schema defaults). */
export type SiteSpec = Static<typeof SiteSchema>;
export type ClusterSpec = Static<typeof ClusterSchema>;
export type NodeSpec = Static<typeof NodeSchema>;
export type NodeRole = (typeof NODE_ROLES)[number];

/** A component's toggle after defaults: `enabled` is always known, other settings are component-specific. */
export interface ComponentSettings {
  readonly enabled: boolean;
  readonly version?: string;
  readonly [setting: string]: unknown;
}

/** The config with every default resolved: what the rest of the generator reads. */
export interface PlatformConfig {
  readonly site: SiteSpec;
  /** `path`: the root's folder in the repository, `''` or ending in `/` (see `repoPathPrefix`). */
  readonly git: { readonly repoURL: string; readonly revision: string; readonly path: string };
  readonly cluster: ClusterSpec;
  readonly nodes: readonly NodeSpec[];
  readonly components: Readonly<Record<string, ComponentSettings>>;
  readonly podSecurity: { readonly defaultLevel: (typeof POD_SECURITY_LEVELS)[number] };
  readonly capacity: { readonly onShortfall: 'fail' | 'warn'; readonly yellow: 'warn' | 'fail' };
  readonly rendered: boolean;
  /** Single sign-on; `undefined` when the config has no `sso` section. */
  readonly sso?: SsoConfig;
  /** UIs without authentication routed anyway (see the schema's description). */
  readonly publicUis: readonly string[];
}

export type { TObject };
