/**
 * Wording and number formats shared by the terminal and Markdown renderings of a capacity
 * plan, so both state the same facts in the same words.
 */
import { formatCpu, formatMemory } from '../model/quantity.js';
import { TIER_LIST } from '../model/tiers.js';
import type { NodeUsage, UnplacedPod } from './placement.js';
import type { CapacityPlan } from './scenarios.js';
import type { CapacityFinding, VerdictStatus } from './verdict.js';

/** What the plan is and is not: every rendering states it. */
export const CAPACITY_DISCLAIMER =
  'Feasibility estimate (priority-ordered first fit with preemption over declared requests), ' +
  'not the Kubernetes scheduler itself: the real scheduler also spreads pods and weighs ' +
  'preferences, so a pass means the requests fit, not that pods land exactly as shown.';

/** Why pods of non-lifeboat tiers missing in Red are not findings. */
export const RED_EXPECTATION = `In Red only the lifeboat tiers (${TIER_LIST.filter((tier) => tier.lifeboat)
  .map((tier) => tier.name)
  .join(', ')}) must run; other tiers may wait.`;

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
