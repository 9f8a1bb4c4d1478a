/**
 * The real kube-scheduler decides Green / Yellow / Red (docs/design.md#d6-sized-for-failure-scenarios, docs/design.md#d9-proven-by-execution): the
 * platform's pods, as the capacity planner sees them, run as real Deployments, StatefulSets and
 * DaemonSets on a real control plane with kwok nodes sized as platform.yaml says; each failure
 * scenario is played on the cluster and the outcome is compared, pod by pod, with the planner's.
 *
 *   npx vitest run --config vitest.cluster.config.ts test/cluster/scheduler.test.ts
 *
 * A worker goes "down" as follows: cordoned (so nothing new lands there), made NotReady
 * (setNodeReady(false)), and every pod on it that is not a DaemonSet pod force-deleted, as the
 * taint-eviction controller would do once tolerationSeconds ran out; the controllers recreate
 * them and the scheduler places (and preempts) as it wants. DaemonSet pods stay on the down node
 * (as they would) and are not counted: the planner does not see down nodes. After each scenario
 * the worker is uncordoned and made Ready, and every non-DaemonSet pod is deleted once more so
 * that the next scenario starts from a fresh Green (logged as its baseline).
 *
 * Two passes on one cluster:
 * 1. the planner's model (no volumes): Green, each Yellow, Red. Failures: (a) in Red a core or
 *    critical pod not Running on the control-plane node; (b) in Green and Yellow a pod the
 *    planner places that is not Running; (c) any disagreement on WHETHER a pod runs. A pod on
 *    another node than the planner's is reported only (first fit vs the scheduler's scoring).
 * 2. local-path volumes (README "Capacity and failure scenarios" caveat): the parts whose values
 *    declare a local-path volume get a volumeClaimTemplate; the test plays the local-path
 *    provisioner once, in Green (a PV with nodeAffinity to the node the scheduler selected for
 *    the pod, pre-bound to its claim by claimRef; no provisioner runs afterwards); then Yellow
 *    and Red again. Only (a) for pods without such a volume fails; the rest is reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from './harness.js';
import { summary } from './common.js';
import { buildTestSite, upstreamForTests } from '../helpers/site.js';
import type { SiteBuild } from '../../platform/synth/build.js';
import { placePods, podsFromParts, type ScenarioOutcome } from '../../platform/planner/index.js';
import {
  compareScenario,
  formatComparison,
  isLifeboat,
  localPathStorageClass,
  localPathVolume,
  observePod,
  partWorkloads,
  priorityClassManifests,
  summaryLine,
  workloadManifest,
  COMPONENT_LABEL,
  INSTANCE_LABEL,
  PENDING,
  VOLUME_PARTS,
  type ObservedPod,
  type PartWorkload,
  type ScenarioComparison,
} from './scheduler-model.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whole-file budget: the cluster, both passes and the teardown. */
const BUDGET_MS = 10 * 60_000;
/** A scenario is measured once the pods did not change for this long. */
const QUIET_MS = 6_000;
const SETTLE_TIMEOUT_MS = 90_000;

interface Measured {
  readonly outcome: ScenarioOutcome;
  readonly cmp: ScenarioComparison;
  /** The planner re-run from the scheduler's own Green (separates "first fit started elsewhere" from real disagreements). */
  readonly fromRealGreen: ScenarioComparison | undefined;
}

/**
 * A replica the planner itself leaves waiting because its part runs one pod per node (the Cilium
 * operator's required anti-affinity) while another pod of the part runs on the control-plane
 * node: the part survives Red; (a) is about parts, not about replicas no 1-node cluster can hold.
 */
