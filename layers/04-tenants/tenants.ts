import { ApiObject, JsonPatch } from 'cdk8s';
import { KubeResourceQuota, KubeRole, KubeRoleBinding, type PolicyRule, type Subject } from 'cdk8s-plus-28/lib/imports/k8s.js';
import { Construct } from 'constructs';
import { ConfigError, type ConfigProblem } from '../../platform/config/errors.js';
import { PlatformComponent, type PlatformComponentProps, type PlatformSite } from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { LABELS } from '../../platform/model/labels.js';
import { isSystemNamespace, SYSTEM_NAMESPACES } from '../../platform/model/namespaces.js';
import { calledBy, calls, GATEWAY, ownPods, tcp, type ComponentNetwork, type FlowSpec, type MetricsPort, type PodGroup } from '../../platform/model/network.js';
import { compareText } from '../../platform/model/order.js';
import { type SiteTenant, type TenantApp, type TenantAppDelivery } from '../../platform/model/tenants.js';
import { ARGOCD_NAMESPACE } from '../../platform/argocd/constants.js';
import { VAULT_READER_SA_PREFIX } from '../01-services/vault.js';
import { vaultReaderRoles } from '../02-engines/vault-secret.js';
import { tenantLimitRange } from '../../policies/tenant-namespace-defaults.js';
import { TenantAppChart, tenantAppSelector, tenantSecretProps } from './tenant-app.js';

export {
  TENANT_APP_KINDS,
  TENANT_APP_LABEL,
  TENANT_VAULT_FOLDER,
  tenantAppLabels,
  tenantAppSelector,
  tenantSecretName,
  tenantVaultKey,
  TenantAppChart,
} from './tenant-app.js';

/** The namespace the component itself targets: it runs no pods, every object is in a team's namespace. */
const KUBE_SYSTEM: (typeof SYSTEM_NAMESPACES)[number] = 'kube-system';

/** Names of a team's own objects in its namespace. */
export const TENANT_QUOTA_NAME = 'tenant-quota';
export const TENANT_OWNER_ROLE = 'tenant-owner';
export const TENANT_OWNER_BINDING = 'tenant-owners';

/** The longest name of a Kubernetes object that is a DNS label (a ServiceAccount's). */
const DNS_LABEL_MAX = 63;

const READ = ['get', 'list', 'watch'];

/**
 * What a team's owners may do in its namespace: read what runs there (workloads, pods, Services,
 * events, routes, ExternalSecrets, volumes, quota), read pod logs, port-forward to a pod, and
 * delete a pod to restart it. Nothing else: no Secrets (their values are Vault's, read by ESO),
 * no exec (it would show them), and no write to anything git owns (ArgoCD reverts it anyway).
 */
export const TENANT_OWNER_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['endpoints', 'events', 'limitranges', 'persistentvolumeclaims', 'pods', 'resourcequotas', 'services'], verbs: READ },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create', 'get'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: READ },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: READ },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ },
  { apiGroups: ['external-secrets.io'], resources: ['externalsecrets'], verbs: READ },
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: READ },
  { apiGroups: ['monitoring.coreos.com'], resources: ['servicemonitors'], verbs: READ },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: READ },
];

/** The pod group (network facts) of one app: `<team>/<app>`. */
export function tenantPodGroup(team: string, app: string): string {
  return `${team}/${app}`;
}

export interface TenantsProps extends PlatformComponentProps {
  /** The monitoring stack runs: apps with `metrics` get a ServiceMonitor (its CRD exists). Default: false. */
  readonly serviceMonitors?: boolean;
  /** Vault and External Secrets run: apps may read `secrets`. Default: false. */
  readonly secrets?: boolean;
  /** The site Gateway runs: apps may be routed. Default: false. */
  readonly routes?: boolean;
}

/**
 * The teams of the site (`tenants/`), each in a namespace of its own:
 * - **the team's fences**: a ResourceQuota (CPU and memory requests, memory limits, pods,
 *   storage: what the capacity plan reserves for the team), the LimitRange the
 *   `tenant-namespace-defaults` policy generates there too (the same object, so the two agree),
 *   a Role for its owners ({@link TENANT_OWNER_RULES}) and their RoleBinding;
 * - **its apps**: one chart per app ({@link TenantAppChart}), published as `tenantApps` and
 *   delivered by its own Application in the team's AppProject, not with this component's own
 *   objects (so a team's change syncs only its app, under its project's limits). The charts are
 *   children of this one, so External Secrets finds their ExternalSecrets and makes each team's
 *   store; this component declares the Vault reader role of each team (exactly the entries its
 *   apps read, all under `tenants/<team>/`);
 * - **its network facts**: the gateway calls each routed app's port, every app of a team may
 *   call every port of the team's apps, Prometheus scrapes `metrics` ports; the
 *   network-policies component makes the namespace default-deny with exactly these allows
 *   (and DNS), so nothing else reaches in or out.
 *
 * Its own Application deploys into the teams' namespaces only (`kube-system` is its nominal
 * namespace, as for the network policies, and holds nothing of it), in its layer's AppProject,
 * which holds no other component.
 *
 * Phase 2 refuses a team named like a platform or system namespace: its namespace would be
 * that one, and its quota, role and policies would land among the platform's pods.
 */
