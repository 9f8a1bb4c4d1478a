/** bootstrap.sh's decisions, moved to platform/bootstrap/: each fed good, bad and odd kubectl JSON. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  argocdState,
  basicsState,
  BOOTSTRAP_EXIT,
  checkNodes,
  ciliumState,
  decideSteps,
  gatewayState,
  k3sEvidence,
  layerProgress,
  metricsEvidence,
  secretsEncryptionVerdict,
  parseEnvText,
  parseKubeObjects,
  planLines,
  quoteCmd,
  readBootstrapEnv,
  rootState,
  type BootstrapEnv,
  type KubeObject,
} from '../../platform/bootstrap/index.js';
import { REPO_ROOT } from '../helpers/site.js';

const FIXTURE = join(REPO_ROOT, 'test', 'bootstrap', 'fixtures');
const ENV_FILE = 'synth/edge-lab/bootstrap/bootstrap.env';
const envText = readFileSync(join(FIXTURE, 'synth', 'edge-lab', 'bootstrap', 'bootstrap.env'), 'utf8');
const env: BootstrapEnv = readBootstrapEnv(envText, ENV_FILE);
const withLine = (key: string, line: string) => envText.replace(new RegExp(`^${key}=.*$`, 'm'), line);
const envWith = (key: string, value: string) => readBootstrapEnv(withLine(key, `${key}='${value}'`), ENV_FILE);
const nodes = (file: string) => parseKubeObjects(readFileSync(join(FIXTURE, 'nodes', file), 'utf8'), 'the nodes');
const list = (items: unknown[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

function fails(f: () => unknown): { message: string; exitCode: number } {
  try {
    f();
  } catch (e) {
    return e as { message: string; exitCode: number };
  }
  throw new Error('expected an error');
}

describe('bootstrap.env', () => {
  it('reads the fixture', () => {
    expect(env.nodes).toEqual([
      { name: 'edge-cp-1', role: 'control-plane' },
      { name: 'edge-w-1', role: 'worker' },
      { name: 'edge-w-2', role: 'worker' },
    ]);
    expect(env.taint).toEqual({ key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoSchedule' });
    expect(env.cilium.workloads).toEqual(['daemonset/cilium', 'deployment/cilium-operator']);
    expect(env.gatewayApi.versionAnnotation).toBe('gateway.networking.k8s.io/bundle-version');
  });

  it("unquotes 'it'\\''s' as bash does, and takes bare words", () => {
    expect(parseEnvText("A='it'\\''s'\nexport B=bare-word\n# c\n\n", 'f').get('A')).toBe("it's");
    expect(parseEnvText('B=bare-word', 'f').get('B')).toBe('bare-word');
  });

  it.each([
    ['a line that is not KEY=value', 'hello world', "f:1: not a KEY='value' line: hello world"],
    ['an unquoted value with a command', 'EVIL=$(touch x)', 'f:1: the value of EVIL must be single-quoted'],
  ])('refuses %s (exit 2)', (_, text, message) => {
    const e = fails(() => parseEnvText(text, 'f'));
    expect(e.message).toContain(message);
    expect(e.exitCode).toBe(BOOTSTRAP_EXIT.usage);
  });

  it('names every missing key and the fix', () => {
    const text = envText.replace(/^CILIUM_WORKLOADS=.*\n/m, '').replace(/^URLS=.*\n/m, '');
    expect(fails(() => readBootstrapEnv(text, ENV_FILE)).message).toBe(`${ENV_FILE} lacks CILIUM_WORKLOADS URLS: regenerate it with 'npm run synth'`);
  });

  it.each([
    ['NODES', 'edge-cp-1', "NODES entry 'edge-cp-1' is not name:role"],
    ['NODES', 'edge-cp-1:boss', "NODES entry 'edge-cp-1:boss' has role 'boss' (allowed: control-plane, worker)"],
    ['NODES', 'Edge_1:worker', "NODES entry 'Edge_1:worker' is not name:role"],
    ['NODES', 'edge-w-1:worker', "NODES='edge-w-1:worker' has no control-plane node"],
    ['CONTROL_PLANE_TAINT', 'node-role.kubernetes.io/control-plane', "CONTROL_PLANE_TAINT='node-role.kubernetes.io/control-plane' is not key[=value]:Effect"],
    ['GATEWAY_API_VERSION', 'v1.7.0', 'does not name GATEWAY_API_VERSION=\'v1.7.0\''],
    ['CILIUM_WORKLOADS', 'daemonset/cilium $(x)', "CILIUM_WORKLOADS holds '$(x)', which is not a plain word"],
  ])('refuses %s=%s', (key, value, message) => {
    const e = fails(() => envWith(key, value));
    expect(e.message).toContain(message);
    expect(e.exitCode).toBe(BOOTSTRAP_EXIT.usage);
  });
});

describe('kubectl JSON', () => {
  it('takes a List, one object, or nothing', () => {
    expect(parseKubeObjects('', 'x')).toEqual([]);
    expect(parseKubeObjects(list([{ metadata: { name: 'a' } }]), 'x')).toHaveLength(1);
    expect(parseKubeObjects(JSON.stringify({ kind: 'Node', metadata: { name: 'a' } }), 'x')).toHaveLength(1);
  });

  it.each([
    ['text that is not JSON', 'No resources found in argocd namespace.', "the nodes: not JSON ("],
    ['items that are not a list', JSON.stringify({ items: {} }), "the nodes: 'items' is not a list"],
    ['an item without a name', list([{ metadata: {} }]), 'the nodes: items[0] has no metadata.name'],
    ['an item that is not an object', list(['edge-cp-1']), 'the nodes: items[0] is not an object'],
    ['labels that are not strings', list([{ metadata: { name: 'n', labels: { a: 1 } } }]), 'items[0] (n) has metadata.labels that is not a map of strings'],
    ['ownerReferences that are not a list', list([{ metadata: { name: 'n', ownerReferences: {} } }]), 'items[0] (n) has metadata.ownerReferences that is not a list'],
    ['jsonpath rows (the old format)', 'edge-cp-1|{}|', 'the nodes: not JSON'],
    ['a JSON array', '[]', "the nodes: neither a List with 'items' nor an object with 'metadata'"],
  ])('refuses %s, saying what to pass (exit 2)', (_, text, message) => {
    const e = fails(() => parseKubeObjects(text, 'the nodes'));
    expect(e.message).toContain(message);
    expect(e.message).toContain("pass the output of 'kubectl get … -o json'");
    expect(e.exitCode).toBe(BOOTSTRAP_EXIT.usage);
  });
});

describe('node preflight', () => {
  it('three matching nodes: ok', () => {
    const v = checkNodes(env, nodes('three-nodes.json'));
    expect(v.status).toBe('ok');
    expect(v.notes).toEqual(['edge-cp-1: control-plane node', 'edge-w-1: worker node', 'edge-w-2: worker node', 'all 3 nodes match NODES']);
  });

  it('a missing node: mismatch naming it and the fix', () => {
    const v = checkNodes(env, nodes('two-nodes.json'));
    expect(v.status).toBe('mismatch');
    if (v.status !== 'mismatch') return;
    expect(v.message).toContain(`the cluster's nodes do not match NODES in ${ENV_FILE}: expected 3 (edge-cp-1 edge-w-1 edge-w-2), found 2 (edge-cp-1 edge-w-1). Missing: edge-w-2.`);
    expect(v.message).toContain("fix the nodes in platform.yaml, run 'npm run synth'");
    expect(v.inspect).toEqual(['get nodes -o wide']);
  });

  it('no node at all, and an extra one', () => {
    const none = checkNodes(env, []);
    expect(none.status === 'mismatch' && none.message).toContain('found 0 (none). Missing: edge-cp-1 edge-w-1 edge-w-2.');
    const extra = checkNodes(envWith('NODES', 'edge-cp-1:control-plane edge-w-1:worker'), nodes('three-nodes.json'));
    expect(extra.status === 'mismatch' && extra.message).toContain('Not in NODES: edge-w-2.');
  });

  it('a worker that is a control-plane node in the cluster: mismatch', () => {
    const v = checkNodes(envWith('NODES', 'edge-w-1:control-plane edge-cp-1:worker edge-w-2:worker'), nodes('three-nodes.json'));
    expect(v.status === 'mismatch' && v.message).toContain('node edge-cp-1 is a worker in NODES but a control-plane node in the cluster');
  });

  it('k3s as installed: the taint and the worker labels to add, with the commands', () => {
    const v = checkNodes(env, nodes('k3s-unlabelled.json'));
    expect(v.status).toBe('fix');
    if (v.status !== 'fix') return;
    expect(v.fixes.map((f) => f.problem)).toEqual([
      'edge-cp-1: control-plane node without the taint node-role.kubernetes.io/control-plane:NoSchedule',
      'edge-w-1: worker node without the label node-role.kubernetes.io/worker',
      'edge-w-2: worker node without the label node-role.kubernetes.io/worker',
    ]);
    expect(v.fixes.map((f) => f.args.join(' '))).toEqual([
      'taint nodes edge-cp-1 node-role.kubernetes.io/control-plane:NoSchedule --overwrite',
      'label nodes edge-w-1 node-role.kubernetes.io/worker=true',
      'label nodes edge-w-2 node-role.kubernetes.io/worker=true',
    ]);
  });

  it('a worker with the control-plane taint, a control-plane node with no labels at all (null)', () => {
    const tainted = checkNodes(env, nodes('worker-tainted.json'));
    expect(tainted.status === 'fix' && tainted.fixes.map((f) => f.args.join(' '))).toEqual(['taint nodes edge-w-1 node-role.kubernetes.io/control-plane:NoSchedule-']);
    const bare = nodes('three-nodes.json').map((n) =>
      n.metadata.name === 'edge-cp-1' ? ({ ...n, metadata: { name: 'edge-cp-1', labels: null }, spec: { taints: 'garbage' } } as KubeObject) : n,
    );
    const v = checkNodes(env, bare);
    expect(v.status === 'fix' && v.fixes.map((f) => f.problem)).toEqual([
      'edge-cp-1: control-plane node without the label node-role.kubernetes.io/control-plane',
      'edge-cp-1: control-plane node without the taint node-role.kubernetes.io/control-plane:NoSchedule',
    ]);
  });
});

const ds = (name: string, image: string, desired = 3, ready = desired, updated = desired, labels?: Record<string, string>) => ({
  kind: 'DaemonSet',
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { template: { spec: { containers: [{ image }] } } },
  status: { desiredNumberScheduled: desired, numberReady: ready, updatedNumberScheduled: updated },
});
const deploy = (kind: string, name: string, image: string, replicas = 1, ready = replicas, labels?: Record<string, string>) => ({
  kind,
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { replicas, template: { spec: { containers: [{ image }] } } },
  status: { readyReplicas: ready, updatedReplicas: ready },
});
const CILIUM = 'quay.io/cilium/cilium:v1.20.0@sha256:abc';
const OPERATOR = 'quay.io/cilium/operator-generic:v1.20.0';
const crd = (name: string, version?: string) => ({
  kind: 'CustomResourceDefinition',
  metadata: { name, ...(version ? { annotations: { 'gateway.networking.k8s.io/bundle-version': version } } : {}) },
});
const argo = (name: string, chart = 'argo-cd-10.1.1', ready = 1) =>
  deploy(name.endsWith('controller') ? 'StatefulSet' : 'Deployment', name, 'argocd:v3', 1, ready, { 'helm.sh/chart': chart });
const ARGO = ['argocd-application-controller', 'argocd-repo-server', 'argocd-server'];

describe('live state', () => {
  const expected = [
    { kind: 'PriorityClass', name: 'edge-idp-core' },
    { kind: 'Namespace', name: 'argocd' },
  ];
  it('basics: every object present, or which are missing', () => {
    const all = list([{ kind: 'PriorityClass', metadata: { name: 'edge-idp-core' } }, { kind: 'Namespace', metadata: { name: 'argocd' } }]);
    expect(basicsState(expected, { json: all })).toMatchObject({ converged: true, live: '1 PriorityClasses, 1 namespaces' });
    expect(basicsState(expected, { json: '' })).toMatchObject({ converged: false, why: 'missing PriorityClass/edge-idp-core, Namespace/argocd' });
    expect(basicsState(expected, { json: all, error: 'error: Unauthorized\n' })).toMatchObject({ converged: false, why: 'cannot read them: error: Unauthorized' });
  });

  it('Gateway API: pinned release, another release, no annotation, partly missing, absent', () => {
    expect(gatewayState(env, { json: list([crd('gateways.gateway.networking.k8s.io', 'v1.6.1')]) })).toMatchObject({ converged: true, live: 'v1.6.1' });
    expect(gatewayState(env, { json: list([crd('gateways.gateway.networking.k8s.io', 'v1.5.0')]) })).toMatchObject({
      present: true,
      converged: false,
      why: 'gateways.gateway.networking.k8s.io not at v1.6.1 (gateway.networking.k8s.io/bundle-version: v1.5.0)',
    });
    expect(gatewayState(env, { json: list([crd('gateways.gateway.networking.k8s.io')]) }).why).toContain('(gateway.networking.k8s.io/bundle-version: no gateway.networking.k8s.io/bundle-version annotation)');
    expect(gatewayState(env, { json: list([crd('gateways.gateway.networking.k8s.io', 'v1.6.1')]), error: 'Error from server (NotFound): x not found' }).why).toBe(
      'some of its objects are missing (Error from server (NotFound): x not found)',
    );
    expect(gatewayState(env, { json: '', error: 'NotFound' })).toMatchObject({ present: false, why: 'not installed' });
  });

  it('Cilium: pinned and rolled out; another tag; not rolled out; the operator missing; no image', () => {
    expect(ciliumState(env, { json: list([ds('cilium', CILIUM), deploy('Deployment', 'cilium-operator', OPERATOR)]) })).toMatchObject({ converged: true, live: CILIUM });
    expect(ciliumState(env, { json: list([ds('cilium', 'quay.io/cilium/cilium:v1.19.1'), deploy('Deployment', 'cilium-operator', OPERATOR)]) }).why).toBe(
      'daemonset/cilium runs quay.io/cilium/cilium:v1.19.1, not tag v1.20.0',
    );
    expect(ciliumState(env, { json: list([ds('cilium', 'quay.io/cilium/cilium:v1.20.01'), deploy('Deployment', 'cilium-operator', OPERATOR)]) }).converged).toBe(false);
    expect(ciliumState(env, { json: list([ds('cilium', CILIUM, 3, 0, 3), deploy('Deployment', 'cilium-operator', OPERATOR)]) }).why).toBe(
      'not rolled out: daemonset/cilium 0/3 ready, 3/3 updated',
    );
    expect(ciliumState(env, { json: list([ds('cilium', CILIUM)]), error: 'NotFound' }).why).toBe('deployment/cilium-operator missing');
    const noImage = { kind: 'DaemonSet', metadata: { name: 'cilium' }, status: {} };
    expect(ciliumState(env, { json: list([noImage, deploy('Deployment', 'cilium-operator', OPERATOR)]) }).why).toBe('daemonset/cilium runs no image, not tag v1.20.0');
    expect(ciliumState(env, { json: list([ds('cilium', CILIUM, 0, 0, 0), deploy('Deployment', 'cilium-operator', OPERATOR)]) }).why).toContain('daemonset/cilium 0/0 ready');
  });

  it('ArgoCD: pinned chart and rolled out; another chart; a core workload missing; not rolled out', () => {
    expect(argocdState(env, { json: list(ARGO.map((n) => argo(n))) })).toMatchObject({ converged: true, live: 'argo-cd-10.1.1' });
    expect(argocdState(env, { json: list(ARGO.map((n) => argo(n, 'argo-cd-9.0.0'))) }).why).toBe('helm.sh/chart is argo-cd-9.0.0, not argo-cd-10.1.1');
    expect(argocdState(env, { json: list([argo('argocd-server')]) }).why).toBe('statefulset/argocd-application-controller, deployment/argocd-repo-server missing');
    expect(argocdState(env, { json: list(ARGO.map((n) => argo(n, 'argo-cd-10.1.1', n === 'argocd-server' ? 0 : 1))) }).why).toBe(
      'not rolled out: deployment/argocd-server 0/1 ready, 0/1 updated',
    );
    expect(argocdState(env, { json: list([]) })).toMatchObject({ present: false, why: 'not installed' });
  });

  it('root Application: present with its status, absent when kubectl failed', () => {
    const root = JSON.stringify({ kind: 'Application', metadata: { name: 'edge-idp-root' }, status: { sync: { status: 'Synced' }, health: { status: 'Progressing' } } });
    expect(rootState({ json: root })).toEqual({ present: true, sync: 'Synced', health: 'Progressing' });
    expect(rootState({ json: '', error: 'the server doesn\'t have a resource type "applications"' })).toEqual({ present: false, sync: '', health: '' });
  });

  const converged = {
    basics: { present: true, converged: true, live: '4 PriorityClasses, 2 namespaces', why: '' },
    gateway: { present: true, converged: true, live: 'v1.6.1', why: '' },
    cilium: { present: true, converged: true, live: CILIUM, why: '' },
    argocd: { present: true, converged: true, live: 'argo-cd-10.1.1', why: '' },
    root: { present: true, sync: 'Synced', health: 'Healthy' },
  };

  it('every step skipped on a converged cluster, and it says so', () => {
    const d = decideSteps(env, converged);
    expect(d.steps.map((s) => s.action)).toEqual(['skip', 'skip', 'skip', 'skip', 'skip']);
    expect(d.converged).toBe(`Gateway API CRDs v1.6.1, Cilium ${CILIUM}, ArgoCD argo-cd-10.1.1, root Application Synced/Healthy: skipping every apply step`);
  });

  it('root present: what ArgoCD owns is waited for, never re-applied', () => {
    const notReady = { present: true, converged: false, live: CILIUM, why: 'not rolled out' };
    const d = decideSteps(env, { ...converged, cilium: notReady, gateway: { ...notReady, live: 'v1.5.0' }, root: { present: true, sync: 'Synced', health: 'Progressing' } });
    expect(d.steps.map((s) => `${s.step}:${s.action}`)).toEqual(['basics:skip', 'gateway:skip', 'cilium:wait', 'argocd:skip', 'root:skip']);
    expect(d.steps[2]!.message).toBe(`present (${CILIUM}) and owned by ArgoCD (root Application present): not re-applying, waiting for it`);
    expect(d.converged).toBeUndefined();
  });

  it('a fresh cluster: every step applies, saying why', () => {
    const absent = { present: false, converged: false, live: '', why: 'not installed' };
    const d = decideSteps(env, { basics: { ...absent, why: 'missing Namespace/argocd' }, gateway: absent, cilium: absent, argocd: absent, root: { present: false, sync: '', health: '' } });
    expect(d.steps.map((s) => s.message)).toEqual([
      'missing Namespace/argocd: applying them',
      'not installed: applying v1.6.1',
      'not installed: applying Cilium 1.20.0',
      'not installed: applying chart argo-cd 10.1.1',
      'root Application not present: applying it',
    ]);
  });
});

const app = (name: string, owner: string, sync = 'Synced', health = 'Healthy') => ({
  kind: 'Application',
  metadata: { name, ...(owner ? { ownerReferences: [{ kind: 'ApplicationSet', name: owner }] } : {}) },
  status: { sync: { status: sync }, health: { status: health } },
});
const appset = (name: string, expected?: string) => ({
  kind: 'ApplicationSet',
  metadata: { name, ...(expected !== undefined ? { annotations: { 'edge-idp.io/expected-applications': expected } } : {}) },
});
const SETS = ['edge-idp-core', 'edge-idp-services', 'edge-idp-engines', 'edge-idp-apps'];
const allReady = () => [app('edge-idp-root', ''), app('gateway-api', ''), ...SETS.flatMap((s) => [appset(s, '1'), app(`${s}-a`, s)])];
const objs = (items: unknown[]) => parseKubeObjects(list(items), 'the Applications');

describe('layer follower', () => {
  it('all Synced and Healthy: done, every layer ready in order', () => {
    const v = layerProgress(env, objs(allReady()));
    expect(v.done).toBe(true);
    expect(v.ready).toEqual([
      'Applications of edge-idp-root: ready (1/1 Synced and Healthy)',
      '[layer 1/4] edge-idp-core: ready (1/1 Applications Synced and Healthy)',
      '[layer 2/4] edge-idp-services: ready (1/1 Applications Synced and Healthy)',
      '[layer 3/4] edge-idp-engines: ready (1/1 Applications Synced and Healthy)',
      '[layer 4/4] edge-idp-apps: ready (1/1 Applications Synced and Healthy)',
    ]);
    expect(v.finished).toBe('root Application edge-idp-root: Synced/Healthy');
  });

  it('nothing yet (no ApplicationSet, no root): waits for the first, lists all', () => {
    const v = layerProgress(env, []);
    expect(v.done).toBe(false);
    expect(v.progress).toBe('[layer 1/4] edge-idp-core: waiting for the ApplicationSet');
    expect(v.pending).toContain('edge-idp-apps: ApplicationSet not created yet (the root Application creates it)');
    expect(v.pending.at(-1)).toBe('root Application edge-idp-root: Unknown/Unknown');
  });

  it('a stuck Application: names it with its status; later ready layers are not announced out of order', () => {
    const items = allReady().map((o) => (o.metadata.name === 'edge-idp-services-a' ? app('edge-idp-services-a', 'edge-idp-services', 'OutOfSync', 'Degraded') : o));
    const v = layerProgress(env, objs(items));
    expect(v.progress).toBe('[layer 2/4] edge-idp-services: 0/1 Applications Synced and Healthy; waiting for edge-idp-services-a (OutOfSync/Degraded)');
    expect(v.ready).toEqual(['Applications of edge-idp-root: ready (1/1 Synced and Healthy)', '[layer 1/4] edge-idp-core: ready (1/1 Applications Synced and Healthy)']);
  });

  it('fewer Applications than the annotation expects: waits for them to be generated', () => {
    const items = allReady().map((o) => (o.metadata.name === 'edge-idp-core' ? appset('edge-idp-core', '3') : o));
    expect(layerProgress(env, objs(items)).pending).toEqual(['edge-idp-core: 1/3 ready; waiting for Applications to be generated']);
  });

  it("the root's own Applications come first; missing status shows as Unknown", () => {
    const items = [...allReady(), { kind: 'Application', metadata: { name: 'cert-manager' } }];
    const v = layerProgress(env, objs(items));
    expect(v.progress).toBe('Applications of edge-idp-root: 1/2 Synced and Healthy; waiting for cert-manager (Unknown/Unknown)');
  });

  it('a malformed expected-applications annotation: a warning naming it, and at least one Application', () => {
    const items = allReady().map((o) => (o.metadata.name === 'edge-idp-apps' ? appset('edge-idp-apps', 'three') : o));
    const v = layerProgress(env, objs(items));
    expect(v.done).toBe(true);
    expect(v.warnings).toEqual([
      "ApplicationSet edge-idp-apps: annotation edge-idp.io/expected-applications='three' is not a count of Applications; waiting for at least one. The root Application sets it from synth/: check the ApplicationSet in git",
    ]);
  });
});

describe('plan (the dry run)', () => {
  const base = { timeoutSeconds: 1800, pollSeconds: '5', skipSynthCheck: false, skipGitCheck: false, isChartDir: () => false };

  it('quotes like bootstrap.sh', () => {
    expect(quoteCmd(['kubectl', 'get', 'a b', "it's", '{.x}'])).toBe(`kubectl get 'a b' 'it'\\''s' '{.x}'`);
  });

  it('passes --context to every kubectl command and never to helm', () => {
    const lines = planLines(env, { ...base, context: 'lab one' });
    const kubectl = lines.filter((l) => /kubectl /.test(l) && !/kubectl version/.test(l));
    expect(kubectl.length).toBeGreaterThan(15);
    for (const l of kubectl) expect(l).toContain("kubectl --context 'lab one' ");
    expect(lines.find((l) => l.includes('helm template'))).not.toContain('--context');
  });

  it('offline: unpacked charts and a local Gateway API manifest; an OCI repository', () => {
    const lines = planLines(env, { ...base, chartsDir: '/charts/', gatewayApiCrds: '/crds/std.yaml', isChartDir: (d) => d === '/charts/argo-cd' }).join('\n');
    expect(lines).toContain('helm template cilium /charts/cilium-1.20.0 --namespace kube-system');
    expect(lines).toContain('helm template argocd /charts/argo-cd --namespace argocd');
    expect(lines).toContain('apply --server-side --field-manager=argocd-controller -f /crds/std.yaml');
    expect(lines).not.toContain('--repo');
    const oci = planLines(envWith('CILIUM_CHART_REPO', 'oci://registry.example.com/charts/'), base).join('\n');
    expect(oci).toContain('helm template cilium oci://registry.example.com/charts/cilium --version 1.20.0');
  });

  it('with the live state: what each step would do', () => {
    const lines = planLines(env, { ...base, decisions: [{ step: 'cilium', action: 'wait', message: 'present and owned by ArgoCD' }] });
    const i = lines.indexOf('==> 3/6 Cilium 1.20.0');
    expect(lines[i + 1]).toBe('    now: wait (present and owned by ArgoCD)');
  });
});

describe('exit codes', () => {
  it("are bootstrap.sh's EX_* constants", () => {
    const script = readFileSync(join(REPO_ROOT, 'bootstrap.sh'), 'utf8');
    const names: Record<string, keyof typeof BOOTSTRAP_EXIT> = {
      EX_OK: 'ok', EX_INTERNAL: 'internal', EX_USAGE: 'usage', EX_TOOLS: 'tools', EX_UNREACHABLE: 'unreachable', EX_NODES: 'nodes',
      EX_NODE_SETUP: 'nodeSetup', EX_SYNTH: 'synth', EX_RENDER: 'render', EX_APPLY: 'apply', EX_TIMEOUT: 'timeout', EX_GIT: 'git',
      EX_ENCRYPTION: 'secretsEncryption',
    };
    expect(Object.values(names).sort()).toEqual(Object.keys(BOOTSTRAP_EXIT).sort());
    for (const [ex, key] of Object.entries(names)) {
      expect(new RegExp(`^readonly ${ex}=(\\d+)$`, 'm').exec(script)?.[1], ex).toBe(String(BOOTSTRAP_EXIT[key]));
    }
  });
});

describe('Secrets encrypted at rest (the encryption preflight)', () => {
  const cp = (annotations: Record<string, string> | undefined) =>
    [{ kind: 'Node', metadata: { name: 'edge-cp-1', ...(annotations ? { annotations } : {}) } }, { kind: 'Node', metadata: { name: 'edge-w-1', annotations: { 'k3s.io/node-args': '["agent"]' } } }] as KubeObject[];
  const args = (...a: string[]) => ({ 'k3s.io/node-args': JSON.stringify(['server', ...a]) });
  const sample = (labels: string) => `apiserver_storage_transformation_operations_total{${labels}} 3`;
  const secretsWrite = (prefix: string, extra = '') => sample(`resource="secrets",status="OK",transformation_type="to_storage",transformer_prefix="${prefix}"${extra}`);

  it('reads k3s\' flags on the control-plane node: on, on with a value, off, set false, its own apiserver config', () => {
    expect(k3sEvidence(env, cp(args('--secrets-encryption'))).map((e) => e.says)).toEqual(['encrypted']);
    expect(k3sEvidence(env, cp(args('--secrets-encryption', 'true'))).map((e) => e.says)).toEqual(['encrypted']);
    expect(k3sEvidence(env, cp(args('--flannel-backend', 'none'))).map((e) => [e.says, e.why])).toEqual([['clear', 'edge-cp-1: the k3s server runs without --secrets-encryption']]);
    expect(k3sEvidence(env, cp(args('--secrets-encryption', 'false'))).map((e) => e.why)).toEqual(['edge-cp-1: the k3s server runs without --secrets-encryption (set to false)']);
    // The last occurrence wins, as with k3s' flag parsing.
    expect(k3sEvidence(env, cp(args('--secrets-encryption', 'false', '--secrets-encryption'))).map((e) => e.says)).toEqual(['encrypted']);
    expect(k3sEvidence(env, cp(args('--kube-apiserver-arg', 'encryption-provider-config=/etc/enc.yaml'))).map((e) => e.says)).toEqual(['encrypted']);
    expect(k3sEvidence(env, cp({ 'k3s.io/encryption-config-hash': 'start-abc' })).map((e) => e.says)).toEqual(['encrypted']);
  });

  it('ignores workers and nodes without k3s annotations; flags an unreadable node-args', () => {
    expect(k3sEvidence(env, cp(undefined))).toEqual([]);
    expect(k3sEvidence(env, cp({ 'k3s.io/node-args': '{"not":"a list"}' }))).toEqual([
      { says: 'clear', why: 'edge-cp-1: k3s.io/node-args is not a JSON list of strings, so the server\'s flags cannot be read' },
    ]);
    expect(k3sEvidence(env, cp({ 'k3s.io/node-args': 'not json' }))[0]?.says).toBe('clear');
  });

  it('reads what a real kube-apiserver (v1.33.13) reports after writing one Secret, with aescbc first and with identity first', () => {
    // Captured from the cluster suite's kube-apiserver: the provider's prefix and the key's ("k1:").
    const aescbcFirst = [
      'apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="from_storage",transformer_prefix="k1:"} 1',
      'apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="from_storage",transformer_prefix="k8s:enc:aescbc:v1:"} 1',
      'apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="to_storage",transformer_prefix="k1:"} 1',
      'apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="to_storage",transformer_prefix="k8s:enc:aescbc:v1:"} 1',
    ].join('\n');
    expect(metricsEvidence(aescbcFirst)).toEqual([{ says: 'encrypted', why: 'the API server encrypted Secrets it wrote (k8s:enc:aescbc:v1:, apiserver_storage_transformation_operations_total)' }]);
    const identityFirst = [
      'apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="from_storage",transformer_prefix="identity"} 1',
      'apiserver_storage_transformation_operations_total{resource="secrets",status="OK",transformation_type="to_storage",transformer_prefix=""} 1',
    ].join('\n');
    expect(metricsEvidence(identityFirst).map((e) => e.says)).toEqual(['clear']);
  });

  it('reads the API server\'s storage metrics: encrypted writes, clear writes, nothing, and noise', () => {
    expect(metricsEvidence(undefined)).toEqual([]);
    expect(metricsEvidence('')).toEqual([]);
    expect(metricsEvidence(`# HELP x\n${secretsWrite('k8s:enc:aescbc:v1:')}\n`).map((e) => e.says)).toEqual(['encrypted']);
    expect(metricsEvidence(secretsWrite('k8s:enc:secretbox:v1:')).map((e) => e.says)).toEqual(['encrypted']);
    expect(metricsEvidence(secretsWrite('')).map((e) => e.says)).toEqual(['clear']);
    // Reads at start-up (from_storage), other resources and failed writes say nothing about new Secrets.
    expect(metricsEvidence([sample('resource="",status="OK",transformation_type="from_storage",transformer_prefix="identity"'), sample('resource="configmaps",status="OK",transformation_type="to_storage",transformer_prefix=""'), secretsWrite('', '').replace('"OK"', '"Unknown"')].join('\n'))).toEqual([]);
    // A half-way migration shows both.
    expect(metricsEvidence([secretsWrite('k8s:enc:aescbc:v1:'), secretsWrite('')].join('\n')).map((e) => e.says)).toEqual(['encrypted', 'clear']);
  });

  it('required: passes on evidence of encryption, refuses on none or on evidence of clear storage (which wins)', () => {
    const enc = k3sEvidence(env, cp(args('--secrets-encryption')));
    expect(secretsEncryptionVerdict('required', enc).status).toBe('ok');
    const unknown = secretsEncryptionVerdict('required', []);
    expect(unknown).toMatchObject({ status: 'refuse', message: expect.stringMatching(/^cannot tell whether the cluster encrypts Secrets at rest: .* cluster\.secretsEncryption is 'required'\. Vault's unseal key is a Kubernetes Secret: .* On k3s start the server with --secrets-encryption/) });
    const both = secretsEncryptionVerdict('required', [...enc, ...metricsEvidence(secretsWrite(''))]);
    expect(both).toMatchObject({ status: 'refuse', message: expect.stringMatching(/^Secrets are not encrypted at rest \(the API server wrote Secrets in clear/) });
  });

  it('verified: trusts the config when nothing is seen, never against evidence', () => {
    expect(secretsEncryptionVerdict('verified', [], 'Forbidden')).toEqual({
      status: 'ok',
      notes: ["the API server's /metrics could not be read: Forbidden", "nothing seen either way; taken on the config's word (cluster.secretsEncryption: verified)"],
    });
    expect(secretsEncryptionVerdict('verified', k3sEvidence(env, cp(args()))).status).toBe('refuse');
  });

  it('none: always goes on, with a warning that says what it means (and when the cluster does encrypt)', () => {
    const w = secretsEncryptionVerdict('none', []);
    expect(w).toMatchObject({ status: 'warn', warning: expect.stringMatching(/^Secrets are not required to be encrypted at rest \(cluster\.secretsEncryption: none\)\. Vault's unseal key/) });
    expect(secretsEncryptionVerdict('none', k3sEvidence(env, cp(args('--secrets-encryption'))))).toMatchObject({ status: 'warn', warning: expect.stringContaining("set 'required'") });
  });

  it('bootstrap.env carries the mode; an unknown one is refused naming the fix', () => {
    expect(env.secretsEncryption).toBe('required');
    expect(envWith('SECRETS_ENCRYPTION', 'verified').secretsEncryption).toBe('verified');
    const e = fails(() => envWith('SECRETS_ENCRYPTION', 'yes'));
    expect(e.exitCode).toBe(BOOTSTRAP_EXIT.usage);
    expect(e.message).toBe(`${ENV_FILE}: SECRETS_ENCRYPTION='yes' is not one of required, verified, none: set cluster.secretsEncryption in platform.yaml and run 'npm run synth'`);
  });

  it('the dry run shows the read and what the verdict does for each mode', () => {
    const base = { timeoutSeconds: 1800, pollSeconds: '5', skipSynthCheck: false, skipGitCheck: false, isChartDir: () => false };
    for (const [mode, does] of [['required', 'refuse (exit 12) unless encryption is seen'], ['verified', 'refuse (exit 12) on evidence of clear storage'], ['none', 'warn, go on']] as const) {
      const lines = planLines(envWith('SECRETS_ENCRYPTION', mode), base);
      const i = lines.indexOf(`==> Preflight: Secrets encrypted at rest (SECRETS_ENCRYPTION=${mode})`);
      expect(i, mode).toBeGreaterThan(0);
      expect(lines[i + 1]).toMatch(/^ {4}\$ kubectl get --raw \/metrics/);
      expect(lines[i + 2]).toBe(`    | edge-idp bootstrap preflight-encryption: ${does}`);
    }
  });
});
