import { describe, expect, it } from 'vitest';
import { placePods } from '../../platform/planner/index.js';
import { edgeCluster, names, node, pods, whereIs } from './fixtures.js';

const twoWorkers = () => [node('edge-w-1', 'worker', '2', '4Gi'), node('edge-w-2', 'worker', '2', '4Gi')];

describe('placePods: order and first fit', () => {
  it('places the higher tier first whatever the input order', () => {
    const result = placePods(
      [node('edge-w-1', 'worker', '2', '4Gi')],
      [...pods('loki', 'server', 'important', '1500m', '1Gi'), ...pods('prometheus', 'server', 'critical', '1500m', '1Gi')],
    );
    expect(whereIs(result)).toEqual({ 'prometheus/server#0': 'edge-w-1' });
    expect(names(result.pending)).toEqual(['loki/server#0']);
    // Nothing was running, so nothing was evicted: the important pod simply never fitted.
    expect(result.preempted).toEqual([]);
    expect(result.evictions).toEqual([]);
  });

  it('sends lifeboat pods to workers first and to the control plane only when workers are full', () => {
    const roomy = placePods(edgeCluster({ cpu: '4', memory: '8Gi' }), pods('argocd', 'server', 'critical', '1', '1Gi'));
    expect(whereIs(roomy)).toEqual({ 'argocd/server#0': 'edge-w-1' });

    const full = placePods(
      edgeCluster({ cpu: '4', memory: '8Gi' }, { cpu: '1', memory: '2Gi' }),
      pods('argocd', 'server', 'critical', '1', '1Gi', { replicas: 3 }),
    );
    expect(whereIs(full)).toEqual({
      'argocd/server#0': 'edge-w-1',
      'argocd/server#1': 'edge-w-2',
      'argocd/server#2': 'edge-cp-1',
    });
  });

  it('uses plain first fit by node name for a pod without the lifeboat preference', () => {
    const result = placePods(
      edgeCluster({ cpu: '4', memory: '8Gi' }),
      pods('agent', 'relay', 'core', '100m', '64Mi', { nodeAgent: true }),
    );
    expect(whereIs(result)).toEqual({ 'agent/relay#0': 'edge-cp-1' });
  });

  it('honours a required nodeSelector', () => {
    const result = placePods(
      twoWorkers(),
      pods('gateway', 'proxy', 'important', '100m', '64Mi', { nodeSelector: { 'kubernetes.io/hostname': 'edge-w-2' } }),
    );
    expect(whereIs(result)).toEqual({ 'gateway/proxy#0': 'edge-w-2' });
  });

  it('lists Jobs and CronJobs as transient without placing them', () => {
    const job = pods('vault', 'init', 'critical', '100m', '64Mi', { transient: true });
    const result = placePods(twoWorkers(), job);
    expect(result.placements).toEqual([]);
    expect(result.pending).toEqual([]);
    expect(result.transient).toEqual(job);
  });

  it('refuses two pods with the same name', () => {
    const twice = [...pods('a', 'b', 'core', '1m', '1Mi'), ...pods('a', 'b', 'core', '1m', '1Mi')];
    expect(() => placePods(twoWorkers(), twice)).toThrow(/two pods are named 'a\/b#0'/);
  });
});

describe('placePods: DaemonSets', () => {
  it('runs a DaemonSet that does not tolerate the control-plane taint on workers only, and does not count it pending there', () => {
    const result = placePods(
      edgeCluster({ cpu: '4', memory: '8Gi' }),
      pods('fluent-bit', 'daemon', 'important', '100m', '128Mi', { daemonSet: true }),
    );
    expect(whereIs(result)).toEqual({
      'fluent-bit/daemon@edge-w-1': 'edge-w-1',
      'fluent-bit/daemon@edge-w-2': 'edge-w-2',
    });
    expect(result.pending).toEqual([]);
    expect(result.nodes.find((usage) => usage.node.name === 'edge-cp-1')?.cpuUsedMillicores).toBe(0);
  });

  it('runs a node agent on every node, the control plane included', () => {
    const result = placePods(
      edgeCluster({ cpu: '4', memory: '8Gi' }),
      pods('cilium', 'agent', 'core', '100m', '128Mi', { daemonSet: true, nodeAgent: true }),
    );
    expect(Object.values(whereIs(result))).toEqual(['edge-cp-1', 'edge-w-1', 'edge-w-2']);
  });

  it('leaves a DaemonSet pod pending on its own node instead of moving it elsewhere', () => {
    const result = placePods(
      [node('edge-cp-1', 'control-plane', '100m', '1Gi'), node('edge-w-1', 'worker', '4', '8Gi')],
      pods('cilium', 'agent', 'core', '200m', '128Mi', { daemonSet: true, nodeAgent: true }),
    );
    expect(whereIs(result)).toEqual({ 'cilium/agent@edge-w-1': 'edge-w-1' });
    expect(names(result.pending)).toEqual(['cilium/agent@edge-cp-1']);
    expect(result.pending[0]?.shortfall).toEqual({ closestNode: 'edge-cp-1', missingCpuMillicores: 100, missingMemoryBytes: 0 });
  });
});

