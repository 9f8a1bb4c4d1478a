/**
 * One team's app as Kubernetes objects: a chart of its own (see `TenantAppDelivery` in
 * `platform/model/tenants.ts`), built with the cdk8s-plus-28 constructs where they exist
 * (Deployment, CronJob, Service, PersistentVolumeClaim) and escape hatches for what they lack
 * (PriorityClass, topology spread, the exact resource quantities), plus the custom resources
 * of the platform it plugs into (HTTPRoute, ExternalSecret, ServiceMonitor).
 */
import { ApiObject, Chart, Cron, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { IntOrString, KubePodDisruptionBudget, Quantity } from 'cdk8s-plus-28/lib/imports/k8s.js';
import type { Construct } from 'constructs';
import type { GroupKind } from '../../platform/model/component.js';
import { LABELS, PLATFORM_NAME } from '../../platform/model/labels.js';
import { TENANT_TIER, type SiteTenant, type TenantApp } from '../../platform/model/tenants.js';
import { schedulingFor } from '../../platform/model/tiers.js';
import { compareText } from '../../platform/model/order.js';
import { CR_SYNC_OPTIONS } from '../../platform/argocd/constants.js';
import { GATEWAY_API, GATEWAY_NAME, GATEWAY_NAMESPACE } from '../03-apps/gateway.js';
import { vaultExternalSecret, type VaultRef, type VaultSecretProps } from '../02-engines/vault-secret.js';


/** Label key naming the app on every object of it and on its pods (with {@link LABELS.team}: the app's selector). */
export const TENANT_APP_LABEL = 'app.kubernetes.io/name';

/** Folder of the teams' entries under the platform's KV mount: `tenants/<team>/<key>`. */
export const TENANT_VAULT_FOLDER = 'tenants';

/** The Vault entry an app's secret `key` names: `tenants/<team>/<key>`. */
export function tenantVaultKey(team: string, key: string): string {
  return `${TENANT_VAULT_FOLDER}/${team}/${key}`;
}

/**
 * The labels selecting one app's pods (Deployment and Service selector, PodDisruptionBudget,
 * topology spread, network policy). Both are kept in Cilium identities (`identityLabelProblem`).
 */
export function tenantAppSelector(team: string, app: string): Record<string, string> {
  return { [TENANT_APP_LABEL]: app, [LABELS.team]: team };
}

/** The labels of every object of an app, and of its pods: its selector and `part-of`. */
export function tenantAppLabels(team: string, app: string): Record<string, string> {
  return { ...tenantAppSelector(team, app), [LABELS.partOf]: PLATFORM_NAME };
}

/**
 * Every kind an app's chart may hold, all namespaced (the team's AppProject allow-lists exactly
 * these, and no cluster-scoped kind).
 */
export const TENANT_APP_KINDS: readonly GroupKind[] = [
  { group: '', kind: 'PersistentVolumeClaim' },
  { group: '', kind: 'Service' },
  { group: 'apps', kind: 'Deployment' },
  { group: 'batch', kind: 'CronJob' },
  { group: 'external-secrets.io', kind: 'ExternalSecret' },
  { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
  { group: 'monitoring.coreos.com', kind: 'ServiceMonitor' },
  { group: 'policy', kind: 'PodDisruptionBudget' },
];

/** Name of the Service port of the app's own port, and of its metrics port when that differs. */
const APP_PORT_NAME = 'app';
const METRICS_PORT_NAME = 'metrics';

/** The writable scratch folder every app gets (its root filesystem is read-only), and its size cap. */
const TMP_MOUNT = '/tmp';
const TMP_SIZE_LIMIT = Size.mebibytes(256);

/** The container's name in every app pod. */
const CONTAINER = 'app';

/** Where the app's volume is mounted from (the PVC's name is the app's plus this). */
const DATA_SUFFIX = '-data';

/**
 * A scheduled run may start this late (the controller was down, the node restarting) and still
 * run; later ones are skipped until the next schedule point.
 */
const STARTING_DEADLINE = Duration.minutes(5);

/** Retries of a failed scheduled run before the Job is Failed (one pod at a time). */
const JOB_BACKOFF_LIMIT = 3;

/** CronJobs run on UTC whatever the controller's zone (the app file says so). */
const CRON_TIME_ZONE = 'Etc/UTC';

/** Probe timing: readiness every 10s; liveness after 3 misses 20s apart; 5 minutes to start. */
const READINESS = { periodSeconds: Duration.seconds(10), failureThreshold: 3 } as const;
const LIVENESS = { periodSeconds: Duration.seconds(20), failureThreshold: 3 } as const;
const STARTUP = { periodSeconds: Duration.seconds(10), failureThreshold: 30 } as const;

/** The ExternalSecret's (and Secret's) name of an app's secrets. */
export function tenantSecretName(app: string): string {
  return `${app}-secrets`;
}

/** The ExternalSecret of an app's `secrets`, as `vaultExternalSecret` and `vaultReaderRoles` take it; undefined without secrets. */
export function tenantSecretProps(tenant: SiteTenant, app: TenantApp): VaultSecretProps | undefined {
  const entries = Object.entries(app.secrets).sort(([a], [b]) => compareText(a, b));
  if (entries.length === 0) return undefined;
  const moreKeys: Record<string, VaultRef> = Object.fromEntries(
    entries.map(([env, ref]) => [env, { vaultKey: tenantVaultKey(tenant.name, ref.key), property: ref.property }]),
  );
  // Every entry goes through `moreKeys` (`keys` is for one entry's properties); `vaultKey` is the first's.
  return { name: tenantSecretName(app.name), namespace: tenant.namespace, vaultKey: Object.values(moreKeys)[0]!.vaultKey, keys: {}, moreKeys };
}

export interface TenantAppChartProps {
  readonly tenant: SiteTenant;
  readonly app: TenantApp;
  /**
   * Make a ServiceMonitor for the app's `metrics` (the monitoring stack runs, so its CRD
   * exists). Default: false (no ServiceMonitor, whatever the app file says).
   */
  readonly serviceMonitor?: boolean;
}

/**
 * The objects of one app, in the team's namespace:
 * - a Deployment (a CronJob for an app with a `schedule`), its pods hardened to the Pod Security
 *   Standard `restricted` explicitly (non-root, RuntimeDefault seccomp, no privilege escalation,
 *   every capability dropped, a read-only root filesystem with an emptyDir at `/tmp`), without a
 *   ServiceAccount token, at the workloads tier's PriorityClass with no toleration (so never on
 *   the tainted control-plane node), spread over the workers without blocking when one is down,
 *   each container requesting the app's CPU and memory with a memory limit equal to the request;
 * - a Service on the app's port (and its metrics port);
 * - an HTTPRoute on the site Gateway for a routed app;
 * - an ExternalSecret of its `secrets`, read from `tenants/<team>/…` through the team's store;
 * - a ServiceMonitor for its `metrics`;
 * - a PersistentVolumeClaim for its `volume`;
 * - a PodDisruptionBudget when it runs more than one replica.
 *
 * Rollouts never need more than the team's quota: one replica is replaced (`Recreate`: the old
 * pod goes before the new one starts, so the quota holds exactly replicas × requests); more are
 * rolled one at a time without a surge pod.
 */
export class TenantAppChart extends Chart {
  readonly team: string;
  readonly app: string;

  constructor(scope: Construct, id: string, props: TenantAppChartProps) {
    const { tenant, app } = props;
    super(scope, id, { labels: tenantAppLabels(tenant.name, app.name), disableResourceNameHashes: true, namespace: tenant.namespace });
    this.team = tenant.name;
    this.app = app.name;
    const selector = tenantAppSelector(tenant.name, app.name);
    const metadata = (name: string, annotations?: Record<string, string>) => ({ name, namespace: tenant.namespace, ...(annotations ? { annotations } : {}) });

    const secret = tenantSecretProps(tenant, app);
    if (secret) vaultExternalSecret(this, 'secrets', secret);

    const claim = app.volume
      ? new kplus.PersistentVolumeClaim(this, 'data', {
          // The site's default StorageClass. Same sync wave as the pods on purpose: the default
          // (k3s' local-path) binds a claim only once a pod uses it (WaitForFirstConsumer), and
          // ArgoCD holds a Pending claim Progressing, so a claim in an earlier wave would wait
          // for the pod forever (argoproj/argo-cd#12840). Within a wave ArgoCD applies claims
          // before workloads anyway.
          metadata: metadata(`${app.name}${DATA_SUFFIX}`),
          accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
          // A placeholder: the exact quantity of the app file is patched in (`Size` has no parser).
          storage: Size.gibibytes(1),
        })
      : undefined;
    if (claim && app.volume) ApiObject.of(claim).addJsonPatch(JsonPatch.replace('/spec/resources/requests/storage', Quantity.fromString(app.volume.size)));

    const container = containerProps(this, tenant, app, claim);
    const podSpecPath = app.schedule ? '/spec/jobTemplate/spec/template' : '/spec/template';
    let workload: kplus.Deployment | kplus.CronJob;
    if (app.schedule) {
      workload = new kplus.CronJob(this, 'workload', {
        metadata: metadata(app.name),
        podMetadata: { labels: { ...tenantAppLabels(tenant.name, app.name) } },
        schedule: cron(app.schedule),
        timeZone: CRON_TIME_ZONE,
        concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
        startingDeadline: STARTING_DEADLINE,
        successfulJobsRetained: 3,
        failedJobsRetained: 1,
        backoffLimit: JOB_BACKOFF_LIMIT,
        ...podProps(),
        containers: [container],
      });
    } else {
      workload = new kplus.Deployment(this, 'workload', {
        metadata: metadata(app.name),
        select: false,
        podMetadata: { labels: { ...tenantAppLabels(tenant.name, app.name) } },
        replicas: app.replicas,
        // One replica: Recreate, so the quota holds exactly replicas × requests (a surge pod
        // would need room the quota does not have) and a ReadWriteOnce volume is never wanted
        // by two pods. More: one pod at a time, no surge, the others keep serving.
        strategy:
          app.replicas > 1
            ? kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.absolute(0), maxUnavailable: kplus.PercentOrAbsolute.absolute(1) })
            : kplus.DeploymentStrategy.recreate(),
        ...podProps(),
        containers: [container],
      });
      workload.select(kplus.LabelSelector.of({ labels: selector }));
    }
    podPatches(ApiObject.of(workload), podSpecPath, app, selector);

    if (app.port !== undefined) {
      const ports: kplus.ServicePort[] = [{ name: APP_PORT_NAME, port: app.port, targetPort: app.port }];
      if (app.metrics && app.metrics.port !== app.port) ports.push({ name: METRICS_PORT_NAME, port: app.metrics.port, targetPort: app.metrics.port });
      const service = new kplus.Service(this, 'service', { metadata: metadata(app.name), ports });
      for (const [k, v] of Object.entries(selector)) service.selectLabel(k, v);
    }

    if (app.route && app.port !== undefined) {
      new ApiObject(this, 'route', {
        apiVersion: GATEWAY_API,
        kind: 'HTTPRoute',
        metadata: metadata(app.name, { ...CR_SYNC_OPTIONS }),
        spec: {
          // No sectionName: the Gateway's listener for this team's hostnames is the one that
          // admits routes from its namespace.
          parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: GATEWAY_NAMESPACE, name: GATEWAY_NAME }],
          hostnames: [app.route.host],
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: app.route.path } }], backendRefs: [{ name: app.name, port: app.port }] }],
        },
      });
    }

    if (app.metrics && props.serviceMonitor && app.port !== undefined) {
      new ApiObject(this, 'service-monitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: metadata(app.name, { ...CR_SYNC_OPTIONS }),
        spec: {
          selector: { matchLabels: { ...selector } },
          endpoints: [{ port: app.metrics.port === app.port ? APP_PORT_NAME : METRICS_PORT_NAME, path: app.metrics.path, interval: '30s' }],
        },
      });
    }

    if (!app.schedule && app.replicas > 1) {
      new KubePodDisruptionBudget(this, 'disruption-budget', {
        metadata: metadata(app.name),
        spec: { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: { ...selector } } },
      });
    }
  }
}

