/**
 * Wording and number formats shared by the terminal and Markdown renderings of a capacity
 * plan, so both state the same facts in the same words.
 */
import { formatCpu, formatMemory } from '../model/quantity.js';
import { TIER_LIST, TIER_NAMES, type TierName } from '../model/tiers.js';
import { compareText } from '../model/order.js';
import type { NodeUsage, UnplacedPod } from './placement.js';
import type { PodTenant } from './pods.js';
import type { CapacityPlan, ScenarioOutcome } from './scenarios.js';
import { quotaText, reservedPartLabel, type TenantReservation } from './tenants.js';
import { TENANT_TIER } from '../model/tenants.js';
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

/** Where one team's reserved pods are in one scenario. */
export interface TenantOutcome {
  readonly tenant: PodTenant;
  /** Pods its quota reserves. */
  readonly reserved: number;
  /** Nodes holding some, by node name, with how many. */
  readonly byNode: readonly { readonly node: string; readonly pods: number }[];
  /** Pods left without a node. */
  readonly waiting: number;
  /** Whether those are behind a finding (Green, Yellow) rather than expected (Red). */
  readonly flagged: boolean;
}

/** The pods a scenario left out, split by what they mean. */
export interface LeftOut {
  /** The platform's own pods behind a failure or warning of the verdict. */
  readonly findings: number;
  /** Expected: the platform's pods of tiers that may wait (Red), by tier in tier order. */
  readonly waiting: readonly { readonly tier: TierName; readonly count: number }[];
  /** Expected: replicas of a one-per-node part beyond the nodes that are up. */
  readonly extraReplicas: number;
  /** The teams with reserved pods left out, by team name. */
  readonly tenants: readonly TenantOutcome[];
}

/** The pods of the verdict's findings in one scenario. */
function flaggedPods(plan: CapacityPlan, scenario: string): Set<UnplacedPod> {
  return new Set([...plan.verdict.failures, ...plan.verdict.warnings].filter((f) => f.scenario === scenario).flatMap((f) => f.pods));
}

/** Where each team's reserved pods are in one scenario, by team name (none on a site without tenants). */
export function tenantOutcomes(plan: CapacityPlan, { scenario, placement }: ScenarioOutcome): TenantOutcome[] {
  if (plan.tenants.length === 0) return [];
  const flagged = flaggedPods(plan, scenario.name);
  return plan.tenants.map(({ tenant, parts }) => {
    const mine = (pod: { tenant?: PodTenant }) => pod.tenant?.name === tenant.name;
    const byNode = new Map<string, number>();
    for (const p of placement.placements) if (mine(p.instance.pod)) byNode.set(p.node, (byNode.get(p.node) ?? 0) + 1);
    const left = [...placement.pending, ...placement.preempted].filter((u) => mine(u.instance.pod));
    return {
      tenant,
      reserved: parts.reduce((n, p) => n + p.pods, 0),
      byNode: [...byNode].sort(([a], [b]) => compareText(a, b)).map(([node, pods]) => ({ node, pods })),
      waiting: left.length,
      flagged: left.some((u) => flagged.has(u)),
    };
  });
}

/** Splits a scenario's pending and preempted pods into findings and the expected kinds. */
export function leftOut(plan: CapacityPlan, outcome: ScenarioOutcome): LeftOut {
  const { placement } = outcome;
  const flagged = flaggedPods(plan, outcome.scenario.name);
  const byTier = new Map<TierName, number>();
  let findings = 0;
  let extraReplicas = 0;
  for (const unplaced of [...placement.pending, ...placement.preempted]) {
    if (unplaced.instance.pod.tenant) continue;
    if (flagged.has(unplaced)) findings++;
    else if (unplaced.onePerNodeLimit) extraReplicas++;
    else byTier.set(unplaced.instance.pod.tier, (byTier.get(unplaced.instance.pod.tier) ?? 0) + 1);
  }
  const waiting = TIER_NAMES.filter((tier) => byTier.has(tier)).map((tier) => ({ tier, count: byTier.get(tier)! }));
  return { findings, waiting, extraReplicas, tenants: tenantOutcomes(plan, outcome).filter((t) => t.waiting > 0) };
}

