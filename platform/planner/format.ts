/**
 * Wording and number formats shared by the terminal and Markdown renderings of a capacity
 * plan, so both state the same facts in the same words.
 */
import { formatCpu, formatMemory } from '../model/quantity.js';
import { TIER_LIST, TIER_NAMES, type TierName } from '../model/tiers.js';
import type { NodeUsage, UnplacedPod } from './placement.js';
import type { CapacityPlan, ScenarioOutcome } from './scenarios.js';
import type { CapacityFinding, VerdictStatus } from './verdict.js';

/** What the plan is and is not: every rendering states it. */
export const CAPACITY_DISCLAIMER =
  'Feasibility estimate (priority-ordered first fit with preemption over declared requests), ' +
  'not the Kubernetes scheduler itself: the real scheduler also spreads pods and weighs ' +
  'preferences, so a pass means the requests fit, not that pods land exactly as shown.';

/** `a`, `a and b`, `a, b and c`. */
function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const LIFEBOAT_TIERS = TIER_LIST.filter((tier) => tier.lifeboat).map((tier) => tier.name);
const WAITING_TIERS = TIER_LIST.filter((tier) => !tier.lifeboat).map((tier) => tier.name);

/** Why pods of non-lifeboat tiers missing in Red are not findings (from the tier model). */
export const RED_EXPECTATION =
  `In Red only the lifeboat tiers (${LIFEBOAT_TIERS.join(', ')}) must run; ` +
  `pods of the ${andList(WAITING_TIERS)} tiers wait for a worker to come back, as expected.`;

/** The pods a scenario left out, split by what they mean. */
export interface LeftOut {
  /** Behind a failure or warning of the verdict. */
  readonly findings: number;
  /** Expected: pods of tiers that may wait (Red), by tier in tier order. */
  readonly waiting: readonly { readonly tier: TierName; readonly count: number }[];
  /** Expected: replicas of a one-per-node part beyond the nodes that are up. */
  readonly extraReplicas: number;
}

/** Splits a scenario's pending and preempted pods into findings and the expected kinds. */
export function leftOut(plan: CapacityPlan, { scenario, placement }: ScenarioOutcome): LeftOut {
  const flagged = new Set(
    [...plan.verdict.failures, ...plan.verdict.warnings].filter((f) => f.scenario === scenario.name).flatMap((f) => f.pods),
  );
  const byTier = new Map<TierName, number>();
  let findings = 0;
  let extraReplicas = 0;
  for (const unplaced of [...placement.pending, ...placement.preempted]) {
    if (flagged.has(unplaced)) findings++;
    else if (unplaced.onePerNodeLimit) extraReplicas++;
    else byTier.set(unplaced.instance.pod.tier, (byTier.get(unplaced.instance.pod.tier) ?? 0) + 1);
  }
  const waiting = TIER_NAMES.filter((tier) => byTier.has(tier)).map((tier) => ({ tier, count: byTier.get(tier)! }));
  return { findings, waiting, extraReplicas };
}

/**
 * What a scenario left out, in words: `every pod placed`, or e.g. `14 pod(s) of the important
 * tier wait for a worker (expected in Red); 1 extra replica of a one-per-node part waits for
 * another node (expected)`. Pods behind a finding come first, as not expected.
 */
export function leftOutText(plan: CapacityPlan, outcome: ScenarioOutcome, { explain = true }: { explain?: boolean } = {}): string {
  const { findings, waiting, extraReplicas } = leftOut(plan, outcome);
  const parts: string[] = [];
  if (findings) parts.push(`${findings} pod(s) left out, not expected (see the findings above)`);
  const waitingCount = waiting.reduce((n, w) => n + w.count, 0);
  if (waitingCount) {
    const tiers = waiting.map((w) => w.tier);
    parts.push(
      `${waitingCount} pod(s) of the ${andList(tiers)} tier${tiers.length === 1 ? '' : 's'} wait for a worker ` +
        (explain ? `(expected: only the lifeboat tiers ${andList(LIFEBOAT_TIERS)} must run in ${outcome.scenario.name})` : '(expected)'),
    );
  }
  if (extraReplicas) {
    parts.push(`${extraReplicas} extra replica(s) of one-per-node parts wait for another node (expected)`);
  }
  return parts.length ? parts.join('; ') : 'every pod placed';
}

const GIB = 1024 ** 3;

/** A number with at most two decimals and no trailing zeros: `1.2`, `4`, `0.25`. */
function shortDecimal(value: number): string {
  return String(Number(value.toFixed(2)));
}

/** Millicores as cores for a usage line: `1.2`. */
export function formatCores(millicores: number): string {
  return shortDecimal(millicores / 1000);
}

/** Bytes as GiB for a usage line: `2.1`. */
export function formatGibibytes(bytes: number): string {
  return shortDecimal(bytes / GIB);
}

