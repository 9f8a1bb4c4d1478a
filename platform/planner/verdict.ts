/**
 * The verdict over all scenarios: the platform fails its sizing when anything is left out with
 * all nodes up, or when a lifeboat tier (core, critical) is left out with only the control
 * plane up; shortfalls with one worker down are warnings (the site degrades, it does not go
 * blind). Pods of other tiers left out in Red are expected and only shown in the scenario.
 * Tenants' reserved pods count like that too: all of every quota must fit in Green; with a
 * worker down a quota that no longer fits is always a warning (`yellow: fail` is about the
 * platform's own pods); in Red they wait, as the workloads tier does.
 */
import { TIERS, type TierName } from '../model/tiers.js';
import { compareText } from '../model/order.js';
import type { Shortfall, UnplacedPod } from './placement.js';
import type { PodTenant } from './pods.js';
import type { ScenarioKind, ScenarioOutcome } from './scenario.js';

/** How bad a finding is. */
export type FindingSeverity = 'failure' | 'warning';

/** The pods of one part left without a node in one scenario. */
export interface CapacityFinding {
  /** `failure` makes the verdict fail; `warning` only warns. */
  readonly severity: FindingSeverity;
  /** Scenario name, e.g. `Yellow: edge-w-1 down`. */
  readonly scenario: string;
  /** Component the pods belong to. */
  readonly component: string;
  /** Pod part within the component. */
  readonly part: string;
  /** Tier of the part: decides whether missing in Red fails. */
  readonly tier: TierName;
  /** `pending`: never found a node; `preempted`: evicted by a higher tier and found no other. */
  readonly state: 'pending' | 'preempted';
  /** The pods concerned, in placement order. */
  readonly pods: readonly UnplacedPod[];
  /** CPU request of one pod of the part, in millicores. */
  readonly cpuPerPodMillicores: number;
  /** Memory request of one pod of the part, in bytes. */
  readonly memoryPerPodBytes: number;
  /**
   * The largest shortfall among the pods: per dimension, the most any one pod's closest node
   * lacks, and the closest nodes involved (empty when no up node tolerates or selects them).
   */
  readonly worstShortfall: Omit<Shortfall, 'closestNode'> & { readonly closestNodes: readonly string[] };
  /** The team whose reserved pods these are; unset for the platform's own. */
  readonly tenant?: PodTenant;
}

/** `fails`: the sizing does not meet docs/design.md#d6-sized-for-failure-scenarios; `warns`: it does, with Yellow shortfalls. */
export type VerdictStatus = 'passes' | 'warns' | 'fails';

/** The verdict with every finding behind it. */
export interface Verdict {
  /** The overall result. */
  readonly status: VerdictStatus;
  /** Green shortfalls and lifeboat-tier shortfalls in Red, in scenario order. */
  readonly failures: readonly CapacityFinding[];
  /** Yellow shortfalls, in scenario order. */
  readonly warnings: readonly CapacityFinding[];
}

/** How the verdict weighs the scenarios. */
export interface JudgeOptions {
  /**
   * What a shortfall of the platform's own pods with one worker down is: `warn` (the site
   * degrades but keeps running) or `fail` (a site that must run every platform pod with a worker
   * down). A tenant's reserved pods left out with a worker down always warn. Default: `warn`.
   */
  readonly yellow?: 'warn' | 'fail';
}

/** What a pod left out of a scenario means, or `undefined` when it is expected. */
function severityOf(kind: ScenarioKind, tier: TierName, tenant: boolean, opts: JudgeOptions): FindingSeverity | undefined {
  switch (kind) {
    case 'green':
      return 'failure';
    case 'yellow':
      return opts.yellow === 'fail' && !tenant ? 'failure' : 'warning';
    case 'red':
      return TIERS[tier].lifeboat ? 'failure' : undefined;
  }
}

/** Groups unplaced pods by component and part, keeping placement order. */
function groupByPart(pods: readonly UnplacedPod[]): UnplacedPod[][] {
  const groups = new Map<string, UnplacedPod[]>();
  for (const unplaced of pods) {
    const key = `${unplaced.instance.pod.component}/${unplaced.instance.pod.part}`;
    const group = groups.get(key);
    if (group) group.push(unplaced);
    else groups.set(key, [unplaced]);
  }
  return [...groups.values()];
}

function findingFor(
  severity: FindingSeverity,
  scenario: string,
  state: CapacityFinding['state'],
  pods: readonly [UnplacedPod, ...UnplacedPod[]],
): CapacityFinding {
  const { pod } = pods[0].instance;
  const closestNodes = [...new Set(pods.flatMap((u) => (u.shortfall.closestNode ? [u.shortfall.closestNode] : [])))].sort(compareText);
  return {
    severity,
    scenario,
    component: pod.component,
    part: pod.part,
    tier: pod.tier,
    state,
    pods,
    cpuPerPodMillicores: pod.cpuMillicores,
    memoryPerPodBytes: pod.memoryBytes,
    worstShortfall: {
      missingCpuMillicores: Math.max(...pods.map((u) => u.shortfall.missingCpuMillicores)),
      missingMemoryBytes: Math.max(...pods.map((u) => u.shortfall.missingMemoryBytes)),
      ...(pods.some((u) => u.shortfall.missingPodSlot) ? { missingPodSlot: true as const } : {}),
      closestNodes,
    },
    ...(pod.tenant ? { tenant: pod.tenant } : {}),
  };
}

/** Judges the scenario outcomes against docs/design.md#d6-sized-for-failure-scenarios. */
export function judgeCapacity(outcomes: readonly ScenarioOutcome[], opts: JudgeOptions = {}): Verdict {
  const findings = outcomes.flatMap(({ scenario, placement }) =>
    (['pending', 'preempted'] as const).flatMap((state) =>
      groupByPart(placement[state]).flatMap((group): CapacityFinding[] => {
        const [first, ...rest] = group;
        if (!first) return [];
        // Replicas of a one-per-node part beyond the nodes that are up wait by design, as long
        // as the part runs somewhere: the scheduler could not place them on any cluster this size.
        const runsSomewhere = placement.placements.some(
          (p) => p.instance.pod.component === first.instance.pod.component && p.instance.pod.part === first.instance.pod.part,
        );
        if (scenario.kind !== 'green' && runsSomewhere && group.every((u) => u.onePerNodeLimit)) return [];
        const severity = severityOf(scenario.kind, first.instance.pod.tier, first.instance.pod.tenant !== undefined, opts);
        return severity ? [findingFor(severity, scenario.name, state, [first, ...rest])] : [];
      }),
    ),
  );
  const failures = findings.filter((f) => f.severity === 'failure');
  const warnings = findings.filter((f) => f.severity === 'warning');
  return { status: failures.length > 0 ? 'fails' : warnings.length > 0 ? 'warns' : 'passes', failures, warnings };
}
