/**
 * `edge-idp bootstrap <subcommand>`: the decisions bootstrap.sh delegates, one library call
 * each. bootstrap.sh runs kubectl and passes its JSON here; these commands print the verdict
 * and exit with bootstrap.sh's own exit codes (see `./bootstrap.sh --help`).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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
  parseKubeObjects,
  planLines,
  quoteCmd,
  readBootstrapEnv,
  rootState,
  secretsEncryptionVerdict,
  type BootstrapEnv,
  type ExpectedObject,
  type LiveRead,
  type StepsDecision,
} from '../bootstrap/index.js';
import { EdgeIdpError, printable } from '../config/errors.js';
import { defineCommand, type Command, type CommandIO } from './command.js';

const usageError = (message: string) => new EdgeIdpError(message, BOOTSTRAP_EXIT.usage);

const ENV_OPTION = {
  env: { type: 'string', arg: 'FILE', help: 'the site\'s bootstrap.env (synth/<site>/bootstrap/bootstrap.env; required)' },
  root: { type: 'string', arg: 'DIR', help: 'the repository root, where the paths in bootstrap.env start (default: the current directory)' },
} as const;
const FORMAT_OPTION = {
  format: { type: 'string', arg: 'text|tsv', default: 'text', help: 'text, or tsv: one `tag<TAB>text` line each (what bootstrap.sh reads)' },
} as const;

async function readText(io: CommandIO, file: string, what: string): Promise<string> {
  if (file === '-') {
    if (!io.readStdin) throw usageError(`${what}: no standard input to read`);
    return io.readStdin();
  }
  try {
    return await readFile(resolve(io.cwd, file), 'utf8');
  } catch (e) {
    throw usageError(`${what}: cannot read '${printable(file)}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

async function loadEnv(io: CommandIO, file: string | undefined, command: string): Promise<BootstrapEnv> {
  if (!file) throw usageError(`${command} needs --env FILE (synth/<site>/bootstrap/bootstrap.env)`);
  return readBootstrapEnv(await readText(io, file, 'bootstrap.env'), file);
}

function format(value: string): 'text' | 'tsv' {
  if (value !== 'text' && value !== 'tsv') throw usageError(`--format must be text or tsv, not '${printable(value)}'`);
  return value;
}

/** kubectl's output for one read: DIR/NAME.json, and DIR/NAME.err when kubectl failed. */
async function liveRead(io: CommandIO, dir: string, name: string): Promise<LiveRead> {
  const base = resolve(io.cwd, dir, name);
  if (!existsSync(`${base}.json`)) {
    throw usageError(`${join(dir, `${name}.json`)} not found: --state DIR holds kubectl's JSON for basics, gateway, cilium, argocd and root (see 'edge-idp bootstrap plan')`);
  }
  const json = await readFile(`${base}.json`, 'utf8');
  return existsSync(`${base}.err`) ? { json, error: (await readFile(`${base}.err`, 'utf8')) || 'kubectl failed' } : { json };
}

/** The kind and name of each object in the PriorityClass and namespace files bootstrap applies. */
async function expectedBasics(io: CommandIO, root: string, env: BootstrapEnv): Promise<ExpectedObject[]> {
  const out: ExpectedObject[] = [];
  // Loaded here, not at start-up: only status and plan --state read these files (yaml is ~40 ms).
  const { parseAllDocuments } = await import('yaml');
  for (const file of [...env.priorityClasses, ...env.bootstrapNamespaces]) {
    const text = await readText(io, resolve(io.cwd, root, file), `${env.file}: PRIORITY_CLASSES or BOOTSTRAP_NAMESPACES`);
    for (const doc of parseAllDocuments(text)) {
      const o = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null;
      if (typeof o?.kind !== 'string' || typeof o.metadata?.name !== 'string') {
        throw usageError(`${file} holds an object without kind or metadata.name: run 'npm run synth'`);
      }
      out.push({ kind: o.kind, name: o.metadata.name });
    }
  }
  return out;
}