export class Tenants extends PlatformComponent {
  /** The teams, sorted, with their apps sorted. */
  readonly teams: readonly SiteTenant[];

  constructor(scope: Construct, props: TenantsProps) {
    const teams = sortedTenants(props.context.tenants);
    phaseOneProblems(teams, props);
    const secrets = teams.flatMap((t) => t.apps.flatMap((a) => tenantSecretProps(t, a) ?? []));
    super(scope, props, {
      namespace: KUBE_SYSTEM,
      extraNamespaces: teams.map((t) => t.namespace),
      podSecurity: 'restricted',
      // No `ownProject`: it is the only component of its layer, so the layer's project
      // (`edge-idp-tenants`) already grants exactly what it deploys, and a project of its own
      // would have that same name.
      network: tenantNetwork(teams),
      vaultRoles: vaultReaderRoles(secrets),
    });
    this.teams = teams;
    const apps: TenantAppDelivery[] = [];
    for (const t of teams) {
      const scope = new Construct(this, t.name);
      teamObjects(scope, t);
      for (const app of t.apps) {
        const chart = new TenantAppChart(scope, `app-${app.name}`, { tenant: t, app, serviceMonitor: props.serviceMonitors ?? false });
        apps.push({ team: t.name, app: app.name, namespace: t.namespace, chart });
      }
    }
    this.publishTenantApps(apps);
  }

  /** Phase 2, before any aggregator: no team may be named like a namespace of the platform or of Kubernetes. */
  protected override check(site: PlatformSite): void {
    const users = new Map<string, string[]>();
    for (const c of site.components) {
      if (c === this) continue;
      for (const ns of [c.targetNamespace, ...c.extraNamespaces]) users.set(ns, [...new Set([...(users.get(ns) ?? []), c.componentName])]);
    }
    for (const t of this.teams) {
      const by = users.get(t.namespace);
      const what = isSystemNamespace(t.namespace)
        ? 'a namespace of Kubernetes itself'
        : by
          ? `the namespace of platform component${by.length > 1 ? 's' : ''} ${by.sort(compareText).join(', ')}`
          : t.namespace === ARGOCD_NAMESPACE
            ? "ArgoCD's namespace"
            : undefined;
      if (what) {
        throw new ConfigError(t.file, [
          {
            path: 'name',
            message:
              `'${t.name}' is ${what}: a team's namespace is its name, so the team would share it (its quota, role and network policy too) with what runs there; ` +
              `rename the team (its folder tenants/${t.name}/ and its name), e.g. '${t.name}-team'`,
          },
        ]);
      }
    }
  }
}

/** Tenants sorted by name, each with its apps sorted by name. */
function sortedTenants(tenants: readonly SiteTenant[]): SiteTenant[] {
  return [...tenants].sort((a, b) => compareText(a.name, b.name)).map((t) => ({ ...t, apps: [...t.apps].sort((a, b) => compareText(a.name, b.name)) }));
}

/**
 * What the tenants component itself refuses, before anything is built: what the site cannot
 * give an app (secrets without Vault and External Secrets, a route without the Gateway), and
 * shapes it cannot build. Each a ConfigError naming the file and the field.
 */
function phaseOneProblems(teams: readonly SiteTenant[], props: TenantsProps): void {
  for (const t of teams) {
    const problems: ConfigProblem[] = [];
    if (t.owners.groups.length + t.owners.users.length === 0) {
      problems.push({ path: 'owners', message: 'names no group or user: nobody could see the team\'s apps; add owners.groups (or owners.users)' });
    }
    const reader = `${VAULT_READER_SA_PREFIX}${t.namespace}`;
    if (t.apps.some((a) => Object.keys(a.secrets).length > 0) && reader.length > DNS_LABEL_MAX) {
      problems.push({
        path: 'name',
        message: `'${t.name}' is ${t.name.length} characters: its Vault reader ServiceAccount '${reader}' would exceed ${DNS_LABEL_MAX}; use a name of at most ${DNS_LABEL_MAX - VAULT_READER_SA_PREFIX.length} characters`,
      });
    }
    if (problems.length) throw new ConfigError(t.file, problems);
    for (const a of t.apps) {
      const p = appProblems(a, props);
      if (p.length) throw new ConfigError(a.file, p);
    }
  }
}