/** Pod-level settings cdk8s-plus takes (the rest are patched in by {@link podPatches}). */
function podProps() {
  return {
    // The app calls no Kubernetes API.
    automountServiceAccountToken: false,
    securityContext: { ensureNonRoot: true },
  } as const;
}

/**
 * What cdk8s-plus has no property for: the tier's PriorityClass (and its tolerations, none for
 * the workloads tier), the spread over workers, no Service links in the environment (they would
 * set `<APP>_PORT` of every Service of the namespace), the exact quantities of the app file, and
 * no construct-address label on the pods (selection is by the app's own labels).
 */
function podPatches(o: ApiObject, templatePath: string, app: TenantApp, selector: Record<string, string>): void {
  const s = schedulingFor(TENANT_TIER);
  const spec = `${templatePath}/spec`;
  o.addJsonPatch(
    JsonPatch.remove(`${templatePath}/metadata/labels/${escapePointer(kplus.Pod.ADDRESS_LABEL)}`),
    JsonPatch.add(`${spec}/priorityClassName`, s.priorityClassName),
    ...(s.tolerations.length ? [JsonPatch.add(`${spec}/tolerations`, structuredClone(s.tolerations))] : []),
    JsonPatch.add(`${spec}/enableServiceLinks`, false),
    // Quantities as cdk8s' types hold them: the object's serializer runs after the patches.
    JsonPatch.replace(`${spec}/containers/0/resources`, {
      requests: { cpu: Quantity.fromString(app.cpu), memory: Quantity.fromString(app.memory) },
      limits: { memory: Quantity.fromString(app.memory) },
    }),
    ...(app.schedule
      ? []
      : [
          // Soft: with a worker down, the pods still start on the remaining one.
          JsonPatch.add(`${spec}/topologySpreadConstraints`, [
            { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...selector } } },
          ]),
        ]),
  );
}