async function decide(io: CommandIO, env: BootstrapEnv, dir: string, root: string): Promise<StepsDecision> {
  const read = (name: string) => liveRead(io, dir, name);
  return decideSteps(env, {
    basics: basicsState(await expectedBasics(io, root, env), await read('basics')),
    gateway: gatewayState(env, await read('gateway')),
    cilium: ciliumState(env, await read('cilium')),
    argocd: argocdState(env, await read('argocd')),
    root: rootState(await read('root')),
  });
}

const tsv = (tag: string, text: string) => `${tag}\t${printable(text)}`;

function subcommands(): Record<string, Command> {
  return {
    'preflight-nodes': defineCommand('bootstrap preflight-nodes', {
      summary:
        "Check `kubectl get nodes -o json` against NODES: exit 0 when they match, 5 when names or roles differ, 6 when role labels or the control-plane taint are missing (the kubectl commands that add them are printed, and written to --fixes).",
      usageExit: BOOTSTRAP_EXIT.usage,
      options: {
        ...ENV_OPTION,
        nodes: { type: 'string', arg: 'FILE', default: '-', help: "kubectl's JSON for the nodes (default: - , standard input)" },
        context: { type: 'string', arg: 'NAME', help: 'the kubeconfig context, shown in the printed commands' },
        fixes: { type: 'string', arg: 'FILE', help: 'write the fixes here, one line of kubectl arguments each' },
      },
      async run(values, io) {
        const env = await loadEnv(io, values.env, 'bootstrap preflight-nodes');
        const items = parseKubeObjects(await readText(io, values.nodes, 'the nodes'), 'the nodes');
        const verdict = checkNodes(env, items);
        const kubectl = (args: readonly string[]) => quoteCmd(['kubectl', ...(values.context ? ['--context', values.context] : []), ...args]);
        for (const note of verdict.notes) io.out(note);
        if (values.fixes) {
          const lines = verdict.status === 'fix' ? verdict.fixes.map((f) => `${f.args.join(' ')}\n`).join('') : '';
          await writeFile(resolve(io.cwd, values.fixes), lines, 'utf8');
        }
        if (verdict.status === 'mismatch') {
          io.err([printable(verdict.message), ...verdict.inspect.map((a) => `inspect: ${kubectl(a.split(' '))}`)].join('\n'));
          return BOOTSTRAP_EXIT.nodes;
        }
        if (verdict.status === 'fix') {
          io.out(['The nodes need these changes:', ...verdict.fixes.map((f) => `  - ${f.problem}`), 'Commands:', ...verdict.fixes.map((f) => `  ${kubectl(f.args)}`)].join('\n'));
          return BOOTSTRAP_EXIT.nodeSetup;
        }
        return BOOTSTRAP_EXIT.ok;
      },
    }),
    'preflight-encryption': defineCommand('bootstrap preflight-encryption', {
      summary:
        "Whether the cluster encrypts Secrets at rest, from `kubectl get nodes -o json` (k3s' annotations) and `kubectl get --raw /metrics` (the API server's storage transformations), against SECRETS_ENCRYPTION: exit 0 (a warning on stderr with 'none'), 12 when it refuses.",
      usageExit: BOOTSTRAP_EXIT.usage,
      options: {
        ...ENV_OPTION,
        nodes: { type: 'string', arg: 'FILE', help: "kubectl's JSON for the nodes (required)" },
        metrics: { type: 'string', arg: 'FILE', help: "the API server's /metrics text (omit when it could not be read)" },
        'metrics-error': { type: 'string', arg: 'FILE', help: "kubectl's error when /metrics could not be read" },
      },
      async run(values, io) {
        const env = await loadEnv(io, values.env, 'bootstrap preflight-encryption');
        if (!values.nodes) throw usageError('bootstrap preflight-encryption needs --nodes FILE');
        const nodes = parseKubeObjects(await readText(io, values.nodes, 'the nodes'), 'the nodes');
        const metrics = values.metrics ? await readText(io, values.metrics, 'the metrics') : undefined;
        const metricsError = values['metrics-error'] ? (await readText(io, values['metrics-error'], 'the metrics error')).trim() || undefined : undefined;
        const verdict = secretsEncryptionVerdict(env.secretsEncryption, [...k3sEvidence(env, nodes), ...metricsEvidence(metrics)], metricsError);
        for (const note of verdict.notes) io.out(printable(note));
        if (verdict.status === 'refuse') {
          io.err(printable(verdict.message));
          return BOOTSTRAP_EXIT.secretsEncryption;
        }
        if (verdict.status === 'warn') io.err(printable(verdict.warning));
        return BOOTSTRAP_EXIT.ok;
      },
    }),
    status: defineCommand('bootstrap status', {
      summary:
        "Decide each step from the live state (kubectl's JSON in --state DIR: basics, gateway, cilium, argocd, root .json, and NAME.err when that kubectl call failed): skip, wait (ArgoCD owns it) or apply. Exit 0.",
      usageExit: BOOTSTRAP_EXIT.usage,
      options: { ...ENV_OPTION, ...FORMAT_OPTION, state: { type: 'string', arg: 'DIR', help: "the folder of kubectl's JSON (required)" } },
      async run(values, io) {
        const env = await loadEnv(io, values.env, 'bootstrap status');
        const fmt = format(values.format);
        if (!values.state) throw usageError('bootstrap status needs --state DIR');
        const d = await decide(io, env, values.state, values.root ?? '.');
        for (const s of d.steps) io.out(fmt === 'tsv' ? `${s.step}\t${s.action}\t${printable(s.message)}` : `${s.step}: ${s.action}: ${printable(s.message)}`);
        if (d.converged) io.out(fmt === 'tsv' ? `converged\tskip\t${printable(d.converged)}` : `converged: ${printable(d.converged)}`);
        return BOOTSTRAP_EXIT.ok;
      },
    }),
    layers: defineCommand('bootstrap layers', {
      summary:
        "Which layer is converged and which is not, and why, from `kubectl get applications.argoproj.io,applicationsets.argoproj.io -o json`: exit 0 when every layer and the root Application are Synced and Healthy, 10 when not yet.",
      usageExit: BOOTSTRAP_EXIT.usage,
      options: {
        ...ENV_OPTION,
        ...FORMAT_OPTION,
        apps: { type: 'string', arg: 'FILE', default: '-', help: "kubectl's JSON for the Applications and ApplicationSets (default: - , standard input)" },
      },
      async run(values, io) {
        const env = await loadEnv(io, values.env, 'bootstrap layers');
        const fmt = format(values.format);
        const v = layerProgress(env, parseKubeObjects(await readText(io, values.apps, 'the Applications'), 'the Applications'));
        const line = (tag: string, text: string) => io.out(fmt === 'tsv' ? tsv(tag, text) : `${tag}: ${printable(text)}`);
        for (const w of v.warnings) line('warning', w);
        for (const r of v.ready) line('ready', r);
        if (v.done) {
          line('done', v.finished);
          return BOOTSTRAP_EXIT.ok;
        }
        line('progress', v.progress);
        for (const p of v.pending) line('pending', p);
        return BOOTSTRAP_EXIT.timeout;
      },
    }),
    plan: defineCommand('bootstrap plan', {
      summary: "Print every bootstrap step with its exact commands (bootstrap.sh --dry-run); with --state, what each step would do on the cluster as read.",
      usageExit: BOOTSTRAP_EXIT.usage,
      options: {
        ...ENV_OPTION,
        context: { type: 'string', arg: 'NAME', help: 'the kubeconfig context bootstrap.sh passes to kubectl' },
        'timeout-seconds': { type: 'string', arg: 'N', default: '1800', help: 'the time budget, in seconds (default: 1800)' },
        'poll-seconds': { type: 'string', arg: 'N', default: '5', help: 'seconds between two polls of ArgoCD (default: 5)' },
        'skip-synth-check': { type: 'boolean', default: false, help: 'bootstrap.sh --skip-synth-check' },
        'skip-git-check': { type: 'boolean', default: false, help: 'bootstrap.sh --skip-git-check' },
        'charts-dir': { type: 'string', arg: 'DIR', help: 'EDGE_IDP_CHARTS_DIR: unpacked charts instead of the repositories' },
        'gateway-api-crds': { type: 'string', arg: 'PATH', help: 'EDGE_IDP_GATEWAY_API_CRDS: a local copy of the Gateway API manifest' },
        'min-kubectl': { type: 'string', arg: 'VERSION', help: 'the kubectl version bootstrap.sh requires (shown)' },
        'min-helm': { type: 'string', arg: 'VERSION', help: 'the helm version bootstrap.sh requires (shown)' },
        state: { type: 'string', arg: 'DIR', help: "kubectl's JSON of the live state, as for 'bootstrap status'" },
      },
      async run(values, io) {
        const env = await loadEnv(io, values.env, 'bootstrap plan');
        const timeoutSeconds = Number(values['timeout-seconds']);
        if (!/^[1-9][0-9]*$/.test(values['timeout-seconds'])) throw usageError(`--timeout-seconds must be a positive whole number of seconds, not '${printable(values['timeout-seconds'])}'`);
        if (!/^[0-9]+(\.[0-9]+)?$/.test(values['poll-seconds'])) throw usageError(`--poll-seconds must be a number of seconds, not '${printable(values['poll-seconds'])}'`);
        const decisions = values.state ? (await decide(io, env, values.state, values.root ?? '.')).steps : undefined;
        const lines = planLines(env, {
          ...(values.context ? { context: values.context } : {}),
          timeoutSeconds,
          pollSeconds: values['poll-seconds'],
          skipSynthCheck: values['skip-synth-check'],
          skipGitCheck: values['skip-git-check'],
          ...(values['charts-dir'] ? { chartsDir: values['charts-dir'] } : {}),
          ...(values['gateway-api-crds'] ? { gatewayApiCrds: values['gateway-api-crds'] } : {}),
          ...(values['min-kubectl'] ? { minKubectl: values['min-kubectl'] } : {}),
          ...(values['min-helm'] ? { minHelm: values['min-helm'] } : {}),
          isChartDir: (dir) => {
            try {
              return statSync(resolve(io.cwd, dir, 'Chart.yaml')).isFile();
            } catch {
              return false;
            }
          },
          ...(decisions ? { decisions } : {}),
        });
        io.out(lines.join('\n'));
        return BOOTSTRAP_EXIT.ok;
      },
    }),
  };
}