/** `payments (6 of 20)`, `web (all 6)`: a team and how many of its reserved pods wait. */
function teamWaiting(t: TenantOutcome): string {
  return `${t.tenant.name} (${t.waiting === t.reserved ? `all ${t.reserved}` : `${t.waiting} of ${t.reserved}`})`;
}

/** `team payments (6 of 20)`, `teams payments (6 of 20) and web (all 6)`. */
function teamsWaiting(teams: readonly TenantOutcome[]): string {
  return `team${teams.length === 1 ? '' : 's'} ${andList(teams.map(teamWaiting))}`;
}

/**
 * What a scenario left out, in words: `every pod placed`, or e.g. `14 pod(s) of the important
 * tier wait for a worker (expected in Red); 1 extra replica of a one-per-node part waits for
 * another node (expected)`. Pods behind a finding come first, as not expected; tenants' reserved
 * pods are named by team.
 */
export function leftOutText(plan: CapacityPlan, outcome: ScenarioOutcome, { explain = true }: { explain?: boolean } = {}): string {
  const { findings, waiting, extraReplicas, tenants } = leftOut(plan, outcome);
  const parts: string[] = [];
  if (findings) parts.push(`${findings} pod(s) left out, not expected (see the findings above)`);
  const short = tenants.filter((t) => t.flagged);
  if (short.length) parts.push(`the reserved pods of ${teamsWaiting(short)} do not fit (see the findings above)`);
  const waitingCount = waiting.reduce((n, w) => n + w.count, 0);
  if (waitingCount) {
    const tiers = waiting.map((w) => w.tier);
    parts.push(
      `${waitingCount} pod(s) of the ${andList(tiers)} tier${tiers.length === 1 ? '' : 's'} wait for a worker ` +
        (explain ? `(expected: only the lifeboat tiers ${andList(LIFEBOAT_TIERS)} must run in ${outcome.scenario.name})` : '(expected)'),
    );
  }
  const expected = tenants.filter((t) => !t.flagged);
  if (expected.length) {
    parts.push(
      `the reserved pods of ${teamsWaiting(expected)} wait for a worker ` +
        (explain ? `(expected: tenants are of the ${TENANT_TIER} tier and run on workers only)` : '(expected)'),
    );
  }
  if (extraReplicas) {
    parts.push(`${extraReplicas} extra replica(s) of one-per-node parts wait for another node (expected)`);
  }
  return parts.length ? parts.join('; ') : 'every pod placed';
}

/** The platform's own unplaced pods, listed one by one (tenants' reserved pods are summed up per team). */
export function platformOnly(pods: readonly UnplacedPod[]): UnplacedPod[] {
  return pods.filter((u) => !u.instance.pod.tenant);
}

/** Where a team's reserved pods land: `edge-w-1 10, edge-w-2 10`, or `none placed`. */
export function tenantPlacementText(t: TenantOutcome, name: (node: string) => string = (n) => n): string {
  return t.byNode.length ? t.byNode.map((n) => `${name(n.node)} ${n.pods}`).join(', ') : 'none placed';
}

/** What waits of a team's reserved pods: `all 20 placed`, `6 of 20 do not fit (see the findings above)`, `all 20 wait for a worker (expected)`. */
export function tenantWaitingText(t: TenantOutcome): string {
  if (t.waiting === 0) return `all ${t.reserved} placed`;
  const count = t.waiting === t.reserved ? `all ${t.reserved}` : `${t.waiting} of ${t.reserved}`;
  return t.flagged ? `${count} do not fit (see the findings above)` : `${count} wait for a worker (expected)`;
}

