/** The tenants in the planner: how a quota is reserved, where it lands, how the verdict weighs it, and quotas the site cannot hold. */
import { describe, expect, it } from 'vitest';
import { ConfigError, EXIT_CODES } from '../../platform/config/errors.js';
import { parseCpu, parseMemory } from '../../platform/model/quantity.js';
import { TIERS } from '../../platform/model/tiers.js';
import {
  checkTenantQuotas,
  KUBELET_MAX_PODS,
  planCapacity,
  renderCapacityMarkdown,
  renderCapacityShort,
  renderCapacityTerminal,
  reservedPods,
  tenantReservation,
  type CapacityPlan,
  type PlannedPod,
} from '../../platform/planner/index.js';
import { TENANT_TIER, type SiteTenant } from '../../platform/model/tenants.js';
import { app, edgeCluster, names, node, pods, tenant } from './fixtures.js';

const cluster = () => edgeCluster({ cpu: '4', memory: '8Gi' });
const podsOf = (...tenants: SiteTenant[]) => tenants.flatMap((t) => reservedPods(tenantReservation(t)));

function outcome(plan: CapacityPlan, scenario: string) {
  const found = plan.outcomes.find((o) => o.scenario.name === scenario);
  if (!found) throw new Error(`no scenario '${scenario}'`);
  return found.placement;
}

/** Instance → node of the platform's own pods, per scenario. */
function platformPlacements(plan: CapacityPlan): Record<string, Record<string, string>> {
  return Object.fromEntries(
    plan.outcomes.map((o) => [
      o.scenario.name,
      Object.fromEntries(o.placement.placements.filter((p) => !p.instance.pod.tenant).map((p) => [p.instance.name, p.node])),
    ]),
  );
}

/** The platform's own unplaced pods, per scenario. */
function platformLeftOut(plan: CapacityPlan): Record<string, string[]> {
  return Object.fromEntries(
    plan.outcomes.map((o) => [o.scenario.name, names([...o.placement.pending, ...o.placement.preempted].filter((u) => !u.instance.pod.tenant))]),
  );
}

const sum = (pods: readonly PlannedPod[], of: (p: PlannedPod) => number) => pods.reduce((n, p) => n + of(p), 0);

describe('tenantReservation: the whole quota, as pods', () => {
  it('a team without apps: quota.pods pods, each an equal share of CPU and memory rounded up', () => {
    const t = tenant('payments', { cpu: '1', memory: '1Gi', pods: 3 });
    const reserved = podsOf(t);
    expect(reserved).toHaveLength(3);
    expect(new Set(reserved.map((p) => `${p.cpuMillicores}/${p.memoryBytes}`)).size).toBe(1);
    // Never less than the quota, and rounding adds less than a millicore (a byte) per pod.
    const cpu = sum(reserved, (p) => p.cpuMillicores);
    const memory = sum(reserved, (p) => p.memoryBytes);
    expect(cpu).toBeGreaterThanOrEqual(parseCpu('1'));
    expect(cpu - parseCpu('1')).toBeLessThan(3);
    expect(memory).toBeGreaterThanOrEqual(parseMemory('1Gi'));
    expect(memory - parseMemory('1Gi')).toBeLessThan(3);
  });

  it("running apps as themselves, the rest of the quota (CronJobs run in it) in equal shares: all of the quota and no more", () => {
    const t = tenant('payments', { cpu: '3', memory: '3Gi', pods: 4 }, [
      app('payments', 'web', { replicas: 2, cpu: '500m', memory: '512Mi' }),
      app('payments', 'report', { cpu: '2', memory: '2Gi', schedule: '@daily' }),
    ]);
    const reservation = tenantReservation(t);
    expect(reservation.parts.map((p) => [p.part, p.app, p.pods])).toEqual([
      ['apps/web', 'web', 2],
      ['quota', undefined, 2],
    ]);
    const reserved = reservedPods(reservation);
    expect(reserved.filter((p) => p.part === 'apps/web').every((p) => p.cpuMillicores === 500 && p.memoryBytes === parseMemory('512Mi'))).toBe(true);
    expect(reserved).toHaveLength(t.quota.pods);
    expect(sum(reserved, (p) => p.cpuMillicores)).toBe(parseCpu('3'));
    expect(sum(reserved, (p) => p.memoryBytes)).toBe(parseMemory('3Gi'));
  });

  it('reserves no rest when the running apps use the whole quota', () => {
    const t = tenant('payments', { cpu: '1', memory: '1Gi', pods: 2 }, [app('payments', 'web', { replicas: 2, cpu: '500m', memory: '512Mi' })]);
    expect(tenantReservation(t).parts.map((p) => p.part)).toEqual(['apps/web']);
  });

  it("gives every reserved pod the tenants' tier: its priority, no preemption, no control-plane toleration, spread", () => {
    for (const pod of podsOf(tenant('payments', { cpu: '1', memory: '1Gi', pods: 2 }))) {
      expect(pod).toMatchObject({
        tier: TENANT_TIER,
        priority: TIERS[TENANT_TIER].value,
        preemptionPolicy: TIERS[TENANT_TIER].preemptionPolicy,
        tolerations: [],
        spread: true,
        tenant: { name: 'payments', file: 'tenants/payments/tenant.yaml' },
      });
    }
  });
});

