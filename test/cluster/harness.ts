/**
 * A real Kubernetes control plane for tests, on loopback only:
 * etcd + kube-apiserver + kube-controller-manager + kube-scheduler (the real binaries, built
 * by scripts/test-cluster/build-tools.sh) and kwok, which plays the kubelets of fake nodes.
 *
 *   const cluster = await startCluster({ nodes: [...] });
 *   try { await cluster.kubectl(['get', 'nodes']); } finally { await cluster.stop(); }
 *
 * Every process runs in its own process group and is killed on stop(), on process exit and on
 * SIGINT/SIGTERM/SIGHUP; a small watchdog kills them (and removes the work dir) if the test
 * process itself dies without running its handlers (SIGKILL). KEEP_CLUSTER=1 keeps the work
 * dir (certificates, kubeconfig, logs/, etcd data) for debugging.
 */
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

// ---------------------------------------------------------------------------------------------
// Public API

export interface TestNode {
  name: string;
  role: 'control-plane' | 'worker';
  /** Kubernetes quantity, e.g. '4'. Used for capacity and allocatable. */
  cpu: string;
  /** Kubernetes quantity, e.g. '8Gi'. Used for capacity and allocatable. */
  memory: string;
  labels?: Record<string, string>;
  /** Extra taints (the control-plane taint is added for role 'control-plane'). */
  taints?: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  /** Default 110. */
  pods?: number;
  /** Default '100Gi'. */
  ephemeralStorage?: string;
}

export interface StartClusterOptions {
  nodes: TestNode[];
  /** Folder for certificates, kubeconfigs, logs and etcd data. Default: a new tmp dir. */
  workDir?: string;
  /**
   * Nodes start NotReady like a kubelet without CNI (Ready=False "container runtime network
   * not ready", taint node.kubernetes.io/not-ready:NoSchedule) and stay so, heartbeating,
   * until setNodeReady(name, true). Default false: nodes start Ready.
   */
  notReadyUntilCni?: boolean;
  /** Overall startup timeout in ms. Default 120000. */
  timeoutMs?: number;
  /** Extra kube-apiserver flags (appended; a later flag wins). */
  apiserverArgs?: string[];
  /** Extra kube-controller-manager flags. */
  controllerManagerArgs?: string[];
  /** Extra kube-scheduler flags. */
  schedulerArgs?: string[];
  /** Extra kwok Stage documents (YAML strings), added to the harness's stages. */
  extraKwokStages?: string[];
  /** --node-monitor-grace-period of the controller manager, seconds. Default 20. */
  nodeMonitorGracePeriodSeconds?: number;
  /** kwok node lease duration, seconds (renewed every quarter of it). Default 20. */
  nodeLeaseDurationSeconds?: number;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin (e.g. with ['apply', '-f', '-']). */
  input?: string;
  /** Default 60000. */
  timeoutMs?: number;
  /** Throw (with stderr) when kubectl exits non-zero. Default false. */
  check?: boolean;
}

export interface ApiResponse {
  status: number;
  body: any;
}

export interface TestCluster {
  /** Path of an admin (system:masters) kubeconfig. */
  kubeconfig: string;
  /** KUBECONFIG and PATH (the tool dirs first); merge into process.env for child processes. */
  env: { KUBECONFIG: string; PATH: string; [name: string]: string };
  /** The apiserver's gitVersion, e.g. 'v1.33.13'. */
  version: string;
  /** https://127.0.0.1:<port> */
  server: string;
  workDir: string;
  /** Paths of the binaries used (KUBECTL, KYVERNO, KWOK_STAGES, ...), from build-tools.sh. */
  tools: Record<string, string>;
  /** Process ids of the running components (each is its process group leader). */
  pids: Record<string, number>;
  /** Milliseconds startCluster took. */
  startupMs: number;
  /** Milliseconds per startup phase (tools, pki, etcd, kube-apiserver, nodes, components, settle). */
  timings: Record<string, number>;
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** A raw API request as the admin; body objects are sent as JSON. */
  api(method: string, apiPath: string, body?: unknown, contentType?: string): Promise<ApiResponse>;
  /**
   * Ready: patches the node's Ready condition True (like a kubelet once CNI is up) and waits
   * until the node lifecycle controller has removed the not-ready taints. NotReady: the
   * reverse (Ready=False, CNI message) and waits for the not-ready:NoSchedule taint.
   */
  setNodeReady(name: string, ready: boolean): Promise<void>;
  /** Kills every component and removes the work dir (unless KEEP_CLUSTER=1). Idempotent. */
  stop(): Promise<void>;
}

