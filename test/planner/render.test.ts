import { describe, expect, it } from 'vitest';
import {
  CAPACITY_DISCLAIMER,
  planCapacity,
  renderCapacityMarkdown,
  renderCapacityShort,
  renderCapacityTerminal,
} from '../../platform/planner/index.js';
import { TIER_LIST } from '../../platform/model/tiers.js';
import { edgeCluster, pods } from './fixtures.js';

/** A node agent Deployment lands on the first node by name: 1.2 of 4 cores and 2 of 8 GiB there. */
const knownPlan = () =>
  planCapacity(edgeCluster({ cpu: '4', memory: '8Gi' }), [
    ...pods('agent', 'relay', 'core', '1200m', '2Gi', { nodeAgent: true }),
    ...pods('tenant', 'huge', 'workloads', '5', '1Gi'),
  ]);

const busyPods = () => [
  ...pods('cilium', 'agent', 'core', '100m', '128Mi', { daemonSet: true, nodeAgent: true }),
  ...pods('argocd', 'server', 'critical', '1', '2Gi', { replicas: 2 }),
  ...pods('loki', 'server', 'important', '1', '2Gi'),
  ...pods('vault', 'init', 'critical', '100m', '64Mi', { transient: true }),
];

describe('renderCapacityTerminal', () => {
  it('states that it is a feasibility estimate, not the scheduler', () => {
    const text = renderCapacityTerminal(knownPlan());
    expect(text).toContain(CAPACITY_DISCLAIMER);
    expect(text).toMatch(/feasibility estimate \(priority-ordered first fit with preemption/i);
    expect(text).toContain('not the Kubernetes scheduler itself');
  });

  it('draws one bar line per node with used/allocatable and percentages', () => {
    const lines = renderCapacityTerminal(knownPlan()).split('\n');
    const green = lines.indexOf('Green: all nodes up');
    expect(lines.slice(green, green + 4)).toEqual([
      'Green: all nodes up',
      '  edge-cp-1  cpu [###.......] 1.2/4 (30%)  mem [###.......] 2/8 GiB (25%)',
      '  edge-w-1   cpu [..........] 0/4 (0%)  mem [..........] 0/8 GiB (0%)',
      '  edge-w-2   cpu [..........] 0/4 (0%)  mem [..........] 0/8 GiB (0%)',
    ]);
  });

  it('names what fails and what is missing', () => {
    const text = renderCapacityTerminal(knownPlan());
    expect(text).toContain('Verdict: FAILS');
    expect(text).toContain('  fail  Green: tenant/huge [workloads] 1 pod pending (5 cpu, 1.00 GiB each); lacks up to 1 cpu on edge-w-1');
    expect(text).toContain('    - tenant/huge#0 [workloads] needs 5 cpu, 1.00 GiB; closest node edge-w-1 lacks 1 cpu');
  });

  it('lists transient pods without placing them', () => {
    const text = renderCapacityTerminal(planCapacity(edgeCluster({ cpu: '4', memory: '8Gi' }), busyPods()));
    expect(text).toContain('Transient pods (Jobs/CronJobs; run to completion, not placed in steady state): vault/init#0 (100m cpu, 64 MiB)');
  });
});

describe('renderCapacityMarkdown', () => {
  it('is a section with the disclaimer, the verdict and one table per scenario', () => {
    const markdown = renderCapacityMarkdown(knownPlan());
    expect(markdown.startsWith('## Capacity plan\n')).toBe(true);
    expect(markdown).toContain(`> ${CAPACITY_DISCLAIMER}`);
    expect(markdown).toContain('**Verdict: FAILS.**');
    expect(markdown).toContain('- Green: tenant/huge [workloads] 1 pod pending');
    expect(markdown).toContain('| `edge-cp-1` | control-plane | 1.2/4 (30%) | 2/8 GiB (25%) |');
    for (const heading of ['### Green: all nodes up', '### Yellow: edge-w-1 down', '### Yellow: edge-w-2 down', '### Red: all workers down (control-plane nodes only)']) {
      expect(markdown).toContain(`\n${heading}\n`);
    }
  });
});

describe('stable output', () => {
  it('renders identical text for the same input, in any input order', () => {
    const nodes = edgeCluster({ cpu: '2', memory: '4Gi' }, { cpu: '2', memory: '4Gi' });
    const first = planCapacity(nodes, busyPods());
    const again = planCapacity(nodes, busyPods());
    const shuffled = planCapacity([...nodes].reverse(), [...busyPods()].reverse());
    expect(again).toEqual(first);
    expect(renderCapacityTerminal(again)).toBe(renderCapacityTerminal(first));
    expect(renderCapacityMarkdown(again)).toBe(renderCapacityMarkdown(first));
    expect(renderCapacityTerminal(shuffled)).toBe(renderCapacityTerminal(first));
    expect(renderCapacityMarkdown(shuffled)).toBe(renderCapacityMarkdown(first));
  });
});

describe('what Red leaves out, in words from the tier model', () => {
  const waitingTiers = TIER_LIST.filter((t) => !t.lifeboat).map((t) => t.name);
  const lifeboatTiers = TIER_LIST.filter((t) => t.lifeboat).map((t) => t.name);
  const plan = () =>
    planCapacity(edgeCluster({ cpu: '4', memory: '8Gi' }), [
      ...busyPods(),
      ...pods('demo', 'web', 'workloads', '100m', '128Mi', { replicas: 2 }),
    ]);

  it('the short form says which tiers wait for a worker and that it is expected, next to a passing verdict', () => {
    const p = plan();
    expect(p.verdict.status).toBe('passes');
    const red = renderCapacityShort(p).split('\n').find((l) => l.trimStart().startsWith('Red'))!;
    expect(red).toContain(`3 pod(s) of the ${waitingTiers.join(' and ')} tiers wait for a worker (expected: only the lifeboat tiers ${lifeboatTiers.join(' and ')} must run in Red)`);
    expect(red).not.toMatch(/left out/);
    // The count is every pod left out: nothing is hidden.
    const outcome = p.outcomes.find((o) => o.scenario.kind === 'red')!;
    expect(outcome.placement.pending.length + outcome.placement.preempted.length).toBe(3);
  });

  it('the long forms state the rule and what it means for this plan', () => {
    for (const text of [renderCapacityTerminal(plan()), renderCapacityMarkdown(plan())]) {
      expect(text).toContain(`In Red only the lifeboat tiers (${lifeboatTiers.join(', ')}) must run; pods of the ${waitingTiers.join(' and ')} tiers wait for a worker to come back, as expected.`);
      expect(text).toContain(`Here: 3 pod(s) of the ${waitingTiers.join(' and ')} tiers wait for a worker (expected).`);
    }
  });

  it('pods behind a finding are not called expected', () => {
    const p = knownPlan();
    const green = renderCapacityShort(p).split('\n').find((l) => l.trimStart().startsWith('Green'))!;
    expect(green).toMatch(/1 pod\(s\) left out, not expected \(see the findings above\)$/);
  });
});
