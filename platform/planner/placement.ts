/**
 * Placement: a feasibility estimate in the scheduler's spirit, not the scheduler itself. Pods
 * are placed most important first (then in a stable order) on the first node that tolerates,
 * selects and holds them (CPU, memory and a pod slot); a pod that fits nowhere may preempt
 * strictly lower-priority pods on one node, which then go back in line. The pods reserving
 * the tenants' quotas come after every platform pod and spread over the nodes that hold them.
 * Same input ⇒ same result, so the plan can be committed.
 */
import { CONTROL_PLANE_ROLE_KEY } from '../model/tiers.js';
import { compareNodeNames, matchesNodeSelector, toleratesNode, type PlannerNode } from './nodes.js';
import { compareText } from '../model/order.js';
import type { PlannedPod } from './pods.js';

/** One concrete pod in one placement: a replica, or a DaemonSet's pod for one node. */
export interface PodInstance {
  /** Stable name: `component/part#replica`, or `component/part@node` for a DaemonSet pod. */
  readonly name: string;
  /** The pod (or DaemonSet template) it was made from. */
  readonly pod: PlannedPod;
  /** The node a DaemonSet pod is bound to (as the DaemonSet controller binds it); unset otherwise. */
  readonly daemonSetNode?: string;
}

/** A pod and the node it landed on. */
export interface Placement {
  /** The placed pod. */
  readonly instance: PodInstance;
  /** Name of the node it landed on. */
  readonly node: string;
}

/** How far a pod is from fitting, measured on the eligible node closest to holding it. */
export interface Shortfall {
  /** The eligible node that lacks the least; unset when no up node tolerates and selects the pod. */
  readonly closestNode?: string;
  /** CPU the closest node lacks for this pod, in millicores (all of the request when no node is eligible). */
  readonly missingCpuMillicores: number;
  /** Memory the closest node lacks for this pod, in bytes (all of the request when no node is eligible). */
  readonly missingMemoryBytes: number;
  /** Set when the closest node already runs as many pods as its kubelet allows. */
  readonly missingPodSlot?: true;
}

/** A pod left without a node. */
export interface UnplacedPod {
  /** The pod without a node. */
  readonly instance: PodInstance;
  /** Name of the pod that evicted it; set only for preempted pods. */
  readonly preemptedBy?: string;
  /** How far it is from fitting once placement is done. */
  readonly shortfall: Shortfall;
  /**
   * Set when the pod's part allows one pod per node and every eligible node that is up already
   * runs one: more room would not help, only more nodes.
   */
  readonly onePerNodeLimit?: true;
}

/** One preemption: who was evicted from which node, and by whom. */
export interface Eviction {
  /** Name of the evicted pod. */
  readonly victim: string;
  /** Name of the higher-priority pod that needed the room. */
  readonly preemptor: string;
  /** Node the victim was evicted from (and the preemptor bound to). */
  readonly node: string;
}

/** What a node holds once placement is done. */
export interface NodeUsage {
  /** The node, with its allocatable CPU and memory. */
  readonly node: PlannerNode;
  /** Sum of the CPU requests placed on it, in millicores. */
  readonly cpuUsedMillicores: number;
  /** Sum of the memory requests placed on it, in bytes. */
  readonly memoryUsedBytes: number;
  /** Pods placed on it (of at most `node.pods`). */
  readonly podsUsed: number;
}

/** The outcome of one placement. */
export interface PlacementResult {
  /** Every placed pod, in placement-priority order. */
  readonly placements: readonly Placement[];
  /** Pods that never found a node (fit nowhere, even by preempting). */
  readonly pending: readonly UnplacedPod[];
  /** Pods evicted by a higher-priority pod and not re-placed anywhere. */
  readonly preempted: readonly UnplacedPod[];
  /** Every eviction in the order it happened, including of pods re-placed elsewhere. */
  readonly evictions: readonly Eviction[];
  /** Every node, by name, with what it holds. */
  readonly nodes: readonly NodeUsage[];
  /** Job and CronJob pods: listed, not placed (they are not part of the steady state). */
  readonly transient: readonly PlannedPod[];
}

/** Options of a placement. */
export interface PlacementOptions {
  /**
   * Pods already running, by instance name → node name. Each stays on its node while that node
   * is up (a node failure does not move healthy pods), so later pods may have to preempt it.
   * Default: none (an empty cluster).
   */
  readonly running?: ReadonlyMap<string, string>;
}