export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
/** Tells the harness's kwok node-initialize stages which state a node starts in. */
export const START_READY_ANNOTATION = 'test.edge-idp/start-ready';
export const CNI_NOT_READY_MESSAGE =
  'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';
export const SERVICE_CIDR = '10.43.0.0/16';
export const POD_CIDR = '10.42.0.0/16';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_SCRIPT = 'scripts/test-cluster/build-tools.sh';
const REQUIRED_TOOLS = ['ETCD', 'KUBE_APISERVER', 'KUBE_CONTROLLER_MANAGER', 'KUBE_SCHEDULER', 'KUBECTL', 'KWOK', 'KWOK_STAGES'];

// ---------------------------------------------------------------------------------------------
// Tools

/** Reads the binary paths from `build-tools.sh --print-env`; throws naming missing ones. */
export async function resolveTools(): Promise<Record<string, string>> {
  const res = await run('bash', [path.join(REPO_ROOT, BUILD_SCRIPT), '--print-env'], { timeoutMs: 30_000 });
  if (res.code !== 0) throw new Error(`${BUILD_SCRIPT} --print-env failed (${res.code}): ${res.stderr}`);
  const tools: Record<string, string> = {};
  for (const line of res.stdout.split('\n')) {
    const m = /^([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (m) tools[m[1]!] = m[2]!.replace(/'\\''/g, "'");
  }
  const missing = REQUIRED_TOOLS.filter((k) => !tools[k] || !existsSync(tools[k]!)).map((k) => `${k} (${tools[k] ?? '?'})`);
  if (missing.length) {
    throw new Error(
      `test-cluster tools are missing: ${missing.join(', ')}.\n` +
        `Build them (cold on 2 cores: kubernetes ~9 min, kwok ~2.5 min, etcd ~1 min; cached afterwards) with:\n` +
        `  bash ${BUILD_SCRIPT} kubernetes etcd kwok   (or without arguments: all tools, incl. the Kyverno CLI, ~11 min more)`,
    );
  }
  return tools;
}

// ---------------------------------------------------------------------------------------------
// Process plumbing

interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string; killed?: boolean }) | null;
        let code = 0;
        if (e) code = typeof e.code === 'number' ? e.code : 1;
        if (e?.killed) stderr += `\n[harness] ${cmd} killed after ${opts.timeoutMs ?? 60_000} ms`;
        else if (e && typeof e.code !== 'number') stderr += `\n[harness] ${e.message}`;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

interface Component {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  exited: Promise<void>;
  exitInfo?: string;
}

/** Live clusters of this process, for the exit / signal safety net. */
const live = new Set<{ killSync(): void }>();
let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.killSync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      for (const c of live) c.killSync();
      // Only re-raise when nobody else handles the signal (keeps e.g. vitest's own handling).
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, handler);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, handler);
  }
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* already gone */
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tail(file: string, lines = 40): string {
  try {
    const all = readFileSync(file, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function freePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    if (!taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// PKI (openssl)

interface Pki {
  caCrt: string;
  caKey: string;
  dir: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const res = await run('openssl', args, { cwd, timeoutMs: 30_000 });
  if (res.code !== 0) {
    throw new Error(
      `openssl ${args.join(' ')} failed (${res.code}): ${res.stderr}\n` +
        '(the harness needs the openssl CLI: apt-get install -y openssl)',
    );
  }
}

async function makeCa(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  await openssl(
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=edge-idp-test-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ],
    dir,
  );
  return { caCrt: path.join(dir, 'ca.crt'), caKey: path.join(dir, 'ca.key'), dir };
}

/** Issues <name>.crt/.key signed by the CA. */
async function issue(pki: Pki, name: string, subject: string, usage: 'client' | 'server', sans: string[] = []): Promise<{ crt: string; key: string }> {
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
  ];
  if (sans.length) ext.push(`subjectAltName=${sans.join(',')}`);
  await writeFile(path.join(pki.dir, `${name}.ext`), ext.join('\n') + '\n');
  await openssl(
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject],
    pki.dir,
  );
  await openssl(
    [
      'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(16).toString('hex')}`,
      '-days', '3650', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`,
    ],
    pki.dir,
  );
  return { crt: path.join(pki.dir, `${name}.crt`), key: path.join(pki.dir, `${name}.key`) };
}

async function writeKubeconfig(file: string, server: string, caCrt: string, cert: { crt: string; key: string }, user: string): Promise<void> {
  const b64 = async (f: string): Promise<string> => (await readFile(f)).toString('base64');
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'edge-idp-test', cluster: { server, 'certificate-authority-data': await b64(caCrt) } }],
    users: [{ name: user, user: { 'client-certificate-data': await b64(cert.crt), 'client-key-data': await b64(cert.key) } }],
    contexts: [{ name: 'edge-idp-test', context: { cluster: 'edge-idp-test', user } }],
    'current-context': 'edge-idp-test',
    preferences: {},
  };
  await writeFile(file, YAML.stringify(doc), { mode: 0o600 });
}

// ---------------------------------------------------------------------------------------------
// kwok stages

/**
 * kwok's own node-initialize stage (from the module, copied by build-tools.sh) adapted twice:
 * it runs once per node (selector `.status.phase NotIn Running` instead of "Ready is not
 * True", so kwok never flips a NotReady node back to Ready), and only for nodes whose
 * START_READY_ANNOTATION matches; the not-ready variant writes Ready=False with the message a
 * kubelet posts while no CNI is installed. Heartbeats: kwok's node-heartbeat-with-lease stage
 * (it only matches Ready nodes) plus node leases, which keep NotReady nodes alive too.
 */
export async function harnessKwokStages(stagesDir: string): Promise<string[]> {
  const read = (rel: string): Promise<string> => readFile(path.join(stagesDir, rel), 'utf8');
  const init = YAML.parse(await read('node/fast/node-initialize.yaml'));
  const template: string = init?.spec?.next?.statusTemplate;
  const readyBlock = /conditions:\n\{\{ range NodeConditions \}\}\n([\s\S]*?)\{\{ end \}\}\n/;
  if (typeof template !== 'string' || !readyBlock.test(template)) {
    throw new Error(`kwok's node-initialize stage in ${stagesDir} has an unexpected shape; update harnessKwokStages()`);
  }
  const selector = (ready: boolean): unknown => ({
    matchExpressions: [
      { key: `.metadata.annotations["${START_READY_ANNOTATION}"]`, operator: 'In', values: [String(ready)] },
      { key: '.status.phase', operator: 'NotIn', values: ['Running'] },
    ],
  });
  const ready = structuredClone(init);
  ready.metadata.name = 'node-initialize-ready';
  ready.spec.selector = selector(true);

  const notReady = structuredClone(init);
  notReady.metadata.name = 'node-initialize-cni-not-ready';
  notReady.spec.selector = selector(false);
  notReady.spec.next.statusTemplate = template.replace(
    readyBlock,
    [
      'conditions:',
      '{{ range NodeConditions }}',
      '{{ if eq .type "Ready" }}',
      '- lastHeartbeatTime: {{ $now | Quote }}',
      '  lastTransitionTime: {{ $lastTransitionTime | Quote }}',
      `  message: ${JSON.stringify(CNI_NOT_READY_MESSAGE)}`,
      '  reason: "KubeletNotReady"',
      '  status: "False"',
      '  type: "Ready"',
      '{{ else }}',
      '- lastHeartbeatTime: {{ $now | Quote }}',
      '  lastTransitionTime: {{ $lastTransitionTime | Quote }}',
      '  message: {{ .message | Quote }}',
      '  reason: {{ .reason | Quote }}',
      '  status: {{ .status | Quote }}',
      '  type: {{ .type  | Quote}}',
      '{{ end }}',
      '{{ end }}',
      '',
    ].join('\n'),
  );
  return [
    YAML.stringify(ready),
    YAML.stringify(notReady),
    await read('node/heartbeat-with-lease/node-heartbeat-with-lease.yaml'),
    await read('pod/fast/pod-ready.yaml'),
    await read('pod/fast/pod-complete.yaml'),
    await read('pod/fast/pod-delete.yaml'),
  ];
}

// ---------------------------------------------------------------------------------------------
// Cluster

function nodeObject(n: TestNode, index: number, startReady: boolean): unknown {
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
    type: 'kwok',
  };
  const taints: { key: string; value?: string; effect: string }[] = [];
  if (n.role === 'control-plane') {
    labels['node-role.kubernetes.io/control-plane'] = '';
    taints.push({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' });
  }
  Object.assign(labels, n.labels ?? {});
  taints.push(...(n.taints ?? []));
  if (!startReady) taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
  const resources = { cpu: n.cpu, memory: n.memory, pods: String(n.pods ?? 110), 'ephemeral-storage': n.ephemeralStorage ?? '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels, annotations: { [KWOK_NODE_ANNOTATION]: 'fake', [START_READY_ANNOTATION]: String(startReady), 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: { taints },
    status: {
      capacity: resources,
      allocatable: resources,
      addresses: [
        { type: 'InternalIP', address: `172.31.0.${10 + index}` },
        { type: 'Hostname', address: n.name },
      ],
      nodeInfo: { kubeletVersion: '', architecture: 'amd64', operatingSystem: 'linux' },
    },
  };
}

export async function startCluster(opts: StartClusterOptions): Promise<TestCluster> {
  const t0 = Date.now();
  if (!opts.nodes?.length) throw new Error('startCluster: give at least one node');
  const names = new Set<string>();
  for (const n of opts.nodes) {
    if (names.has(n.name)) throw new Error(`startCluster: duplicate node name ${n.name}`);
    names.add(n.name);
  }
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const deadline = t0 + timeoutMs;
  const timings: Record<string, number> = {};
  let lastMark = t0;
  const mark = (phase: string): void => {
    const now = Date.now();
    timings[phase] = now - lastMark;
    lastMark = now;
  };
  const tools = await resolveTools();
  mark('tools');
  const startReady = !opts.notReadyUntilCni;

  const workDir = opts.workDir ? path.resolve(opts.workDir) : await mkdtemp(path.join(os.tmpdir(), 'edge-idp-cluster-'));
  const ownsWorkDir = !opts.workDir;
  const logDir = path.join(workDir, 'logs');
  // A given workDir may hold a previous cluster (KEEP_CLUSTER=1): start from scratch.
  for (const sub of ['etcd-data', 'pki', 'logs']) rmSync(path.join(workDir, sub), { recursive: true, force: true });
  await mkdir(logDir, { recursive: true });
  const keep = (): boolean => process.env.KEEP_CLUSTER === '1';

  const components: Component[] = [];
  let watchdog: ChildProcess | undefined;
  let stopped = false;

  const killSync = (): void => {
    if (stopped) return;
    stopped = true;
    for (const c of components) killGroup(c.pid, 'SIGKILL');
    if (watchdog?.pid) killGroup(watchdog.pid, 'SIGKILL');
    if (!keep() && ownsWorkDir) rmSync(workDir, { recursive: true, force: true });
  };
  const handle = { killSync };
  live.add(handle);
  installExitHandlers();

  const logsTail = (): string =>
    components.map((c) => `--- ${c.name}${c.exitInfo ? ` (${c.exitInfo})` : ''}: ${c.logFile}\n${tail(c.logFile)}`).join('\n');

  const startComponent = async (name: string, bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Component> => {
    const logFile = path.join(logDir, `${name}.log`);
    await writeFile(path.join(logDir, `${name}.args`), [bin, ...args].join('\n') + '\n');
    const fd = openSync(logFile, 'a');
    const child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd: workDir });
    closeSync(fd);
    if (!child.pid) throw new Error(`could not start ${name} (${bin})`);
    const comp: Component = { name, child, pid: child.pid, logFile, exited: Promise.resolve() };
    comp.exited = new Promise((resolve) => {
      child.once('exit', (code, sig) => {
        comp.exitInfo = `exited ${sig ?? code}`;
        resolve();
      });
    });
    child.once('error', (e) => {
      comp.exitInfo = `failed to start: ${e.message}`;
    });
    components.push(comp);
    await writeFile(path.join(workDir, 'pgids'), components.map((c) => c.pid).join(' ') + '\n');
    return comp;
  };

  const fail = (what: string, cause?: unknown): Error =>
    new Error(
      `test cluster: ${what}${cause ? `: ${(cause as Error).message ?? cause}` : ''}\nwork dir: ${workDir}` +
        `${keep() ? '' : ' (removed; KEEP_CLUSTER=1 keeps it)'}\n${logsTail()}`,
    );

  const waitFor = async (what: string, probe: () => Promise<boolean>, pollMs = 250): Promise<void> => {
    let last: unknown;
    while (Date.now() < deadline) {
      const dead = components.find((c) => c.exitInfo);
      if (dead) throw fail(`${dead.name} ${dead.exitInfo} while waiting for ${what}`);
      try {
        if (await probe()) return;
      } catch (e) {
        last = e;
      }
      await sleep(pollMs);
    }
    throw fail(`timed out after ${timeoutMs} ms waiting for ${what}`, last);
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= doStop());
  const doStop = async (): Promise<void> => {
    if (stopped) return;
    live.delete(handle);
    const term = async (list: Component[]): Promise<void> => {
      for (const c of list) killGroup(c.pid, 'SIGTERM');
      await Promise.all(
        list.map(async (c) => {
          const done = await Promise.race([c.exited.then(() => true), sleep(10_000).then(() => false)]);
          if (!done) {
            killGroup(c.pid, 'SIGKILL');
            await c.exited;
          }
          // The group may hold more processes than its leader.
          killGroup(c.pid, 'SIGKILL');
        }),
      );
    };
    // Clients first, then the apiserver, then etcd.
    await term(components.filter((c) => !['kube-apiserver', 'etcd'].includes(c.name)));
    await term(components.filter((c) => c.name === 'kube-apiserver'));
    await term(components.filter((c) => c.name === 'etcd'));
    stopped = true;
    if (watchdog?.pid) {
      killGroup(watchdog.pid, 'SIGKILL');
    }
    if (!keep() && ownsWorkDir) rmSync(workDir, { recursive: true, force: true });
    else if (!keep() && !ownsWorkDir) {
      for (const sub of ['etcd-data', 'pki']) rmSync(path.join(workDir, sub), { recursive: true, force: true });
    }
  };

  try {
    // Safety net for a test process that dies without running handlers (SIGKILL, crash).
    const wd = [
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
      `for p in $(cat '${workDir}/pgids' 2>/dev/null); do kill -9 "-$p" 2>/dev/null; done`,
      ownsWorkDir ? `[ "$KEEP_CLUSTER" = 1 ] || rm -rf '${workDir}'` : 'true',
    ].join('\n');
    watchdog = spawn('sh', ['-c', wd], { detached: true, stdio: 'ignore' });
    watchdog.unref();

    const ports = new Set<number>();
    const etcdClient = await freePort(ports);
    const etcdPeer = await freePort(ports);
    const apiPort = await freePort(ports);
    const kcmPort = await freePort(ports);
    const schedPort = await freePort(ports);
    const server = `https://127.0.0.1:${apiPort}`;

    // --- PKI
    const pki = await makeCa(path.join(workDir, 'pki'));
    const [apiserverCert, admin, kcm, sched, frontProxy] = await Promise.all([
      issue(pki, 'apiserver', '/CN=kube-apiserver', 'server', [
        'IP:127.0.0.1', 'IP:10.43.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local',
      ]),
      issue(pki, 'admin', '/O=system:masters/CN=kubernetes-admin', 'client'),
      issue(pki, 'controller-manager', '/CN=system:kube-controller-manager', 'client'),
      issue(pki, 'scheduler', '/CN=system:kube-scheduler', 'client'),
      issue(pki, 'front-proxy-client', '/CN=front-proxy-client', 'client'),
    ]);
    const saKey = path.join(pki.dir, 'sa.key');
    const saPub = path.join(pki.dir, 'sa.pub');
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'sa.key'], pki.dir);
    await openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], pki.dir);

    const kubeconfig = path.join(workDir, 'admin.kubeconfig');
    const kcmKubeconfig = path.join(workDir, 'controller-manager.kubeconfig');
    const schedKubeconfig = path.join(workDir, 'scheduler.kubeconfig');
    await Promise.all([
      writeKubeconfig(kubeconfig, server, pki.caCrt, admin, 'admin'),
      writeKubeconfig(kcmKubeconfig, server, pki.caCrt, kcm, 'system:kube-controller-manager'),
      writeKubeconfig(schedKubeconfig, server, pki.caCrt, sched, 'system:kube-scheduler'),
    ]);

    mark('pki');
    const ca = await readFile(pki.caCrt);
    const adminCert = await readFile(admin.crt);
    const adminKey = await readFile(admin.key);
    const api = (method: string, apiPath: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse> =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
        const req = https.request(
          {
            host: '127.0.0.1', port: apiPort, path: apiPath, method, ca, cert: adminCert, key: adminKey, timeout: 30_000,
            headers: { Accept: 'application/json', ...(payload ? { 'Content-Type': contentType } : {}) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {
                /* plain text (e.g. /readyz) */
              }
              resolve({ status: res.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error(`${method} ${apiPath} timed out`)));
        req.on('error', reject);
        req.end(payload);
      });

    // --- etcd
    await startComponent('etcd', tools.ETCD!, [
      '--name=edge-idp-test',
      `--data-dir=${path.join(workDir, 'etcd-data')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=edge-idp-test=http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster-state=new',
      '--unsafe-no-fsync=true',
      '--auto-compaction-retention=1',
      '--log-level=warn',
    ]);
    await waitFor('etcd /health', async () => {
      const body = await new Promise<string>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: etcdClient, path: '/health', timeout: 2000 }, (res) => {
          let s = '';
          res.on('data', (c) => (s += c));
          res.on('end', () => resolve(s));
        }).on('error', reject);
      });
      return body.includes('"health":"true"');
    });

    mark('etcd');

    // --- kube-apiserver
    await startComponent('kube-apiserver', tools.KUBE_APISERVER!, [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // Endpoints of the 'kubernetes' Service may not be loopback addresses: don't reconcile them.
      '--endpoint-reconciler-type=none',
      `--cert-dir=${path.join(workDir, 'pki', 'kube-apiserver')}`,
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${apiserverCert.crt}`,
      `--tls-private-key-file=${apiserverCert.key}`,
      `--client-ca-file=${pki.caCrt}`,
      '--authorization-mode=Node,RBAC',
      // The defaults (incl. Priority, DefaultTolerationSeconds, TaintNodesByCondition) plus NodeRestriction.
      '--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,TaintNodesByCondition,PodSecurity,Priority,' +
        'DefaultTolerationSeconds,DefaultStorageClass,StorageObjectInUseProtection,PersistentVolumeClaimResize,RuntimeClass,' +
        'CertificateApproval,CertificateSigning,ClusterTrustBundleAttest,CertificateSubjectRestriction,DefaultIngressClass,' +
        'NodeRestriction,MutatingAdmissionWebhook,ValidatingAdmissionPolicy,ValidatingAdmissionWebhook,ResourceQuota',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--allow-privileged=true',
      `--requestheader-client-ca-file=${pki.caCrt}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-username-headers=X-Remote-User',
      `--proxy-client-cert-file=${frontProxy.crt}`,
      `--proxy-client-key-file=${frontProxy.key}`,
      '--profiling=false',
      ...(opts.apiserverArgs ?? []),
    ]);
    await waitFor('kube-apiserver /readyz', async () => (await api('GET', '/readyz')).status === 200, 300);
    const versionRes = await api('GET', '/version');
    const version = String(versionRes.body?.gitVersion ?? '');
    mark('kube-apiserver');

    // --- nodes (before kwok, so kwok initializes them from the start)
    for (const [i, n] of opts.nodes.entries()) {
      const res = await api('POST', '/api/v1/nodes', nodeObject(n, i, startReady));
      if (res.status !== 201) throw fail(`creating node ${n.name} failed (${res.status}): ${JSON.stringify(res.body)}`);
    }

    mark('nodes');

    // --- controller manager, scheduler, kwok
    const leaseSeconds = opts.nodeLeaseDurationSeconds ?? 20;
    await startComponent('kube-controller-manager', tools.KUBE_CONTROLLER_MANAGER!, [
      `--kubeconfig=${kcmKubeconfig}`,
      `--authentication-kubeconfig=${kcmKubeconfig}`,
      `--authorization-kubeconfig=${kcmKubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      '--controllers=*',
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${pki.caCrt}`,
      `--cluster-signing-cert-file=${pki.caCrt}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      // Default is /usr/libexec/kubernetes/...: it would create that folder on the host.
      `--flex-volume-plugin-dir=${path.join(workDir, 'flexvolume')}`,
      `--cert-dir=${path.join(workDir, 'pki', 'kube-controller-manager')}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--cluster-name=edge-idp-test',
      '--leader-elect=false',
      '--node-monitor-period=2s',
      `--node-monitor-grace-period=${opts.nodeMonitorGracePeriodSeconds ?? 20}s`,
      '--profiling=false',
      ...(opts.controllerManagerArgs ?? []),
    ]);
    await startComponent('kube-scheduler', tools.KUBE_SCHEDULER!, [
      `--kubeconfig=${schedKubeconfig}`,
      `--authentication-kubeconfig=${schedKubeconfig}`,
      `--authorization-kubeconfig=${schedKubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
      `--cert-dir=${path.join(workDir, 'pki', 'kube-scheduler')}`,
      '--leader-elect=false',
      '--profiling=false',
      ...(opts.schedulerArgs ?? []),
    ]);
    const kwokConfig = path.join(workDir, 'kwok.yaml');
    const stages = [...(await harnessKwokStages(tools.KWOK_STAGES!)), ...(opts.extraKwokStages ?? [])];
    await writeFile(kwokConfig, stages.map((s) => s.trim() + '\n').join('---\n'));
    const kwokHome = path.join(workDir, 'kwok-home'); // kwok also loads ~/.kwok/kwok.yaml: keep the user's out
    await mkdir(kwokHome, { recursive: true });
    await startComponent(
      'kwok',
      tools.KWOK!,
      [
        `--kubeconfig=${kubeconfig}`,
        `--config=${kwokConfig}`,
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        `--node-lease-duration-seconds=${leaseSeconds}`,
        `--cidr=${POD_CIDR}`,
        '--node-ip=172.31.0.1',
      ],
      { ...process.env, HOME: kwokHome },
    );

    mark('start components');

    // --- wait until usable
    const httpsOk = (port: number, p: string) => async (): Promise<boolean> =>
      new Promise<boolean>((resolve) => {
        https
          .get({ host: '127.0.0.1', port, path: p, rejectUnauthorized: false, timeout: 2000 }, (res) => {
            res.resume();
            resolve(res.statusCode === 200);
          })
          .on('error', () => resolve(false));
      });
    await waitFor('kube-controller-manager /healthz', httpsOk(kcmPort, '/healthz'));
    await waitFor('kube-scheduler /readyz', httpsOk(schedPort, '/readyz'));
    // Pods can be created only once the serviceaccount controller made 'default'.
    await waitFor('serviceaccount default/default', async () => (await api('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200);
    await waitFor(`nodes ${startReady ? 'Ready and untainted' : 'initialized NotReady'}`, async () => {
      const res = await api('GET', '/api/v1/nodes');
      const items: any[] = res.body?.items ?? [];
      return opts.nodes.every((n) => {
        const node = items.find((i) => i.metadata?.name === n.name);
        if (!node || node.status?.phase !== 'Running') return false;
        const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status;
        const notReadyTaint = (node.spec?.taints ?? []).some((t: any) => t.key === 'node.kubernetes.io/not-ready');
        return startReady ? ready === 'True' && !notReadyTaint : ready === 'False' && notReadyTaint;
      });
    });
    // Each node's lease must exist (kwok heartbeats), or the lifecycle controller marks it Unknown.
    await waitFor('node leases', async () => {
      const res = await api('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases');
      const leases = new Set((res.body?.items ?? []).map((l: any) => l.metadata?.name));
      return opts.nodes.every((n) => leases.has(n.name));
    });

    mark('settle');

    const toolDirs = [...new Set([tools.KUBECTL!, tools.KYVERNO ?? '', tools.KWOK!, tools.ETCD!].filter(Boolean).map((p) => path.dirname(p)))];
    const env: TestCluster['env'] = {
      KUBECONFIG: kubeconfig,
      PATH: [...toolDirs, process.env.PATH ?? ''].join(path.delimiter),
    };

    const kubectl = async (args: string[], kopts: KubectlOptions = {}): Promise<KubectlResult> => {
      const res = await run(tools.KUBECTL!, args, { input: kopts.input, timeoutMs: kopts.timeoutMs ?? 60_000, env: { ...process.env, ...env } });
      if (kopts.check && res.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${res.code}):\n${res.stderr}${res.stdout}`);
      return res;
    };

    const setNodeReady = async (name: string, ready: boolean): Promise<void> => {
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const condition = ready
        ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }
        : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: CNI_NOT_READY_MESSAGE, lastHeartbeatTime: now, lastTransitionTime: now };
      const res = await api('PATCH', `/api/v1/nodes/${encodeURIComponent(name)}/status`, { status: { conditions: [condition] } }, 'application/strategic-merge-patch+json');
      if (res.status !== 200) throw new Error(`setNodeReady(${name}, ${ready}): status patch failed (${res.status}): ${JSON.stringify(res.body)}`);
      const until = Date.now() + 60_000;
      for (;;) {
        const node = (await api('GET', `/api/v1/nodes/${encodeURIComponent(name)}`)).body;
        const taints: any[] = node?.spec?.taints ?? [];
        const notReadyTaint = taints.some((t) => t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoSchedule');
        const status = (node?.status?.conditions ?? []).find((c: any) => c.type === 'Ready')?.status;
        if (ready ? status === 'True' && !taints.some((t) => t.key === 'node.kubernetes.io/not-ready') : status === 'False' && notReadyTaint) return;
        if (Date.now() > until) {
          throw new Error(`setNodeReady(${name}, ${ready}): node did not settle in 60 s (Ready=${status}, taints=${JSON.stringify(taints)})`);
        }
        await sleep(200);
      }
    };

    const pids: Record<string, number> = {};
    for (const c of components) pids[c.name] = c.pid;

    return {
      kubeconfig,
      env,
      version,
      server,
      workDir,
      tools,
      pids,
      startupMs: Date.now() - t0,
      timings,
      kubectl,
      api,
      setNodeReady,
      stop,
    };
  } catch (e) {
    const err = e instanceof Error && e.message.startsWith('test cluster:') ? e : fail('startup failed', e);
    await stop().catch(() => undefined);
    throw err;
  }
}
