/**
 * The tenants component (layer 04): a whole site built with two hand-made teams and their apps
 * (one with secrets, one with a volume, one CronJob, one routed with two replicas), checked for
 * what matters: every tenant pod is hardened, tiered, sized and probed; budgets, quotas, the
 * owners' role, Vault access and the network policy are exactly what the teams were promised;
 * nothing is cluster-scoped; the platform's own policies and the object schemas accept it all.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../layers/catalog.js';
import { Namespaces } from '../../layers/00-core/namespaces.js';
import { PLATFORM_POLICY_EXEMPTIONS } from '../../layers/02-engines/platform-policies.js';
import { vaultReaderRole, vaultStoreName } from '../../layers/02-engines/external-secrets.js';
import { GATEWAY_NAME, GATEWAY_NAMESPACE } from '../../layers/03-apps/gateway.js';
import { MONITORING_NAMESPACE } from '../../layers/01-services/prometheus-stack.js';
import {
  TENANT_APP_KINDS,
  TENANT_APP_LABEL,
  TENANT_OWNER_ROLE,
  TENANT_QUOTA_NAME,
  Tenants,
  tenantAppSelector,
  tenantVaultKey,
} from '../../layers/04-tenants/tenants.js';
import { ObjectValidator } from '../../platform/conformance/objects.js';
import { upstreamCrds } from '../../platform/conformance/upstream.js';
import { isComponentOf, type PlatformComponent } from '../../platform/model/component.js';
import { unpinnedImageReason } from '../../platform/model/images.js';
import { isClusterScoped } from '../../platform/model/kinds.js';
import { LABELS } from '../../platform/model/labels.js';
import { identityLabelProblem } from '../../platform/model/network.js';
import { NAMESPACE_LABEL } from '../../platform/model/network-policy.js';
import { SYSTEM_NAMESPACES } from '../../platform/model/namespaces.js';
import { CONTROL_PLANE_TAINT, TIERS } from '../../platform/model/tiers.js';
import type { SiteTenant, TenantApp } from '../../platform/model/tenants.js';
import { buildSite, type SiteBuild } from '../../platform/synth/build.js';
import { evaluatePolicies, formatViolation } from '../../policies/index.js';
import { tenantLimitRange } from '../../policies/tenant-namespace-defaults.js';
import { baseConfigObject, configFrom, upstreamForTests } from '../helpers/site.js';
import { ENTITIES, PolicyEvaluator, pod, type CiliumPolicy, type Endpoint } from '../security/network-evaluator.js';

type Obj = Record<string, any>;

const DOMAIN = baseConfigObject().site.domain as string;

function app(team: string, a: Partial<TenantApp> & { name: string }): TenantApp {
  return {
    team,
    file: `tenants/${team}/apps/${a.name}.yaml`,
    image: `registry.example.com/${team}/${a.name}:1.4.2`,
    replicas: 1,
    cpu: '100m',
    memory: '128Mi',
    env: {},
    secrets: {},
    ...a,
  };
}

/** Two teams, four apps: routed with two replicas, secrets, a volume, a CronJob (with secrets too). */
const FIXTURE_TENANTS: readonly SiteTenant[] = [
  {
    name: 'payments',
    file: 'tenants/payments/tenant.yaml',
    namespace: 'payments',
    owners: { groups: ['payments-devs', 'payments-admins'], users: ['alice@example.com'] },
    quota: { cpu: '2', memory: '2Gi', pods: 10, storage: '0' },
    hostnames: [`*.payments.${DOMAIN}`],
    apps: [
      app('payments', {
        name: 'web',
        port: 8080,
        replicas: 2,
        cpu: '250m',
        memory: '256Mi',
        env: { MODE: 'production', API_URL: 'http://api:8081' },
        route: { host: `web.payments.${DOMAIN}`, path: '/' },
        probePath: '/healthz',
        metrics: { path: '/metrics', port: 9102 },
      }),
      app('payments', {
        name: 'api',
        port: 8081,
        secrets: { DB_PASSWORD: { key: 'db', property: 'password' }, STRIPE_KEY: { key: 'stripe/live', property: 'key' } },
        metrics: { path: '/stats', port: 8081 },
      }),
    ],
  },
  {
    name: 'analytics',
    file: 'tenants/analytics/tenant.yaml',
    namespace: 'analytics',
    owners: { groups: ['analysts'], users: [] },
    quota: { cpu: '1500m', memory: '3Gi', pods: 6, storage: '20Gi' },
    hostnames: [`*.analytics.${DOMAIN}`],
    apps: [
      app('analytics', { name: 'store', port: 5432, memory: '1Gi', volume: { size: '10Gi', mountPath: '/var/lib/store' } }),
      app('analytics', {
        name: 'nightly',
        schedule: '30 2 * * *',
        command: ['report', '--since=24h'],
        secrets: { WAREHOUSE_TOKEN: { key: 'warehouse', property: 'token' } },
      }),
    ],
  },
];

