import { describe, expect, it } from 'vitest';
import { failureScenarios, planCapacity, type CapacityPlan } from '../../platform/planner/index.js';
import { edgeCluster, names, node, pods, whereIs } from './fixtures.js';

function outcome(plan: CapacityPlan, scenario: string) {
  const found = plan.outcomes.find((o) => o.scenario.name === scenario);
  if (!found) throw new Error(`no scenario '${scenario}'`);
  return found.placement;
}

/** Scenario, component/part and state of each finding: what a reader needs to act on. */
function summary(findings: CapacityPlan['verdict']['failures']): string[] {
  return findings.map((f) => `${f.scenario} ${f.component}/${f.part} ${f.state}`);
}

const platformPods = () => [
  ...pods('cilium', 'agent', 'core', '100m', '128Mi', { daemonSet: true, nodeAgent: true }),
  ...pods('argocd', 'server', 'critical', '1', '2Gi', { replicas: 2 }),
  ...pods('loki', 'server', 'important', '1', '2Gi'),
];

describe('failureScenarios', () => {
  it('lists Green, one Yellow per worker by name, then Red with only the control plane up', () => {
    const scenarios = failureScenarios([
      node('edge-w-2', 'worker', '4', '8Gi'),
      node('edge-cp-1', 'control-plane', '4', '8Gi'),
      node('edge-w-1', 'worker', '4', '8Gi'),
    ]);
    expect(scenarios.map((s) => [s.name, s.downNodes, s.upNodes.map((n) => n.name)])).toEqual([
      ['Green', [], ['edge-w-2', 'edge-cp-1', 'edge-w-1']],
      ['Yellow: edge-w-1 down', ['edge-w-1'], ['edge-w-2', 'edge-cp-1']],
      ['Yellow: edge-w-2 down', ['edge-w-2'], ['edge-cp-1', 'edge-w-1']],
      ['Red', ['edge-w-1', 'edge-w-2'], ['edge-cp-1']],
    ]);
  });
});

describe('planCapacity', () => {
  it('keeps the critical tier running in Red on a sized control-plane node while the important tier waits', () => {
    const plan = planCapacity(edgeCluster({ cpu: '4', memory: '8Gi' }), platformPods());
    const red = outcome(plan, 'Red');
    expect(whereIs(red)).toEqual({
      'cilium/agent@edge-cp-1': 'edge-cp-1',
      'argocd/server#0': 'edge-cp-1',
      'argocd/server#1': 'edge-cp-1',
    });
    expect(names(red.pending)).toEqual(['loki/server#0']);
    // Loki is not a lifeboat tier: missing in Red is expected, so the plan passes.
    expect(plan.verdict).toEqual({ status: 'passes', failures: [], warnings: [] });
  });

  it('fails naming the critical part and its shortfall when the control-plane node is too small for Red', () => {
    const plan = planCapacity(edgeCluster({ cpu: '1500m', memory: '8Gi' }), platformPods());
    expect(plan.verdict.status).toBe('fails');
    expect(plan.verdict.failures).toEqual([
      expect.objectContaining({
        severity: 'failure',
        scenario: 'Red',
        component: 'argocd',
        part: 'server',
        tier: 'critical',
        state: 'pending',
        cpuPerPodMillicores: 1000,
        worstShortfall: { missingCpuMillicores: 600, missingMemoryBytes: 0, closestNodes: ['edge-cp-1'] },
      }),
    ]);
  });

  it('fails when anything is left out with all nodes up, naming it', () => {
    const plan = planCapacity(edgeCluster({ cpu: '4', memory: '8Gi' }), [
      ...platformPods(),
      ...pods('sonarqube', 'server', 'workloads', '6', '4Gi'),
    ]);
    expect(plan.verdict.status).toBe('fails');
    expect(summary(plan.verdict.failures)).toContain('Green sonarqube/server pending');
    const green = plan.verdict.failures.find((f) => f.scenario === 'Green');
    expect(green?.worstShortfall.missingCpuMillicores).toBeGreaterThan(0);
  });

  it('starts failure scenarios from the Green placement: a displaced critical pod preempts a running important one', () => {
    const plan = planCapacity(edgeCluster({ cpu: '1', memory: '8Gi' }, { cpu: '2', memory: '8Gi' }), [
      ...pods('prometheus', 'server', 'critical', '1500m', '1Gi'),
      ...pods('loki', 'server', 'important', '1500m', '1Gi'),
    ]);
    expect(whereIs(outcome(plan, 'Green'))).toEqual({ 'prometheus/server#0': 'edge-w-1', 'loki/server#0': 'edge-w-2' });

    const yellow = outcome(plan, 'Yellow: edge-w-1 down');
    expect(whereIs(yellow)).toEqual({ 'prometheus/server#0': 'edge-w-2' });
    expect(yellow.preempted.map((u) => [u.instance.name, u.preemptedBy])).toEqual([['loki/server#0', 'prometheus/server#0']]);

    // Yellow shortfalls warn; the critical pod missing in Red fails.
    expect(summary(plan.verdict.warnings)).toEqual([
      'Yellow: edge-w-1 down loki/server preempted',
      'Yellow: edge-w-2 down loki/server pending',
    ]);
    expect(summary(plan.verdict.failures)).toEqual(['Red prometheus/server pending']);
  });
});

describe('planCapacity: one-per-node parts', () => {
  const operator = () => pods('cilium', 'operator', 'core', '25m', '64Mi', { replicas: 2, onePerNode: true });

  it('in Red, a one-per-node core part running once is not a failure: its second replica waits for a node', () => {
    const plan = planCapacity(edgeCluster({ cpu: '4', memory: '8Gi' }), operator());
    expect(names(outcome(plan, 'Red').pending)).toEqual(['cilium/operator#1']);
    expect(plan.verdict.status).toBe('passes');
  });

  it('in Red, a one-per-node core part that cannot run at all still fails', () => {
    const plan = planCapacity(edgeCluster({ cpu: '10m', memory: '8Gi' }), operator());
    expect(summary(plan.verdict.failures)).toContain('Red cilium/operator pending');
  });

  it('in Green, a one-per-node part with more replicas than nodes fails', () => {
    const plan = planCapacity(edgeCluster({ cpu: '4', memory: '8Gi' }), pods('x', 'y', 'core', '10m', '16Mi', { replicas: 4, onePerNode: true }));
    expect(summary(plan.verdict.failures)).toContain('Green x/y pending');
  });
});