function heldByOnePerNode(
  m: { outcome: { placement: { pending: readonly { instance: { name: string }; onePerNodeLimit?: true }[] } }; cmp: { rows: readonly { name: string; scheduler: string }[] } },
  name: string,
  controlPlane: string,
): boolean {
  const held = m.outcome.placement.pending.some((u) => u.instance.name === name && u.onePerNodeLimit);
  const part = name.replace(/[#@].*$/, '');
  return held && m.cmp.rows.some((r) => r.name !== name && r.name.replace(/[#@].*$/, '') === part && r.scheduler === controlPlane);
}

describe('the real kube-scheduler decides Green / Yellow / Red', () => {
  const t0 = Date.now();
  let site: SiteBuild;
  let workloads: PartWorkload[];
  let cluster: TestCluster | undefined;
  let controlPlane = '';
  let workers: string[] = [];
  /** PVC `namespace/name` → node of its local-path PV (volume pass). */
  const volumeNodeOf = new Map<string, string>();
  const passA: Measured[] = [];
  const passB: Measured[] = [];

  const api = async (method: string, path: string, body?: unknown, contentType?: string): Promise<any> => {
    const res = await cluster!.api(method, path, body, contentType);
    if (res.status >= 300 && !(method === 'DELETE' && res.status === 404)) {
      throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
    }
    return res.body;
  };

  const apply = async (objects: unknown[]): Promise<void> => {
    await cluster!.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }), check: true });
  };

  const listPods = async (): Promise<ObservedPod[]> => {
    const body = await api('GET', `/api/v1/pods?labelSelector=${encodeURIComponent(COMPONENT_LABEL)}`);
    return (body.items as unknown[]).flatMap((p) => observePod(p) ?? []);
  };

  const forceDelete = async (pods: readonly ObservedPod[]): Promise<void> => {
    await Promise.all(
      pods.map((p) =>
        // DeleteOptions as query parameters: the harness's api() sends no Content-Length, and Node
        // sends a DELETE body unchunked, so a body would corrupt the next request on the connection.
        api('DELETE', `/api/v1/namespaces/${p.namespace}/pods/${p.name}?gracePeriodSeconds=0`),
      ),
    );
  };

  const isDaemonSetPod = (p: ObservedPod): boolean => p.daemonSetNode !== undefined;

  /** Plays the local-path provisioner for claims the scheduler selected a node for. */
  const provisionClaims = async (): Promise<void> => {
    const pvcs = (await api('GET', '/api/v1/persistentvolumeclaims')).items as any[];
    for (const pvc of pvcs) {
      const key = `${pvc.metadata.namespace}/${pvc.metadata.name}`;
      const node = pvc.metadata.annotations?.['volume.kubernetes.io/selected-node'];
      if (!node || pvc.spec.volumeName || volumeNodeOf.has(key)) continue;
      const pv = localPathVolume(
        {
          namespace: pvc.metadata.namespace,
          name: pvc.metadata.name,
          uid: pvc.metadata.uid,
          storageClassName: pvc.spec.storageClassName,
          size: pvc.spec.resources.requests.storage,
        },
        node,
      );
      await api('POST', '/api/v1/persistentvolumes', pv);
      volumeNodeOf.set(key, node);
    }
  };

  /**
   * Waits until every workload has its pods, none is being deleted, every pod is either Running
   * on a node or rejected by the scheduler (PodScheduled=False), and nothing changed for QUIET_MS.
   */
  const settle = async (what: string, opts: { provision?: boolean } = {}): Promise<ObservedPod[]> => {
    const until = Math.min(Date.now() + SETTLE_TIMEOUT_MS, t0 + BUDGET_MS - 60_000);
    let lastSig = '';
    let since = Date.now();
    let why = '';
    for (;;) {
      if (opts.provision) await provisionClaims();
      const [pods, dsList] = await Promise.all([listPods(), api('GET', `/apis/apps/v1/daemonsets?labelSelector=${encodeURIComponent(INSTANCE_LABEL)}`)]);
      const problems: string[] = [];
      for (const w of workloads) {
        const mine = pods.filter((p) => p.component === w.component && p.part === w.part && !p.deleting);
        if (w.kind === 'DaemonSet') {
          const ds = (dsList.items as any[]).find((d) => d.metadata.name === w.name && d.metadata.namespace === w.namespace);
          const want = ds?.status?.desiredNumberScheduled;
          if (!want || mine.length !== want) problems.push(`${w.name}: ${mine.length}/${want ?? '?'} DaemonSet pods`);
        } else if (mine.length !== w.replicas) {
          problems.push(`${w.name}: ${mine.length}/${w.replicas} pods`);
        }
      }
      for (const p of pods) {
        if (p.deleting) problems.push(`${p.name} terminating`);
        else if (p.node ? p.phase !== 'Running' : !p.reason || p.nominatedNode) problems.push(`${p.name} ${p.phase}${p.nominatedNode ? ` nominated ${p.nominatedNode}` : ''}`);
      }
      const sig = JSON.stringify(pods.map((p) => [p.namespace, p.name, p.node ?? '', p.phase]).sort());
      if (problems.length || sig !== lastSig) {
        lastSig = sig;
        since = Date.now();
        why = problems.slice(0, 8).join('; ');
      } else if (Date.now() - since >= QUIET_MS) {
        return pods;
      }
      if (Date.now() > until) throw new Error(`${what}: pods not stable in time (${why || 'still changing'})`);
      await sleep(1000);
    }
  };

  const setCordon = async (node: string, unschedulable: boolean): Promise<void> => {
    await api('PATCH', `/api/v1/nodes/${node}`, { spec: { unschedulable } }, 'application/strategic-merge-patch+json');
  };

  const takeDown = async (nodes: readonly string[]): Promise<void> => {
    for (const n of nodes) await setCordon(n, true);
    await Promise.all(nodes.map((n) => cluster!.setNodeReady(n, false)));
    const pods = await listPods();
    await forceDelete(pods.filter((p) => p.node !== undefined && nodes.includes(p.node) && !isDaemonSetPod(p)));
  };

  const bringUp = async (nodes: readonly string[]): Promise<void> => {
    await Promise.all(nodes.map((n) => cluster!.setNodeReady(n, true)));
    for (const n of nodes) await setCordon(n, false);
  };

  /** A fresh Green: every non-DaemonSet pod deleted and placed again with all nodes up. */
  const freshGreen = async (what: string): Promise<ObservedPod[]> => {
    await forceDelete((await listPods()).filter((p) => !isDaemonSetPod(p)));
    return settle(what);
  };

  const log = (text: string): void => {
    console.log(text);
  };

  /**
   * Plays one scenario and compares it with the planner's outcome. `baseline`: the Green the
   * cluster was in before it (to re-run the planner from the scheduler's own Green).
   */
  const measure = async (
    pass: 'A' | 'B',
    outcome: ScenarioOutcome,
    baseline: readonly ObservedPod[] | undefined,
  ): Promise<{ measured: Measured; pods: ObservedPod[] }> => {
    const down = outcome.scenario.downNodes;
    const upNodes = outcome.scenario.upNodes.map((n) => n.name);
    const started = Date.now();
    let pods: ObservedPod[];
    if (down.length === 0) {
      pods = baseline ? [...baseline] : await settle(`${pass} ${outcome.scenario.name}`);
    } else {
      try {
        await takeDown(down);
        pods = await settle(`${pass} ${outcome.scenario.name}`);
      } finally {
        await bringUp(down);
      }
    }
    const volumes = pass === 'B' ? volumeNodeOf : undefined;
    const cmp = compareScenario({ scenario: outcome.scenario.name, placement: outcome.placement, observed: pods, upNodes, controlPlane, workloads, volumeNodeOf: volumes });
    let fromRealGreen: ScenarioComparison | undefined;
    if (down.length > 0 && baseline) {
      const green = compareScenario({
        scenario: 'baseline',
        placement: site.plan.outcomes[0]!.placement,
        observed: baseline,
        upNodes: [controlPlane, ...workers],
        controlPlane,
        workloads,
      });
      const running = new Map(green.rows.filter((r) => r.scheduler !== PENDING).map((r) => [r.name, r.scheduler]));
      const placement = placePods(outcome.scenario.upNodes, site.components.flatMap((c) => podsFromParts(c.componentName, c.parts)), { running });
      fromRealGreen = compareScenario({ scenario: outcome.scenario.name, placement, observed: pods, upNodes, controlPlane, workloads, volumeNodeOf: volumes });
    }
    const measured = { outcome, cmp, fromRealGreen };
    const timing = down.length === 0 ? 'the Green the cluster settled in' : `measured in ${((Date.now() - started) / 1000).toFixed(1)} s`;
    const extra = fromRealGreen
      ? `\n  planner re-run from the scheduler's own Green: whether-disagreements ${fromRealGreen.rows.filter((r) => r.verdict === 'whether').map((r) => r.name).join(', ') || 'none'}`
      : '';
    log(`${formatComparison(cmp, workloads, `pass ${pass} — ${outcome.scenario.name}`)}${extra}\n  (${timing})`);
    return { measured, pods };
  };

  /** Runs Green, then each failure scenario from a fresh Green. */
  const runPass = async (pass: 'A' | 'B', green: ObservedPod[], into: Measured[]): Promise<void> => {
    const [greenOutcome, ...failures] = site.plan.outcomes;
    into.push((await measure(pass, greenOutcome!, green)).measured);
    let baseline = green;
    for (const [i, outcome] of failures.entries()) {
      into.push((await measure(pass, outcome, baseline)).measured);
      if (i < failures.length - 1) baseline = await freshGreen(`pass ${pass}: fresh Green after ${outcome.scenario.name}`);
    }
  };

  beforeAll(async () => {
    site = await buildTestSite();
    workloads = partWorkloads(site.components, upstreamForTests());
    controlPlane = site.config.nodes.find((n) => n.role === 'control-plane')!.name;
    workers = site.config.nodes.filter((n) => n.role === 'worker').map((n) => n.name).sort();
    log(
      `[scheduler] ${workloads.length} steady-state parts; deviations from the tier model:\n` +
        workloads.flatMap((w) => w.notes.map((n) => `  - ${w.component}/${w.part}: ${n}`)).join('\n'),
    );
    cluster = await startCluster({
      nodes: site.config.nodes.map((n) => ({ name: n.name, role: n.role, cpu: n.cpu, memory: n.memory })),
    });
    log(`[scheduler] cluster ${cluster.version} up in ${cluster.startupMs} ms`);
    const namespaces = [...new Set(workloads.map((w) => w.namespace))].filter((n) => !['default', 'kube-system'].includes(n)).sort();
    await apply([
      ...priorityClassManifests(),
      localPathStorageClass(),
      ...namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    ]);
    // Pods can only be created once each namespace has its default ServiceAccount.
    for (const ns of namespaces) {
      const until = Date.now() + 30_000;
      while ((await cluster.api('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status !== 200) {
        if (Date.now() > until) throw new Error(`namespace ${ns}: no default ServiceAccount after 30 s`);
        await sleep(200);
      }
    }
    await apply(workloads.map((w) => workloadManifest(w, false)));
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    log(`[scheduler] total run time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 60_000);

  it("models every steady-state part with the planner's requests", () => {
    const mismatches = workloads
      .filter((w) => w.cpuMillicores !== w.planned.cpuMillicores || w.memoryBytes !== w.planned.memoryBytes)
      .map((w) => `${w.component}/${w.part}: pod ${w.cpuMillicores}m/${w.memoryBytes}B, planner ${w.planned.cpuMillicores}m/${w.planned.memoryBytes}B`);
    expect(mismatches).toEqual([]);
    const plannedParts = new Set(site.plan.outcomes[0]!.placement.placements.map((p) => `${p.instance.pod.component}/${p.instance.pod.part}`));
    expect([...plannedParts].filter((p) => !workloads.some((w) => `${w.component}/${w.part}` === p))).toEqual([]);
  });

  it('pass A (no volumes): the scheduler runs the pods the planner runs; in Red every core and critical pod runs on the control-plane node', async () => {
    const green = await settle('pass A Green');
    await runPass('A', green, passA);
    summary('scheduler vs planner, pass A (no volumes)', passA.map((m) => summaryLine(m.cmp)));

    const red = passA.find((m) => m.outcome.scenario.kind === 'red')!;
    const notOnCp = red.cmp.rows.filter((r) => isLifeboat(r.tier) && r.scheduler !== controlPlane && !heldByOnePerNode(red, r.name, controlPlane));
    expect.soft(notOnCp.map((r) => `${r.name} (${r.tier}): ${r.scheduler} — ${r.schedulerNote ?? ''}`), '(a) Red: core/critical pods not Running on the control-plane node').toEqual([]);

    const notRunning = passA
      .filter((m) => m.outcome.scenario.kind !== 'red')
      .flatMap((m) => m.cmp.rows.filter((r) => r.planner !== PENDING && r.scheduler === PENDING).map((r) => `${m.outcome.scenario.name}: ${r.name} — ${r.schedulerNote ?? ''}`));
    expect.soft(notRunning, '(b) Green/Yellow: pods the planner places that the scheduler leaves Pending').toEqual([]);

    const whether = passA.flatMap((m) =>
      m.cmp.rows.filter((r) => r.verdict === 'whether').map((r) => `${m.outcome.scenario.name}: ${r.name} planner ${r.planner}, scheduler ${r.scheduler} — ${r.schedulerNote ?? r.plannerNote ?? ''}`),
    );
    expect.soft(whether, '(c) planner and scheduler disagree on whether these pods run').toEqual([]);
    expect(passA.map((m) => m.outcome.scenario.name)).toEqual(site.plan.outcomes.map((o) => o.scenario.name));
  }, 240_000);

  it('pass B (local-path volumes): pods whose volume sits on a dead worker stay Pending (README caveat); the others still run in Red', async () => {
    expect(cluster, 'cluster').toBeDefined();
    // Start from a clean, all-up cluster whatever pass A left.
    await bringUp(workers);
    const declared = VOLUME_PARTS.map((v) => {
      const c = site.components.find((x) => x.componentName === v.component);
      const vol = c ? v.volume(c.values) : undefined;
      return `${v.component}/${v.part}: ${vol ? `${vol.size} ${vol.storageClassName ?? '(default class)'} from ${vol.source}` : 'no volume in the values'}`;
    });
    log(`[scheduler] volumes declared by the values:\n  ${declared.join('\n  ')}`);
    const withVolume = workloads.filter((w) => w.volume);
    expect(withVolume.length, 'parts with a local-path volume').toBeGreaterThan(0);
    // volumeClaimTemplates are immutable: replace those StatefulSets.
    for (const w of withVolume) {
      await api('DELETE', `/apis/apps/v1/namespaces/${w.namespace}/statefulsets/${w.name}?propagationPolicy=Background`);
    }
    const until = Date.now() + 60_000;
    for (;;) {
      const left = (await listPods()).filter((p) => withVolume.some((w) => w.component === p.component && w.part === p.part));
      if (left.length === 0) break;
      await forceDelete(left);
      if (Date.now() > until) throw new Error(`old StatefulSet pods still there: ${left.map((p) => p.name).join(', ')}`);
      await sleep(500);
    }
    await apply(withVolume.map((w) => workloadManifest(w, true)));
    // A fresh Green: Red left the lifeboat pods on the control-plane node.
    await forceDelete((await listPods()).filter((p) => !isDaemonSetPod(p) && !withVolume.some((w) => w.component === p.component && w.part === p.part)));
    const green = await settle('pass B Green (provisioning)', { provision: true });
    const pvcs = ((await api('GET', '/api/v1/persistentvolumeclaims')).items as any[]).map(
      (p) => `${p.metadata.namespace}/${p.metadata.name}: ${p.status.phase} → ${p.spec.volumeName ?? '-'} on ${volumeNodeOf.get(`${p.metadata.namespace}/${p.metadata.name}`) ?? '?'}`,
    );
    log(`[scheduler] local-path volumes (no provisioner runs from now on):\n  ${pvcs.join('\n  ')}`);
    expect(pvcs.filter((p) => !p.includes(': Bound'))).toEqual([]);

    await runPass('B', green, passB);
    summary('scheduler vs planner, pass B (local-path volumes)', passB.map((m) => summaryLine(m.cmp)));

    const redA = passA.find((m) => m.outcome.scenario.kind === 'red');
    const redB = passB.find((m) => m.outcome.scenario.kind === 'red')!;
    const lost = redB.cmp.rows.filter((r) => r.scheduler === PENDING && redA?.cmp.rows.find((a) => a.name === r.name)?.scheduler !== PENDING);
    log(
      `[scheduler] what local-path volumes change in Red (planner: on ${controlPlane}; scheduler: Pending):\n` +
        (lost.map((r) => `  - ${r.name} (${r.tier}) volume on ${r.volumeNode ?? '?'}: ${r.schedulerNote ?? ''}`).join('\n') || '  nothing'),
    );
    const volumeBlocked = passB.flatMap((m) => m.cmp.rows.filter((r) => r.verdict === 'volume').map((r) => `${m.outcome.scenario.name}: ${r.name} (volume on ${r.volumeNode})`));
    log(`[scheduler] pods held Pending by their volume, all scenarios: ${volumeBlocked.join('; ') || 'none'}`);

    const notOnCp = redB.cmp.rows.filter((r) => isLifeboat(r.tier) && r.volumeNode === undefined && r.scheduler !== controlPlane && !heldByOnePerNode(redB, r.name, controlPlane));
    expect(notOnCp.map((r) => `${r.name} (${r.tier}): ${r.scheduler} — ${r.schedulerNote ?? ''}`), '(a) Red, pods without a local volume: not Running on the control-plane node').toEqual([]);
  }, 240_000);
});