async function build(tenants: readonly SiteTenant[], patch?: (cfg: Obj) => void): Promise<SiteBuild> {
  const raw = baseConfigObject();
  patch?.(raw);
  return buildSite({ config: await configFrom(raw), configFile: 'platform.yaml', catalog: CATALOG, tenants });
}

const site = await build(FIXTURE_TENANTS);
const tenants = site.components.find((c) => isComponentOf(Tenants, c)) as Tenants;
const apps = FIXTURE_TENANTS.flatMap((t) => t.apps.map((a) => ({ tenant: t, app: a })));
/** Each app's objects, as its chart renders them. */
const appObjects = new Map(tenants.tenantApps.map((d) => [`${d.team}/${d.app}`, d.chart.toJson() as Obj[]]));
const ownObjects = site.resources.get('tenants') as unknown as Obj[];
const allTenantObjects = [...ownObjects, ...[...appObjects.values()].flat()];

function objectsOf(team: string, appName: string): Obj[] {
  const objects = appObjects.get(`${team}/${appName}`);
  if (!objects) throw new Error(`no chart for ${team}/${appName}`);
  return objects;
}

function one(objects: readonly Obj[], kind: string): Obj {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!;
}

function workloadOf(a: TenantApp, objects: readonly Obj[]): Obj {
  return one(objects, a.schedule ? 'CronJob' : 'Deployment');
}

function templateOf(w: Obj): Obj {
  return w.kind === 'CronJob' ? w.spec.jobTemplate.spec.template : w.spec.template;
}

function component(name: string): PlatformComponent {
  const c = site.components.find((x) => x.componentName === name);
  if (!c) throw new Error(`no component ${name}`);
  return c;
}