describe('placePods: pods that fit nowhere', () => {
  it('marks a pod larger than any node pending, with its shortfall on the closest node', () => {
    const result = placePods(twoWorkers(), pods('sonarqube', 'server', 'workloads', '3', '2Gi'));
    expect(result.placements).toEqual([]);
    expect(result.pending).toEqual([
      {
        instance: expect.objectContaining({ name: 'sonarqube/server#0' }),
        shortfall: { closestNode: 'edge-w-1', missingCpuMillicores: 1000, missingMemoryBytes: 0 },
      },
    ]);
  });

  it('reports the whole request missing when no up node tolerates or selects the pod', () => {
    const result = placePods(
      twoWorkers(),
      pods('gpu', 'job', 'important', '500m', '1Gi', { nodeSelector: { accelerator: 'gpu' } }),
    );
    expect(result.pending[0]?.shortfall).toEqual({ missingCpuMillicores: 500, missingMemoryBytes: 1024 ** 3 });
  });
});

describe('placePods: preemption', () => {
  it('lets a higher tier evict a running lower tier, which ends up preempted when it fits nowhere else', () => {
    const result = placePods(
      [node('edge-w-1', 'worker', '2', '4Gi')],
      [...pods('loki', 'server', 'important', '1500m', '1Gi'), ...pods('prometheus', 'server', 'critical', '1', '1Gi')],
      { running: new Map([['loki/server#0', 'edge-w-1']]) },
    );
    expect(whereIs(result)).toEqual({ 'prometheus/server#0': 'edge-w-1' });
    expect(result.pending).toEqual([]);
    expect(result.preempted.map((u) => [u.instance.name, u.preemptedBy])).toEqual([['loki/server#0', 'prometheus/server#0']]);
    expect(result.evictions).toEqual([{ victim: 'loki/server#0', preemptor: 'prometheus/server#0', node: 'edge-w-1' }]);
  });

  it('re-places an evicted pod where it still fits', () => {
    const result = placePods(
      twoWorkers(),
      [
        ...pods('loki', 'server', 'important', '1', '1Gi'),
        ...pods('argocd', 'server', 'critical', '1', '1Gi'),
        ...pods('prometheus', 'server', 'critical', '1500m', '1Gi'),
      ],
      { running: new Map([['loki/server#0', 'edge-w-1'], ['argocd/server#0', 'edge-w-2']]) },
    );
    expect(whereIs(result)).toEqual({
      'argocd/server#0': 'edge-w-2',
      'prometheus/server#0': 'edge-w-1',
      'loki/server#0': 'edge-w-2',
    });
    expect(result.evictions).toHaveLength(1);
    expect(result.preempted).toEqual([]);
  });

  it('evicts the least important pods, whichever node holds them', () => {
    const result = placePods(
      twoWorkers(),
      [
        ...pods('loki', 'server', 'important', '1500m', '1Gi'),
        ...pods('tenant', 'web', 'workloads', '1500m', '1Gi'),
        ...pods('prometheus', 'server', 'critical', '1', '1Gi'),
      ],
      { running: new Map([['loki/server#0', 'edge-w-1'], ['tenant/web#0', 'edge-w-2']]) },
    );
    expect(result.evictions).toEqual([{ victim: 'tenant/web#0', preemptor: 'prometheus/server#0', node: 'edge-w-2' }]);
  });

  it('breaks a tie between equally bad evictions by node name', () => {
    const result = placePods(
      twoWorkers(),
      [...pods('loki', 'server', 'important', '1500m', '1Gi', { replicas: 2 }), ...pods('prometheus', 'server', 'critical', '1', '1Gi')],
      { running: new Map([['loki/server#0', 'edge-w-2'], ['loki/server#1', 'edge-w-1']]) },
    );
    expect(result.evictions).toEqual([{ victim: 'loki/server#1', preemptor: 'prometheus/server#0', node: 'edge-w-1' }]);
  });

  it('never lets a workloads-tier pod preempt, even a lower-priority one', () => {
    const lowerClass = pods('batch', 'runner', 'workloads', '1500m', '1Gi', { priority: 500 });
    const running = { running: new Map([['batch/runner#0', 'edge-w-1']]) };
    const nodes = [node('edge-w-1', 'worker', '2', '4Gi')];

    const result = placePods(nodes, [...lowerClass, ...pods('tenant', 'web', 'workloads', '1', '1Gi')], running);
    expect(whereIs(result)).toEqual({ 'batch/runner#0': 'edge-w-1' });
    expect(names(result.pending)).toEqual(['tenant/web#0']);
    expect(result.evictions).toEqual([]);

    // The same pod allowed to preempt would have evicted it: the policy is what held it back.
    const preempting = pods('tenant', 'web', 'workloads', '1', '1Gi', { preemptionPolicy: 'PreemptLowerPriority' });
    expect(placePods(nodes, [...lowerClass, ...preempting], running).evictions).toHaveLength(1);
  });

  it('never evicts pods of the same priority', () => {
    const result = placePods(
      [node('edge-w-1', 'worker', '2', '4Gi')],
      [...pods('argocd', 'server', 'critical', '1500m', '1Gi'), ...pods('prometheus', 'server', 'critical', '1', '1Gi')],
      { running: new Map([['prometheus/server#0', 'edge-w-1']]) },
    );
    expect(names(result.pending)).toEqual(['argocd/server#0']);
    expect(result.evictions).toEqual([]);
  });
});