/**
 * Placement order: platform pods before the pods reserving tenants' quotas (a reservation is
 * the room the platform leaves, see `tenants.ts`), then higher priority first, then component,
 * part, replica and DaemonSet node.
 */
export function comparePodInstances(a: PodInstance, b: PodInstance): number {
  return (
    Number(a.pod.tenant !== undefined) - Number(b.pod.tenant !== undefined) ||
    b.pod.priority - a.pod.priority ||
    compareText(a.pod.component, b.pod.component) ||
    compareText(a.pod.part, b.pod.part) ||
    a.pod.replica - b.pod.replica ||
    compareText(a.daemonSetNode ?? '', b.daemonSetNode ?? '')
  );
}

/** Whether a node passes a pod's hard constraints (taints and required nodeSelector). */
export function isEligible(pod: PlannedPod, node: PlannerNode): boolean {
  return toleratesNode(pod.tolerations, node) && matchesNodeSelector(pod.nodeSelector, node);
}

/**
 * The steady-state pods on these nodes: every non-transient replica, and one pod per eligible
 * node for each DaemonSet (a DaemonSet never runs where it is not tolerated, so those nodes
 * neither hold nor miss one).
 */
export function expandPods(nodes: readonly PlannerNode[], pods: readonly PlannedPod[]): PodInstance[] {
  const instances = pods
    .filter((pod) => !pod.isTransient)
    .flatMap((pod): PodInstance[] => {
      const base = `${pod.component}/${pod.part}`;
      if (!pod.isDaemonSet) return [{ name: `${base}#${pod.replica}`, pod }];
      return nodes
        .filter((node) => isEligible(pod, node))
        .map((node) => ({ name: `${base}@${node.name}`, pod, daemonSetNode: node.name }));
    })
    .sort(comparePodInstances);
  const seen = new Set<string>();
  for (const instance of instances) {
    if (seen.has(instance.name)) {
      throw new Error(`capacity planner: two pods are named '${instance.name}' (component, part and replica must be unique)`);
    }
    seen.add(instance.name);
  }
  return instances;
}

/** A node's room while pods are being placed. */
interface NodeState {
  readonly node: PlannerNode;
  freeCpu: number;
  freeMemory: number;
  readonly pods: PodInstance[];
}

/** Nodes preferred by a pod's (soft) affinity sort first: 0 preferred, 1 not. */
function preferenceRank(pod: PlannedPod, node: PlannerNode): number {
  return pod.prefersWorkers && CONTROL_PLANE_ROLE_KEY in node.labels ? 1 : 0;
}

function fits(state: NodeState, pod: PlannedPod): boolean {
  return pod.cpuMillicores <= state.freeCpu && pod.memoryBytes <= state.freeMemory && state.pods.length < state.node.pods;
}

/** The evictions that would make room for a pod on one node. */
interface PreemptionPlan {
  readonly state: NodeState;
  readonly victims: readonly PodInstance[];
  readonly highestVictimPriority: number;
  readonly victimPrioritySum: number;
}

/**
 * The fewest, least important evictions on one node, as the scheduler picks them: remove every
 * strictly lower-priority pod, give up if even that leaves too little room (or no pod slot),
 * then let pods back in, most important first, while the preemptor still fits.
 */
function planPreemptionOnNode(instance: PodInstance, state: NodeState): PreemptionPlan | undefined {
  const lower = state.pods.filter((p) => p.pod.priority < instance.pod.priority).sort(comparePodInstances);
  let freeCpu = state.freeCpu + lower.reduce((sum, p) => sum + p.pod.cpuMillicores, 0);
  let freeMemory = state.freeMemory + lower.reduce((sum, p) => sum + p.pod.memoryBytes, 0);
  let freeSlots = state.node.pods - state.pods.length + lower.length;
  const { cpuMillicores: cpu, memoryBytes: memory } = instance.pod;
  if (cpu > freeCpu || memory > freeMemory || freeSlots < 1) return undefined;
  const victims: PodInstance[] = [];
  for (const candidate of lower) {
    if (cpu <= freeCpu - candidate.pod.cpuMillicores && memory <= freeMemory - candidate.pod.memoryBytes && freeSlots > 1) {
      freeCpu -= candidate.pod.cpuMillicores;
      freeMemory -= candidate.pod.memoryBytes;
      freeSlots -= 1;
    } else {
      victims.push(candidate);
    }
  }
  if (victims.length === 0) return undefined;
  return {
    state,
    victims,
    highestVictimPriority: Math.max(...victims.map((v) => v.pod.priority)),
    victimPrioritySum: victims.reduce((sum, v) => sum + v.pod.priority, 0),
  };
}

