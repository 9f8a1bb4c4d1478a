/**
 * Smoke test of the real test cluster (test/cluster/harness.ts): etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok, built by scripts/test-cluster/build-tools.sh.
 * Run: npx vitest run --root . test/cluster/harness.test.ts
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, startCluster, type TestCluster, type TestNode } from './harness.js';

const nodes: TestNode[] = [
  { name: 'cp-1', role: 'control-plane', cpu: '4', memory: '8Gi' },
  { name: 'worker-1', role: 'worker', cpu: '4', memory: '8Gi', labels: { 'edge-idp.dev/pool': 'general' } },
  { name: 'worker-2', role: 'worker', cpu: '4', memory: '8Gi', labels: { 'edge-idp.dev/pool': 'general' } },
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Obj = any;

async function json(cluster: TestCluster, args: string[]): Promise<Obj> {
  const res = await cluster.kubectl([...args, '-o', 'json'], { check: true });
  return JSON.parse(res.stdout);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const readyStatus = (node: Obj): string | undefined => node.status.conditions.find((c: Obj) => c.type === 'Ready')?.status;

describe('test cluster harness (real control plane + kwok)', () => {
  let cluster: TestCluster;
  let workDir = '';
  let pids: number[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ nodes, notReadyUntilCni: true });
    workDir = cluster.workDir;
    pids = Object.values(cluster.pids);
    console.log(`[harness] cluster ${cluster.version} up in ${cluster.startupMs} ms ${JSON.stringify(cluster.timings)} (${workDir})`);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('serves Kubernetes v1.33 to kubectl', async () => {
    expect(cluster.version).toMatch(/^v1\.33\.\d+$/);
    const v = await json(cluster, ['version']);
    expect(v.serverVersion.gitVersion).toBe(cluster.version);
    expect(v.clientVersion.gitVersion).toMatch(/^v1\.33\./);
    expect(cluster.env.KUBECONFIG).toBe(cluster.kubeconfig);
    expect(cluster.env.PATH.split(':')[0]).toBe(cluster.tools.KUBECTL!.replace(/\/kubectl$/, ''));
  });

  it('has the fake nodes with roles, labels, capacity and the control-plane taint', async () => {
    const list = await json(cluster, ['get', 'nodes']);
    expect(list.items.map((n: Obj) => n.metadata.name).sort()).toEqual(['cp-1', 'worker-1', 'worker-2']);
    const cp = list.items.find((n: Obj) => n.metadata.name === 'cp-1');
    expect(cp.metadata.labels['node-role.kubernetes.io/control-plane']).toBe('');
    expect(cp.metadata.labels['kubernetes.io/hostname']).toBe('cp-1');
    expect(cp.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
    expect(cp.spec.taints).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
    const w = list.items.find((n: Obj) => n.metadata.name === 'worker-1');
    expect(w.metadata.labels['edge-idp.dev/pool']).toBe('general');
    expect(w.metadata.labels['node-role.kubernetes.io/control-plane']).toBeUndefined();
    expect(w.status.allocatable).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110' });
    expect(w.status.capacity).toMatchObject({ cpu: '4', memory: '8Gi', pods: '110' });
  });

  it('rejects a pod that names a missing PriorityClass (Priority admission)', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'no-such-priority', namespace: 'default' },
      spec: { priorityClassName: 'does-not-exist', containers: [{ name: 'c', image: 'registry.local/app:1' }] },
    };
    const res = await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify(pod) });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/no PriorityClass with name does-not-exist was found/);
    expect((await cluster.kubectl(['get', 'pod', 'no-such-priority'])).code).not.toBe(0);
  });

  it('keeps notReadyUntilCni nodes NotReady (pods Pending) until setNodeReady, then schedules on a worker', async () => {
    // NotReady, tainted, and kwok keeps heartbeating (leases) without flipping them Ready.
    const leasesBefore = await json(cluster, ['-n', 'kube-node-lease', 'get', 'leases']);
    await sleep(8_000);
    const list = await json(cluster, ['get', 'nodes']);
    for (const n of list.items) {
      expect(readyStatus(n), n.metadata.name).toBe('False');
      const ready = n.status.conditions.find((c: Obj) => c.type === 'Ready');
      expect(ready.message).toMatch(/network not ready/);
      expect(n.spec.taints).toContainEqual(expect.objectContaining({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }));
    }
    const leasesAfter = await json(cluster, ['-n', 'kube-node-lease', 'get', 'leases']);
    for (const l of leasesAfter.items) {
      const before = leasesBefore.items.find((b: Obj) => b.metadata.name === l.metadata.name);
      expect(l.spec.renewTime, `lease ${l.metadata.name} renewed`).not.toBe(before?.spec.renewTime);
    }

    const manifests = [
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'edge-platform-high' }, value: 100000, globalDefault: false },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              priorityClassName: 'edge-platform-high',
              containers: [{ name: 'web', image: 'registry.local/web:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
            },
          },
        },
      },
    ];
    await cluster.kubectl(['apply', '-f', '-'], { input: manifests.map((m) => JSON.stringify(m)).join('\n---\n'), check: true });

    const pending = await waitFor('the web pod to exist and be unschedulable', async () => {
      const pods = await json(cluster, ['get', 'pods', '-l', 'app=web']);
      const p = pods.items[0];
      const cond = p?.status?.conditions?.find((c: Obj) => c.type === 'PodScheduled');
      return cond?.status === 'False' ? p : undefined;
    });
    expect(pending.spec.priority).toBe(100000);
    expect(pending.status.phase).toBe('Pending');
    expect(pending.spec.nodeName).toBeUndefined();
    await sleep(3_000);
    const still = await json(cluster, ['get', 'pods', '-l', 'app=web']);
    expect(still.items[0].spec.nodeName).toBeUndefined();

    for (const n of nodes) await cluster.setNodeReady(n.name, true);
    const nodesNow = await json(cluster, ['get', 'nodes']);
    for (const n of nodesNow.items) {
      expect(readyStatus(n), n.metadata.name).toBe('True');
      expect((n.spec.taints ?? []).filter((t: Obj) => t.key.startsWith('node.kubernetes.io/'))).toEqual([]);
    }

    const running = await waitFor('the web pod to run', async () => {
      const pods = await json(cluster, ['get', 'pods', '-l', 'app=web']);
      const p = pods.items[0];
      return p?.status?.phase === 'Running' ? p : undefined;
    });
    expect(['worker-1', 'worker-2']).toContain(running.spec.nodeName);
    expect(running.status.podIP).toMatch(/^10\.42\./);
    await cluster.kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s'], { check: true });
  }, 120_000);

  it('completes Job pods (kwok pod-complete stage)', async () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once', namespace: 'default' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'registry.local/job:1' }] } } },
    };
    await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify(job), check: true });
    await cluster.kubectl(['wait', '--for=condition=complete', 'job/once', '--timeout=45s'], { check: true, timeoutMs: 60_000 });
    const pods = await json(cluster, ['get', 'pods', '-l', 'job-name=once']);
    expect(pods.items[0].status.phase).toBe('Succeeded');
  }, 60_000);

  it('stop() leaves no processes and removes the work dir', async () => {
    expect(pids.length).toBe(5);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    await cluster.stop();
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    if (process.env.KEEP_CLUSTER !== '1') expect(existsSync(workDir)).toBe(false);
    await cluster.stop(); // idempotent
  }, 60_000);
});

describe('test cluster harness, nodes Ready from the start', () => {
  it('starts Ready, untainted nodes; setNodeReady(false) taints a node again', async () => {
    const cluster = await startCluster({
      nodes: [
        { name: 'cp-1', role: 'control-plane', cpu: '2', memory: '4Gi' },
        { name: 'worker-1', role: 'worker', cpu: '2', memory: '4Gi' },
      ],
    });
    try {
      console.log(`[harness] ready cluster up in ${cluster.startupMs} ms ${JSON.stringify(cluster.timings)}`);
      const list = await json(cluster, ['get', 'nodes']);
      for (const n of list.items) {
        expect(readyStatus(n), n.metadata.name).toBe('True');
        expect((n.spec.taints ?? []).filter((t: Obj) => t.key.startsWith('node.kubernetes.io/'))).toEqual([]);
      }
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', namespace: 'default' },
        spec: { containers: [{ name: 'c', image: 'registry.local/app:1' }] },
      };
      await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify(pod), check: true });
      await cluster.kubectl(['wait', '--for=condition=Ready', 'pod/p', '--timeout=30s'], { check: true });
      expect((await json(cluster, ['get', 'pod', 'p'])).spec.nodeName).toBe('worker-1');

      await cluster.setNodeReady('worker-1', false);
      const w = await json(cluster, ['get', 'node', 'worker-1']);
      expect(readyStatus(w)).toBe('False');
      expect(w.spec.taints).toContainEqual(expect.objectContaining({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }));
      // The lifecycle controller also adds the NoExecute taint (taint-based eviction, 300 s default toleration).
      await waitFor('not-ready:NoExecute taint', async () => {
        const node = await json(cluster, ['get', 'node', 'worker-1']);
        return (node.spec.taints ?? []).some((t: Obj) => t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoExecute');
      });
      await cluster.setNodeReady('worker-1', true);
    } finally {
      const pids = Object.values(cluster.pids);
      await cluster.stop();
      for (const pid of pids) expect(isAlive(pid)).toBe(false);
    }
  }, 180_000);
});