describe('placePods: stability', () => {
  it('gives identical placements for the same pods and nodes in any input order', () => {
    const allPods = [
      ...pods('cilium', 'agent', 'core', '100m', '128Mi', { daemonSet: true, nodeAgent: true }),
      ...pods('argocd', 'server', 'critical', '500m', '512Mi', { replicas: 2 }),
      ...pods('loki', 'server', 'important', '1', '2Gi'),
      ...pods('tenant', 'web', 'workloads', '250m', '256Mi', { replicas: 3 }),
    ];
    const nodes = edgeCluster({ cpu: '2', memory: '4Gi' }, { cpu: '1', memory: '2Gi' });
    const first = placePods(nodes, allPods);
    expect(placePods(nodes, allPods)).toEqual(first);
    expect(placePods([...nodes].reverse(), [...allPods].reverse())).toEqual(first);
  });
});

describe('placePods: one pod per node (required anti-affinity)', () => {
  it('never puts two pods of a one-per-node part on one node', () => {
    const result = placePods(edgeCluster({ cpu: '4', memory: '8Gi' }), pods('cilium', 'operator', 'core', '25m', '64Mi', { replicas: 2, onePerNode: true }));
    const where = whereIs(result);
    expect(new Set(Object.values(where)).size).toBe(2);
  });

  it('leaves a replica beyond the nodes up waiting, marked as held by the one-per-node rule', () => {
    const cp = [node('edge-cp-1', 'control-plane', '4', '8Gi')];
    const result = placePods(cp, pods('cilium', 'operator', 'core', '25m', '64Mi', { replicas: 2, onePerNode: true }));
    expect(whereIs(result)).toEqual({ 'cilium/operator#0': 'edge-cp-1' });
    expect(names(result.pending)).toEqual(['cilium/operator#1']);
    expect(result.pending[0]!.onePerNodeLimit).toBe(true);
  });

  it('without the rule both replicas share the node (the planner before it disagreed with the scheduler)', () => {
    const cp = [node('edge-cp-1', 'control-plane', '4', '8Gi')];
    const result = placePods(cp, pods('cilium', 'operator', 'core', '25m', '64Mi', { replicas: 2 }));
    expect(result.pending).toEqual([]);
  });
});
