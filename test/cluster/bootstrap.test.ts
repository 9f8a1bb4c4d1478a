/**
 * The real bootstrap on a real control plane (issue "A real Kubernetes control plane in CI",
 * item 1; re-proves items 1, 2, 5 and 7 of "Converge for real").
 *
 * bootstrap.sh runs unmodified, with the real kubectl and helm, against kube-apiserver (RBAC,
 * Priority and Pod Security admission), controller-manager, scheduler and kwok nodes built from
 * platform.yaml. The nodes start as a CNI-less cluster does: NotReady, with the
 * `node.kubernetes.io/not-ready` taint. A CNI stand-in turns a node Ready only once the Cilium
 * agent runs on it *and* a Cilium operator runs (cluster-pool IPAM: the operator allocates each
 * node's pod CIDR), so an operator that cannot tolerate not-ready nodes deadlocks here as it
 * would on k3s. Charts come from a local directory: the fixture charts in
 * test/fixtures/bootstrap-charts, or the real ones with EDGE_IDP_CHARTS_DIR.
 *
 * Before the real run, three negative controls ask the same API server what happens without
 * each fix, so the suite proves the defects exist, not only that the fixes pass.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findHelm } from '../../platform/render/helm.js';
import { parseRenderedYaml } from '../../platform/render/render.js';
import { startCluster, type TestCluster } from './harness.js';
import { bootstrapEnv, realChartsDir, REPO_ROOT, requireUpstream, run, runStreaming, siteNodes, sleep, summary, waitFor } from './common.js';

const env = bootstrapEnv();
const upstream = requireUpstream();
const work = mkdtempSync(join(tmpdir(), 'edge-idp-bootstrap-test-'));
let helmPath = '';

/**
 * An EncryptionConfiguration as k3s --secrets-encryption writes one (aescbc, then identity to
 * read what was stored before): the real run's API server encrypts Secrets with it.
 */
function encryptionConfig(): string {
  const file = join(work, 'encryption-config.json');
  const key = randomBytes(32).toString('base64');
  writeFileSync(
    file,
    JSON.stringify({
      kind: 'EncryptionConfiguration',
      apiVersion: 'apiserver.config.k8s.io/v1',
      resources: [{ resources: ['secrets'], providers: [{ aescbc: { keys: [{ name: 'aescbckey', secret: key }] } }, { identity: {} }] }],
    }),
  );
  return file;
}

/** edge-idp bootstrap preflight-encryption on what kubectl reads from this cluster (the Secret written first, as a server does at start). */
async function encryptionPreflight(cluster: TestCluster, secret: string): Promise<{ code: number; stdout: string; stderr: string }> {
  await cluster.kubectl(['create', 'secret', 'generic', secret, '-n', 'kube-system', '--from-literal=k=v'], { check: true });
  const nodes = join(work, `${secret}-nodes.json`);
  const metrics = join(work, `${secret}-metrics.txt`);
  writeFileSync(nodes, (await cluster.kubectl(['get', 'nodes', '-o', 'json'], { check: true })).stdout);
  writeFileSync(metrics, (await cluster.kubectl(['get', '--raw', '/metrics'], { check: true, timeoutMs: 60_000 })).stdout);
  const envFile = readdirSync(join(REPO_ROOT, 'synth'))
    .map((site) => join('synth', site, 'bootstrap', 'bootstrap.env'))
    .find((f) => existsSync(join(REPO_ROOT, f)))!;
  return run('node', [join(REPO_ROOT, 'bin', 'edge-idp.mjs'), 'bootstrap', 'preflight-encryption', '--env', envFile, '--nodes', nodes, '--metrics', metrics], { cwd: REPO_ROOT });
}

/** The charts bootstrap installs, unpacked: the real ones, or the fixtures with ArgoCD's upstream CRDs. */
function chartsDir(): string {
  const real = realChartsDir();
  if (real) return real;
  const dir = join(work, 'charts');
  cpSync(join(REPO_ROOT, 'test', 'fixtures', 'bootstrap-charts', 'cilium'), join(dir, `cilium-${env.CILIUM_VERSION}`), { recursive: true });
  const argo = join(dir, `argo-cd-${env.ARGOCD_VERSION}`);
  cpSync(join(REPO_ROOT, 'test', 'fixtures', 'bootstrap-charts', 'argo-cd'), argo, { recursive: true });
  cpSync(join(upstream, 'crds', 'argoproj.io'), join(argo, 'crds'), { recursive: true });
  return dir;
}


