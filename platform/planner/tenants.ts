/**
 * Tenants in the capacity plan. A team's quota (`tenants/<team>/tenant.yaml`: `quota.cpu`,
 * `quota.memory`, `quota.pods`) is a promise: its pods may request that much on every site it
 * runs on, whatever its apps request today (owners may scale, run Jobs, add an app). So the plan
 * reserves all of it, as the pods the scheduler would have to place:
 *
 * - each app that runs all the time (a Deployment) as itself: `replicas` pods of its CPU and
 *   memory, so a pod too big for any node's free room shows, which an even split would hide;
 * - the rest of the quota (what the running apps leave of CPU, memory and pods; CronJobs run in
 *   it) as that many pods, each an equal share of the CPU and memory left, rounded up to the
 *   millicore and the byte (a team with no apps: `quota.pods` pods of `cpu/pods`, `memory/pods`).
 *
 * Every reserved pod is of the tenants' tier (workloads: PriorityClass edge-idp-workloads, never
 * preempts, no control-plane toleration, so workers only) and spreads over the workers like a
 * Deployment with a topology spread constraint. Reservations are placed after every platform pod
 * in every scenario and never pinned to the node they had in Green: a reservation is room, not
 * running pods, so it is the room the platform leaves. The platform therefore plans exactly as it
 * would without tenants (platform pods of the workloads tier, which could not preempt a team's
 * running pods, included); what the plan adds is how much of each quota still fits. Volumes
 * (`quota.storage`) are not placed: the planner does not model storage.
 *
 * A quota beyond what the nodes tenants may run on can allocate at all (before the platform is
 * counted) is a config error, not a capacity finding: see `checkTenantQuotas`.
 */
import { ConfigError, type ConfigProblem } from '../config/errors.js';
import { formatCpu, formatMemory, parseCpu, parseMemory } from '../model/quantity.js';
import { compareText } from '../model/order.js';
import { TENANT_TIER, type SiteTenant } from '../model/tenants.js';
import { schedulingFor, TIERS } from '../model/tiers.js';
import { toleratesNode, type PlannerNode } from './nodes.js';
import type { PlannedPod, PodTenant } from './pods.js';

/** The planner's component of a team's reserved pods: `tenants/<team>` (no platform component has a `/`). */
export function tenantComponent(team: string): string {
  return `tenants/${team}`;
}

/** The part of the rest of a quota (an app's part is `apps/<app>`, so no app can take this name). */
export const REST_OF_QUOTA_PART = 'quota';

const APP_PART_PREFIX = 'apps/';

/** The part of one app's reserved pods. */
export function appPart(app: string): string {
  return `${APP_PART_PREFIX}${app}`;
}

/** The app a reserved part is of; `undefined` for the rest of the quota. */
export function appOfPart(part: string): string | undefined {
  return part.startsWith(APP_PART_PREFIX) ? part.slice(APP_PART_PREFIX.length) : undefined;
}

/** One part of a reservation: an app's pods, or the rest of the quota. */
export interface ReservedPart {
  /** `apps/<app>` or `quota`. */
  readonly part: string;
  /** The app, for an app's part; unset for the rest of the quota. */
  readonly app?: string;
  /** Pods reserved. */
  readonly pods: number;
  /** CPU request of each pod, in millicores. */
  readonly cpuMillicores: number;
  /** Memory request of each pod, in bytes. */
  readonly memoryBytes: number;
}

/** A team's quota as the plan reserves it. */
export interface TenantReservation {
  readonly tenant: PodTenant;
  /** Its apps' parts by app name, then the rest of the quota (when any is left). */
  readonly parts: readonly ReservedPart[];
}

/** `quota 2 cpu, 4Gi memory, 10 pods`, as the team wrote it. */
export function quotaText(tenant: PodTenant): string {
  return `quota ${tenant.quota.cpu} cpu, ${tenant.quota.memory} memory, ${tenant.quota.pods} pods`;
}

