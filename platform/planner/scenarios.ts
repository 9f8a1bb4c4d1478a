/**
 * The failure scenarios the platform is sized for (docs/design.md#d6-sized-for-failure-scenarios): all nodes up; each
 * worker down in turn; every worker down, leaving only the control-plane node(s), where the
 * lifeboat tiers must still run.
 */
import { compareNodeNames, type PlannerNode } from './nodes.js';
import { placePods } from './placement.js';
import type { PlannedPod } from './pods.js';
import type { Scenario, ScenarioOutcome } from './scenario.js';
import { reservationsOf, type TenantReservation } from './tenants.js';
import { judgeCapacity, type JudgeOptions, type Verdict } from './verdict.js';

export type { Scenario, ScenarioKind, ScenarioOutcome } from './scenario.js';

/** The whole plan: every scenario's outcome and the verdict over them. */
export interface CapacityPlan {
  /** Green first, then each Yellow by worker name, then Red. */
  readonly outcomes: readonly ScenarioOutcome[];
  /** Whether the sizing meets docs/design.md#d6-sized-for-failure-scenarios, with the findings behind it. */
  readonly verdict: Verdict;
  /** The tenants' quotas the pods reserve, by team (empty on a site without tenants). */
  readonly tenants: readonly TenantReservation[];
}

function scenarioWithout(nodes: readonly PlannerNode[], down: readonly PlannerNode[]): Pick<Scenario, 'downNodes' | 'upNodes'> {
  return { downNodes: down.map((node) => node.name), upNodes: nodes.filter((node) => !down.includes(node)) };
}

/** The scenarios for a cluster, Green first, each worker's Yellow by node name, Red last. */
export function failureScenarios(nodes: readonly PlannerNode[]): Scenario[] {
  const workers = nodes.filter((node) => node.role === 'worker').sort(compareNodeNames);
  return [
    { name: 'Green', title: 'Green: all nodes up', kind: 'green', ...scenarioWithout(nodes, []) },
    ...workers.map((worker): Scenario => ({
      name: `Yellow: ${worker.name} down`,
      title: `Yellow: ${worker.name} down`,
      kind: 'yellow',
      ...scenarioWithout(nodes, [worker]),
    })),
    {
      name: 'Red',
      title: 'Red: all workers down (control-plane nodes only)',
      kind: 'red',
      ...scenarioWithout(nodes, workers),
    },
  ];
}

/**
 * Places the pods in every scenario and judges the result. Green starts from an empty cluster;
 * each failure scenario starts from Green's placement with the failed nodes' pods displaced, as
 * a real failure does: survivors keep their pods, displaced pods may preempt lower tiers. Pods
 * reserving a tenant's quota are not kept where they were: each scenario places them anew in
 * the room the platform leaves (see `tenants.ts`).
 */
export function planCapacity(nodes: readonly PlannerNode[], pods: readonly PlannedPod[], opts: JudgeOptions = {}): CapacityPlan {
  const [green, ...failures] = failureScenarios(nodes);
  // failureScenarios always starts with Green; the guard only satisfies the type checker.
  if (!green) throw new Error('capacity planner: no Green scenario');
  const greenPlacement = placePods(green.upNodes, pods);
  const running = new Map(greenPlacement.placements.filter((p) => !p.instance.pod.tenant).map((p) => [p.instance.name, p.node]));
  const outcomes: ScenarioOutcome[] = [
    { scenario: green, placement: greenPlacement },
    ...failures.map((scenario) => ({ scenario, placement: placePods(scenario.upNodes, pods, { running }) })),
  ];
  return { outcomes, verdict: judgeCapacity(outcomes, opts), tenants: reservationsOf(pods) };
}