describe('planCapacity with tenants', () => {
  it('spreads a quota over the workers, never on the control-plane node', () => {
    const plan = planCapacity(cluster(), podsOf(tenant('payments', { cpu: '2', memory: '2Gi', pods: 4 })));
    const green = outcome(plan, 'Green');
    const perNode = new Map<string, number>();
    for (const p of green.placements) perNode.set(p.node, (perNode.get(p.node) ?? 0) + 1);
    expect(Object.fromEntries(perNode)).toEqual({ 'edge-w-1': 2, 'edge-w-2': 2 });
    expect(plan.verdict.status).toBe('passes');
  });

  it("never changes the platform's plan: the platform places exactly as without tenants in every scenario", () => {
    // A workloads-tier platform part cannot preempt either; the tenants fill every worker in Green.
    const platform = [
      ...pods('cilium', 'agent', 'core', '100m', '128Mi', { daemonSet: true, nodeAgent: true }),
      ...pods('argocd', 'server', 'critical', '1', '1Gi'),
      ...pods('loki', 'server', 'important', '500m', '1Gi'),
      ...pods('sonarqube', 'server', 'workloads', '1500m', '2Gi'),
    ];
    const alone = planCapacity(cluster(), platform);
    const withTenants = planCapacity(cluster(), [...platform, ...podsOf(tenant('payments', { cpu: '4', memory: '8Gi', pods: 8 }))]);
    expect(platformPlacements(withTenants)).toEqual(platformPlacements(alone));
    expect(platformLeftOut(withTenants)).toEqual(platformLeftOut(alone));
    // The platform's pods all run with a worker down; only the team's quota is short there.
    for (const yellow of ['Yellow: edge-w-1 down', 'Yellow: edge-w-2 down']) {
      const pending = names(outcome(withTenants, yellow).pending);
      expect(pending.length, yellow).toBeGreaterThan(0);
      expect(pending.every((n) => n.startsWith('tenants/payments/'))).toBe(true);
      expect(outcome(withTenants, yellow).placements.map((p) => p.instance.name)).toContain('sonarqube/server#0');
    }
    expect(withTenants.verdict.warnings.every((f) => f.tenant?.name === 'payments')).toBe(true);
  });

  it('fails when a quota does not fit with all nodes up, naming the team, its quota and its file', () => {
    const plan = planCapacity(cluster(), [
      ...pods('argocd', 'server', 'critical', '2', '1Gi'),
      ...podsOf(tenant('payments', { cpu: '7', memory: '7Gi', pods: 7 })),
    ]);
    expect(plan.verdict.status).toBe('fails');
    const [failure] = plan.verdict.failures;
    expect(failure).toMatchObject({ scenario: 'Green', severity: 'failure', tenant: { name: 'payments' }, tier: TENANT_TIER });
    const text = renderCapacityTerminal(plan);
    expect(text).toMatch(/fail {2}Green: team payments, .*quota 7 cpu, 7Gi memory, 7 pods in tenants\/payments\/tenant\.yaml/);
  });

  it('warns when a quota no longer fits with a worker down, even where capacity.yellow fails the platform', () => {
    const platform = pods('argocd', 'server', 'critical', '1', '1Gi');
    const team = podsOf(tenant('payments', { cpu: '5', memory: '4Gi', pods: 5 }));
    for (const yellow of ['warn', 'fail'] as const) {
      const plan = planCapacity(cluster(), [...platform, ...team], { yellow });
      expect(plan.verdict.status, yellow).toBe('warns');
      expect(plan.verdict.failures).toEqual([]);
      expect(plan.verdict.warnings.map((f) => [f.scenario, f.tenant?.name])).toEqual([
        ['Yellow: edge-w-1 down', 'payments'],
        ['Yellow: edge-w-2 down', 'payments'],
      ]);
    }
    // The platform's own Yellow shortfall still fails with yellow: fail.
    const short = planCapacity(cluster(), [...pods('loki', 'server', 'important', '3', '1Gi', { replicas: 2 })], { yellow: 'fail' });
    expect(short.verdict.failures.map((f) => f.scenario)).toContain('Yellow: edge-w-1 down');
  });

  it('in Red the reserved pods wait, expected and not a finding, and every rendering says so naming the team', () => {
    const plan = planCapacity(cluster(), [
      ...pods('argocd', 'server', 'critical', '1', '1Gi'),
      ...podsOf(tenant('payments', { cpu: '1', memory: '1Gi', pods: 2 }), tenant('web', { cpu: '500m', memory: '512Mi', pods: 1 })),
    ]);
    expect(plan.verdict.status).toBe('passes');
    expect(names(outcome(plan, 'Red').pending)).toEqual(['tenants/payments/quota#0', 'tenants/payments/quota#1', 'tenants/web/quota#0']);
    const red = renderCapacityShort(plan).split('\n').find((l) => l.trimStart().startsWith('Red'))!;
    expect(red).toContain('the reserved pods of teams payments (all 2) and web (all 1) wait for a worker (expected');
    for (const text of [renderCapacityTerminal(plan), renderCapacityMarkdown(plan)]) {
      expect(text).toContain('Here: the reserved pods of teams payments (all 2) and web (all 1) wait for a worker (expected).');
    }
  });

  it("counts the kubelet's pod limit: a quota of many small pods fills the workers' pod slots", () => {
    const agent = pods('cilium', 'agent', 'core', '10m', '16Mi', { daemonSet: true, nodeAgent: true });
    const plan = planCapacity(cluster(), [...agent, ...podsOf(tenant('payments', { cpu: '220m', memory: '220Mi', pods: 2 * KUBELET_MAX_PODS }))]);
    const green = outcome(plan, 'Green');
    // Each worker runs an agent, so it has room for one pod fewer of the team's.
    expect(green.pending).toHaveLength(2);
    expect(green.nodes.filter((n) => n.node.role === 'worker').map((n) => n.podsUsed)).toEqual([KUBELET_MAX_PODS, KUBELET_MAX_PODS]);
    expect(plan.verdict.failures[0]?.worstShortfall).toMatchObject({ missingCpuMillicores: 0, missingMemoryBytes: 0, missingPodSlot: true });
    expect(renderCapacityTerminal(plan)).toContain('lacks up to a pod slot (kubelet max-pods) on edge-w-1');
  });
});

