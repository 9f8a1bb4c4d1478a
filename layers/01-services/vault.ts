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
  type Affinity,
  type Container,
  type PodSpec,
  type Volume,
  type PodSecurityContext,
  type EnvVar,
  type VolumeMount,
  type ResourceRequirements,
  type SecurityContext,
  type Toleration as KubeToleration,
} from 'cdk8s-plus-28/lib/imports/k8s.js';
import { stringify } from 'yaml';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type PlatformComponentProps,
  type PodPart,
  type PodPartKeys,
  type PlatformSite,
  type ResourceSpec,
} from '../../platform/model/component.js';
import { schedulingFor } from '../../platform/model/tiers.js';
import { CA_ISSUER_REF, CERT_MANAGER_API, certManagerObjectAnnotations } from './cert-manager.js';
import { ANNOTATIONS } from '../../platform/model/labels.js';
import { posix } from 'node:path';
import type { GeneratedCredential, VaultKubernetesRole } from '../../platform/model/credentials.js';
import { defineComponent } from '../../platform/model/definition.js';
import { serviceUrl } from '../../platform/model/services.js';
import { compareText } from '../../platform/model/order.js';
import { Type } from '@sinclair/typebox';
import { serviceMonitorCrdExists, serviceMonitorSetting } from './prometheus-operator-crds.js';
import { volumeSizeProblems } from '../../platform/config/semantics.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { calledBy, calls, KUBE_APISERVER, ownPods, service, tcp } from '../../platform/model/network.js';

/** Vault's namespace. */
export const VAULT_NAMESPACE = 'vault';
/** Vault API (TLS from the site CA). */
export const VAULT_SERVICE = { name: 'vault', namespace: VAULT_NAMESPACE, port: 8200 } as const;

const { basename, dirname } = posix;

/** Key under which bank-vaults stores the root token in the unseal Secret. */
const BANK_VAULTS_ROOT_TOKEN_KEY = 'vault-root';

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
 * The Kubernetes Secret the unsealer keeps the unseal key and root token in. Created in the
 * cluster on first start, never in git.
 */
export const VAULT_UNSEAL_SECRET = 'vault-unseal-keys';

/** Defaults of the Vault settings. */
export const VAULT_DEFAULTS = { storageSize: '2Gi' } as const;

/** Folder under the Vault KV mount that holds the platform's own app credentials. */
export const VAULT_APPS_PREFIX = 'edge-idp';

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

/** Mount path of Vault's Kubernetes auth method. */
export const VAULT_KUBERNETES_AUTH_PATH = 'kubernetes';

/** Mount path of the KV v2 secrets engine platform secrets live in. */
export const VAULT_KV_MOUNT = 'secret';

/**
 * bank-vaults, the unseal and configure helper (`unseal --init`, `configure`): one Go binary,
 * pinned. Its Kubernetes-Secret key store is what makes an unattended restart unseal itself.
 */
export const BANK_VAULTS_IMAGE = 'ghcr.io/bank-vaults/bank-vaults:v1.33.1';

/** Sync wave of Vault's TLS Certificate: before the chart (wave 0), so the Secret exists when the pod starts. */
export const VAULT_TLS_WAVE = -1;

export type { VaultKubernetesRole };

export interface VaultProps extends PlatformComponentProps {
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
const CONFIGURER = 'vault-configurer';
const SEEDER = 'vault-seeder';

/** Labels of the pods of our own manifests (unsealer, configurer, seeder): their name and the release. */
function ownPodLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': VAULT_SERVICE.name };
}