/**
 * The node whose preemption hurts least: lowest highest-victim priority, then fewest victims,
 * then lowest priority sum; ties go to the earlier candidate (preferred nodes, then by name).
 */
function choosePreemption(instance: PodInstance, candidates: readonly NodeState[]): PreemptionPlan | undefined {
  let best: PreemptionPlan | undefined;
  for (const state of candidates) {
    const plan = planPreemptionOnNode(instance, state);
    if (plan && (!best || comparePreemptionPlans(plan, best) < 0)) best = plan;
  }
  return best;
}

/** Negative when plan `a` hurts less than plan `b`. */
function comparePreemptionPlans(a: PreemptionPlan, b: PreemptionPlan): number {
  return (
    a.highestVictimPriority - b.highestVictimPriority ||
    a.victims.length - b.victims.length ||
    a.victimPrioritySum - b.victimPrioritySum
  );
}

/**
 * Missing room of one node for one pod, weighted by the request so CPU and memory compare (a
 * missing pod slot weighs as much as a whole request).
 */
function missingOn(pod: PlannedPod, state: NodeState): { cpu: number; memory: number; slot: boolean; weight: number } {
  const cpu = Math.max(0, pod.cpuMillicores - state.freeCpu);
  const memory = Math.max(0, pod.memoryBytes - state.freeMemory);
  const slot = state.pods.length >= state.node.pods;
  const weight = (cpu > 0 ? cpu / pod.cpuMillicores : 0) + (memory > 0 ? memory / pod.memoryBytes : 0) + (slot ? 1 : 0);
  return { cpu, memory, slot, weight };
}

/** The shortfall on the candidate node that lacks least (ties: the earlier candidate). */
function shortfallOf(instance: PodInstance, candidates: readonly NodeState[]): Shortfall {
  let best: { state: NodeState; cpu: number; memory: number; slot: boolean; weight: number } | undefined;
  for (const state of candidates) {
    const missing = missingOn(instance.pod, state);
    if (!best || missing.weight < best.weight) best = { state, ...missing };
  }
  if (!best) {
    return { missingCpuMillicores: instance.pod.cpuMillicores, missingMemoryBytes: instance.pod.memoryBytes };
  }
  return {
    closestNode: best.state.node.name,
    missingCpuMillicores: best.cpu,
    missingMemoryBytes: best.memory,
    ...(best.slot ? { missingPodSlot: true as const } : {}),
  };
}

/** Inserts a pod into the waiting line at its placement-priority position. */
function enqueue(queue: PodInstance[], instance: PodInstance): void {
  const at = queue.findIndex((queued) => comparePodInstances(instance, queued) < 0);
  queue.splice(at === -1 ? queue.length : at, 0, instance);
}

/**
 * Places pods on nodes: a feasibility estimate (priority-ordered first fit with preemption),
 * not the Kubernetes scheduler. Honours taints and tolerations, required nodeSelectors and
 * requests against allocatable CPU and memory; the lifeboat affinity only reorders the nodes a
 * pod tries. A pod that fits nowhere and may preempt evicts strictly lower-priority pods on the
 * one node where that hurts least; evicted pods go back in line and end up `preempted` if they
 * fit nowhere. Transient (Job/CronJob) pods are listed, not placed.
 */
