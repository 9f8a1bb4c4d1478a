/**
 * `bootstrap.sh --dry-run`: every step and its exact commands, and, given the live state, what
 * each step would do. The commands are the ones bootstrap.sh runs (test/bootstrap checks the
 * real run's calls appear here verbatim).
 */
import { ANNOTATIONS } from '../model/labels.js';
import type { BootstrapEnv, ChartFacts } from './env.js';
import { BOOTSTRAP_EXIT } from './exit-codes.js';
import { HELM_LABELS } from './facts.js';
import { nodeFixCommands } from './nodes.js';
import type { StepDecision, StepName } from './state.js';

/** A word a POSIX shell reads as itself, unquoted (bootstrap.sh's quote_cmd). */
const PLAIN = /^[A-Za-z0-9_./:=@,+%^-]+$/;

/** A command line that pastes into a POSIX shell. */
export function quoteCmd(argv: readonly string[]): string {
  return argv.map((a) => (PLAIN.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export interface PlanOptions {
  /** `--context`: passed to every kubectl call. */
  readonly context?: string;
  readonly timeoutSeconds: number;
  readonly pollSeconds: string;
  readonly skipSynthCheck: boolean;
  readonly skipGitCheck: boolean;
  /** EDGE_IDP_CHARTS_DIR: unpacked charts instead of the repositories. */
  readonly chartsDir?: string;
  /** EDGE_IDP_GATEWAY_API_CRDS: a local copy of the Gateway API manifest. */
  readonly gatewayApiCrds?: string;
  /** bootstrap.sh's minimum tool versions (shown next to the version checks). */
  readonly minKubectl?: string;
  readonly minHelm?: string;
  /** Whether a directory holds an unpacked chart (`<dir>/Chart.yaml`); the CLI passes a file check. */
  readonly isChartDir: (dir: string) => boolean;
  /** What each step would do on the live cluster, when it was read. */
  readonly decisions?: readonly StepDecision[];
}

/** The commands of a run, built once for the plan. */
export class BootstrapCommands {
  constructor(
    private readonly env: BootstrapEnv,
    private readonly opts: Pick<PlanOptions, 'context' | 'chartsDir' | 'gatewayApiCrds' | 'isChartDir'>,
  ) {}

  kubectl(...args: string[]): string[] {
    return ['kubectl', ...(this.opts.context ? ['--context', this.opts.context] : []), ...args];
  }

  /** Where the Gateway API manifest comes from: the release URL, or the local copy. */
  get gatewaySource(): string {
    return this.opts.gatewayApiCrds || this.env.gatewayApi.url;
  }

  private applyArgs(): string[] {
    return ['apply', '--server-side', `--field-manager=${this.env.fieldManager}`];
  }

  applyFiles(files: readonly string[]): string[] {
    return this.kubectl(...this.applyArgs(), ...files.flatMap((f) => ['-f', f]));
  }

  applyStdin(): string[] {
    return this.kubectl(...this.applyArgs(), '--force-conflicts', '-f', '-');
  }

  applyGateway(): string[] {
    return this.applyFiles([this.gatewaySource]);
  }

  applyRoot(): string[] {
    return this.applyFiles([this.env.rootProject, this.env.rootApplication]);
  }

  createNamespace(ns: string): string[] {
    return this.kubectl('create', 'namespace', ns);
  }

  /** `CHART --repo REPO`, `oci://REPO/CHART`, or the unpacked chart under the charts directory. */
  chartRef(c: ChartFacts): string[] {
    const dir = this.opts.chartsDir?.replace(/\/+$/, '');
    if (dir) {
      const candidates = [`${dir}/${c.chart}-${c.version}`, `${dir}/${c.chart}`];
      return [candidates.find((d) => this.opts.isChartDir(d)) ?? candidates[0]!];
    }
    if (c.repo.startsWith('oci://')) return [`${c.repo.replace(/\/+$/, '')}/${c.chart}`];
    return [c.chart, '--repo', c.repo];
  }

  helmTemplate(c: ChartFacts): string[] {
    return [
      'helm', 'template', c.release, ...this.chartRef(c),
      ...(this.opts.chartsDir ? [] : ['--version', c.version]),
      '--namespace', c.namespace, '--kube-version', this.env.kubernetesVersion, '--include-crds',
      ...this.env.helmApiVersions.flatMap((v) => ['--api-versions', v]),
      '-f', c.values,
    ];
  }

  /** The live-state reads of `edge-idp bootstrap status`. */
  reads(): Record<'basics' | 'gateway' | 'cilium' | 'argocd' | 'root', string[]> {
    const e = this.env;
    return {
      basics: this.kubectl('get', ...[...e.priorityClasses, ...e.bootstrapNamespaces].flatMap((f) => ['-f', f]), '--ignore-not-found', '-o', 'json'),
      gateway: this.kubectl('get', '-f', this.gatewaySource, '-o', 'json'),
      cilium: this.kubectl('get', ...e.cilium.workloads, '-n', e.cilium.namespace, '-o', 'json'),
      argocd: this.kubectl('get', 'deployments,statefulsets', '-n', e.argocd.namespace, '-l', e.argocd.workloadSelector, '-o', 'json'),
      root: this.kubectl('get', 'applications.argoproj.io', e.rootApplicationName, '-n', e.argocd.namespace, '-o', 'json'),
    };
  }

  layersRead(): string[] {
    return this.kubectl('get', 'applications.argoproj.io,applicationsets.argoproj.io', '-n', this.env.argocd.namespace, '-o', 'json');
  }
}

/** The dry run's lines (bootstrap.sh prints the access section and the closing line after them). */
export function planLines(env: BootstrapEnv, opts: PlanOptions): string[] {
  const cmd = new BootstrapCommands(env, opts);
  const q = (argv: readonly string[]) => quoteCmd(argv);
  const t = `--timeout=<what is left of ${opts.timeoutSeconds}s>`;
  const out: string[] = [];
  const say = (s: string) => out.push(s);
  const step = (s: string) => out.push('', `==> ${s}`);
  const dry = (s: string) => out.push(`    ${s}`);
  const run = (argv: readonly string[], comment = '') => dry(`$ ${q(argv)}${comment ? `   # ${comment}` : ''}`);
  const now = (name: StepName) => {
    const d = opts.decisions?.find((x) => x.step === name);
    if (d) dry(`now: ${d.action} (${d.message})`);
  };
  const reads = cmd.reads();

  say(`edge-idp bootstrap, site ${env.site} (${env.file}), DRY RUN`);
  say('Nothing below is executed: no kubectl, helm or npm call is made.');
  say("Each 'skip if' is a read-only check; when it holds, the step makes no change.");
  if (opts.decisions) say("Each 'now:' line is what the step would do on the cluster as it was read.");

  step('Preflight: tools');
  run(['kubectl', 'version', '--client', '-o', 'json'], opts.minKubectl ? `need >= ${opts.minKubectl}` : '');
  run(['helm', 'version', '--template', '{{.Version}}'], opts.minHelm ? `need >= ${opts.minHelm}` : '');
  step('Preflight: synth/ in sync with the source');
  dry(opts.skipSynthCheck ? '(skipped: --skip-synth-check)' : `$ ${q(['npm', 'run', '-s', 'check', '--', '--site', env.site])}   # non-zero: refuse (exit ${BOOTSTRAP_EXIT.synth})`);
  step('Preflight: git repository');
  dry(opts.skipGitCheck ? '(skipped: --skip-git-check)' : `$ ${q(['git', 'ls-remote', '--exit-code', env.gitRepoURL, env.gitRevision])}   # failure: refuse (exit ${BOOTSTRAP_EXIT.git})`);
  step('Preflight: cluster');
  run(cmd.kubectl('get', '--raw', '/version', '--request-timeout=20s'));
  run(cmd.kubectl('get', 'nodes', '-o', 'json'), `| edge-idp bootstrap preflight-nodes: exit ${BOOTSTRAP_EXIT.nodes} on a mismatch`);
  dry(`expect exactly these nodes: ${env.nodes.map((n) => `${n.name}:${n.role}`).join(' ')}`);
  dry('add what is missing (after a prompt, or with --yes):');
  for (const n of env.nodes) for (const f of nodeFixCommands(env, n.name, n.role)) dry(`  ${q(cmd.kubectl(...f.args))}   # ${f.when}`);
  step(`Preflight: Secrets encrypted at rest (SECRETS_ENCRYPTION=${env.secretsEncryption})`);
  run(cmd.kubectl('get', '--raw', '/metrics'), "the API server's storage transformations; with the nodes' k3s annotations");
  dry(
    `| edge-idp bootstrap preflight-encryption: ${
      env.secretsEncryption === 'none' ? 'warn, go on' : env.secretsEncryption === 'verified' ? `refuse (exit ${BOOTSTRAP_EXIT.secretsEncryption}) on evidence of clear storage` : `refuse (exit ${BOOTSTRAP_EXIT.secretsEncryption}) unless encryption is seen`
    }`,
  );

  step('Preflight: live state (read-only; edge-idp bootstrap status decides each step)');
  for (const argv of Object.values(reads)) run(argv);

  step('1/6 PriorityClasses and namespaces');
  now('basics');
  dry(`skip if: every object of these files exists (${env.priorityClasses.length} PriorityClasses, ${env.bootstrapNamespaces.length} namespaces)`);
  run(cmd.applyFiles([...env.priorityClasses, ...env.bootstrapNamespaces]));

  step('2/6 Gateway API CRDs');
  now('gateway');
  dry(`skip if: every object of ${cmd.gatewaySource} exists with ${env.gatewayApi.versionAnnotation}=${env.gatewayApi.version}`);
  run(cmd.applyGateway());
  run(cmd.kubectl('get', '-f', cmd.gatewaySource, '-o', 'name'));
  run(cmd.kubectl('wait', '--for=condition=Established', 'customresourcedefinition.apiextensions.k8s.io/NAME', t), 'for every CRD listed');

  step(`3/6 Cilium ${env.cilium.version}`);
  now('cilium');
  dry(`skip if: ${env.cilium.workloads.join(' and ')} run image tag ${env.cilium.imageTag}, every pod ready and updated`);
  run(cmd.kubectl('get', 'namespace', env.cilium.namespace), 'if absent:');
  run(cmd.createNamespace(env.cilium.namespace));
  rendered(cmd.helmTemplate(env.cilium));
  for (const w of env.cilium.workloads) run(cmd.kubectl('rollout', 'status', w, '-n', env.cilium.namespace, t));
  run(cmd.kubectl('wait', '--for=condition=Ready', 'nodes', '--all', t));

  step(`4/6 ArgoCD (chart ${env.argocd.chart} ${env.argocd.version})`);
  now('argocd');
  dry(`skip if: its Deployments/StatefulSets (with ${env.argocd.coreWorkloads.join(' and ')}) carry ${HELM_LABELS.chart}=${env.argocd.chart.split('/').at(-1)}-${env.argocd.version}, every pod ready and updated`);
  run(cmd.kubectl('get', 'namespace', env.argocd.namespace), 'if absent:');
  run(cmd.createNamespace(env.argocd.namespace));
  rendered(cmd.helmTemplate(env.argocd));
  run(cmd.kubectl('wait', '--for=condition=Established', ...env.argocd.crds.map((c) => `crd/${c}`), t));
  run(cmd.kubectl('get', 'deployments,statefulsets', '-n', env.argocd.namespace, '-l', env.argocd.workloadSelector, '-o', 'name'));
  run(cmd.kubectl('rollout', 'status', 'KIND/NAME', '-n', env.argocd.namespace, t), 'for each of them');

  step(`5/6 root AppProject and Application (${env.rootApplicationName})`);
  now('root');
  dry('skip if: the root Application exists');
  run(cmd.applyRoot());

  step(`6/6 ArgoCD syncs the layers, in order: ${env.applicationSets.join(' ')}`);
  dry(`every ${opts.pollSeconds}s until each ApplicationSet's Applications are all Synced and Healthy`);
  dry(`(as many as its ${ANNOTATIONS.expectedApplications} annotation says), the Applications the root`);
  dry('Application owns directly, and the root Application itself:');
  run(cmd.layersRead(), `| edge-idp bootstrap layers: exit ${BOOTSTRAP_EXIT.ok} when every layer is converged`);
  return out;

  function rendered(helm: readonly string[]) {
    dry(`$ ${q(helm)} \\`);
    dry(`    | ${q(cmd.applyStdin())}`);
    dry(`  (objects whose apiVersion '${q(cmd.kubectl('api-versions'))}' does not list are left to ArgoCD)`);
  }
}
