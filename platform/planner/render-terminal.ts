/** The capacity plan as plain terminal text: one block per scenario with usage bars. */
import {
  CAPACITY_DISCLAIMER,
  cpuUsage,
  findingLine,
  leftOutText,
  memoryUsage,
  platformOnly,
  redNote,
  reservationText,
  TENANTS_INTRO,
  tenantOutcomes,
  tenantPlacementText,
  tenantWaitingText,
  transientLine,
  unplacedPodLine,
  usageBar,
  verdictWord,
} from './format.js';
import type { UnplacedPod } from './placement.js';
import type { CapacityPlan, ScenarioOutcome } from './scenarios.js';
import { quotaText } from './tenants.js';

/** `  pending: none`, or the label and one indented line per pod. */
function unplacedBlock(label: string, pods: readonly UnplacedPod[]): string[] {
  if (pods.length === 0) return [`  ${label}: none`];
  return [`  ${label} (${pods.length}):`, ...pods.map((u) => `    - ${unplacedPodLine(u)}`)];
}

/** Per team: where its reserved pods land in the scenario and what waits (nothing without tenants). */
function tenantsBlock(plan: CapacityPlan, outcome: ScenarioOutcome): string[] {
  const teams = tenantOutcomes(plan, outcome);
  if (teams.length === 0) return [];
  const width = Math.max(...teams.map((t) => t.tenant.name.length));
  return ['  tenants:', ...teams.map((t) => `    ${t.tenant.name.padEnd(width)}  ${tenantPlacementText(t)}; ${tenantWaitingText(t)}`)];
}

/** The teams and how their quotas are reserved (nothing without tenants). */
function reservationsBlock(plan: CapacityPlan): string[] {
  if (plan.tenants.length === 0) return [];
  const width = Math.max(...plan.tenants.map((r) => r.tenant.name.length));
  return [
    '',
    `Tenants: ${TENANTS_INTRO.charAt(0).toLowerCase()}${TENANTS_INTRO.slice(1)}`,
    ...plan.tenants.map((r) => `  ${r.tenant.name.padEnd(width)}  ${quotaText(r.tenant)} (${r.tenant.file}): ${reservationText(r)}`),
  ];
}

function scenarioBlock(plan: CapacityPlan, { scenario, placement }: ScenarioOutcome): string[] {
  const nameWidth = Math.max(0, ...placement.nodes.map((usage) => usage.node.name.length));
  const nodeLines = placement.nodes.map(
    (usage) =>
      `  ${usage.node.name.padEnd(nameWidth)}  ` +
      `cpu ${usageBar(usage.cpuUsedMillicores, usage.node.cpuMillicores)} ${cpuUsage(usage)}  ` +
      `mem ${usageBar(usage.memoryUsedBytes, usage.node.memoryBytes)} ${memoryUsage(usage)}`,
  );
  return [
    scenario.title,
    ...(nodeLines.length > 0 ? nodeLines : ['  (no node is up)']),
    ...unplacedBlock('pending', platformOnly(placement.pending)),
    ...unplacedBlock('preempted', platformOnly(placement.preempted)),
    ...(placement.evictions.length > 0 ? [`  evictions: ${placement.evictions.length}`] : []),
    ...tenantsBlock(plan, { scenario, placement }),
    ...(scenario.kind === 'red' ? [`  ${redNote(plan, { scenario, placement })}`] : []),
  ];
}

/**
 * The plan as terminal text (no colours): disclaimer, verdict with its findings, then per
 * scenario one bar line per node and the pending and preempted pods. Deterministic.
 */
export function renderCapacityTerminal(plan: CapacityPlan): string {
  const { verdict } = plan;
  const transient = transientLine(plan);
  const lines = [
    `Capacity plan: ${CAPACITY_DISCLAIMER}`,
    `Verdict: ${verdictWord(verdict.status)}`,
    ...verdict.failures.map((f) => `  fail  ${findingLine(f)}`),
    ...verdict.warnings.map((f) => `  warn  ${findingLine(f)}`),
    ...reservationsBlock(plan),
    ...plan.outcomes.flatMap((outcome) => ['', ...scenarioBlock(plan, outcome)]),
    ...(transient ? ['', transient] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The short form synth prints: the verdict, its findings, and one line per scenario with the
 * busiest node and what is left out. `edge-idp plan` prints the full form.
 */
export function renderCapacityShort(plan: CapacityPlan): string {
  const { verdict } = plan;
  const scenarioLines = plan.outcomes.map(({ scenario, placement }) => {
    const busiest = [...placement.nodes].sort(
      (a, b) => Math.max(b.cpuUsedMillicores / b.node.cpuMillicores, b.memoryUsedBytes / b.node.memoryBytes) -
        Math.max(a.cpuUsedMillicores / a.node.cpuMillicores, a.memoryUsedBytes / a.node.memoryBytes),
    )[0];
    const load = busiest ? `busiest ${busiest.node.name} cpu ${cpuUsage(busiest)}, mem ${memoryUsage(busiest)}` : 'no node up';
    const teams = tenantOutcomes(plan, { scenario, placement }).map((t) => `${t.tenant.name} ${tenantPlacementText(t)}`);
    return [
      `  ${scenario.name.padEnd(24)} ${load}; ${leftOutText(plan, { scenario, placement })}`,
      ...(teams.length ? [`  ${''.padEnd(24)} tenants' reserved pods: ${teams.join('; ')}`] : []),
    ];
  });
  const tenants = plan.tenants.map((r) => `${r.tenant.name} (${quotaText(r.tenant)})`);
  return [
    `capacity: ${verdictWord(verdict.status)} (feasibility estimate; \`edge-idp plan\` for details)`,
    ...(tenants.length ? [`  tenants' quotas reserved: ${tenants.join(', ')}`] : []),
    ...verdict.failures.map((f) => `  fail  ${findingLine(f)}`),
    ...verdict.warnings.map((f) => `  warn  ${findingLine(f)}`),
    ...scenarioLines.flat(),
  ].join('\n');
}
