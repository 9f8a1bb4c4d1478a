import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  IntOrString,
  KubeConfigMap,
  KubeDeployment,
  KubeJob,
  KubeRole,
  KubeRoleBinding,
  KubeServiceAccount,
  Quantity,
  type Container,
  type Volume,
  type PodSecurityContext,
  type EnvVar,
  type VolumeMount,
  type SecurityContext,
} from 'cdk8s-plus-28/lib/imports/k8s.js';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type PlatformComponentProps,
  type PodPart,
  type PodPartKeys,
  type PlatformSite,
} from '../../platform/model/component.js';
import { CA_ISSUER_REF, CERT_MANAGER_API, certManagerObjectAnnotations } from './cert-manager.js';
import { ANNOTATIONS } from '../../platform/model/labels.js';
import type { GeneratedCredential, VaultKubernetesRole } from '../../platform/model/credentials.js';
import { defineComponent } from '../../platform/model/definition.js';
import { serviceUrl } from '../../platform/model/services.js';
import { posix } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { ConfigProblem } from '../../platform/config/errors.js';
import { serviceMonitorCrdExists, serviceMonitorSetting } from './prometheus-operator-crds.js';
import { volumeSizeProblems } from '../../platform/config/semantics.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { ownPodSettings, type OwnPodSettings } from '../../platform/model/own-pod.js';
import { calledBy, calls, GATEWAY, KUBE_APISERVER, ownPods, service, tcp, WORLD } from '../../platform/model/network.js';
import {
  BOOTSTRAP_DIR,
  BOOTSTRAP_ROOT_TOKEN_FILE,
  CONFIGURER_DIR,
  VAULT_APPS_PREFIX,
  VAULT_ROOT_TOKEN_KEY,
  VAULT_TOKEN_AUDIENCE,
  VAULT_TOKEN_FILE,
  bootstrapFiles,
  bootstrapRoleProblems,
  configurerFiles,
  configurerScript,
  readerNamespaces,
  readerRoleProblems,
  seederScript,
  type VaultIdentities,
} from './vault-access.js';

export {
  VAULT_APPS_PREFIX,
  VAULT_KUBERNETES_AUTH_PATH,
  VAULT_KV_MOUNT,
  VAULT_MANAGED_PREFIX,
  VAULT_READER_SA_PREFIX,
  VAULT_ROOT_TOKEN_KEY,
  VAULT_TOKEN_AUDIENCE,
  readerPolicyRules,
  policyHcl,
} from './vault-access.js';

/** Vault's namespace. */
export const VAULT_NAMESPACE = 'vault';
/** Vault API (TLS from the site CA). */
export const VAULT_SERVICE = { name: 'vault', namespace: VAULT_NAMESPACE, port: 8200 } as const;

/** The chart Vault comes from. Its release name makes the API Service `VAULT_SERVICE.name`. */
export const VAULT_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://helm.releases.hashicorp.com',
  chart: 'vault',
  version: '0.34.1',
};

/** The Vault server's TLS certificate (issued by the site CA) and the Secret holding it. */
export const VAULT_TLS = {
  certificate: 'vault-server-tls',
  secretName: 'vault-server-tls',
  /** Where the Vault container finds `tls.crt`, `tls.key` and `ca.crt`. */
  mountPath: '/vault/userconfig/vault-tls',
} as const;

/**
 * The Kubernetes Secret the unsealer keeps the unseal key (or, with auto-unseal, the recovery
 * key) in. Created in the cluster on first start, never in git. It also holds the initial root
 * token from initialisation until the bootstrap Job has used and revoked it (minutes).
 */
export const VAULT_UNSEAL_SECRET = 'vault-unseal-keys';

/** Defaults of the Vault settings. */
export const VAULT_DEFAULTS = { storageSize: '2Gi' } as const;

/** A password field of a generated credential: 32 random alphanumerics. */
export const GENERATED_PASSWORD = { random: 32 } as const;

/**
 * The credential a platform app reads from Vault at `edge-idp/<component>`, generated in the
 * cluster by Vault's seeder (never in git). The app publishes it (`generatedCredentials`) and
 * reads the same path and fields through its ExternalSecret, so the two cannot disagree.
 */
export function appCredential(component: string, fields: GeneratedCredential['fields']): GeneratedCredential {
  return { vaultKey: `${VAULT_APPS_PREFIX}/${component}`, fields };
}

/**
 * bank-vaults, the unseal and configure helper (`unseal --init`, `configure`): one Go binary,
 * pinned. Its Kubernetes-Secret key store is what makes an unattended restart unseal itself.
 */
export const BANK_VAULTS_IMAGE = 'ghcr.io/bank-vaults/bank-vaults:v1.33.1';

/**
 * kubectl, the Kubernetes project's own image (its entrypoint is kubectl, no shell): the one
 * step no Vault image can do, deleting the used root token from the unseal Secret.
 */
export const KUBECTL_IMAGE = 'registry.k8s.io/kubectl:v1.33.6';

/** Sync wave of Vault's TLS Certificate: before the chart (wave 0), so the Secret exists when the pod starts. */
export const VAULT_TLS_WAVE = -1;

export type { VaultKubernetesRole };

const { basename: posixBasename, dirname: posixDirname } = posix;

/** A key of a Secret in Vault's namespace that the operator creates out of band (never in git). */
export interface VaultSecretKeyRef {
  readonly name: string;
  /** Key in the Secret. Default: per use (see the field that takes it). */
  readonly key?: string;
}

/** Auto-unseal through another Vault's transit engine. */
export interface VaultTransitSeal {
  /** The transit Vault's address, `https://…`. */
  readonly address: string;
  /** Name of the transit key that wraps this Vault's root key. */
  readonly keyName: string;
  /** Mount path of the transit engine. Default: `transit/`. */
  readonly mountPath?: string;
  /** The transit token (encrypt/decrypt on the key only). Default key: `token`. */
  readonly tokenSecret: VaultSecretKeyRef;
  /** The CA that signed the transit Vault's certificate, when it is not publicly trusted. Default key: `ca.crt`. */
  readonly caSecret?: VaultSecretKeyRef;
  /** Server name to verify the transit Vault's certificate against. Default: the address's host. */
  readonly tlsServerName?: string;
}