/** Used as a whole percentage of allocatable (0 for a node that has nothing allocatable). */
export function percentOf(used: number, allocatable: number): number {
  return allocatable > 0 ? Math.round((used / allocatable) * 100) : 0;
}

/** A fixed-width text bar: `[###.......]` for 30%. */
export function usageBar(used: number, allocatable: number, width = 10): string {
  const filled = Math.min(width, Math.max(0, Math.round((percentOf(used, allocatable) / 100) * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** `1.2/4 (30%)` */
export function cpuUsage(usage: NodeUsage): string {
  const { cpuUsedMillicores: used } = usage;
  const { cpuMillicores: allocatable } = usage.node;
  return `${formatCores(used)}/${formatCores(allocatable)} (${percentOf(used, allocatable)}%)`;
}

/** `2.1/8 GiB (26%)` */
export function memoryUsage(usage: NodeUsage): string {
  const { memoryUsedBytes: used } = usage;
  const { memoryBytes: allocatable } = usage.node;
  return `${formatGibibytes(used)}/${formatGibibytes(allocatable)} GiB (${percentOf(used, allocatable)}%)`;
}

/** `500m cpu, 512 MiB` */
export function requestText(cpuMillicores: number, memoryBytes: number): string {
  return `${formatCpu(cpuMillicores)} cpu, ${formatMemory(memoryBytes)}`;
}

/** What is missing, naming only the short dimensions: `120m cpu and 1.00 GiB`, `nothing`. */
function missingText(cpuMillicores: number, memoryBytes: number): string {
  const parts = [
    ...(cpuMillicores > 0 ? [`${formatCpu(cpuMillicores)} cpu`] : []),
    ...(memoryBytes > 0 ? [formatMemory(memoryBytes)] : []),
  ];
  return parts.length > 0 ? parts.join(' and ') : 'nothing';
}

/** One unplaced pod: `loki/single-binary#0 [important] needs 500m cpu, 2.00 GiB; closest node edge-w-1 lacks 120m cpu`. */
export function unplacedPodLine(unplaced: UnplacedPod): string {
  const { pod } = unplaced.instance;
  const { closestNode, missingCpuMillicores, missingMemoryBytes } = unplaced.shortfall;
  const where = unplaced.onePerNodeLimit
    ? 'one per node, and every node up that admits it runs one'
    : closestNode
      ? `closest node ${closestNode} lacks ${missingText(missingCpuMillicores, missingMemoryBytes)}`
      : 'no up node tolerates and selects it';
  const evicted = unplaced.preemptedBy ? `; evicted by ${unplaced.preemptedBy}` : '';
  return `${unplaced.instance.name} [${pod.tier}] needs ${requestText(pod.cpuMillicores, pod.memoryBytes)}; ${where}${evicted}`;
}

/** One finding: `Green: loki/single-binary [important] 1 pod pending (500m cpu, 2.00 GiB each); lacks up to 120m cpu on edge-w-1`. */
export function findingLine(finding: CapacityFinding): string {
  const count = `${finding.pods.length} pod${finding.pods.length === 1 ? '' : 's'} ${finding.state}`;
  const each = requestText(finding.cpuPerPodMillicores, finding.memoryPerPodBytes);
  const { closestNodes, missingCpuMillicores, missingMemoryBytes } = finding.worstShortfall;
  const shortfall =
    closestNodes.length > 0
      ? `lacks up to ${missingText(missingCpuMillicores, missingMemoryBytes)} on ${closestNodes.join(', ')}`
      : 'no up node tolerates and selects it';
  return `${finding.scenario}: ${finding.component}/${finding.part} [${finding.tier}] ${count} (${each} each); ${shortfall}`;
}

/** `passes`, `passes with warnings` or `FAILS`, for a headline. */
export function verdictWord(status: VerdictStatus): string {
  return { passes: 'passes', warns: 'passes with warnings', fails: 'FAILS' }[status];
}

/** One line on Jobs and CronJobs: they run to completion and are not placed. */
export function transientLine(plan: CapacityPlan): string | undefined {
  const transient = plan.outcomes[0]?.placement.transient ?? [];
  if (transient.length === 0) return undefined;
  const names = transient.map(
    (pod) => `${pod.component}/${pod.part}#${pod.replica} (${requestText(pod.cpuMillicores, pod.memoryBytes)})`,
  );
  return `Transient pods (Jobs/CronJobs; run to completion, not placed in steady state): ${names.join(', ')}`;
}

/** The note under the Red scenario: the rule from the tier model, and what it means here. */
export function redNote(plan: CapacityPlan, outcome: ScenarioOutcome): string {
  const text = leftOutText(plan, outcome, { explain: false });
  return text === 'every pod placed' ? RED_EXPECTATION : `${RED_EXPECTATION} Here: ${text}.`;
}