/** `app web`, or `reserved quota` for the rest of the quota. */
export function reservedPartLabel(part: string): string {
  const app = appOfPart(part);
  return app === undefined ? 'reserved quota' : `app ${app}`;
}

/** How a team's quota is reserved (see the module comment). */
export function tenantReservation(tenant: SiteTenant): TenantReservation {
  const ref: PodTenant = { name: tenant.name, file: tenant.file, quota: tenant.quota };
  const apps = tenant.apps
    .filter((app) => app.schedule === undefined)
    .sort((a, b) => compareText(a.name, b.name))
    .map((app): ReservedPart => ({ part: appPart(app.name), app: app.name, pods: app.replicas, cpuMillicores: parseCpu(app.cpu), memoryBytes: parseMemory(app.memory) }));
  const used = (of: (p: ReservedPart) => number) => apps.reduce((sum, p) => sum + p.pods * of(p), 0);
  const restPods = Math.max(0, tenant.quota.pods - used(() => 1));
  const restCpu = Math.max(0, parseCpu(tenant.quota.cpu) - used((p) => p.cpuMillicores));
  const restMemory = Math.max(0, parseMemory(tenant.quota.memory) - used((p) => p.memoryBytes));
  const rest: ReservedPart[] =
    restPods > 0 && (restCpu > 0 || restMemory > 0)
      ? [{ part: REST_OF_QUOTA_PART, pods: restPods, cpuMillicores: Math.ceil(restCpu / restPods), memoryBytes: Math.ceil(restMemory / restPods) }]
      : [];
  return { tenant: ref, parts: [...apps, ...rest] };
}

/** The pod template of the tenants' tier, for a team (replica 0, no requests yet). */
function tenantPodTemplate(tenant: PodTenant, part: string): PlannedPod {
  const tier = TIERS[TENANT_TIER];
  const scheduling = schedulingFor(TENANT_TIER);
  return {
    component: tenantComponent(tenant.name),
    part,
    replica: 0,
    tier: TENANT_TIER,
    priority: tier.value,
    preemptionPolicy: tier.preemptionPolicy,
    cpuMillicores: 0,
    memoryBytes: 0,
    tolerations: scheduling.tolerations,
    prefersWorkers: scheduling.affinity !== undefined,
    isDaemonSet: false,
    onePerNode: false,
    isTransient: false,
    spread: true,
    tenant,
  };
}

/** The pods a reservation places. */
export function reservedPods(reservation: TenantReservation): PlannedPod[] {
  return reservation.parts.flatMap((p) => {
    const template = { ...tenantPodTemplate(reservation.tenant, p.part), cpuMillicores: p.cpuMillicores, memoryBytes: p.memoryBytes };
    return Array.from({ length: p.pods }, (_, replica) => ({ ...template, replica }));
  });
}

/** The reservations behind a set of pods (those with a `tenant`), by team name. */
export function reservationsOf(pods: readonly PlannedPod[]): TenantReservation[] {
  const byTeam = new Map<string, { tenant: PodTenant; parts: Map<string, ReservedPart> }>();
  for (const pod of pods) {
    if (!pod.tenant) continue;
    const team = byTeam.get(pod.tenant.name) ?? { tenant: pod.tenant, parts: new Map<string, ReservedPart>() };
    byTeam.set(pod.tenant.name, team);
    const part = team.parts.get(pod.part);
    const app = appOfPart(pod.part);
    const named = app === undefined ? {} : { app };
    team.parts.set(pod.part, { part: pod.part, ...named, pods: (part?.pods ?? 0) + 1, cpuMillicores: pod.cpuMillicores, memoryBytes: pod.memoryBytes });
  }
  const partOrder = (p: ReservedPart) => (p.app === undefined ? 1 : 0);
  return [...byTeam.values()]
    .sort((a, b) => compareText(a.tenant.name, b.tenant.name))
    .map(({ tenant, parts }) => ({
      tenant,
      parts: [...parts.values()].sort((a, b) => partOrder(a) - partOrder(b) || compareText(a.part, b.part)),
    }));
}