let cached: Record<string, Command> | undefined;
const subs = () => (cached ??= subcommands());

/** `edge-idp bootstrap --help`: every subcommand and bootstrap.sh's exit codes. */
export function bootstrapUsage(): string {
  const entries = Object.entries(subs());
  const width = Math.max(...entries.map(([n]) => n.length));
  return [
    'usage: edge-idp bootstrap <subcommand> [options]',
    '',
    "The decisions bootstrap.sh delegates: it runs kubectl and passes the JSON; these print the verdict and exit with bootstrap.sh's exit codes.",
    '',
    'subcommands:',
    ...entries.map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`),
    '',
    '`edge-idp bootstrap <subcommand> --help` lists its options.',
    `exit codes: ${Object.entries(BOOTSTRAP_EXIT).map(([k, v]) => `${v} ${k}`).join(', ')}`,
  ].join('\n');
}

export const bootstrapCommand: Command = {
  summary: "bootstrap.sh's decisions on kubectl's JSON: plan (the dry run), preflight-nodes, preflight-encryption, status, layers (exit codes as bootstrap.sh's).",
  options: {},
  usage: bootstrapUsage,
  async run(args, io) {
    const [name, ...rest] = args;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out(bootstrapUsage());
      return name === undefined ? BOOTSTRAP_EXIT.usage : BOOTSTRAP_EXIT.ok;
    }
    const sub = subs()[name];
    if (!sub) throw usageError(`unknown subcommand '${printable(name)}'\n\n${bootstrapUsage()}`);
    return sub.run(rest, io);
  },
};