/** How a quota is reserved: `2 pod(s) of app web (500m cpu, 512 MiB each) and 18 pod(s) of 195m cpu, 398 MiB (the rest of the quota)`. */
export function reservationText({ parts }: TenantReservation): string {
  const hasApps = parts.some((p) => p.app !== undefined);
  const texts = parts.map((p) =>
    p.app !== undefined
      ? `${p.pods} pod(s) of app ${p.app} (${requestText(p.cpuMillicores, p.memoryBytes)} each)`
      : `${p.pods} pod(s) of ${requestText(p.cpuMillicores, p.memoryBytes)} (${hasApps ? 'the rest of the quota' : 'the quota in equal shares'})`,
  );
  return texts.length ? andList(texts) : 'nothing (no pod left to reserve)';
}

/** The sentence that introduces the tenants' reservations in a rendering. */
export const TENANTS_INTRO =
  `Every team's quota is reserved on the site as pods of the ${TENANT_TIER} tier (workers only, never preempting), ` +
  "placed after all of the platform's pods in each scenario: the apps that run all the time as themselves, the rest of the quota in equal shares.";

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

/** What is missing, naming only the short dimensions: `120m cpu and 1.00 GiB`, `a pod slot`, `nothing`. */
function missingText(cpuMillicores: number, memoryBytes: number, podSlot = false): string {
  const parts = [
    ...(cpuMillicores > 0 ? [`${formatCpu(cpuMillicores)} cpu`] : []),
    ...(memoryBytes > 0 ? [formatMemory(memoryBytes)] : []),
    ...(podSlot ? ['a pod slot (kubelet max-pods)'] : []),
  ];
  return parts.length > 0 ? parts.join(' and ') : 'nothing';
}

/** One unplaced pod: `loki/single-binary#0 [important] needs 500m cpu, 2.00 GiB; closest node edge-w-1 lacks 120m cpu`. */
export function unplacedPodLine(unplaced: UnplacedPod): string {
  const { pod } = unplaced.instance;
  const { closestNode, missingCpuMillicores, missingMemoryBytes, missingPodSlot } = unplaced.shortfall;
  const where = unplaced.onePerNodeLimit
    ? 'one per node, and every node up that admits it runs one'
    : closestNode
      ? `closest node ${closestNode} lacks ${missingText(missingCpuMillicores, missingMemoryBytes, missingPodSlot)}`
      : 'no up node tolerates and selects it';
  const evicted = unplaced.preemptedBy ? `; evicted by ${unplaced.preemptedBy}` : '';
  return `${unplaced.instance.name} [${pod.tier}] needs ${requestText(pod.cpuMillicores, pod.memoryBytes)}; ${where}${evicted}`;
}

/**
 * One finding: `Green: loki/single-binary [important] 1 pod pending (500m cpu, 2.00 GiB each); lacks up to 120m cpu on edge-w-1`;
 * for a tenant's reserved pods, `Green: team payments, app web [workloads] 2 pods pending (1 cpu, 1.00 GiB each;
 * quota 4 cpu, 8Gi memory, 20 pods in tenants/payments/tenant.yaml); lacks …`.
 */
export function findingLine(finding: CapacityFinding): string {
  const count = `${finding.pods.length} pod${finding.pods.length === 1 ? '' : 's'} ${finding.state}`;
  const each = requestText(finding.cpuPerPodMillicores, finding.memoryPerPodBytes);
  const { closestNodes, missingCpuMillicores, missingMemoryBytes, missingPodSlot } = finding.worstShortfall;
  const shortfall =
    closestNodes.length > 0
      ? `lacks up to ${missingText(missingCpuMillicores, missingMemoryBytes, missingPodSlot)} on ${closestNodes.join(', ')}`
      : 'no up node tolerates and selects it';
  if (finding.tenant) {
    const { tenant } = finding;
    return `${finding.scenario}: team ${tenant.name}, ${reservedPartLabel(finding.part)} [${finding.tier}] ${count} (${each} each; ${quotaText(tenant)} in ${tenant.file}); ${shortfall}`;
  }
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