describe('the tenants component', () => {
  it('is present exactly when a team runs on the site', async () => {
    expect(tenants).toBeDefined();
    const without = await build([]);
    expect(without.components.map((c) => c.componentName)).not.toContain('tenants');
  });

  it('publishes one chart per app, sorted, whose objects are not among its own', () => {
    expect(tenants.tenantApps.map((d) => `${d.team}/${d.app}`)).toEqual(['analytics/nightly', 'analytics/store', 'payments/api', 'payments/web']);
    for (const d of tenants.tenantApps) expect(d.namespace).toBe(d.team);
    expect([...new Set(ownObjects.map((o) => o.kind))].sort()).toEqual(['LimitRange', 'ResourceQuota', 'Role', 'RoleBinding']);
  });

  it('targets kube-system without writing there, and owns each team namespace at Pod Security restricted', () => {
    expect(tenants.targetNamespace).toBe('kube-system');
    expect(tenants.extraNamespaces).toEqual(['analytics', 'payments']);
    expect(tenants.podSecurity).toBe('restricted');
    expect(tenants.parts).toEqual([]);
    const ns = (site.components.find((c) => isComponentOf(Namespaces, c)) as Namespaces).namespaces;
    for (const team of ['analytics', 'payments']) expect(ns.find((n) => n.name === team)).toMatchObject({ tier: 'workloads', podSecurity: 'restricted' });
  });

  it('puts every object in its team namespace: none is cluster-scoped, none in another namespace', () => {
    for (const o of ownObjects) expect(['analytics', 'payments']).toContain(o.metadata.namespace);
    for (const [key, objects] of appObjects) {
      const team = key.split('/')[0];
      for (const o of objects) {
        expect(isClusterScoped(o.kind), `${o.kind}/${o.metadata.name}`).toBe(false);
        expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(team);
      }
    }
  });

  it('emits only the kinds it declares for the teams\' projects', () => {
    const declared = new Set(TENANT_APP_KINDS.map((k) => `${k.group}/${k.kind}`));
    for (const o of [...appObjects.values()].flat()) {
      const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
      expect(declared.has(`${group}/${o.kind}`), `${o.apiVersion} ${o.kind}`).toBe(true);
    }
  });

  it('is deterministic', async () => {
    const again = await build([...FIXTURE_TENANTS].reverse().map((t) => ({ ...t, apps: [...t.apps].reverse() })));
    const other = again.components.find((c) => isComponentOf(Tenants, c)) as Tenants;
    expect(again.resources.get('tenants')).toEqual(ownObjects);
    expect(other.tenantApps.map((d) => d.chart.toJson())).toEqual(tenants.tenantApps.map((d) => d.chart.toJson()));
    expect(again.resources.get('network-policies')).toEqual(site.resources.get('network-policies'));
  });
});

