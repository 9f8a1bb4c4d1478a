/** The capacity plan as a Markdown section for `synth/<site>/README.md`. */
import {
  CAPACITY_DISCLAIMER,
  cpuUsage,
  findingLine,
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
  verdictWord,
} from './format.js';
import type { UnplacedPod } from './placement.js';
import type { CapacityPlan, ScenarioOutcome } from './scenarios.js';
import { quotaText } from './tenants.js';
import type { CapacityFinding } from './verdict.js';

/** Inline code, so node names read as identifiers in the table. */
function code(text: string): string {
  return `\`${text}\``;
}

function findingList(title: string, findings: readonly CapacityFinding[]): string[] {
  return findings.length === 0 ? [] : ['', `${title}:`, '', ...findings.map((f) => `- ${findingLine(f)}`)];
}

function unplacedList(label: string, pods: readonly UnplacedPod[]): string[] {
  if (pods.length === 0) return ['', `${label}: none.`];
  return ['', `${label} (${pods.length}):`, '', ...pods.map((u) => `- ${unplacedPodLine(u)}`)];
}

/** Per team: where its reserved pods land in the scenario and what waits (nothing without tenants). */
function tenantsTable(plan: CapacityPlan, outcome: ScenarioOutcome): string[] {
  const teams = tenantOutcomes(plan, outcome);
  if (teams.length === 0) return [];
  return [
    '',
    '| team | reserved pods | where they land | left out |',
    '|---|---:|---|---|',
    ...teams.map((t) => `| ${t.tenant.name} | ${t.reserved} | ${tenantPlacementText(t, code)} | ${tenantWaitingText(t)} |`),
  ];
}

/** The teams and how their quotas are reserved (nothing without tenants). */
function reservationsSection(plan: CapacityPlan): string[] {
  if (plan.tenants.length === 0) return [];
  return [
    '',
    '### Tenants',
    '',
    TENANTS_INTRO,
    '',
    '| team | file | quota | reserved as |',
    '|---|---|---|---|',
    ...plan.tenants.map((r) => `| ${r.tenant.name} | ${code(r.tenant.file)} | ${quotaText(r.tenant).replace(/^quota /, '')} | ${reservationText(r)} |`),
  ];
}

function scenarioSection(plan: CapacityPlan, { scenario, placement }: ScenarioOutcome): string[] {
  const rows = placement.nodes.map(
    (usage) => `| ${code(usage.node.name)} | ${usage.node.role} | ${cpuUsage(usage)} | ${memoryUsage(usage)} |`,
  );
  return [
    '',
    `### ${scenario.title}`,
    '',
    ...(rows.length > 0
      ? ['| node | role | cpu cores used/allocatable | memory used/allocatable |', '|---|---|---|---|', ...rows]
      : ['No node is up.']),
    ...tenantsTable(plan, { scenario, placement }),
    ...unplacedList('Pending', platformOnly(placement.pending)),
    ...unplacedList('Preempted', platformOnly(placement.preempted)),
    ...(placement.evictions.length > 0 ? ['', `Evictions: ${placement.evictions.length}.`] : []),
    ...(scenario.kind === 'red' ? ['', redNote(plan, { scenario, placement })] : []),
  ];
}

/**
 * The plan as a Markdown section (`## Capacity plan`): disclaimer, verdict and findings, then
 * one node table per scenario with pending and preempted pods. Deterministic.
 */
export function renderCapacityMarkdown(plan: CapacityPlan): string {
  const transient = transientLine(plan);
  const lines = [
    '## Capacity plan',
    '',
    `> ${CAPACITY_DISCLAIMER}`,
    '',
    `**Verdict: ${verdictWord(plan.verdict.status)}.**`,
    ...findingList('Failures', plan.verdict.failures),
    ...findingList('Warnings', plan.verdict.warnings),
    ...reservationsSection(plan),
    ...plan.outcomes.flatMap((outcome) => scenarioSection(plan, outcome)),
    ...(transient ? ['', `${transient}.`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
