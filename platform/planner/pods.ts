/**
 * The planner's input: one `PlannedPod` per pod a component runs, with the requests and
 * scheduling settings its tier gives it. Built from the component model's resolved parts, so
 * the plan checks exactly what synth writes into the values.
 */
import type { ResolvedPodPart, WorkloadKind } from '../model/component.js';
import type { TenantQuota } from '../model/tenants.js';
import { parseCpu, parseMemory } from '../model/quantity.js';
import { schedulingFor, TIERS, type Tier, type TierName, type Toleration } from '../model/tiers.js';

/** One pod to place (or, for a DaemonSet, the template of its one-per-node pods). */
export interface PlannedPod {
  /** Component the pod belongs to, e.g. `cilium`. */
  readonly component: string;
  /** Pod part within the component, e.g. `operator`. */
  readonly part: string;
  /** Replica ordinal within the part, from 0. Always 0 for a DaemonSet (expanded per node when placed). */
  readonly replica: number;
  /** The component's tier (see TIERS). */
  readonly tier: TierName;
  /** PriorityClass value: decides placement order and who may preempt whom. */
  readonly priority: number;
  /** `Never`: the pod waits for room instead of evicting lower-priority pods. */
  readonly preemptionPolicy: Tier['preemptionPolicy'];
  /** CPU requests of all its containers, in millicores. */
  readonly cpuMillicores: number;
  /** Memory requests of all its containers, in bytes. */
  readonly memoryBytes: number;
  /** Tolerations its tier gives it, checked against node taints. */
  readonly tolerations: readonly Toleration[];
  /** Lifeboat affinity: try nodes without the control-plane role before the control-plane node. */
  readonly prefersWorkers: boolean;
  /** One pod per node it tolerates (and selects), bound to that node. */
  readonly isDaemonSet: boolean;
  /** At most one pod of its part per node (required anti-affinity or host ports). */
  readonly onePerNode: boolean;
  /** A Job or CronJob pod: runs to completion, so it is listed but not part of the steady state. */
  readonly isTransient: boolean;
  /** Required node labels. Default: any node. */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Spread like a Deployment with a topology spread constraint: the pod lands on the node,
   * among those that hold it, with the fewest pods of its part. Default: first fit.
   */
  readonly spread?: boolean;
  /** The team whose quota the pod reserves (see `tenants.ts`). Default: a platform pod. */
  readonly tenant?: PodTenant;
}

/** The team a reserved pod belongs to, as messages name it. */
export interface PodTenant {
  /** The team's name (its namespace). */
  readonly name: string;
  /** `tenants/<team>/tenant.yaml`. */
  readonly file: string;
  /** Its quota on the site, as written (defaults applied). */
  readonly quota: TenantQuota;
}

/** Kinds whose pods run to completion instead of running all the time. */
const TRANSIENT_KINDS: ReadonlySet<WorkloadKind> = new Set<WorkloadKind>(['Job', 'CronJob']);

/**
 * A pod's effective requests, as the scheduler computes them: the sum over its running
 * containers (main and sidecars), or the largest init container if that is more (init
 * containers run one at a time, before the others).
 */
export function podRequests(part: ResolvedPodPart): { cpuMillicores: number; memoryBytes: number } {
  const extras = part.extraContainers ?? [];
  const running = [part.resources, ...extras.filter((c) => !c.init).map((c) => c.resources)];
  const init = extras.filter((c) => c.init).map((c) => c.resources);
  const effective = (quantity: (spec: ResolvedPodPart['resources']) => number) =>
    Math.max(running.reduce((sum, spec) => sum + quantity(spec), 0), ...init.map(quantity));
  return {
    cpuMillicores: effective((spec) => parseCpu(spec.requests.cpu)),
    memoryBytes: effective((spec) => parseMemory(spec.requests.memory)),
  };
}

/**
 * The pods a component's parts run: `replicas` pods for Deployments, StatefulSets and the
 * operator-managed Prometheus/Alertmanager; one template per DaemonSet (the placement expands
 * it onto every node it tolerates in each scenario); Jobs and CronJobs flagged `isTransient`.
 */
export function podsFromParts(component: string, parts: readonly ResolvedPodPart[]): PlannedPod[] {
  return parts.flatMap((part) => {
    const tier = TIERS[part.tier];
    const isDaemonSet = part.kind === 'DaemonSet';
    const template: PlannedPod = {
      component,
      part: part.name,
      replica: 0,
      tier: part.tier,
      priority: tier.value,
      preemptionPolicy: tier.preemptionPolicy,
      ...podRequests(part),
      tolerations: part.tolerations,
      prefersWorkers: schedulingFor(part.tier, { nodeAgent: part.nodeAgent ?? false }).affinity !== undefined,
      isDaemonSet,
      onePerNode: part.onePerNode ?? false,
      isTransient: TRANSIENT_KINDS.has(part.kind),
    };
    const count = isDaemonSet ? 1 : part.replicas;
    return Array.from({ length: count }, (_, replica) => ({ ...template, replica }));
  });
}