describe('tenant pods', () => {
  it.each(apps.map(({ tenant, app: a }) => [`${tenant.name}/${a.name}`, tenant, a] as const))('%s is tiered, hardened, sized, spread and labelled', (_n, tenant, a) => {
    const template = templateOf(workloadOf(a, objectsOf(tenant.name, a.name)));
    const pod = template.spec;
    expect(pod.priorityClassName).toBe(TIERS.workloads.priorityClassName);
    // Nothing lets it onto the tainted control-plane node.
    expect((pod.tolerations ?? []).filter((t: Obj) => t.operator === 'Exists' && (t.key === undefined || t.key === CONTROL_PLANE_TAINT.key))).toEqual([]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    expect(c.image).toBe(a.image);
    expect(unpinnedImageReason(c.image)).toBeUndefined();
    // Pod Security "restricted", stated explicitly.
    expect(c.securityContext.runAsNonRoot ?? pod.securityContext?.runAsNonRoot).toBe(true);
    expect(c.securityContext.seccompProfile ?? pod.securityContext?.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(c.securityContext.privileged ?? false).toBe(false);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    const tmp = c.volumeMounts.find((m: Obj) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v: Obj) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    // Requests as the app file says, memory limit = request, no CPU limit.
    expect(c.resources).toEqual({ requests: { cpu: a.cpu, memory: a.memory }, limits: { memory: a.memory } });
    // Env and secret env, by name.
    const env = Object.fromEntries((c.env ?? []).map((e: Obj) => [e.name, e]));
    expect(Object.keys(env).sort()).toEqual([...Object.keys(a.env), ...Object.keys(a.secrets)].sort());
    for (const [k, v] of Object.entries(a.env)) expect(env[k].value).toBe(v);
    for (const k of Object.keys(a.secrets)) expect(env[k].valueFrom.secretKeyRef.key).toBe(k);
    expect(c.args).toEqual(a.command);
    // Labels: the app's selector, which Cilium keeps in identities; no construct-address label.
    const labels = template.metadata.labels;
    expect(labels).toMatchObject({ ...tenantAppSelector(tenant.name, a.name), [LABELS.partOf]: 'edge-idp' });
    for (const k of Object.keys(labels)) expect(identityLabelProblem(k)).toBeUndefined();
  });

  it.each(apps.filter(({ app: a }) => !a.schedule).map(({ tenant, app: a }) => [`${tenant.name}/${a.name}`, tenant, a] as const))(
    '%s serves: probes on its port, a Service, spread over workers without blocking',
    (_n, tenant, a) => {
      const objects = objectsOf(tenant.name, a.name);
      const d = one(objects, 'Deployment');
      const c = d.spec.template.spec.containers[0];
      for (const probe of ['readinessProbe', 'livenessProbe']) {
        if (a.probePath) expect(c[probe].httpGet).toMatchObject({ path: a.probePath, port: a.port });
        else expect(c[probe].tcpSocket).toEqual({ port: a.port });
      }
      expect(d.spec.selector.matchLabels).toEqual(tenantAppSelector(tenant.name, a.name));
      expect(d.spec.template.spec.topologySpreadConstraints).toEqual([
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: tenantAppSelector(tenant.name, a.name) } },
      ]);
      const svc = one(objects, 'Service');
      expect(svc.metadata.name).toBe(a.name);
      expect(svc.spec.selector).toEqual(tenantAppSelector(tenant.name, a.name));
      expect(svc.spec.ports.find((p: Obj) => p.port === a.port)?.targetPort).toBe(a.port);
    },
  );

  it('rolls within the quota: one replica is recreated, more roll one at a time without surge', () => {
    for (const { tenant, app: a } of apps.filter((x) => !x.app.schedule)) {
      const strategy = one(objectsOf(tenant.name, a.name), 'Deployment').spec.strategy;
      if (a.replicas > 1) expect(strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
      else expect(strategy).toEqual({ type: 'Recreate' });
    }
  });

  it('has a PodDisruptionBudget exactly when it runs more than one replica', () => {
    for (const { tenant, app: a } of apps) {
      const pdbs = objectsOf(tenant.name, a.name).filter((o) => o.kind === 'PodDisruptionBudget');
      if (a.replicas > 1) {
        expect(pdbs).toHaveLength(1);
        expect(pdbs[0]!.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: tenantAppSelector(tenant.name, a.name) } });
      } else {
        expect(pdbs, `${tenant.name}/${a.name}`).toEqual([]);
      }
    }
    expect(apps.filter((x) => x.app.replicas > 1)).toHaveLength(1);
  });

  it('runs a scheduled app as a CronJob: never two at once, bounded history, UTC, a starting deadline', () => {
    const a = FIXTURE_TENANTS[1]!.apps[1]!;
    const objects = objectsOf('analytics', 'nightly');
    const cj = one(objects, 'CronJob');
    expect(cj.spec).toMatchObject({ schedule: a.schedule, concurrencyPolicy: 'Forbid', timeZone: 'Etc/UTC', suspend: false });
    expect(cj.spec.successfulJobsHistoryLimit).toBeGreaterThan(0);
    expect(cj.spec.failedJobsHistoryLimit).toBeGreaterThan(0);
    expect(cj.spec.startingDeadlineSeconds).toBeGreaterThanOrEqual(60);
    expect(cj.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
    expect(objects.map((o) => o.kind)).not.toContain('Deployment');
    expect(objects.map((o) => o.kind)).not.toContain('Service');
  });

  it('gives a volume app its claim: the default class, ReadWriteOnce, the size asked, mounted where asked, not in an earlier wave', () => {
    const a = FIXTURE_TENANTS[1]!.apps[0]!;
    const objects = objectsOf('analytics', 'store');
    const pvc = one(objects, 'PersistentVolumeClaim');
    expect(pvc.spec.storageClassName).toBeUndefined();
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(pvc.spec.resources.requests.storage).toBe(a.volume!.size);
    const d = one(objects, 'Deployment');
    const volume = d.spec.template.spec.volumes.find((v: Obj) => v.persistentVolumeClaim?.claimName === pvc.metadata.name);
    expect(d.spec.template.spec.containers[0].volumeMounts.find((m: Obj) => m.name === volume.name).mountPath).toBe(a.volume!.mountPath);
    // A WaitForFirstConsumer claim in an earlier sync wave would wait for its pod forever.
    const wave = (o: Obj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    expect(wave(pvc)).toBe(wave(d));
    for (const other of apps.filter((x) => !x.app.volume)) expect(objectsOf(other.tenant.name, other.app.name).map((o) => o.kind)).not.toContain('PersistentVolumeClaim');
  });
});

describe('routes and metrics', () => {
  it('routes a routed app on the site Gateway through the team listener (no sectionName), and no other', () => {
    const a = FIXTURE_TENANTS[0]!.apps[0]!;
    const route = one(objectsOf('payments', 'web'), 'HTTPRoute');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: GATEWAY_NAMESPACE, name: GATEWAY_NAME }]);
    expect(route.spec.hostnames).toEqual([a.route!.host]);
    expect(route.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: a.route!.path } }], backendRefs: [{ name: 'web', port: a.port }] }]);
    const routed = [...appObjects.values()].flat().filter((o) => o.kind === 'HTTPRoute');
    expect(routed).toHaveLength(1);
  });

  it('makes a ServiceMonitor for each metrics app whose endpoint is the metrics port of its Service', () => {
    for (const { tenant, app: a } of apps.filter((x) => x.app.metrics)) {
      const objects = objectsOf(tenant.name, a.name);
      const sm = one(objects, 'ServiceMonitor');
      const svc = one(objects, 'Service');
      expect(sm.spec.selector.matchLabels).toEqual(tenantAppSelector(tenant.name, a.name));
      for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) expect(svc.metadata.labels[k]).toBe(v);
      expect(sm.spec.endpoints).toHaveLength(1);
      const port = svc.spec.ports.find((p: Obj) => p.name === sm.spec.endpoints[0].port);
      expect(port.targetPort).toBe(a.metrics!.port);
      expect(sm.spec.endpoints[0].path).toBe(a.metrics!.path);
    }
    expect(objectsOf('analytics', 'store').map((o) => o.kind)).not.toContain('ServiceMonitor');
  });

  it('makes no ServiceMonitor where no Prometheus runs (no CRD)', async () => {
    const noMonitoring = await build(FIXTURE_TENANTS, (cfg) => {
      cfg.components = { 'prometheus-stack': { enabled: false }, grafana: { enabled: false } };
    });
    const t = noMonitoring.components.find((c) => isComponentOf(Tenants, c)) as Tenants;
    expect(t.tenantApps.flatMap((d) => d.chart.toJson() as Obj[]).filter((o) => o.kind === 'ServiceMonitor')).toEqual([]);
  });
});

