/** Hand-built nodes, pods and tenants for the planner tests: small numbers with known answers. */
import type { NodeRole } from '../../platform/config/schema.js';
import { parseCpu, parseMemory } from '../../platform/model/quantity.js';
import { schedulingFor, TIERS, type TierName } from '../../platform/model/tiers.js';
import type { SiteTenant, TenantApp } from '../../platform/model/tenants.js';
import { nodeFromSpec, type PlannedPod, type PlannerNode } from '../../platform/planner/index.js';

/** A node as the config declares it. */
export function node(name: string, role: NodeRole, cpu: string, memory: string): PlannerNode {
  return nodeFromSpec({ name, role, cpu, memory });
}

/** The seed's shape: one control-plane node and two workers of the given sizes. */
export function edgeCluster(controlPlane: { cpu: string; memory: string }, worker = { cpu: '4', memory: '8Gi' }): PlannerNode[] {
  return [
    node('edge-cp-1', 'control-plane', controlPlane.cpu, controlPlane.memory),
    node('edge-w-1', 'worker', worker.cpu, worker.memory),
    node('edge-w-2', 'worker', worker.cpu, worker.memory),
  ];
}

/** Options of a hand-built part. */
export interface PodOptions {
  readonly replicas?: number;
  readonly daemonSet?: boolean;
  readonly nodeAgent?: boolean;
  readonly transient?: boolean;
  /** At most one pod of the part per node (required anti-affinity). */
  readonly onePerNode?: boolean;
  readonly nodeSelector?: Record<string, string>;
  /** Override the tier's PriorityClass value (a site's own class). */
  readonly priority?: number;
  /** Override the tier's preemption policy. */
  readonly preemptionPolicy?: PlannedPod['preemptionPolicy'];
}

/** The pods of one part, with the scheduling its tier gives it. */
export function pods(component: string, part: string, tier: TierName, cpu: string, memory: string, options: PodOptions = {}): PlannedPod[] {
  const scheduling = schedulingFor(tier, { nodeAgent: options.nodeAgent ?? false });
  const template: PlannedPod = {
    component,
    part,
    replica: 0,
    tier,
    priority: options.priority ?? TIERS[tier].value,
    preemptionPolicy: options.preemptionPolicy ?? TIERS[tier].preemptionPolicy,
    cpuMillicores: parseCpu(cpu),
    memoryBytes: parseMemory(memory),
    tolerations: scheduling.tolerations,
    prefersWorkers: scheduling.affinity !== undefined,
    isDaemonSet: options.daemonSet ?? false,
    onePerNode: options.onePerNode ?? false,
    isTransient: options.transient ?? false,
    ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
  };
  return Array.from({ length: options.replicas ?? 1 }, (_, replica) => ({ ...template, replica }));
}

/** Instance name → node name, for compact assertions. */
export function whereIs(result: { placements: readonly { instance: { name: string }; node: string }[] }): Record<string, string> {
  return Object.fromEntries(result.placements.map((p) => [p.instance.name, p.node]));
}

/** Names of unplaced pods. */
export function names(unplaced: readonly { instance: { name: string } }[]): string[] {
  return unplaced.map((u) => u.instance.name);
}

/** A team on a site, resolved as the tenants loader hands it over (only what the planner reads varies). */
export function tenant(name: string, quota: { cpu: string; memory: string; pods: number }, apps: readonly TenantApp[] = []): SiteTenant {
  return {
    name,
    file: `tenants/${name}/tenant.yaml`,
    namespace: name,
    owners: { groups: [`${name}-owners`], users: [] },
    quota: { ...quota, storage: '0' },
    hostnames: [`*.${name}.edge.example.com`],
    apps,
  };
}

/** An app of a team, every default resolved; a `schedule` makes it a CronJob. */
export function app(team: string, name: string, sizing: { replicas?: number; cpu: string; memory: string; schedule?: string }): TenantApp {
  return {
    name,
    team,
    file: `tenants/${team}/apps/${name}.yaml`,
    image: `registry.example.com/${team}/${name}:1.0.0`,
    ...(sizing.schedule ? { schedule: sizing.schedule } : { port: 8080 }),
    replicas: sizing.replicas ?? 1,
    cpu: sizing.cpu,
    memory: sizing.memory,
    env: {},
    secrets: {},
  };
}