async function makeGitRepo(): Promise<Record<string, string>> {
  const src = join(work, "src");
  const bare = join(work, "repo.git");
  const g = (args: string[], cwd = work) => run('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  for (const r of [
    await g(['init', '-q', '-b', env.GIT_REVISION!, src]),
    await g(['-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'site'], src),
    await g(['clone', '-q', '--bare', src, bare]),
  ]) {
    if (r.code !== 0) throw new Error(`git failed: ${r.stderr}`);
  }
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `url.file://${bare}.insteadOf`, GIT_CONFIG_VALUE_0: env.GIT_REPO_URL! };
}

/**
 * The CNI stand-in: a node becomes Ready once a Cilium agent pod runs on it and some operator
 * pod runs. It also does what a kubelet's status sync does once its node is Ready: a pod the
 * node lifecycle controller marked NotReady while the node was NotReady (it does so for every
 * pod it sees bound to a NotReady node) is reported Ready again. kwok sets a pod Ready only once,
 * so without this a pod bound in that window stayed NotReady for good (seen once on CI: the
 * second Cilium operator replica, "1 of 2 updated replicas are available" until the timeout).
 * Returns a stop function.
 */
function cniStandIn(cluster: TestCluster, namespace: string): () => Promise<void> {
  let stopped = false;
  const ready = new Set<string>();
  type Pod = {
    metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
    spec: { nodeName?: string };
    status: { phase?: string; conditions?: { type: string; status: string }[] };
  };
  const loop = (async () => {
    while (!stopped) {
      const r = await cluster.kubectl(['get', 'pods', '-n', namespace, '-o', 'json']);
      // A poll has come back with exit 0 and no output on a loaded machine (seen once): try again.
      if (r.code === 0 && r.stdout.trim() !== '') {
        const pods = (JSON.parse(r.stdout) as { items: Pod[] }).items;
        const running = (label: string, value: string) => pods.filter((p) => p.metadata.labels?.[label] === value && p.status.phase === 'Running');
        if (running('io.cilium/app', 'operator').length > 0) {
          for (const agent of running('k8s-app', 'cilium')) {
            const node = agent.spec.nodeName;
            if (node && !ready.has(node)) {
              ready.add(node);
              await cluster.setNodeReady(node, true);
            }
          }
        }
        const markedNotReady = pods.filter(
          (p) =>
            !p.metadata.deletionTimestamp &&
            p.status.phase === 'Running' &&
            ready.has(p.spec.nodeName ?? '') &&
            p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'False'),
        );
        for (const p of markedNotReady) {
          const patch = { status: { conditions: ['Ready', 'ContainersReady'].map((type) => ({ type, status: 'True' })) } };
          await cluster.kubectl(['patch', 'pod', p.metadata.name, '-n', namespace, '--subresource=status', '--type=strategic', '-p', JSON.stringify(patch)]);
        }
      }
      await sleep(500);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

/** The cilium chart rendered as bootstrap renders it (same values and API versions), optionally with values overridden. */
async function renderCilium(charts: string, extraValues?: Record<string, unknown>): Promise<string> {
  const args = ['template', env.CILIUM_RELEASE!, join(charts, `cilium-${env.CILIUM_VERSION}`), '--namespace', env.CILIUM_NAMESPACE!, '--kube-version', env.KUBERNETES_VERSION!, '--include-crds'];
  for (const v of env.HELM_API_VERSIONS!.split(' ')) args.push('--api-versions', v);
  args.push('-f', join(REPO_ROOT, env.CILIUM_VALUES!));
  if (extraValues) {
    const f = join(work, `override-${Date.now()}.json`);
    writeFileSync(f, JSON.stringify(extraValues));
    args.push('-f', f);
  }
  const r = await run(helmPath, args);
  if (r.code !== 0) throw new Error(`helm template cilium failed: ${r.stderr}`);
  return r.stdout;
}

/** What the cluster looked like when a run failed: the pods, the nodes and the events, for the failure message. */
async function liveState(cluster: TestCluster): Promise<string> {
  const out: string[] = ['--- live state after the failed run ---'];
  for (const args of [
    ['get', 'nodes', '-o', 'wide'],
    ['get', 'pods', '-A', '-o', 'wide'],
    ['get', 'pods', '-n', env.CILIUM_NAMESPACE!, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.phase} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'],
    ['get', 'events', '-A', '--sort-by=.lastTimestamp'],
  ]) {
    const r = await cluster.kubectl(args);
    out.push(`$ kubectl ${args.join(' ')}`, r.stdout.trim(), r.stderr.trim());
  }
  return out.join('\n');
}

const kinds = (manifest: string) =>
  parseAllDocuments(manifest)
    .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null)
    .filter((o): o is { kind: string; metadata: { name: string; namespace?: string } } => !!o?.kind);

describe('bootstrap.sh on a real control plane', () => {
  let charts = '';
  let gitEnv: Record<string, string> = {};
  beforeAll(async () => {
    helmPath = (await findHelm()).path;
    charts = chartsDir();
    gitEnv = await makeGitRepo();
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  describe('negative controls: what the API server does without each fix', () => {
    let cluster: TestCluster;
    beforeAll(async () => {
      cluster = await startCluster({ nodes: siteNodes(), notReadyUntilCni: true });
      // As bootstrap's step 2 leaves it: the Gateway API CRDs are served (Cilium renders a GatewayClass).
      const gw = join(upstream, 'crds', 'gateway.networking.k8s.io');
      await cluster.kubectl(['apply', '--server-side', '-f', gw], { check: true });
      await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', gw], { check: true });
    });
    afterAll(async () => cluster?.stop());

    it('Secrets stored in clear (no encryption config): the encryption preflight refuses (exit 12)', async () => {
      const r = await encryptionPreflight(cluster, 'written-in-clear');
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(12);
      expect(r.stderr).toMatch(/^cannot tell whether the cluster encrypts Secrets at rest/);
    });

    it('item 5: without the cilium-secrets namespace the chart cannot be applied', async () => {
      const manifest = await renderCilium(charts);
      const r = await cluster.kubectl(['apply', '--server-side', `--field-manager=${env.ARGOCD_FIELD_MANAGER}`, '--force-conflicts', '-f', '-'], { input: manifest });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/namespaces "cilium-secrets" not found/);
      await cluster.kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], { input: manifest });
    });

    it('item 1: without the PriorityClasses every Cilium pod is rejected by Priority admission', async () => {
      await cluster.kubectl(['create', 'namespace', 'cilium-secrets'], { check: true });
      const manifest = await renderCilium(charts);
      const r = await cluster.kubectl(['apply', '--server-side', `--field-manager=${env.ARGOCD_FIELD_MANAGER}`, '--force-conflicts', '-f', '-'], { input: manifest });
      expect(r.code, r.stderr).toBe(0);
      const events = await waitFor(
        'FailedCreate events of the Cilium DaemonSet',
        async () => {
          const e = await cluster.kubectl(['get', 'events', '-n', env.CILIUM_NAMESPACE!, '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
          return /no PriorityClass with name edge-idp-core was found/.test(e.stdout) ? e.stdout : undefined;
        },
        60_000,
      );
      expect(events).toMatch(/no PriorityClass with name edge-idp-core was found/);
      const pods = await cluster.kubectl(['get', 'pods', '-n', env.CILIUM_NAMESPACE!, '-l', 'k8s-app=cilium', '-o', 'name']);
      expect(pods.stdout.trim()).toBe('');
      await cluster.kubectl(['delete', '--ignore-not-found', '-f', '-'], { input: manifest });
    });

    it("item 2: an operator whose tolerations replace the chart's never starts, and the nodes never get Ready", async () => {
      for (const f of env.PRIORITY_CLASSES!.split(' ')) await cluster.kubectl(['apply', '--server-side', '-f', join(REPO_ROOT, f)], { check: true });
      // The old generator: the tier's toleration alone, the chart's not-ready toleration gone.
      const manifest = await renderCilium(charts, { operator: { tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] } });
      const stop = cniStandIn(cluster, env.CILIUM_NAMESPACE!);
      try {
        const r = await cluster.kubectl(['apply', '--server-side', `--field-manager=${env.ARGOCD_FIELD_MANAGER}`, '--force-conflicts', '-f', '-'], { input: manifest });
        expect(r.code, r.stderr).toBe(0);
        const why = await waitFor(
          'the scheduler to report the operator unschedulable',
          async () => {
            const e = await cluster.kubectl(['get', 'events', '-n', env.CILIUM_NAMESPACE!, '--field-selector', 'reason=FailedScheduling', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
            return /node\.kubernetes\.io\/not-ready/.test(e.stdout) ? e.stdout : undefined;
          },
          60_000,
        );
        expect(why).toMatch(/untolerated taint.*node\.kubernetes\.io\/not-ready/);
        await sleep(10_000);
        const nodes = await cluster.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
        expect(nodes.stdout.trim().split('\n')).toEqual(siteNodes().map(() => 'False'));
      } finally {
        await stop();
      }
      await cluster.kubectl(['delete', '--ignore-not-found', '-f', '-'], { input: manifest });
    });
  });

  describe('the real run', () => {
    let cluster: TestCluster;
    let stopCni: () => Promise<void> = async () => {};
    let bootstrapRunEnv: NodeJS.ProcessEnv = {};
    beforeAll(async () => {
      // The API server encrypts Secrets at rest (k3s --secrets-encryption does the same), and a
      // Secret was written since it started (a k3s server writes its own at start), so bootstrap's
      // encryption preflight sees real storage metrics.
      cluster = await startCluster({ nodes: siteNodes(), notReadyUntilCni: true, apiserverArgs: [`--encryption-provider-config=${encryptionConfig()}`] });
      await cluster.kubectl(['create', 'secret', 'generic', 'written-at-start', '-n', 'kube-system', '--from-literal=k=v'], { check: true });
      stopCni = cniStandIn(cluster, env.CILIUM_NAMESPACE!);
      bootstrapRunEnv = {
        ...process.env,
        ...cluster.env,
        ...gitEnv,
        EDGE_IDP_HELM: helmPath,
        EDGE_IDP_CHARTS_DIR: charts,
        EDGE_IDP_GATEWAY_API_CRDS: join(upstream, 'crds', 'gateway.networking.k8s.io'),
        EDGE_IDP_POLL_SECONDS: '1',
      };
    });
    afterAll(async () => {
      await stopCni();
      await cluster?.stop();
    });

    const bootstrap = () => runStreaming('bash', ['bootstrap.sh', '--yes', '--no-follow', '--timeout', '5m'], { env: bootstrapRunEnv, timeoutMs: 360_000 });

    it('reaches "ArgoCD installed, root Application applied"; a second run changes nothing', async () => {
      const first = await bootstrap();
      expect(first.code, `${first.stdout}\n${first.stderr}\n${first.code === 0 ? '' : await liveState(cluster)}`).toBe(0);
      expect(first.stdout).toContain('ArgoCD installed, root Application applied');
      // The encryption preflight read the real API server's storage metrics.
      expect(first.stdout).toMatch(/encrypted: the API server encrypted Secrets it wrote \(k8s:enc:aescbc:v1:/);

      const get = async (args: string[]) => (await cluster.kubectl(['get', ...args], { check: true })).stdout.trim();
      // Item 1: the PriorityClasses exist, and Cilium's pods (which name them) run on every node.
      expect((await get(['priorityclasses', '-o', 'name'])).split('\n')).toEqual(expect.arrayContaining(env.PRIORITY_CLASSES!.split(' ').map((f) => `priorityclass.scheduling.k8s.io/${f.replace(/.*priorityclass-(.*)\.yaml$/, '$1')}`)));
      expect(await get(['daemonset/cilium', '-n', env.CILIUM_NAMESPACE!, '-o', 'jsonpath={.status.numberReady}/{.status.desiredNumberScheduled}'])).toBe(`${siteNodes().length}/${siteNodes().length}`);
      // Item 2: the operator ran on NotReady nodes, so every node is Ready now.
      expect(await get(['nodes', '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}'])).toBe(siteNodes().map(() => 'True').join(' '));
      // Item 5: the RBAC Cilium renders into its secrets namespace is there.
      expect(await get(['roles', '-n', 'cilium-secrets', '-o', 'name'])).not.toBe('');
      // Item 7: rendered with the API versions ArgoCD will see: Cilium's GatewayClass exists,
      // ArgoCD's ServiceMonitors were left to ArgoCD (their CRDs come with layer 01).
      expect(await get(['gatewayclasses', '-o', 'name'])).toContain('gatewayclass.gateway.networking.k8s.io/cilium');
      expect(first.stdout).toMatch(/left to ArgoCD[\s\S]*ServiceMonitor\//);
      expect(await get(['applications.argoproj.io', env.ROOT_APPLICATION_NAME!, '-n', env.ARGOCD_NAMESPACE!, '-o', 'name'])).toContain(env.ROOT_APPLICATION_NAME!);
      const workloads = await get(['deployments,statefulsets', '-n', env.ARGOCD_NAMESPACE!, '-l', `app.kubernetes.io/instance=${env.ARGOCD_RELEASE}`, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.readyReplicas}/{.spec.replicas}{" "}{end}']);
      for (const w of workloads.split(' ')) expect(w, workloads).toMatch(/=(\d+)\/\1$/);

      const second = await bootstrap();
      expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
      expect(second.stdout).toContain('no changes were made');
      expect(second.stdout).not.toMatch(/^\s+\+ kubectl .*apply/m);

      summary('bootstrap.sh (real kubectl, helm, API server; charts: ' + (realChartsDir() ? 'real' : 'fixtures') + ')', [
        `Kubernetes ${cluster.version}, ${siteNodes().length} kwok nodes starting NotReady`,
        `first run: exit ${first.code} in ${(first.ms / 1000).toFixed(1)} s; second run: exit ${second.code}, no changes, in ${(second.ms / 1000).toFixed(1)} s`,
      ]);
    });

    it('item 7: what bootstrap applied is what ArgoCD renders: a server-side diff under its field manager is empty', async () => {
      for (const [name, release, chart, version, ns, values] of [
        ['cilium', env.CILIUM_RELEASE, env.CILIUM_CHART, env.CILIUM_VERSION, env.CILIUM_NAMESPACE, env.CILIUM_VALUES],
        ['argocd', env.ARGOCD_RELEASE, env.ARGOCD_CHART, env.ARGOCD_VERSION, env.ARGOCD_NAMESPACE, env.ARGOCD_VALUES],
      ] as const) {
        const dir = readdirSync(charts).find((d) => d === `${chart}-${version}`) ?? chart!;
        const args = ['template', release!, join(charts, dir), '--namespace', ns!, '--kube-version', env.KUBERNETES_VERSION!, '--include-crds'];
        for (const v of env.HELM_API_VERSIONS!.split(' ')) args.push('--api-versions', v);
        args.push('-f', join(REPO_ROOT, values!));
        const rendered = await run(helmPath, args);
        expect(rendered.code, rendered.stderr).toBe(0);
        // What the cluster cannot hold yet (ServiceMonitors) is ArgoCD's to create later.
        const served = new Set((await cluster.kubectl(['api-versions'], { check: true })).stdout.trim().split('\n'));
        // Read as helm's Go consumers read it (YAML 1.1: `defaultMode: 0400` is 256).
        const docs = parseRenderedYaml(rendered.stdout).filter((o) => served.has(o.apiVersion ?? ''));
        const input = docs.map((d) => JSON.stringify(d)).join('\n');
        const diff = await cluster.kubectl(['diff', '--server-side', `--field-manager=${env.ARGOCD_FIELD_MANAGER}`, '--force-conflicts', '-f', '-'], { input });
        expect(diff.code, `${name}: ${diff.stdout}${diff.stderr}`).toBe(0);
        expect(kinds(input).length).toBeGreaterThan(0);
      }
    });
  });
});