describe('renderings list the teams', () => {
  const plan = () =>
    planCapacity(cluster(), [
      ...pods('argocd', 'server', 'critical', '1', '1Gi'),
      ...podsOf(
        tenant('payments', { cpu: '2', memory: '2Gi', pods: 4 }, [app('payments', 'web', { replicas: 2, cpu: '500m', memory: '512Mi' })]),
        tenant('web', { cpu: '500m', memory: '512Mi', pods: 1 }),
      ),
    ]);

  it('each team with its quota, its file and how the quota is reserved', () => {
    const terminal = renderCapacityTerminal(plan());
    expect(terminal).toContain(
      'payments  quota 2 cpu, 2Gi memory, 4 pods (tenants/payments/tenant.yaml): 2 pod(s) of app web (500m cpu, 512 MiB each) and 2 pod(s) of 500m cpu, 512 MiB (the rest of the quota)',
    );
    expect(terminal).toContain('web       quota 500m cpu, 512Mi memory, 1 pods (tenants/web/tenant.yaml): 1 pod(s) of 500m cpu, 512 MiB (the quota in equal shares)');
    const markdown = renderCapacityMarkdown(plan());
    expect(markdown).toContain('\n### Tenants\n');
    expect(markdown).toContain('| payments | `tenants/payments/tenant.yaml` | 2 cpu, 2Gi memory, 4 pods |');
  });

  it('per scenario, where each team’s pods land', () => {
    const lines = renderCapacityTerminal(plan()).split('\n');
    const green = lines.indexOf('Green: all nodes up');
    const block = lines.slice(green, lines.indexOf('', green));
    expect(block).toContain('    payments  edge-w-1 2, edge-w-2 2; all 4 placed');
    expect(block).toContain('    web       edge-w-1 1; all 1 placed');
    const markdown = renderCapacityMarkdown(plan());
    expect(markdown).toContain('| payments | 4 | `edge-w-1` 2, `edge-w-2` 2 | all 4 placed |');
    expect(markdown).toContain('| payments | 4 | none placed | all 4 wait for a worker (expected) |');
  });

  it('renders identically whatever order the pods come in', () => {
    const shuffled = planCapacity([...cluster()].reverse(), [...plan().outcomes[0]!.placement.placements.map((p) => p.instance.pod)].reverse());
    expect(renderCapacityMarkdown(shuffled)).toBe(renderCapacityMarkdown(plan()));
  });
});