/** The Vault server image (set in the values too, so the seeder's CLI matches the server). */
export const VAULT_IMAGE = { repository: 'hashicorp/vault', tag: '2.0.4' } as const;
const CONFIG_FILE = 'vault-config.yml';
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
 * **Unseal.** Auto-unseal needs a KMS, an HSM or another Vault (transit); an offline edge site
 * has none of these. So a small `vault-unsealer` Deployment (bank-vaults `unseal --init`)
 * initialises Vault on first start (one key share), stores the unseal key *and* the initial
 * root token in the Kubernetes Secret `vault-unseal-keys` in the vault namespace, and unseals
 * Vault whenever it finds it sealed (every 5 s). Nothing secret is in git; the Secret is
 * created in the cluster. Trade-off: anyone who can read Secrets in the vault namespace (or
 * etcd, or a node's disk if etcd is not encrypted at rest) can unseal Vault and become root.
 * That is the price of unattended recovery without a KMS, and storing the root token next to
 * the key adds nothing to it (the key alone can generate a root token). Mitigations for the
 * operator: enable secrets encryption at rest on the control plane, keep RBAC on the vault
 * namespace to the platform team, and copy the Secret to offline storage after first start:
 * it is the only copy, and losing it (deleting the namespace) loses every secret in Vault.
 * For that reason ArgoCD never prunes or cascade-deletes Vault (`prune: false`, which also
 * protects the namespace).
 *
 * **Configuration** is code: an ArgoCD PostSync Job (bank-vaults `configure`) applies the
 * `vault-configurer` ConfigMap after each sync: the KV v2 engine at `secret/`, the Kubernetes
 * auth method, and one role and policy per consumer (`kubernetesRoles`). Vault validates
 * clients' tokens with its own ServiceAccount, which the chart binds to `system:auth-delegator`.
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
      ui: [{ subdomain: 'vault', service: VAULT_UI_SERVICE, port: VAULT_GATEWAY_PORT }],
      // Who may reach Vault: its own unsealer and hook Jobs and the clients that declare a flow
      // to VAULT_SERVICE on 8200 (TLS), Prometheus on 8200 (metrics), and on the plain
      // VAULT_GATEWAY_PORT only the gateway (network-policy.ts: `ingress` identity).
      network: {
        pods: {
          server: { labels: { 'app.kubernetes.io/name': 'vault', 'app.kubernetes.io/instance': VAULT_SERVICE.name, component: 'server' } },
          unsealer: { labels: ownPodLabels(UNSEALER) },
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
          calls('configurer', service(VAULT_SERVICE), 'configures auth, policies and secret engines (PostSync hook)'),
          calls('configurer', KUBE_APISERVER, 'reads the unseal Secret'),
          calls('seeder', service(VAULT_SERVICE), 'writes generated credentials once (PostSync hook)'),
          calls('server', KUBE_APISERVER, 'registers its active pod and reviews Kubernetes-auth tokens'),
          calledBy('server', ownPods('server'), tcp(8201), 'raft between Vault servers (one replica today: a raft join needs it)'),
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
            raft: { enabled: true, setNodeId: true, config: raftConfig() },
            disruptionBudget: { enabled: false },
          },
          dataStorage: {
            enabled: true,
            size: props.storageSize ?? VAULT_DEFAULTS.storageSize,
            ...(props.storageClass ? { storageClass: props.storageClass } : {}),
          },
          volumes: [{ name: 'vault-tls', secret: { secretName: VAULT_TLS.secretName, defaultMode: 0o440 } }],
          volumeMounts: [{ name: 'vault-tls', mountPath: VAULT_TLS.mountPath, readOnly: true }],
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

    // The unsealer's and configurer's identity: read/update the one Secret, create it once.
    new KubeServiceAccount(this, 'unsealer-sa', { metadata: { name: UNSEALER, namespace: ns } });
    new KubeRole(this, 'unsealer-role', {
      metadata: { name: UNSEALER, namespace: ns },
      rules: [
        // `create` cannot be limited to a name: the API checks resourceNames only on existing objects.
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: [VAULT_UNSEAL_SECRET], verbs: ['get', 'update'] },
      ],
    });
    new KubeRoleBinding(this, 'unsealer-rolebinding', {
      metadata: { name: UNSEALER, namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: UNSEALER },
      subjects: [{ kind: 'ServiceAccount', name: UNSEALER, namespace: ns }],
    });

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
                args: ['unseal', '--init', ...keyStoreArgs],
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

    // After every sync of Vault, once the server is unsealed and healthy.
    this.postSyncJob({
      name: CONFIGURER,
      part: 'configurer',
      instance: svc,
      podSpec: { serviceAccountName: UNSEALER },
      container: {
        image: BANK_VAULTS_IMAGE,
        args: ['configure', '--once', '--fatal', '--disable-metrics', ...keyStoreArgs, `--vault-config-file=/config/${CONFIG_FILE}`],
        env,
        securityContext: CONTAINER_SECURITY,
        volumeMounts: [caMount, { name: 'config', mountPath: '/config', readOnly: true }],
      },
      volumes: [caVolume, { name: 'config', configMap: { name: CONFIGURER } }],
    });

  }

  /**
   * Phase 2: what Vault holds for the other components. The configurer's config gets one
   * Kubernetes-auth role and policy per `vaultRoles` entry of every enabled component; the
   * seeder Job generates every enabled component's `generatedCredentials` (and exists only
   * when some component needs one).
   */
  protected override aggregate(site: PlatformSite): void {
    const { instance, env, caVolume, caMount } = this.clientSetup;
    const ns = this.targetNamespace;
    new KubeConfigMap(this, 'configurer-config', {
      metadata: { name: CONFIGURER, namespace: ns },
      data: { [CONFIG_FILE]: configurerConfig(site.components.flatMap((c) => c.vaultRoles)) },
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
          note: 'Our own PostSync Job (vault-seeder), not the chart: writes the generated app credentials once.',
        },
      ]);
      // After the configurer (same phase, later wave), which mounts the KV engine.
      this.postSyncJob({
        name: SEEDER,
        part: 'seeder',
        instance,
        wave: 1,
        // It talks to Vault only; the root token comes from the unsealer's Secret as a file.
        podSpec: { automountServiceAccountToken: false },
        container: {
          image: `${VAULT_IMAGE.repository}:${VAULT_IMAGE.tag}`,
          command: ['/bin/sh', '-c', seederScript(VAULT_KV_MOUNT, credentials)],
          env: [...env, { name: 'HOME', value: '/tmp' }],
          securityContext: { ...CONTAINER_SECURITY, readOnlyRootFilesystem: false },
          volumeMounts: [caMount, { name: 'vault-token', mountPath: dirname(SEEDER_TOKEN_FILE), readOnly: true }],
        },
        volumes: [
          caVolume,
          {
            name: 'vault-token',
            secret: { secretName: VAULT_UNSEAL_SECRET, items: [{ key: BANK_VAULTS_ROOT_TOKEN_KEY, path: basename(SEEDER_TOKEN_FILE) }] },
          },
        ],
      });
    }
  }

  /**
   * One of our own PostSync hook Jobs (re-created on every sync), with the scheduling and
   * resources of its declared part and the restricted pod security every such pod gets.
   */
  private postSyncJob(job: {
    name: string;
    part: string;
    instance: string;
    /** Order among the PostSync hooks. Default: 0. */
    wave?: number;
    podSpec: Pick<PodSpec, 'serviceAccountName' | 'automountServiceAccountToken'>;
    container: Omit<Container, 'name' | 'resources'>;
    volumes: Volume[];
  }): void {
    const own = this.ownPod(job.part);
    new KubeJob(this, job.part, {
      metadata: {
        name: job.name,
        namespace: this.targetNamespace,
        annotations: {
          'argocd.argoproj.io/hook': 'PostSync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          ...(job.wave ? { [ANNOTATIONS.syncWave]: String(job.wave) } : {}),
        },
      },
      spec: {
        backoffLimit: 6,
        template: {
          metadata: { labels: ownPodLabels(job.name) },
          spec: {
            ...own.scheduling,
            restartPolicy: 'OnFailure',
            ...job.podSpec,
            securityContext: POD_SECURITY,
            containers: [{ name: job.part, ...job.container, resources: own.resources }],
            volumes: job.volumes,
          },
        },
      },
    });
  }

  /** Scheduling and resources of one of our own pods, from its declared part and the tier. */
  private ownPod(partName: string): {
    scheduling: { priorityClassName: string; tolerations: KubeToleration[]; affinity?: Affinity };
    resources: ResourceRequirements;
  } {
    const part = this.parts.find((p) => p.name === partName);
    if (!part) throw new Error(`vault: no part named '${partName}'`);
    const s = schedulingFor(part.tier);
    return {
      scheduling: {
        priorityClassName: part.priorityClassName,
        tolerations: structuredClone(part.tolerations) as KubeToleration[],
        ...(s.affinity ? { affinity: structuredClone(s.affinity) as unknown as Affinity } : {}),
      },
      resources: kubeResources(part.resources),
    };
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

function kubeResources(spec: ResourceSpec): ResourceRequirements {
  return {
    requests: { cpu: Quantity.fromString(spec.requests.cpu), memory: Quantity.fromString(spec.requests.memory) },
    limits: { memory: Quantity.fromString(spec.limits.memory) },
  };
}

/**
 * Port of Vault's second, plain-HTTP listener, for the gateway only. The gateway terminates
 * TLS with the wildcard certificate and cannot yet verify a backend against the site CA
 * (BackendTLSPolicy needs the CA in a ConfigMap), so it reaches the UI in the clear inside the
 * cluster, as it does ArgoCD and Argo Workflows. Trade-off: tokens typed into the UI cross the
 * pod network unencrypted between the gateway's Envoy and Vault (enable Cilium's transparent
 * encryption to close that); clients inside the cluster keep using TLS on 8200.
 */
export const VAULT_GATEWAY_PORT = 8202;

/** The chart's UI Service (`<release>-ui`), pointed at the plain listener. */
export const VAULT_UI_SERVICE = `${VAULT_SERVICE.name}-ui`;

/** Vault's server configuration (HCL): TLS listener, raft storage, Kubernetes service registration, Prometheus telemetry. */
function raftConfig(): string {
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
`;
}

/** The bank-vaults `configure` file: KV v2, Kubernetes auth, one role and policy per consumer. */
export function configurerConfig(roles: readonly VaultKubernetesRole[]): string {
  const doc = {
    secrets: [
      { path: VAULT_KV_MOUNT, type: 'kv', description: 'Platform secrets (read by External Secrets)', options: { version: 2 } },
    ],
    policies: roles.map((r) => ({ name: r.policy.name, rules: r.policy.rules })),
    auth: [
      {
        type: 'kubernetes',
        path: VAULT_KUBERNETES_AUTH_PATH,
        // No token_reviewer_jwt: Vault reviews tokens with its own ServiceAccount (system:auth-delegator).
        config: { kubernetes_host: 'https://kubernetes.default.svc' },
        roles: roles.map((r) => ({
          name: r.name,
          bound_service_account_names: [r.serviceAccount],
          bound_service_account_namespaces: [r.namespace],
          audience: r.audience,
          policies: [r.policy.name],
          ttl: r.ttl ?? '1h',
        })),
      },
    ],
  };
  return stringify(doc);
}


/** Where the seeder pod finds the root token (mounted from the unsealer's Secret). */
export const SEEDER_TOKEN_FILE = '/vault-token/root';

/**
 * The seeder's shell script: for each entry, leave it alone when it exists (a restarted Job
 * or a later sync never rotates a password behind the app's back), else write it with
 * check-and-set 0 (so two runs cannot both write). POSIX sh with the Vault CLI.
 */
export function seederScript(kvMount: string, credentials: readonly GeneratedCredential[], tokenFile = SEEDER_TOKEN_FILE): string {
  const lines = [
    'set -eu',
    `VAULT_TOKEN="$(cat ${tokenFile})"`,
    'export VAULT_TOKEN',
    "rand() { head -c 256 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c \"$1\"; }",
    'seed() {',
    '  path="$1"; shift',
    `  if vault kv get -mount=${kvMount} "$path" >/dev/null 2>&1; then echo "$path: present, kept"; return 0; fi`,
    `  vault kv put -mount=${kvMount} -cas=0 "$path" "$@" >/dev/null`,
    '  echo "$path: generated"',
    '}',
  ];
  for (const c of credentials) {
    const args = Object.entries(c.fields)
      .sort(([a], [b]) => compareText(a, b))
      .map(([k, f]) => ('value' in f ? `${k}='${f.value}'` : `${k}="$(rand ${f.random})"`));
    lines.push(`seed '${c.vaultKey}' ${args.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

export const vault = defineComponent({
  file: import.meta.url,
  name: 'vault',
  layer: '01-services',
  tier: 'critical',
  description: 'HashiCorp Vault (one replica, raft, TLS from the site CA, unsealed from a Kubernetes Secret).',
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
  },
  check: (s) => volumeSizeProblems(s, ['storageSize']),
  build: (scope, ctx) =>
    new Vault(scope, {
      ...ctx,
      storageSize: ctx.settings.storageSize,
      storageClass: ctx.settings.storageClass,
      serviceMonitor: ctx.settings.serviceMonitor ?? serviceMonitorCrdExists(ctx.enabled),
    }),
});