/** Auto-unseal through AWS KMS. */
export interface VaultAwsKmsSeal {
  /** AWS region of the key, e.g. `eu-central-1`. */
  readonly region: string;
  /** The KMS key's id, ARN or alias (`alias/…`). */
  readonly kmsKeyId: string;
  /**
   * Secret holding `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`. Default: none (the
   * ambient credentials of the node, e.g. an instance profile).
   */
  readonly credentialsSecret?: string;
  /** KMS endpoint, for a VPC endpoint or a KMS-compatible service (`https://…`). Default: AWS's. */
  readonly endpoint?: string;
}

/** Where Vault's root key is wrapped instead of a Shamir unseal key kept in the cluster: exactly one. */
export interface VaultAutoUnseal {
  readonly transit?: VaultTransitSeal;
  readonly awskms?: VaultAwsKmsSeal;
}

/** Defaults of the auto-unseal settings. */
export const VAULT_AUTO_UNSEAL_DEFAULTS = { transitMountPath: 'transit/', tokenKey: 'token', caKey: 'ca.crt' } as const;

export interface VaultProps extends PlatformComponentProps {
  /**
   * Auto-unseal through a transit Vault or AWS KMS, for a site that has one: Vault then unseals
   * itself and no unseal key is kept in the cluster (bank-vaults stores the recovery key
   * instead; see the class comment). Default: none (a Shamir unseal key in `vault-unseal-keys`).
   */
  readonly autoUnseal?: VaultAutoUnseal;
  /**
   * Where Vault's OIDC login method (the `vault-oidc` component) reaches the issuer: the bundled
   * Dex through the gateway, or an external provider in the world. Default: no OIDC login.
   */
  readonly oidcIssuer?: 'gateway' | 'world';
  /** Size of the raft data volume. Default: {@link VAULT_DEFAULTS}`.storageSize` (platform secrets are kilobytes; raft snapshots stay small). */
  readonly storageSize?: string;
  /** StorageClass of the raft data volume. Default: the cluster's default StorageClass. */
  readonly storageClass?: string;
  /**
   * Create the chart's ServiceMonitor (scrapes the active server over TLS, certificate not
   * verified: the chart's default). Needs the Prometheus Operator CRDs, which the root syncs
   * before layer 01. Default: true.
   */
  readonly serviceMonitor?: boolean;
}

/** Keys of a part that is our own manifest, not the chart's: nothing goes into the values. */
const OWN_MANIFEST_KEYS: PodPartKeys = { priorityClassName: null, tolerations: null, affinity: null, resources: null, replicas: null };

const UNSEALER = 'vault-unsealer';
const BOOTSTRAP = 'vault-bootstrap';
const CONFIGURER = 'vault-configurer';
const SEEDER = 'vault-seeder';

/** Vault's own identities: the ServiceAccounts (and Vault roles and policies) of the configurer and the seeder. */
export const VAULT_IDENTITIES: VaultIdentities = { namespace: VAULT_NAMESPACE, configurer: CONFIGURER, seeder: SEEDER };

/** Labels of the pods of our own manifests (unsealer, configurer, seeder): their name and the release. */
function ownPodLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': VAULT_SERVICE.name };
}

/** The Vault server image (set in the values too, so the seeder's CLI matches the server). */
export const VAULT_IMAGE = { repository: 'hashicorp/vault', tag: '2.0.4' } as const;
const CA_MOUNT = '/vault/tls';
const BANK_VAULTS_METRICS_PORT = 9091;

/**
 * The Vault server's liveness probe. Liveness means "the process answers": `vault status` exits
 * 0 when unsealed, 2 when sealed or not initialised and 1 only when it gets no answer, so a
 * sealed Vault (after every restart, until the unsealer has run) is never killed for being
 * sealed. The same probe reloads the listener certificate: Vault reads it only at start and on
 * SIGHUP, and cert-manager renews it on disk every 60 days. The probe keeps the hash of the
 * certificate it last made Vault load and sends SIGHUP when the file differs (and once after
 * each start, so a renewal between start and first probe is not missed). It runs in the Vault
 * container, where the signal can reach the process, so no reloader sidecar is needed (the
 * chart takes sidecars only as a verbatim container list, where their resources could not be
 * declared as a part's keys and counted by the capacity planner).
 */
export const VAULT_LIVENESS_SCRIPT = [
  'vault status -tls-skip-verify >/dev/null 2>&1; [ $? -ne 1 ] || exit 1',
  `h=$(sha256sum ${VAULT_TLS.mountPath}/tls.crt | cut -d' ' -f1)`,
  '[ "$(cat /tmp/tls-loaded.sha256 2>/dev/null)" = "$h" ] || { kill -HUP "$(pidof vault)" && echo "$h" > /tmp/tls-loaded.sha256; }',
  'exit 0',
].join('\n');