describe('checkTenantQuotas: quotas the site cannot hold even empty', () => {
  const nodes = cluster();

  function refused(tenants: SiteTenant[]): ConfigError {
    try {
      checkTenantQuotas('edge-01', nodes, tenants);
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    throw new Error('expected a ConfigError');
  }

  it("accepts quotas up to the workers' allocatable, and anything on a site without tenants", () => {
    expect(() => checkTenantQuotas('edge-01', nodes, [tenant('payments', { cpu: '8', memory: '16Gi', pods: 2 * KUBELET_MAX_PODS })])).not.toThrow();
    expect(() => checkTenantQuotas('edge-01', [node('edge-cp-1', 'control-plane', '4', '8Gi')], [])).not.toThrow();
  });

  it("refuses one team's quota beyond the workers (the control-plane node does not count), naming its file, field and value", () => {
    const e = refused([tenant('payments', { cpu: '9', memory: '1Gi', pods: 1 })]);
    expect(e.exitCode).toBe(EXIT_CODES.config);
    expect(e.file).toBe('tenants/payments/tenant.yaml');
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatchObject({ path: 'quota.cpu' });
    expect(e.problems[0]!.message).toMatch(/^'9' is more than the 8 cpu site edge-01's nodes for tenants' pods can allocate \(edge-w-1 4 cpu, edge-w-2 4 cpu; not edge-cp-1/);
    expect(e.problems[0]!.message).toMatch(/lower quota\.cpu/);
  });

  it('refuses quotas that exceed the site together, naming every team, its file and field', () => {
    const e = refused([tenant('web', { cpu: '1', memory: '10Gi', pods: 1 }), tenant('payments', { cpu: '1', memory: '7Gi', pods: 1 })]);
    expect(e.file).toBe('tenants/payments/tenant.yaml');
    expect(e.problems.map((p) => [p.path, p.origin])).toEqual([
      ['quota.memory', undefined],
      ['quota.memory', 'tenants/web/tenant.yaml'],
    ]);
    expect(e.problems[0]!.message).toContain("'7Gi', with the other teams' quota.memory on site edge-01 (web 10Gi in tenants/web/tenant.yaml) 17.00 GiB in all, is more than the 16.00 GiB");
    expect(e.message).toContain('quota.memory (tenants/web/tenant.yaml):');
  });

  it("refuses more pods than the workers' kubelets run", () => {
    const e = refused([tenant('payments', { cpu: '1', memory: '1Gi', pods: 2 * KUBELET_MAX_PODS + 1 })]);
    expect(e.problems.map((p) => p.path)).toEqual(['quota.pods']);
    expect(e.problems[0]!.message).toContain(`more than the ${2 * KUBELET_MAX_PODS} pods`);
    expect(e.problems[0]!.message).toContain('--max-pods');
  });
});
