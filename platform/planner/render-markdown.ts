/** The capacity plan as a Markdown section for `synth/<site>/README.md`. */
import {
  CAPACITY_DISCLAIMER,
  cpuUsage,
  findingLine,
  memoryUsage,
  redNote,
  transientLine,
  unplacedPodLine,
  verdictWord,
} from './format.js';
import type { UnplacedPod } from './placement.js';
import type { CapacityPlan, ScenarioOutcome } from './scenarios.js';
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
    ...unplacedList('Pending', placement.pending),
    ...unplacedList('Preempted', placement.preempted),
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
    ...plan.outcomes.flatMap((outcome) => scenarioSection(plan, outcome)),
    ...(transient ? ['', `${transient}.`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