export function placePods(
  nodes: readonly PlannerNode[],
  pods: readonly PlannedPod[],
  options: PlacementOptions = {},
): PlacementResult {
  const states = [...nodes]
    .sort(compareNodeNames)
    .map((node): NodeState => ({ node, freeCpu: node.cpuMillicores, freeMemory: node.memoryBytes, pods: [] }));
  const stateByName = new Map(states.map((state) => [state.node.name, state]));
  const nodeOf = new Map<string, NodeState>();

  const bind = (instance: PodInstance, state: NodeState): void => {
    state.pods.push(instance);
    state.freeCpu -= instance.pod.cpuMillicores;
    state.freeMemory -= instance.pod.memoryBytes;
    nodeOf.set(instance.name, state);
  };
  const unbind = (instance: PodInstance, state: NodeState): void => {
    state.pods.splice(state.pods.indexOf(instance), 1);
    state.freeCpu += instance.pod.cpuMillicores;
    state.freeMemory += instance.pod.memoryBytes;
    nodeOf.delete(instance.name);
  };
  const samePart = (a: PodInstance, b: PodInstance) => a.pod.component === b.pod.component && a.pod.part === b.pod.part;
  const eligibleFor = (instance: PodInstance): NodeState[] => {
    if (instance.daemonSetNode !== undefined) {
      const own = stateByName.get(instance.daemonSetNode);
      return own ? [own] : [];
    }
    return states
      .filter((state) => isEligible(instance.pod, state.node))
      .sort((a, b) => preferenceRank(instance.pod, a.node) - preferenceRank(instance.pod, b.node));
  };
  // A spread part's pod goes where its part has the fewest pods (ties: the earlier candidate).
  const leastSpread = (instance: PodInstance, holding: readonly NodeState[]): NodeState | undefined => {
    let best: { state: NodeState; count: number } | undefined;
    for (const state of holding) {
      const count = state.pods.filter((p) => samePart(p, instance)).length;
      if (!best || count < best.count) best = { state, count };
    }
    return best?.state;
  };
  // A one-per-node part never gets a second pod on a node (its other pods stay where they are).
  const candidatesFor = (instance: PodInstance): NodeState[] =>
    eligibleFor(instance).filter((state) => !instance.pod.onePerNode || !state.pods.some((p) => p !== instance && samePart(p, instance)));

  const instances = expandPods(nodes, pods);
  const queue: PodInstance[] = [];
  for (const instance of instances) {
    const runningOn = stateByName.get(options.running?.get(instance.name) ?? '');
    if (runningOn && fits(runningOn, instance.pod)) bind(instance, runningOn);
    else queue.push(instance);
  }

  const evictions: Eviction[] = [];
  const unplaced: PodInstance[] = [];
  for (let instance = queue.shift(); instance; instance = queue.shift()) {
    const candidates = candidatesFor(instance);
    const free = instance.pod.spread
      ? leastSpread(instance, candidates.filter((state) => fits(state, instance.pod)))
      : candidates.find((state) => fits(state, instance.pod));
    if (free) {
      bind(instance, free);
      continue;
    }
    const plan = instance.pod.preemptionPolicy === 'Never' ? undefined : choosePreemption(instance, candidates);
    if (!plan) {
      unplaced.push(instance);
      continue;
    }
    for (const victim of plan.victims) {
      unbind(victim, plan.state);
      evictions.push({ victim: victim.name, preemptor: instance.name, node: plan.state.node.name });
      enqueue(queue, victim);
    }
    bind(instance, plan.state);
  }

  // A pod is evicted at most once: the line only moves to lower priorities, so once a pod is
  // placed from it no later pod outranks it. One preemptor per victim is therefore enough.
  const preemptorOf = new Map(evictions.map((eviction) => [eviction.victim, eviction.preemptor]));
  const describe = (instance: PodInstance): UnplacedPod => {
    const preemptedBy = preemptorOf.get(instance.name);
    const candidates = candidatesFor(instance);
    const shortfall = shortfallOf(instance, candidates);
    const limit = instance.pod.onePerNode && candidates.length === 0 && eligibleFor(instance).length > 0 ? { onePerNodeLimit: true as const } : {};
    return preemptedBy === undefined ? { instance, shortfall, ...limit } : { instance, preemptedBy, shortfall, ...limit };
  };
  const unplacedDescribed = unplaced.sort(comparePodInstances).map(describe);

  return {
    placements: instances.flatMap((instance) => {
      const state = nodeOf.get(instance.name);
      return state ? [{ instance, node: state.node.name }] : [];
    }),
    pending: unplacedDescribed.filter((u) => u.preemptedBy === undefined),
    preempted: unplacedDescribed.filter((u) => u.preemptedBy !== undefined),
    evictions,
    nodes: states.map((state) => ({
      node: state.node,
      cpuUsedMillicores: state.node.cpuMillicores - state.freeCpu,
      memoryUsedBytes: state.node.memoryBytes - state.freeMemory,
      podsUsed: state.pods.length,
    })),
    transient: pods.filter((pod) => pod.isTransient),
  };
}