function appProblems(a: TenantApp, props: TenantsProps): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (Object.keys(a.secrets).length > 0 && !props.secrets) {
    out.push({
      path: 'secrets',
      message: `${Object.keys(a.secrets).sort(compareText).join(', ')} read Vault, but this site runs no Vault and External Secrets; enable components.vault and components.external-secrets, or remove secrets`,
    });
  }
  if (a.route && !props.routes) {
    out.push({ path: 'route', message: `${a.route.host} cannot be served: this site runs no gateway; enable components.gateway, or remove route` });
  }
  if (a.schedule === undefined && a.port === undefined) {
    out.push({ path: 'port', message: 'missing: an app without a schedule serves on a port (its Service, probes and route use it); set port, or set schedule for a CronJob' });
  }
  if (a.volume && a.replicas > 1) {
    out.push({ path: 'replicas', message: `${a.replicas} with a volume: a ReadWriteOnce volume serves one pod; use replicas 1, or drop the volume` });
  }
  if (a.metrics && a.schedule !== undefined) {
    out.push({ path: 'metrics', message: 'a scheduled app serves no port Prometheus could scrape between runs; remove metrics (or run it as a Deployment with a port)' });
  }
  return out;
}

/** A team's quota, limit range, owners' role and binding. */
function teamObjects(scope: Construct, t: SiteTenant): void {
  const labels = { [LABELS.team]: t.name };
  new KubeResourceQuota(scope, 'quota', {
    metadata: { name: TENANT_QUOTA_NAME, namespace: t.namespace, labels },
    spec: {
      hard: {
        'requests.cpu': quantity(t.quota.cpu),
        'requests.memory': quantity(t.quota.memory),
        // App containers get a memory limit equal to their request.
        'limits.memory': quantity(t.quota.memory),
        pods: quantity(String(t.quota.pods)),
        'requests.storage': quantity(t.quota.storage),
      },
    },
  });
  // Exactly what tenant-namespace-defaults generates (its own labels only, so Kyverno's
  // synchronisation and ArgoCD's never disagree about the object).
  const limits = new ApiObject(scope, 'limit-range', tenantLimitRange(t.namespace) as ConstructorParameters<typeof ApiObject>[2]);
  limits.addJsonPatch(JsonPatch.replace('/metadata/labels', { ...tenantLimitRange(t.namespace).metadata!.labels }));
  new KubeRole(scope, 'owner-role', {
    metadata: { name: TENANT_OWNER_ROLE, namespace: t.namespace, labels },
    rules: TENANT_OWNER_RULES.map((r) => structuredClone(r)),
  });
  const subjects: Subject[] = [
    ...[...t.owners.groups].sort(compareText).map((name): Subject => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name })),
    ...[...t.owners.users].sort(compareText).map((name): Subject => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name })),
  ];
  new KubeRoleBinding(scope, 'owner-binding', {
    metadata: { name: TENANT_OWNER_BINDING, namespace: t.namespace, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: TENANT_OWNER_ROLE },
    subjects,
  });
}

/** A quantity as cdk8s' types take it (written as given). */
function quantity(q: string): import('cdk8s-plus-28/lib/imports/k8s.js').Quantity {
  return { value: q } as import('cdk8s-plus-28/lib/imports/k8s.js').Quantity;
}

/**
 * The teams' network facts: one pod group per app in its team's namespace; the gateway calls
 * every routed app's port; every app of a team may call every port of its team's apps
 * (itself included: its replicas); Prometheus scrapes each `metrics` port.
 */
export function tenantNetwork(teams: readonly SiteTenant[]): ComponentNetwork {
  const pods: Record<string, PodGroup> = {};
  const flows: FlowSpec[] = [];
  const metrics: MetricsPort[] = [];
  for (const t of teams) {
    const serving = t.apps.filter((a): a is TenantApp & { port: number } => a.port !== undefined && a.schedule === undefined);
    for (const a of t.apps) {
      const group = tenantPodGroup(t.name, a.name);
      pods[group] = { labels: tenantAppSelector(t.name, a.name), namespace: t.namespace };
      if (a.metrics && a.port !== undefined) metrics.push({ pods: group, port: a.metrics.port });
    }
    for (const a of serving) {
      if (a.route) flows.push(calledBy(tenantPodGroup(t.name, a.name), GATEWAY, tcp(a.port), `serves https://${a.route.host}${a.route.path} through the site gateway`));
    }
    for (const caller of t.apps) {
      for (const callee of serving) {
        flows.push(
          calls(tenantPodGroup(t.name, caller.name), ownPods(tenantPodGroup(t.name, callee.name)), `team ${t.name}: ${caller.name} may call ${callee.name}`, tcp(callee.port)),
        );
      }
    }
  }
  return { pods, flows, metrics };
}

export const tenants = defineComponent({
  file: import.meta.url,
  name: 'tenants',
  layer: '04-tenants',
  tier: 'workloads',
  description: "The teams of tenants/: each team's quota, limit range and owners' role in its namespace, and its apps (Deployment or CronJob, Service, route, secrets, metrics, volume), each delivered in the team's AppProject.",
  defaultEnabled: true,
  present: (context) => context.tenants.length > 0,
  build: (scope, ctx) =>
    new Tenants(scope, {
      ...ctx,
      serviceMonitors: ctx.enabled('prometheus-stack'),
      secrets: ctx.enabled('vault') && ctx.enabled('external-secrets'),
      routes: ctx.enabled('gateway'),
    }),
});