/** The quota dimensions checked against the site, with how each reads and adds up. */
const DIMENSIONS = [
  {
    field: 'cpu',
    of: (t: SiteTenant) => parseCpu(t.quota.cpu),
    written: (t: SiteTenant) => t.quota.cpu,
    node: (n: PlannerNode) => n.cpuMillicores,
    text: (v: number) => `${formatCpu(v)} cpu`,
  },
  {
    field: 'memory',
    of: (t: SiteTenant) => parseMemory(t.quota.memory),
    written: (t: SiteTenant) => t.quota.memory,
    node: (n: PlannerNode) => n.memoryBytes,
    text: (v: number) => formatMemory(v),
  },
  {
    field: 'pods',
    of: (t: SiteTenant) => t.quota.pods,
    written: (t: SiteTenant) => String(t.quota.pods),
    node: (n: PlannerNode) => n.pods,
    text: (v: number) => `${v} pods`,
  },
] as const;

/**
 * Refuses quotas the site cannot hold even empty: on each of CPU, memory and pods, the quotas of
 * every team on the site together must not exceed what the nodes a tenant pod may run on (its
 * tier's tolerations: the workers) can allocate, before the platform's own pods are counted.
 * Throws a `ConfigError` (exit 2) naming each team's file and field; a quota within that but
 * too large once the platform is placed is a capacity finding instead (Green fails).
 */
export function checkTenantQuotas(site: string, nodes: readonly PlannerNode[], tenants: readonly SiteTenant[]): void {
  if (tenants.length === 0) return;
  const tolerations = schedulingFor(TENANT_TIER).tolerations;
  const hosts = nodes.filter((n) => toleratesNode(tolerations, n));
  const away = nodes.filter((n) => !hosts.includes(n)).map((n) => n.name);
  const awayText = away.length ? `; not ${away.join(', ')}: tenants' pods do not tolerate the control-plane taint` : '';
  const sorted = [...tenants].sort((a, b) => compareText(a.name, b.name));
  const byTeam = new Map<string, ConfigProblem[]>();
  for (const d of DIMENSIONS) {
    const total = sorted.reduce((sum, t) => sum + d.of(t), 0);
    const allocatable = hosts.reduce((sum, n) => sum + d.node(n), 0);
    if (total <= allocatable) continue;
    const room = hosts.length
      ? `the ${d.text(allocatable)} site ${site}'s nodes for tenants' pods can allocate ` +
        `(${hosts.map((n) => `${n.name} ${d.text(d.node(n))}`).join(', ')}${d.field === 'pods' ? ", the kubelet's default --max-pods" : ''}${awayText})`
      : `what site ${site} has for tenants' pods: nothing (it has no worker${awayText})`;
    for (const t of sorted) {
      const others = sorted.filter((o) => o !== t && d.of(o) > 0);
      const amount = others.length
        ? `'${d.written(t)}', with the other teams' quota.${d.field} on site ${site} (${others.map((o) => `${o.name} ${d.written(o)} in ${o.file}`).join(', ')}) ${d.text(total)} in all, is`
        : `'${d.written(t)}' is`;
      const message =
        `${amount} more than ${room}, before the platform's own pods are counted: ` +
        `lower quota.${d.field}${others.length ? ' here or in those files' : ''}, give the workers more, or run the team on other sites (runsOn)`;
      byTeam.set(t.name, [...(byTeam.get(t.name) ?? []), { path: `quota.${d.field}`, message }]);
    }
  }
  const teams = sorted.filter((t) => byTeam.has(t.name));
  const [first] = teams;
  if (!first) return;
  throw new ConfigError(
    first.file,
    teams.flatMap((t) => byTeam.get(t.name)!.map((p) => (t === first ? p : { ...p, origin: t.file }))),
  );
}