/**
 * HashiCorp Vault: the platform's secret store, with integrated (raft) storage, TLS from the
 * site CA, and automatic unseal after an unattended restart.
 *
 * **One replica.** Three raft voters need two up: in the seed's "both workers down" scenario
 * only the control-plane node is left, so three replicas would lose quorum exactly when the
 * lifeboat matters, while costing three times the memory, three volumes and a replica pinned
 * to the control-plane node for good (the chart's anti-affinity needs three nodes). Vault being
 * briefly down is tolerable: External Secrets keeps the Kubernetes Secrets it wrote, pods keep
 * running, only changes wait. Storage is raft anyway (not `file`), so growing to three later
 * is a raft join, not a storage migration. With a node-local StorageClass the volume pins the
 * pod to its node: it comes back with that node, not on another one. The chart's
 * PodDisruptionBudget is off: for one replica it is `maxUnavailable: 0`, which blocks every
 * node drain. Updates roll (`RollingUpdate`, not the chart's `OnDelete`): with one replica
 * there is no leader order to respect, and a restarted pod unseals itself.
 *
 * **Unseal.** By default a small `vault-unsealer` Deployment (bank-vaults `unseal --init`)
 * initialises Vault on first start (one key share), stores the unseal key in the Kubernetes
 * Secret `vault-unseal-keys` in the vault namespace, and unseals Vault whenever it finds it
 * sealed (every 5 s). Nothing secret is in git; the Secret is created in the cluster.
 * Trade-off, stated plainly: the unseal key next to the data protects against little. Anyone
 * who can read Secrets in the vault namespace (External Secrets' controller can read every
 * Secret; so can etcd's readers, and a node's disk when Secrets are not encrypted at rest) can
 * unseal Vault and, with `generate-root`, become root. That is the price of unattended
 * recovery without a KMS. Bootstrap therefore refuses a cluster that does not encrypt Secrets
 * at rest unless the config accepts the risk (`cluster.secretsEncryption`). Keep RBAC on the
 * vault namespace to the platform team, and copy the Secret to offline storage after first
 * start: it is the only copy, and losing it (deleting the namespace) loses every secret in
 * Vault. ArgoCD never prunes or cascade-deletes Vault (`prune: false`, which also protects the
 * namespace).
 *
 * A site with another Vault or a KMS sets `autoUnseal` (transit or AWS KMS): Vault unseals
 * itself through it, the unsealer only initialises (`--auto`), and bank-vaults stores the
 * recovery key instead of an unseal key. A recovery key can still generate a root token, so
 * copy it offline and delete it from the Secret (README, "Security model"); Vault keeps
 * unsealing without it. Switching an initialised Vault between the two is a seal migration
 * (Vault's `-migrate` unseal), done by hand.
 *
 * **No root token at rest.** bank-vaults stores the initial root token next to the key. The
 * `vault-bootstrap` PostSync Job (wave 0) uses it once: it mounts the KV engine, enables
 * Kubernetes auth, writes the configurer's and the seeder's roles and policies, revokes the
 * token, and its second container deletes it from the Secret. Later syncs find no token and do
 * nothing. Nothing else ever mounts or reads it. See `vault-access.ts` for every role and
 * policy, and README "Security model" for the procedure when root is needed again.
 *
 * **Configuration** is code: the `vault-configurer` PostSync Job (wave 1) logs in with its own
 * ServiceAccount (Kubernetes auth, role `vault-configurer`) and writes one reader role and
 * policy per consuming namespace (`vaultRoles` of the enabled components: `read` on exactly the
 * entries that namespace's ExternalSecrets read), and removes the `edge-idp-*` ones no component
 * declares. The `vault-seeder` Job (wave 2) logs in as `vault-seeder` and creates the missing
 * generated credentials (create-only). Vault validates clients' tokens with its own
 * ServiceAccount, which the chart binds to `system:auth-delegator`; every client presents a
 * projected token with the audience `vault`, minted for it alone.
 *
 * **TLS**: a cert-manager Certificate from `CA_ISSUER` (90 days, renewed at 60) mounted into the
 * server; the liveness probe makes Vault load the renewed certificate (see
 * `VAULT_LIVENESS_SCRIPT`). The agent injector is off: External Secrets is the platform's one
 * path from Vault to pods, and the injector would add a mutating webhook on every pod and an
 * agent sidecar per consumer for no second use. The web UI is served on the API port and routed
 * at `vault.<domain>`; the Service speaks HTTPS, so the route needs backend TLS to the site CA.
 *
 * Requests are estimates for an idle edge site, not measurements: Vault with a small raft
 * store idles around 100 MiB (limit 512 MiB for raft snapshots and compaction); the unsealer
 * and configurer are one Go binary polling an API, a few tens of MiB.
 */
export class Vault extends PlatformComponent {
  /** What every Vault client Job of ours shares: set in phase 1, used in phase 2. */
  private readonly clientSetup: { instance: string; env: EnvVar[]; caVolume: Volume; caMount: VolumeMount };