describe('team fences', () => {
  it.each(FIXTURE_TENANTS.map((t) => [t.name, t] as const))('%s: a quota of exactly its promise, the LimitRange Kyverno generates too', (_n, t) => {
    const mine = ownObjects.filter((o) => o.metadata.namespace === t.namespace);
    const quota = one(mine, 'ResourceQuota');
    expect(quota.metadata.name).toBe(TENANT_QUOTA_NAME);
    expect(quota.spec.hard).toEqual({
      'requests.cpu': t.quota.cpu,
      'requests.memory': t.quota.memory,
      'limits.memory': t.quota.memory,
      pods: String(t.quota.pods),
      'requests.storage': t.quota.storage,
    });
    expect(one(mine, 'LimitRange')).toEqual(tenantLimitRange(t.namespace));
  });

  it.each(FIXTURE_TENANTS.map((t) => [t.name, t] as const))('%s: its owners (groups and users) get a least-privilege role in its namespace only', (_n, t) => {
    const mine = ownObjects.filter((o) => o.metadata.namespace === t.namespace);
    const role = one(mine, 'Role');
    const binding = one(mine, 'RoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(role.metadata.name).toBe(TENANT_OWNER_ROLE);
    expect(binding.subjects).toEqual([
      ...[...t.owners.groups].sort().map((name) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name })),
      ...[...t.owners.users].sort().map((name) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name })),
    ]);
    const rules = role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    const grants = rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${v} ${g}/${res}`))));
    // No Secrets, no wildcards, no exec, and no write beyond restarting a pod and port-forwarding.
    expect(grants.filter((g) => /\/secrets$|\*|pods\/exec|pods\/attach/.test(g))).toEqual([]);
    const writes = grants.filter((g) => !/^(get|list|watch) /.test(g));
    expect(writes.sort()).toEqual(['create /pods/portforward', 'delete /pods']);
    for (const needed of ['list /pods', 'get /pods/log', 'list apps/deployments', 'list batch/cronjobs', 'list batch/jobs', 'list /events', 'list /services', 'list /persistentvolumeclaims', 'list gateway.networking.k8s.io/httproutes', 'list external-secrets.io/externalsecrets']) {
      expect(grants).toContain(needed);
    }
  });
});

describe("the teams' secrets", () => {
  const externalSecrets = [...appObjects.values()].flat().filter((o) => o.kind === 'ExternalSecret');

  it('reads only tenants/<team>/… through its own namespace store', () => {
    expect(externalSecrets.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual(['analytics/nightly-secrets', 'payments/api-secrets']);
    for (const es of externalSecrets) {
      const ns = es.metadata.namespace;
      expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: vaultStoreName(ns) });
      for (const d of es.spec.data) expect(d.remoteRef.key.startsWith(`tenants/${ns}/`)).toBe(true);
    }
  });

  it('gets each team a store usable only from its namespace and a Vault role for exactly its keys', () => {
    const stores = (site.resources.get('external-secrets') as unknown as Obj[]).filter((o) => o.kind === 'ClusterSecretStore');
    for (const t of FIXTURE_TENANTS) {
      const keys = t.apps.flatMap((a) => Object.values(a.secrets).map((s) => tenantVaultKey(t.name, s.key)));
      const store = stores.find((s) => s.metadata.name === vaultStoreName(t.namespace));
      expect(store?.spec.conditions).toEqual([{ namespaces: [t.namespace] }]);
      const role = tenants.vaultRoles.find((r) => r.name === vaultReaderRole(t.namespace, keys).name);
      expect(role).toEqual(vaultReaderRole(t.namespace, keys));
      const granted = [...role!.policy.rules.matchAll(/path "secret\/data\/([^"]+)"/g)].map((m) => m[1]).sort();
      expect(granted).toEqual([...new Set(keys)].sort());
    }
    expect(tenants.vaultRoles).toHaveLength(2);
  });

  it('wires each secret env var to its ExternalSecret key', () => {
    const es = one(objectsOf('payments', 'api'), 'ExternalSecret');
    expect(es.spec.data).toEqual([
      { secretKey: 'DB_PASSWORD', remoteRef: { key: 'tenants/payments/db', property: 'password' } },
      { secretKey: 'STRIPE_KEY', remoteRef: { key: 'tenants/payments/stripe/live', property: 'key' } },
    ]);
    const env = one(objectsOf('payments', 'api'), 'Deployment').spec.template.spec.containers[0].env;
    for (const e of env) expect(e.valueFrom.secretKeyRef.name).toBe(es.spec.target.name);
  });
});

describe("the teams' network policy", () => {
  const policies = site.resources.get('network-policies') as unknown as Obj[];

  it.each(FIXTURE_TENANTS.map((t) => [t.name, t] as const))('%s: default deny; the gateway only to routed ports; other namespaces only Prometheus to metrics ports', (_n, t) => {
    const policy = policies.find((p) => p.metadata.namespace === t.namespace)!;
    expect(policy).toBeDefined();
    const specs = policy.specs as Obj[];
    expect(specs[0]).toMatchObject({ endpointSelector: {}, ingress: [{}] });
    const ports = (rule: Obj) => rule.toPorts.flatMap((p: Obj) => p.ports.map((x: Obj) => Number(x.port)));
    const ingress = specs.filter((s) => s.ingress && s.endpointSelector.matchLabels).map((s) => ({ to: s.endpointSelector.matchLabels, rule: s.ingress[0] as Obj }));
    const routed = t.apps.filter((a) => a.route);
    const fromGateway = ingress.filter((i) => i.rule.fromEntities);
    for (const i of fromGateway) expect(i.rule.fromEntities).toEqual(['ingress']);
    expect(fromGateway.map((i) => `${i.to[TENANT_APP_LABEL]}:${ports(i.rule).join()}`).sort()).toEqual(routed.map((a) => `${a.name}:${a.port}`).sort());
    const foreign = ingress.filter((i) => i.rule.fromEndpoints?.some((e: Obj) => e.matchLabels[NAMESPACE_LABEL] !== undefined));
    for (const i of foreign) {
      expect(i.rule.fromEndpoints.map((e: Obj) => e.matchLabels[NAMESPACE_LABEL])).toEqual([MONITORING_NAMESPACE]);
      const a = t.apps.find((x) => x.name === i.to[TENANT_APP_LABEL])!;
      expect(ports(i.rule)).toEqual([a.metrics!.port]);
    }
    expect(foreign).toHaveLength(t.apps.filter((a) => a.metrics).length);
    // Same-namespace callers are the team's apps, on the ports of its serving apps.
    for (const i of ingress.filter((x) => x.rule.fromEndpoints && !foreign.includes(x))) {
      expect(i.rule.fromEndpoints[0].matchLabels[LABELS.team]).toBe(t.name);
      expect(ports(i.rule)).toEqual([t.apps.find((x) => x.name === i.to[TENANT_APP_LABEL])!.port]);
    }
    // Egress: DNS (in the default deny) and the team's own apps, nothing else.
    for (const s of specs.slice(1).filter((x) => x.egress)) {
      expect(s.egress[0].toEndpoints[0].matchLabels[NAMESPACE_LABEL]).toBeUndefined();
      expect(s.egress[0].toEndpoints[0].matchLabels[LABELS.team]).toBe(t.name);
    }
    expect(JSON.stringify(specs)).not.toMatch(/"world"|"all"|"cluster"/);
  });

  it('lets every app of a team call every serving app of its team, once per pair', () => {
    const flows = tenants.network!.flows!.filter((f) => f.direction === 'egress');
    for (const t of FIXTURE_TENANTS) {
      const serving = t.apps.filter((a) => a.port !== undefined && !a.schedule);
      const pairs = flows.filter((f) => f.pods.startsWith(`${t.name}/`)).map((f) => `${f.pods}>${(f.peer as { pods: string }).pods}`);
      expect(pairs.sort()).toEqual(t.apps.flatMap((c) => serving.map((s) => `${t.name}/${c.name}>${t.name}/${s.name}`)).sort());
    }
  });

  it('admits exactly the promised connections (evaluated like Cilium would)', () => {
    const evaluator = new PolicyEvaluator(policies as unknown as CiliumPolicy[]);
    const podOf = (team: string, name: string): Endpoint => pod(`${team}/${name}`, team, templateOf(workloadOf(FIXTURE_TENANTS.find((t) => t.name === team)!.apps.find((a) => a.name === name)!, objectsOf(team, name))).metadata.labels);
    const web = podOf('payments', 'web');
    const api = podOf('payments', 'api');
    const store = podOf('analytics', 'store');
    const nightly = podOf('analytics', 'nightly');
    const prometheusStack = component('prometheus-stack').network!;
    const prometheus = pod('prometheus', MONITORING_NAMESPACE, prometheusStack.pods[prometheusStack.scraper!]!.labels);
    const grafana = pod('grafana', 'grafana', { 'app.kubernetes.io/name': 'grafana' });
    const dns = pod('coredns', 'kube-system', { 'k8s-app': 'kube-dns' });
    const allowed: [Endpoint, Endpoint, number][] = [
      [ENTITIES.ingress, web, 8080],
      [api, web, 8080],
      [web, api, 8081],
      [web, web, 8080],
      [nightly, store, 5432],
      [prometheus, web, 9102],
      [prometheus, api, 8081],
      [web, dns, 53],
      [ENTITIES.host, store, 5432],
    ];
    const denied: [Endpoint, Endpoint, number][] = [
      [ENTITIES.ingress, api, 8081],
      [ENTITIES.ingress, web, 9102],
      [ENTITIES.ingress, store, 5432],
      [ENTITIES.world, web, 8080],
      [ENTITIES.remoteNode, web, 8080],
      [api, store, 5432],
      [nightly, api, 8081],
      [grafana, web, 8080],
      [grafana, store, 5432],
      [prometheus, web, 8080],
      [prometheus, store, 5432],
      [web, ENTITIES.world, 443],
      [nightly, ENTITIES.world, 443],
      [store, ENTITIES.kubeApiserver, 6443],
      [web, store, 5432],
    ];
    for (const [from, to, port] of allowed) expect(evaluator.allowed(from, to, port), `${from.name} → ${to.name}:${port}`).toBe(true);
    for (const [from, to, port] of denied) expect(evaluator.allowed(from, to, port), `${from.name} → ${to.name}:${port}`).toBe(false);
  });

  it('selects no tenant pod from any other namespace\'s policy', () => {
    for (const p of policies.filter((x) => !['analytics', 'payments'].includes(x.metadata.namespace))) {
      for (const s of p.specs as Obj[]) expect(s.endpointSelector.matchLabels?.[LABELS.team]).toBeUndefined();
    }
  });
});

describe('the platform accepts every tenant object', () => {
  it("passes the platform's own policies (and they are not vacuous here)", () => {
    const namespaces = (site.components.find((c) => isComponentOf(Namespaces, c)) as Namespaces).namespaces;
    const namespaceObjects = (site.resources.get('namespaces') as unknown as Obj[]).filter((o) => ['analytics', 'payments'].includes(o.metadata.name));
    expect(namespaceObjects).toHaveLength(2);
    const opts = { systemNamespaces: SYSTEM_NAMESPACES, platformNamespaces: namespaces.map((n) => ({ name: n.name, tier: n.tier })), exemptions: PLATFORM_POLICY_EXEMPTIONS };
    const evaluation = evaluatePolicies([...namespaceObjects, ...allTenantObjects], opts);
    expect(evaluation.violations.map(formatViolation)).toEqual([]);
    // The same check catches an untiered tenant pod.
    const d = structuredClone(one(objectsOf('payments', 'web'), 'Deployment'));
    delete d.spec.template.spec.priorityClassName;
    expect(evaluatePolicies([...namespaceObjects, d], opts).violations.map((v) => v.check)).toEqual(['tier-priority-class']);
  });

  const upstream = upstreamForTests();
  it.skipIf(!upstream)('validates against the Kubernetes schema and the upstream CRDs, unknown fields rejected', () => {
    const validator = new ObjectValidator(upstreamCrds(upstream!));
    const problems = allTenantObjects.flatMap((o) => validator.validate(o as never).map((p) => `${o.kind}/${o.metadata.name}: ${p}`));
    expect(problems).toEqual([]);
    expect(allTenantObjects.length).toBeGreaterThan(15);
  });

  it('lets External Secrets see the apps\' ExternalSecrets (children of the component) but not deliver them with it', () => {
    const found = component('tenants').node.findAll().filter((n) => (n as { kind?: string }).kind === 'ExternalSecret');
    expect(found).toHaveLength(2);
    expect(ownObjects.filter((o) => o.kind === 'ExternalSecret')).toEqual([]);
  });
});