/** A JSON pointer segment (`/` and `~` escaped). */
function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The app's one container. */
function containerProps(scope: Construct, tenant: SiteTenant, app: TenantApp, claim: kplus.PersistentVolumeClaim | undefined): kplus.ContainerProps {
  const env: Record<string, kplus.EnvValue> = {};
  const names = [...Object.keys(app.env), ...Object.keys(app.secrets)].sort(compareText);
  const secret = Object.keys(app.secrets).length ? kplus.Secret.fromSecretName(scope, 'secret-ref', tenantSecretName(app.name)) : undefined;
  for (const name of names) {
    env[name] =
      name in app.secrets ? kplus.EnvValue.fromSecretValue({ secret: secret!, key: name }, { optional: false }) : kplus.EnvValue.fromValue(app.env[name]!);
  }
  const ports: kplus.ContainerPort[] = [];
  if (app.port !== undefined) ports.push({ number: app.port, name: APP_PORT_NAME });
  if (app.metrics && app.metrics.port !== app.port) ports.push({ number: app.metrics.port, name: METRICS_PORT_NAME });
  const mounts: kplus.VolumeMount[] = [{ path: TMP_MOUNT, volume: kplus.Volume.fromEmptyDir(scope, 'tmp', 'tmp', { sizeLimit: TMP_SIZE_LIMIT }) }];
  if (claim && app.volume) mounts.push({ path: app.volume.mountPath, volume: kplus.Volume.fromPersistentVolumeClaim(scope, 'data-volume', claim, { name: 'data' }) });
  const probe = (timing: kplus.ProbeOptions): kplus.Probe | undefined => {
    if (app.port === undefined) return undefined;
    return app.probePath !== undefined ? kplus.Probe.fromHttpGet(app.probePath, { port: app.port, ...timing }) : kplus.Probe.fromTcpSocket({ port: app.port, ...timing });
  };
  const readiness = probe(READINESS);
  const liveness = probe(LIVENESS);
  const startup = probe(STARTUP);
  return {
    name: CONTAINER,
    image: app.image,
    // Pinned images only: a restart on a site whose uplink is down still finds the image.
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    ...(app.command ? { args: [...app.command] } : {}),
    ...(ports.length ? { ports } : {}),
    envVariables: env,
    volumeMounts: mounts,
    ...(readiness ? { readiness } : {}),
    ...(liveness ? { liveness } : {}),
    ...(startup ? { startup } : {}),
    // Placeholders: the exact quantities of the app file are patched in (`podPatches`).
    resources: { cpu: { request: kplus.Cpu.millis(1) }, memory: { request: Size.mebibytes(1), limit: Size.mebibytes(1) } },
    securityContext: {
      ensureNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: [kplus.Capability.ALL] },
      seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
    },
  };
}

/** A cron schedule of the app file (five fields, or one of the `@` shorthands) as cdk8s takes it. */
export function cron(schedule: string): Cron {
  const shorthands: Record<string, () => Cron> = {
    '@yearly': Cron.annually,
    '@annually': Cron.annually,
    '@monthly': Cron.monthly,
    '@weekly': Cron.weekly,
    '@daily': Cron.daily,
    '@midnight': Cron.daily,
    '@hourly': Cron.hourly,
  };
  const short = shorthands[schedule];
  if (short) return short();
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron schedule '${schedule}' does not have five fields`);
  const [minute, hour, day, month, weekDay] = fields as [string, string, string, string, string];
  return Cron.schedule({ minute, hour, day, month, weekDay });
}