  constructor(scope: Construct, props: VaultProps) {
    const serviceMonitor = props.serviceMonitor ?? true;
    const seal = props.autoUnseal ? sealSettings(props.autoUnseal) : undefined;
    const parts: PodPart[] = [
      {
        name: 'server',
        kind: 'StatefulSet',
        path: ['server'],
        replicas: 1,
        resources: resources('50m', '128Mi', '512Mi'),
        keys: { replicas: ['server', 'ha', 'replicas'] },
      },
      {
        name: 'unsealer',
        kind: 'Deployment',
        path: [],
        resources: resources('5m', '32Mi', '128Mi'),
        keys: OWN_MANIFEST_KEYS,
        manifest: { kind: 'Deployment', name: UNSEALER },
        note: 'Our own Deployment (vault-unsealer), not the chart: tier settings and resources are in its manifest.',
      },
      {
        name: 'bootstrap',
        kind: 'Job',
        path: [],
        resources: resources('10m', '32Mi', '128Mi'),
        keys: OWN_MANIFEST_KEYS,
        manifest: { kind: 'Job', name: BOOTSTRAP },
        note: 'Our own PostSync Job (vault-bootstrap), not the chart: its Vault CLI init container and kubectl container share the part\'s resources (one at a time).',
      },
      {
        name: 'configurer',
        kind: 'Job',
        path: [],
        resources: resources('10m', '32Mi', '128Mi'),
        keys: OWN_MANIFEST_KEYS,
        manifest: { kind: 'Job', name: CONFIGURER },
        note: 'Our own PostSync Job (vault-configurer), not the chart: tier settings and resources are in its manifest.',
      },
    ];
    super(scope, props, {
      namespace: VAULT_NAMESPACE,
      // The namespace holds Vault's storage and its unseal Secret.
      holdsState: true,
      source: VAULT_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('ConfigMap', 'Service', 'ServiceAccount', 'apps/StatefulSet', 'monitoring.coreos.com/ServiceMonitor', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding'),
      upstreamValues: 'vault',
      releaseName: VAULT_SERVICE.name,
      parts,
      // The namespace holds the only copy of the unseal key: never prune, never cascade-delete.
      sync: { prune: false },
      // Delivered by the root, not the layer's ApplicationSet: what comes after Vault needs its
      // PostSync configurer and seeder finished, and only an Application's operation phase
      // says so (ArgoCD leaves hooks out of health; ApplicationSet status has no phase).
      delivery: { kind: 'root', wave: VAULT_WAVE },
      // The gateway terminates TLS and reaches the UI on the plain in-cluster listener (see raftConfig).
      // Its own login (tokens; OIDC with single sign-on: the vault-oidc component).
      ui: [{ subdomain: VAULT_UI_SUBDOMAIN, service: VAULT_UI_SERVICE, port: VAULT_GATEWAY_PORT, login: 'oidc' }],
      // Who may reach Vault: its own unsealer and hook Jobs and the clients that declare a flow
      // to VAULT_SERVICE on 8200 (TLS), Prometheus on 8200 (metrics), and on the plain
      // VAULT_GATEWAY_PORT only the gateway (network-policy.ts: `ingress` identity).
      network: {
        pods: {
          server: { labels: { 'app.kubernetes.io/name': 'vault', 'app.kubernetes.io/instance': VAULT_SERVICE.name, component: 'server' } },
          unsealer: { labels: ownPodLabels(UNSEALER) },
          bootstrap: { labels: ownPodLabels(BOOTSTRAP) },
          configurer: { labels: ownPodLabels(CONFIGURER) },
          seeder: { labels: ownPodLabels(SEEDER) },
        },
        services: {
          [VAULT_SERVICE.name]: { pods: 'server', ports: [VAULT_SERVICE.port, 8201] },
          [VAULT_UI_SERVICE]: { pods: 'server', ports: [VAULT_GATEWAY_PORT] },
        },
        metrics: serviceMonitor ? [{ pods: 'server', port: VAULT_SERVICE.port }] : [],
        flows: [
          calls('unsealer', service(VAULT_SERVICE), 'initialises Vault and unseals it after every restart'),
          calls('unsealer', KUBE_APISERVER, 'keeps the unseal key in its Secret'),
          calls('bootstrap', service(VAULT_SERVICE), 'configures Vault once with the initial root token, then revokes it (PostSync hook)'),
          calls('bootstrap', KUBE_APISERVER, 'deletes the used root token from the unseal Secret'),
          calls('configurer', service(VAULT_SERVICE), "writes the readers' roles and policies, logged in as itself (PostSync hook)"),
          calls('seeder', service(VAULT_SERVICE), 'creates missing generated credentials, logged in as itself (PostSync hook)'),
          ...(seal ? [calls('server', WORLD, seal.peer.why, tcp(seal.peer.port))] : []),
          calls('server', KUBE_APISERVER, 'registers its active pod and reviews Kubernetes-auth tokens'),
          calledBy('server', ownPods('server'), tcp(8201), 'raft between Vault servers (one replica today: a raft join needs it)'),
          ...(props.oidcIssuer
            ? [calls('server', props.oidcIssuer === 'gateway' ? GATEWAY : WORLD, "reads the OIDC issuer's discovery document and keys (vault-oidc)", tcp(443))]
            : []),
        ],
      },
      clusterScopedKinds: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' }],
      values: {
        global: { tlsDisable: false },
        injector: { enabled: false },
        // The `vault-ui` Service the gateway routes to: the plain listener, active server only.
        ui: { enabled: true, activeVaultPodOnly: true, externalPort: VAULT_GATEWAY_PORT, targetPort: VAULT_GATEWAY_PORT },
        server: {
          image: { ...VAULT_IMAGE },
          updateStrategyType: 'RollingUpdate',
          ha: {
            enabled: true,
            raft: { enabled: true, setNodeId: true, config: raftConfig(seal?.stanza) },
            disruptionBudget: { enabled: false },
          },
          dataStorage: {
            enabled: true,
            size: props.storageSize ?? VAULT_DEFAULTS.storageSize,
            ...(props.storageClass ? { storageClass: props.storageClass } : {}),
          },
          volumes: [{ name: 'vault-tls', secret: { secretName: VAULT_TLS.secretName, defaultMode: 0o440 } }, ...(seal?.volumes ?? [])],
          volumeMounts: [{ name: 'vault-tls', mountPath: VAULT_TLS.mountPath, readOnly: true }, ...(seal?.volumeMounts ?? [])],
          ...(seal?.secretEnv.length ? { extraSecretEnvironmentVars: seal.secretEnv } : {}),
          livenessProbe: {
            enabled: true,
            execCommand: ['/bin/sh', '-c', VAULT_LIVENESS_SCRIPT],
            initialDelaySeconds: 60,
            periodSeconds: 30,
            timeoutSeconds: 10,
            failureThreshold: 4,
          },
          statefulSet: {
            securityContext: {
              pod: {
                runAsNonRoot: true,
                runAsUser: 100,
                runAsGroup: 1000,
                fsGroup: 1000,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              container: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          },
        },
        serverTelemetry: {
          // Scrapes the active server over TLS. The chart's default tlsConfig skips certificate
          // verification (an in-cluster scrape of unauthenticated metrics); verifying against the
          // site CA would need `serviceMonitor.tlsConfig` (a free-form map) and the CA in the
          // monitoring namespace.
          serviceMonitor: { enabled: serviceMonitor },
        },
      },
    });

    const ns = VAULT_NAMESPACE;
    const svc = VAULT_SERVICE.name;
    new ApiObject(this, 'tls-certificate', {
      apiVersion: CERT_MANAGER_API,
      kind: 'Certificate',
      metadata: { name: VAULT_TLS.certificate, namespace: ns, annotations: certManagerObjectAnnotations(VAULT_TLS_WAVE) },
      spec: {
        secretName: VAULT_TLS.secretName,
        commonName: `${svc}.${ns}.svc`,
        dnsNames: [
          svc,
          `${svc}.${ns}`,
          `${svc}.${ns}.svc`,
          `${svc}-active`,
          `${svc}-active.${ns}.svc`,
          `${svc}-internal`,
          `*.${svc}-internal`,
          `*.${svc}-internal.${ns}.svc`,
        ],
        // The chart points VAULT_ADDR (CLI, probes) at https://127.0.0.1:8200.
        ipAddresses: ['127.0.0.1'],
        duration: '2160h',
        renewBefore: '720h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['server auth', 'digital signature'],
        issuerRef: CA_ISSUER_REF,
      },
    });

    // The unsealer's identity: create the one Secret, read and update it.
    this.serviceAccount(UNSEALER, true);
    this.role(UNSEALER, [
      // `create` cannot be limited to a name: the API checks resourceNames only on existing objects.
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: [VAULT_UNSEAL_SECRET], verbs: ['get', 'update'] },
    ]);
    // The bootstrap's: delete the used root token from that Secret (a merge patch), nothing else.
    // `kubectl patch` reads the object first (and a patch returns it anyway), hence `get`.
    this.serviceAccount(BOOTSTRAP, false);
    this.role(BOOTSTRAP, [{ apiGroups: [''], resources: ['secrets'], resourceNames: [VAULT_UNSEAL_SECRET], verbs: ['get', 'patch'] }]);
    // The configurer's and seeder's: no Kubernetes RBAC at all, only a token Vault accepts.
    this.serviceAccount(CONFIGURER, false);
    this.serviceAccount(SEEDER, false);

    const keyStoreArgs = [
      '--mode=k8s',
      `--k8s-secret-namespace=${ns}`,
      `--k8s-secret-name=${VAULT_UNSEAL_SECRET}`,
      '--secret-shares=1',
      '--secret-threshold=1',
    ];
    const env = [
      { name: 'VAULT_ADDR', value: serviceUrl(VAULT_SERVICE, 'https') },
      { name: 'VAULT_CACERT', value: `${CA_MOUNT}/ca.crt` },
    ];
    const caVolume = { name: 'vault-ca', secret: { secretName: VAULT_TLS.secretName, items: [{ key: 'ca.crt', path: 'ca.crt' }] } };
    const caMount = { name: 'vault-ca', mountPath: CA_MOUNT, readOnly: true };
    this.clientSetup = { instance: svc, env, caVolume, caMount };

    const unsealer = this.ownPod('unsealer');
    const unsealerLabels = ownPodLabels(UNSEALER);
    new KubeDeployment(this, 'unsealer', {
      metadata: { name: UNSEALER, namespace: ns },
      spec: {
        replicas: 1,
        // Never two unsealers at once: both could initialise a fresh Vault on first start.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: unsealerLabels },
        template: {
          metadata: { labels: unsealerLabels },
          spec: {
            ...unsealer.scheduling,
            serviceAccountName: UNSEALER,
            securityContext: POD_SECURITY,
            containers: [
              {
                name: 'unsealer',
                image: BANK_VAULTS_IMAGE,
                // With auto-unseal Vault unseals itself: bank-vaults only initialises (recovery key).
                args: ['unseal', '--init', ...(seal ? ['--auto'] : []), ...keyStoreArgs],
                env,
                // bank-vaults serves its own metrics (sealed/unsealed state) on :9091.
                ports: [{ name: 'metrics', containerPort: BANK_VAULTS_METRICS_PORT }],
                readinessProbe: {
                  httpGet: { path: '/metrics', port: IntOrString.fromString('metrics') },
                  periodSeconds: 30,
                },
                resources: unsealer.resources,
                securityContext: CONTAINER_SECURITY,
                volumeMounts: [caMount],
              },
            ],
            volumes: [caVolume],
          },
        },
      },
    });

    // PostSync, wave 0: once, with the root token bank-vaults stored, then revoked and deleted.
    // The token's key is mounted optional: after the first run the key is gone and the pod sees
    // no file. The kubectl container runs only after the Vault step succeeded (init container).
    this.postSyncJob({
      name: BOOTSTRAP,
      part: 'bootstrap',
      wave: 0,
      serviceAccountName: BOOTSTRAP,
      initContainers: [
        this.vaultCli('bootstrap', ['/bin/sh', `${BOOTSTRAP_DIR}/bootstrap.sh`], [
          { name: 'files', mountPath: BOOTSTRAP_DIR, readOnly: true },
          { name: 'root-token', mountPath: posixDirname(BOOTSTRAP_ROOT_TOKEN_FILE), readOnly: true },
        ]),
      ],
      containers: [
        {
          name: 'forget-root-token',
          image: KUBECTL_IMAGE,
          args: ['patch', 'secret', VAULT_UNSEAL_SECRET, '--namespace', ns, '--type=merge', '--patch', JSON.stringify({ data: { [VAULT_ROOT_TOKEN_KEY]: null } })],
          // kubectl keeps its discovery cache under $HOME.
          env: [{ name: 'HOME', value: '/tmp' }],
          securityContext: CONTAINER_SECURITY,
          // Only this container talks to the Kubernetes API: the ServiceAccount token is mounted here alone.
          volumeMounts: [
            { name: 'kube-api-access', mountPath: KUBERNETES_SA_DIR, readOnly: true },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        caVolume,
        { name: 'files', configMap: { name: BOOTSTRAP } },
        {
          name: 'root-token',
          secret: {
            secretName: VAULT_UNSEAL_SECRET,
            optional: true,
            items: [{ key: VAULT_ROOT_TOKEN_KEY, path: posixBasename(BOOTSTRAP_ROOT_TOKEN_FILE) }],
          },
        },
        kubeApiAccessVolume(),
        { name: 'tmp', emptyDir: { sizeLimit: Quantity.fromString('16Mi') } },
      ],
    });

    // PostSync, wave 1: the readers' roles and policies, as the configurer (Kubernetes auth).
    this.postSyncJob({
      name: CONFIGURER,
      part: 'configurer',
      wave: 1,
      serviceAccountName: CONFIGURER,
      containers: [
        this.vaultCli('configurer', ['/bin/sh', `${CONFIGURER_DIR}/configure.sh`], [
          { name: 'files', mountPath: CONFIGURER_DIR, readOnly: true },
          // To compare its own policy in Vault with the one in git (no secret in there).
          { name: 'bootstrap-files', mountPath: BOOTSTRAP_DIR, readOnly: true },
          vaultTokenMount(),
        ]),
      ],
      volumes: [caVolume, { name: 'files', configMap: { name: CONFIGURER } }, { name: 'bootstrap-files', configMap: { name: BOOTSTRAP } }, vaultTokenVolume()],
    });
  }

  /**
   * Phase 2: what Vault holds for the other components. The configurer writes one reader role
   * and policy per `vaultRoles` entry of every enabled component (refused at build time when the
   * configurer's policy would not let it); the bootstrap's copy of the configurer's policy
   * allows binding roles in exactly the readers' namespaces; the seeder Job generates every
   * enabled component's `generatedCredentials` (and exists only when some component needs one).
   */
  protected override aggregate(site: PlatformSite): void {
    const { caVolume } = this.clientSetup;
    const ns = this.targetNamespace;
    const roles = site.components.flatMap((c) => c.vaultRoles);
    const problems = readerRoleProblems(roles, VAULT_IDENTITIES);
    if (problems.length > 0) throw new Error(`vault: the declared reader roles cannot be configured:\n  ${problems.join('\n  ')}`);
    // Identities only a root token may create (vault-oidc's): written by the bootstrap.
    const bootstrapRoles = site.components.flatMap((c) => c.vaultBootstrapRoles);
    const bootstrapProblems = bootstrapRoleProblems(bootstrapRoles, VAULT_IDENTITIES);
    if (bootstrapProblems.length > 0) throw new Error(`vault: the declared bootstrap roles cannot be written:\n  ${bootstrapProblems.join('\n  ')}`);
    new KubeConfigMap(this, 'bootstrap-files', {
      metadata: { name: BOOTSTRAP, namespace: ns },
      data: bootstrapFiles(VAULT_IDENTITIES, readerNamespaces(roles), bootstrapRoles),
    });
    new KubeConfigMap(this, 'configurer-files', {
      metadata: { name: CONFIGURER, namespace: ns },
      data: { 'configure.sh': configurerScript(VAULT_IDENTITIES), ...configurerFiles(roles) },
    });
    const credentials = site.components.flatMap((c) => c.generatedCredentials);
    if (credentials.length > 0) {
      this.addParts([
        {
          name: 'seeder',
          kind: 'Job',
          path: [],
          resources: resources('10m', '32Mi', '64Mi'),
          keys: OWN_MANIFEST_KEYS,
          manifest: { kind: 'Job', name: SEEDER },
          note: 'Our own PostSync Job (vault-seeder), not the chart: creates the generated app credentials once.',
        },
      ]);
      // PostSync, wave 2: after the bootstrap (which mounts the KV engine and writes its role).
      this.postSyncJob({
        name: SEEDER,
        part: 'seeder',
        wave: 2,
        serviceAccountName: SEEDER,
        containers: [
          this.vaultCli('seeder', ['/bin/sh', '-c', seederScript(VAULT_IDENTITIES, credentials)], [vaultTokenMount()]),
        ],
        volumes: [caVolume, vaultTokenVolume()],
      });
    }
  }

  /**
   * A container running the Vault CLI against Vault (address and CA from {@link clientSetup});
   * HOME on a writable /tmp, where the CLI keeps its token helper file.
   */
  private vaultCli(name: string, command: string[], mounts: VolumeMount[]): Omit<Container, 'resources'> {
    const { env, caMount } = this.clientSetup;
    return {
      name,
      image: VAULT_CLI_IMAGE,
      command,
      env: [...env, { name: 'HOME', value: '/tmp' }],
      securityContext: { ...CONTAINER_SECURITY, readOnlyRootFilesystem: false },
      volumeMounts: [caMount, ...mounts],
    };
  }

  /** A ServiceAccount of ours; only the unsealer gets the automatic API token (bank-vaults reads it). */
  private serviceAccount(name: string, apiToken: boolean): void {
    new KubeServiceAccount(this, `${name}-sa`, {
      metadata: { name, namespace: this.targetNamespace },
      automountServiceAccountToken: apiToken,
    });
  }

  /** A Role of ours, bound to the ServiceAccount of the same name. */
  private role(name: string, rules: { apiGroups: string[]; resources: string[]; resourceNames?: string[]; verbs: string[] }[]): void {
    const namespace = this.targetNamespace;
    new KubeRole(this, `${name}-role`, { metadata: { name, namespace }, rules });
    new KubeRoleBinding(this, `${name}-rolebinding`, {
      metadata: { name, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
  }

  /**
   * One of our own PostSync hook Jobs (re-created on every sync), with the scheduling and
   * resources of its declared part (on every container: init containers run one at a time,
   * before the others) and the restricted pod security every such pod gets. No automatic API
   * token: a container that needs one mounts {@link kubeApiAccessVolume} itself.
   */
  private postSyncJob(job: {
    name: string;
    part: string;
    /** Order among the PostSync hooks. */
    wave: number;
    serviceAccountName: string;
    initContainers?: Omit<Container, 'resources'>[];
    containers: Omit<Container, 'resources'>[];
    volumes: Volume[];
  }): void {
    const own = this.ownPod(job.part);
    const withResources = (cs: Omit<Container, 'resources'>[]) => cs.map((c) => ({ ...c, resources: own.resources }));
    new KubeJob(this, job.part, {
      metadata: {
        name: job.name,
        namespace: this.targetNamespace,
        annotations: {
          'argocd.argoproj.io/hook': 'PostSync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          [ANNOTATIONS.syncWave]: String(job.wave),
        },
      },
      spec: {
        backoffLimit: 6,
        template: {
          metadata: { labels: ownPodLabels(job.name) },
          spec: {
            ...own.scheduling,
            restartPolicy: 'OnFailure',
            serviceAccountName: job.serviceAccountName,
            automountServiceAccountToken: false,
            securityContext: POD_SECURITY,
            ...(job.initContainers ? { initContainers: withResources(job.initContainers) } : {}),
            containers: withResources(job.containers),
            volumes: job.volumes,
          },
        },
      },
    });
  }

  /** Scheduling and resources of one of our own pods, from its declared part and the tier. */
  private ownPod(partName: string): OwnPodSettings {
    const part = this.parts.find((p) => p.name === partName);
    if (!part) throw new Error(`vault: no part named '${partName}'`);
    return ownPodSettings(part);
  }
}

/**
 * Root wave of Vault: after cert-manager and its CA issuer (wave 5; Vault's TLS certificate
 * comes from them), before the 01-services ApplicationSet (wave 10), so the rest of the layer
 * and every later layer start only once Vault is configured and seeded.
 */
export const VAULT_WAVE = 7;

const POD_SECURITY: PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  seccompProfile: { type: 'RuntimeDefault' },
};

const CONTAINER_SECURITY: SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};


/**
 * Port of Vault's second, plain-HTTP listener, for the gateway only. The gateway terminates
 * TLS with the wildcard certificate and cannot yet verify a backend against the site CA
 * (BackendTLSPolicy needs the CA in a ConfigMap), so it reaches the UI in the clear inside the
 * cluster, as it does ArgoCD and Argo Workflows. Trade-off: tokens typed into the UI cross the
 * pod network unencrypted between the gateway's Envoy and Vault (enable Cilium's transparent
 * encryption to close that); clients inside the cluster keep using TLS on 8200.
 */
export const VAULT_GATEWAY_PORT = 8202;

/** Host label of Vault's UI (`https://vault.<domain>`). */
export const VAULT_UI_SUBDOMAIN = 'vault';

/** The chart's UI Service (`<release>-ui`), pointed at the plain listener. */
export const VAULT_UI_SERVICE = `${VAULT_SERVICE.name}-ui`;

/** Vault's server configuration (HCL): TLS listener, raft storage, Kubernetes service registration, Prometheus telemetry, and the auto-unseal seal when the site has one. */
function raftConfig(sealStanza?: string): string {
  return `ui = true
disable_mlock = true

# Plain listener for the gateway only (see VAULT_GATEWAY_PORT).
listener "tcp" {
  address = "[::]:${VAULT_GATEWAY_PORT}"
  tls_disable = true
}

listener "tcp" {
  address = "[::]:8200"
  cluster_address = "[::]:8201"
  tls_cert_file = "${VAULT_TLS.mountPath}/tls.crt"
  tls_key_file = "${VAULT_TLS.mountPath}/tls.key"
  tls_min_version = "tls12"
  telemetry {
    unauthenticated_metrics_access = true
  }
}

storage "raft" {
  path = "/vault/data"
}

service_registration "kubernetes" {}

telemetry {
  prometheus_retention_time = "30s"
  disable_hostname = true
}
${sealStanza ? `\n${sealStanza}` : ''}`;
}

/** Where the transit Vault's CA is mounted in the server container. */
export const TRANSIT_CA_MOUNT = '/vault/userconfig/transit-ca';

/** The seal stanza and what the server container needs for it (Secrets as env and volumes, never values). */
export function sealSettings(a: VaultAutoUnseal): {
  stanza: string;
  secretEnv: { envName: string; secretName: string; secretKey: string }[];
  volumes: Volume[];
  volumeMounts: VolumeMount[];
  /** The port outside the cluster the server calls, and why (its network flow). */
  peer: { port: number; why: string };
} {
  const q = (v: string) => JSON.stringify(v);
  const block = (type: string, fields: [string, string | undefined][]) =>
    `seal ${q(type)} {\n${fields
      .filter((f): f is [string, string] => f[1] !== undefined)
      .map(([k, v]) => `  ${k} = ${q(v)}`)
      .join('\n')}\n}\n`;
  if (a.transit) {
    const t = a.transit;
    const ca = t.caSecret ? { name: t.caSecret.name, key: t.caSecret.key ?? VAULT_AUTO_UNSEAL_DEFAULTS.caKey } : undefined;
    return {
      // The token comes from VAULT_TOKEN (a Secret), never from this file.
      stanza: block('transit', [
        ['address', t.address],
        ['key_name', t.keyName],
        ['mount_path', transitMountPath(t.mountPath)],
        ['tls_ca_cert', ca ? `${TRANSIT_CA_MOUNT}/ca.crt` : undefined],
        ['tls_server_name', t.tlsServerName],
      ]),
      secretEnv: [{ envName: 'VAULT_TOKEN', secretName: t.tokenSecret.name, secretKey: t.tokenSecret.key ?? VAULT_AUTO_UNSEAL_DEFAULTS.tokenKey }],
      volumes: ca ? [{ name: 'transit-ca', secret: { secretName: ca.name, items: [{ key: ca.key, path: 'ca.crt' }] } }] : [],
      volumeMounts: ca ? [{ name: 'transit-ca', mountPath: TRANSIT_CA_MOUNT, readOnly: true }] : [],
      peer: { port: httpsPort(t.address), why: `auto-unseal: the transit Vault at ${t.address}` },
    };
  }
  const k = a.awskms!;
  return {
    stanza: block('awskms', [
      ['region', k.region],
      ['kms_key_id', k.kmsKeyId],
      ['endpoint', k.endpoint],
    ]),
    secretEnv: k.credentialsSecret
      ? ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((envName) => ({ envName, secretName: k.credentialsSecret!, secretKey: envName }))
      : [],
    volumes: [],
    volumeMounts: [],
    peer: { port: httpsPort(k.endpoint), why: `auto-unseal: AWS KMS${k.endpoint ? ` at ${k.endpoint}` : ` in ${k.region}`}` },
  };
}

/** The port of an https:// URL (443 when it names none, or when there is no URL). */
function httpsPort(url: string | undefined): number {
  const m = url ? /^https:\/\/[^/:]+:([0-9]+)/.exec(url) : null;
  return m ? Number(m[1]) : 443;
}

const transitMountPath = (p: string | undefined) => {
  const path = p ?? VAULT_AUTO_UNSEAL_DEFAULTS.transitMountPath;
  return path.endsWith('/') ? path : `${path}/`;
};

const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~/-]*)?$/;

/** Problems with `autoUnseal` (paths relative to the component): exactly one seal, HTTPS endpoints. */
export function autoUnsealProblems(a: VaultAutoUnseal | undefined): ConfigProblem[] {
  if (!a) return [];
  const problems: ConfigProblem[] = [];
  const kinds = (['transit', 'awskms'] as const).filter((k) => a[k] !== undefined);
  if (kinds.length === 0) problems.push({ path: 'autoUnseal', message: 'names no seal: set autoUnseal.transit or autoUnseal.awskms, or remove autoUnseal (Shamir unseal key in the cluster)' });
  if (kinds.length > 1) problems.push({ path: 'autoUnseal', message: 'sets both transit and awskms: Vault has one seal; keep one of them' });
  const https = (path: string, v: string | undefined, what: string) => {
    if (v !== undefined && !HTTPS_URL.test(v)) {
      problems.push({ path, message: `'${v}' is not an https:// URL (host, optional port and path): ${what} must be reached over TLS` });
    }
  };
  https('autoUnseal.transit.address', a.transit?.address, "the transit Vault, which wraps this Vault's root key,");
  https('autoUnseal.awskms.endpoint', a.awskms?.endpoint, 'the KMS endpoint');
  return problems;
}

/** The Vault CLI our own Jobs run: the server's image, so the CLI matches the server. */
const VAULT_CLI_IMAGE = `${VAULT_IMAGE.repository}:${VAULT_IMAGE.tag}`;

/** Where a container finds its Kubernetes API credentials (as the automatic mount would put them). */
const KUBERNETES_SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The automatic API token mount, spelled out, for the one container of a pod that needs it. */
function kubeApiAccessVolume(): Volume {
  return {
    name: 'kube-api-access',
    projected: {
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardApi: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** A ServiceAccount token for Vault only: audience `vault`, ten minutes (the shortest the API allows). */
function vaultTokenVolume(): Volume {
  return {
    name: 'vault-token',
    projected: { sources: [{ serviceAccountToken: { audience: VAULT_TOKEN_AUDIENCE, expirationSeconds: 600, path: posixBasename(VAULT_TOKEN_FILE) } }] },
  };
}

function vaultTokenMount(): VolumeMount {
  return { name: 'vault-token', mountPath: posixDirname(VAULT_TOKEN_FILE), readOnly: true };
}

const SECRET_REF = (what: string, defaultKey: string) =>
  Type.Object(
    {
      name: Type.String({ format: 'dns-subdomain', description: `Secret in Vault's namespace holding ${what} (created out of band, never in git).` }),
      key: Type.Optional(Type.String({ minLength: 1, pattern: '^[-._a-zA-Z0-9]+$', description: `Key in that Secret. Default: ${defaultKey}.` })),
    },
    { additionalProperties: false },
  );

const AUTO_UNSEAL_SETTING = Type.Optional(
  Type.Object(
    {
      transit: Type.Optional(
        Type.Object(
          {
            address: Type.String({ minLength: 1, description: "The transit Vault's https:// address." }),
            keyName: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._-]+$', description: 'The transit key that wraps this Vault\'s root key.' }),
            mountPath: Type.Optional(
              Type.String({ pattern: '^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/?$', description: `Mount path of the transit engine. Default: ${VAULT_AUTO_UNSEAL_DEFAULTS.transitMountPath}.` }),
            ),
            tokenSecret: SECRET_REF('the transit token', VAULT_AUTO_UNSEAL_DEFAULTS.tokenKey),
            caSecret: Type.Optional(SECRET_REF("the transit Vault's CA certificate", VAULT_AUTO_UNSEAL_DEFAULTS.caKey)),
            tlsServerName: Type.Optional(Type.String({ format: 'host', description: "Name to verify the transit Vault's certificate against. Default: the address's host." })),
          },
          { additionalProperties: false },
        ),
      ),
      awskms: Type.Optional(
        Type.Object(
          {
            region: Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$', description: 'AWS region of the key, e.g. eu-central-1.' }),
            kmsKeyId: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9:/_-]+$', description: "The KMS key's id, ARN or alias/…." }),
            credentialsSecret: Type.Optional(
              Type.String({ format: 'dns-subdomain', description: 'Secret holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Default: the ambient credentials.' }),
            ),
            endpoint: Type.Optional(Type.String({ minLength: 1, description: "KMS endpoint (https://). Default: AWS's." })),
          },
          { additionalProperties: false },
        ),
      ),
    },
    {
      additionalProperties: false,
      description:
        "Auto-unseal through a transit Vault or AWS KMS, for a site that has one (exactly one of `transit` {address (https://), keyName, mountPath (default transit/), tokenSecret {name, key (default token)}, caSecret? {name, key (default ca.crt)}, tlsServerName?} or `awskms` {region, kmsKeyId, credentialsSecret? (a Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), endpoint?}). Tokens and keys come from Secrets in Vault's namespace that you create, never from this file. No unseal key is then kept in the cluster, only the recovery key (copy it offline and delete it). Default: none (a Shamir unseal key in the vault-unseal-keys Secret).",
    },
  ),
);

export const vault = defineComponent({
  file: import.meta.url,
  name: 'vault',
  layer: '01-services',
  tier: 'critical',
  description: 'HashiCorp Vault (one replica, raft, TLS from the site CA; unsealed from a Kubernetes Secret, or auto-unsealed through a transit Vault or AWS KMS).',
  defaultEnabled: true,
  requires: [{ component: 'cert-manager', why: 'its TLS certificate is issued by the site CA' }],
  settings: {
    storageSize: Type.Optional(
      Type.String({ format: 'memory-quantity', description: `Size of the raft data volume. Default: ${VAULT_DEFAULTS.storageSize}.` }),
    ),
    storageClass: Type.Optional(
      Type.String({ format: 'dns-subdomain', description: "StorageClass of the raft data volume. Default: the cluster's default." }),
    ),
    serviceMonitor: serviceMonitorSetting,
    autoUnseal: AUTO_UNSEAL_SETTING,
  },
  check: (s) => [...volumeSizeProblems(s, ['storageSize']), ...autoUnsealProblems(s.autoUnseal)],
  build: (scope, ctx) =>
    new Vault(scope, {
      ...ctx,
      storageSize: ctx.settings.storageSize,
      storageClass: ctx.settings.storageClass,
      autoUnseal: ctx.settings.autoUnseal,
      serviceMonitor: ctx.settings.serviceMonitor ?? serviceMonitorCrdExists(ctx.enabled),
      // As `issuerFlow` (layers/02-engines/sso-clients.ts) says for every client of the issuer URL.
      oidcIssuer: ctx.enabled('vault-oidc') ? (ctx.context.config.sso?.dex ? 'gateway' : 'world') : undefined,
    }),
});
