/**
 * The real Kyverno CLI (`kubectl-kyverno` v1.19.0, built by scripts/test-cluster/build-tools.sh)
 * for test/cluster/kyverno.test.ts: finding it, running it offline and bounded, staging our
 * policies so it can read them, and reading its answers (the `kyverno test` table and the
 * `kyverno apply --policy-report` report) as data.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseDocument } from 'yaml';
import { CHECK_NAMES, CHECKS, type CheckName } from '../../policies/checks.js';
import type { ClusterPolicy } from '../../policies/kyverno.js';
import { compareText } from '../../platform/model/order.js';
import { resolveTools } from './harness.js';

export const BUILD_COMMAND = 'bash scripts/test-cluster/build-tools.sh';
export const KYVERNO_CLI_VERSION = '1.19.0';

/** Upstream bug the staging works around (see {@link stagePolicyFile}). */
export const MATCH_CONDITIONS_BUG = 'kyverno/kyverno#15833';

// ---------------------------------------------------------------------------------------------
// Finding and running the CLI

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs a command to completion with stdin closed (`ignore`: nothing to write, so no EPIPE when it
 * exits at once), killing its process group after `timeoutMs`. Never throws.
 */
export function run(cmd: string, args: readonly string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[kyverno-helpers] ${cmd} killed after ${opts.timeoutMs} ms`;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}\n${err.message}`, ms: Date.now() - t0 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: stderr + (signal ? `\n[killed by ${signal}]` : ''), ms: Date.now() - t0 });
    });
  });
}

/** Path of `kubectl-kyverno`; throws (never skips) with the build command when it is missing. */
export async function kyvernoCliPath(): Promise<string> {
  let tools: Record<string, string>;
  try {
    tools = await resolveTools();
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(`the Kyverno CLI cannot be located: ${msg}${msg.includes(BUILD_COMMAND) ? '' : `\nBuild it with:\n  ${BUILD_COMMAND}`}`);
  }
  const cli = tools.KUBECTL_KYVERNO;
  if (!cli || !existsSync(cli)) {
    throw new Error(
      `the Kyverno CLI (KUBECTL_KYVERNO=${cli ?? '?'}) is missing: this suite needs the real kubectl-kyverno ${KYVERNO_CLI_VERSION}.\n` +
        `Build it (cached afterwards) with:\n  ${BUILD_COMMAND}`,
    );
  }
  return cli;
}

export interface KyvernoRunner {
  /** `offline (no network namespace)` or `offline (network namespace)`. */
  readonly isolation: string;
  run(args: readonly string[], opts?: { cwd?: string; timeoutMs?: number }): Promise<RunResult>;
  /** Milliseconds spent in CLI runs so far, and how many. */
  readonly stats: { runs: number; ms: number };
}

/**
 * Runs the CLI offline: in an empty network namespace when `unshare -rn` works (it then cannot
 * reach anything), else with every proxy pointed at a closed port and no kubeconfig, so an
 * attempt to fetch (image data, a git URL, a cluster) fails at once instead of hanging. Every run
 * is bounded (default 120 s). The CLI is not asked to do anything networked: no `--registry`,
 * no `--cluster`, no git sources, and the policies verify no images.
 */
export async function kyvernoRunner(cli: string, scratch: string): Promise<KyvernoRunner> {
  const home = join(scratch, 'home');
  const closed = 'http://127.0.0.1:9';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    KUBECONFIG: join(home, 'no-kubeconfig'),
    HTTP_PROXY: closed,
    HTTPS_PROXY: closed,
    http_proxy: closed,
    https_proxy: closed,
    NO_PROXY: '',
    no_proxy: '',
  };
  const probe = await run('unshare', ['-rn', 'true'], { env, timeoutMs: 10_000 });
  const netns = probe.code === 0;
  const stats = { runs: 0, ms: 0 };
  return {
    isolation: netns ? 'offline (empty network namespace, unshare -rn)' : 'offline (proxies to a closed port; unshare unavailable)',
    stats,
    async run(args, opts = {}) {
      const [cmd, argv]: [string, string[]] = netns ? ['unshare', ['-rn', '--', cli, ...args]] : [cli, [...args]];
      const res = await run(cmd, argv, { env, cwd: opts.cwd ?? scratch, timeoutMs: opts.timeoutMs ?? 120_000 });
      stats.runs += 1;
      stats.ms += res.ms;
      return res;
    },
  };
}

/** A scratch folder for one suite; `remove()` deletes it (unless KEEP_KYVERNO_SCRATCH=1). */
export function scratchDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'edge-idp-kyverno-'));
  return {
    path,
    remove() {
      if (process.env.KEEP_KYVERNO_SCRATCH !== '1') rmSync(path, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Staging policies

/**
 * Copies a ClusterPolicy file to `target` without `spec.webhookConfiguration.matchConditions`,
 * and returns the policy as read. Kyverno CLI 1.19.0 dereferences a nil Kubernetes client when a
 * policy has match conditions (`pkg/validation/policy/validate.go:138`, the "custom webhook
 * configurations" version gate; kyverno/kyverno#15833, fixes open as #15841, #15869, #15913):
 * `kyverno test` and `kyverno apply` panic on every one of our policies. The CLI does not
 * evaluate match conditions anyway (they are for the API server), so removing them changes no
 * result. Everything else is copied byte for byte (the YAML document is edited in place).
 */
export function stagePolicyFile(source: string, target: string): ClusterPolicy {
  const doc = parseDocument(readFileSync(source, 'utf8'));
  const policy = doc.toJS() as ClusterPolicy;
  if (policy?.kind !== 'ClusterPolicy') throw new Error(`${source} is not a ClusterPolicy`);
  doc.deleteIn(['spec', 'webhookConfiguration', 'matchConditions']);
  writeFileSync(target, doc.toString({ lineWidth: 0 }));
  return policy;
}

/** Copies `policies/<name>/` folders to `target`, staging each `policy.yaml` (see {@link stagePolicyFile}). */
export function stagePolicyFolders(policiesDir: string, names: readonly string[], target: string): ClusterPolicy[] {
  return names.map((name) => {
    cpSync(join(policiesDir, name), join(target, name), { recursive: true });
    return stagePolicyFile(join(policiesDir, name, 'policy.yaml'), join(target, name, 'policy.yaml'));
  });
}

/** Every `*.yaml` file directly under `dir`, sorted. */
export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

/**
 * A `cli.kyverno.io/v1alpha1` Values file giving namespaces their labels (the CLI has no cluster
 * to ask for them; rules with a `namespaceSelector` read these). Written as JSON, which every
 * YAML reader reads the same.
 */
export function writeValuesFile(path: string, namespaces: readonly { name: string; labels: Record<string, string> }[]): string {
  writeFileSync(
    path,
    JSON.stringify({ apiVersion: 'cli.kyverno.io/v1alpha1', kind: 'Values', metadata: { name: basename(path, '.yaml') }, namespaceSelector: namespaces }, null, 2),
  );
  return path;
}

/** Writes each object to its own file under `dir` (JSON text), returning the paths. */
export function writeObjects(dir: string, objects: readonly { kind: string; metadata: { name: string; namespace?: string } }[]): string[] {
  return objects.map((o, i) => {
    const path = join(dir, `${String(i).padStart(3, '0')}-${o.kind.toLowerCase()}-${o.metadata.namespace ?? ''}-${o.metadata.name}.yaml`);
    writeFileSync(path, JSON.stringify(o, null, 2));
    return path;
  });
}

// ---------------------------------------------------------------------------------------------
// Reading `kyverno test`

export interface KyvernoTestRow {
  readonly test: string;
  readonly id: number;
  readonly policy: string;
  readonly rule: string;
  /** `apiVersion/Kind/namespace/name` of the checked object, or `/name` of a generated one. */
  readonly resource: string;
  /** Whether the expectation held: `Pass` or `Fail` (not the rule's own result). */
  readonly result: string;
  /** `Ok`, `Excluded` (no rule response at all: counted as a pass by the CLI), `Want fail, got pass`, … */
  readonly reason: string;
  readonly message: string;
}

export interface KyvernoTestOutput {
  readonly rows: KyvernoTestRow[];
  /** Test files the CLI loaded, as it printed them. */
  readonly tests: string[];
  readonly passed: number;
  readonly failed: number;
}

/** Parses `kyverno test <dir> -o json --remove-color --detailed-results`. */
export function parseKyvernoTest(stdout: string): KyvernoTestOutput {
  const rows: KyvernoTestRow[] = [];
  const tests: string[] = [];
  const sections = stdout.split(/^Loading test\s+\(\s*(.+?)\s*\)\s*\.\.\.$/m);
  for (let i = 1; i < sections.length; i += 2) {
    const test = sections[i]!;
    tests.push(test);
    const body = sections[i + 1]!;
    const start = body.search(/^\[$/m);
    const end = body.search(/^\]$/m);
    if (start === -1 || end === -1) continue;
    const table = JSON.parse(body.slice(start, end + 1)) as Record<string, unknown>[];
    for (const r of table) {
      rows.push({
        test,
        id: Number(r.ID),
        policy: String(r.POLICY ?? ''),
        rule: String(r.RULE ?? ''),
        resource: String(r.RESOURCE ?? ''),
        result: String(r.RESULT ?? ''),
        reason: String(r.REASON ?? ''),
        message: String(r.Message ?? r.MESSAGE ?? ''),
      });
    }
  }
  const summary = /Test Summary: (\d+) tests passed and (\d+) tests failed/.exec(stdout);
  if (!summary) throw new Error(`no "Test Summary" in the kyverno test output:\n${stdout.slice(-2000)}`);
  return { rows, tests, passed: Number(summary[1]), failed: Number(summary[2]) };
}

// ---------------------------------------------------------------------------------------------
// Reading `kyverno apply --policy-report`

export type ReportResult = 'pass' | 'fail' | 'warn' | 'error' | 'skip';

export interface ReportEntry {
  readonly policy: string;
  readonly rule: string;
  readonly result: ReportResult;
  readonly object: ObjectKey;
  readonly message: string;
}

export interface PolicyReport {
  readonly entries: ReportEntry[];
  readonly summary: Record<ReportResult, number>;
}

/** `Kind namespace/name` or `Kind name`: how results and violations are matched to objects. */
export type ObjectKey = string;

export function objectKey(o: { kind: string; namespace?: string | undefined; name: string }): ObjectKey {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

export function keyOfObject(o: { kind: string; metadata: { name: string; namespace?: string } }): ObjectKey {
  return objectKey({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
}

/**
 * The report(s) in the stdout of `kyverno apply … --policy-report --output-format json`. The CLI
 * prints mutated and generated objects first (YAML), then each report as one JSON line, the
 * first one glued to the last "Mutation has been applied successfully." line.
 */
export function parseApplyReport(stdout: string): PolicyReport {
  const entries: ReportEntry[] = [];
  const summary: Record<ReportResult, number> = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  const start = /\{"kind":"(?:Cluster)?(?:Policy)?Report"/g;
  let found = 0;
  for (let m = start.exec(stdout); m; m = start.exec(stdout)) {
    const eol = stdout.indexOf('\n', m.index);
    const report = JSON.parse(stdout.slice(m.index, eol === -1 ? undefined : eol)) as {
      summary?: Partial<Record<ReportResult, number>>;
      results?: { policy: string; rule: string; result: ReportResult; message?: string; resources?: { kind: string; namespace?: string; name: string }[] }[];
    };
    found += 1;
    for (const k of Object.keys(summary) as ReportResult[]) summary[k] += report.summary?.[k] ?? 0;
    for (const r of report.results ?? []) {
      for (const res of r.resources ?? []) {
        entries.push({ policy: r.policy, rule: r.rule, result: r.result, object: objectKey(res), message: r.message ?? '' });
      }
    }
  }
  if (found === 0) throw new Error(`no policy report in the kyverno apply output:\n${stdout.slice(-2000)}`);
  return { entries, summary };
}

// ---------------------------------------------------------------------------------------------
// Rules and checks

export type RuleRole =
  | { readonly type: 'validate'; readonly check: CheckName; readonly failureAction: 'Audit' | 'Enforce' }
  | { readonly type: 'mutate' }
  | { readonly type: 'generate' };

/**
 * What each rule of `policies` does, and for validate rules which check (policies/checks.ts) it
 * holds: the policy's only check, or the check its name starts with (`<check>-<shape>`).
 */
export function ruleRoles(policies: readonly ClusterPolicy[]): Map<string, RuleRole> {
  const roles = new Map<string, RuleRole>();
  for (const policy of policies) {
    const checks = CHECK_NAMES.filter((c) => CHECKS[c].policy === policy.metadata.name);
    for (const rule of policy.spec.rules) {
      const key = ruleKey(policy.metadata.name, rule.name);
      if (rule.mutate) roles.set(key, { type: 'mutate' });
      else if (rule.generate) roles.set(key, { type: 'generate' });
      else if (rule.validate) {
        const check = checks.length === 1 ? checks[0] : checks.find((c) => rule.name.startsWith(`${c}-`));
        if (!check) throw new Error(`rule ${key} holds none of the checks of its policy (${checks.join(', ')})`);
        roles.set(key, { type: 'validate', check, failureAction: rule.validate.failureAction });
      } else throw new Error(`rule ${key} neither validates, mutates nor generates`);
    }
  }
  return roles;
}

export const ruleKey = (policy: string, rule: string): string => `${policy}/${rule}`;

/** Counts of report results per policy, for summaries. */
export function countsByPolicy(entries: readonly ReportEntry[]): Map<string, Record<ReportResult, number>> {
  const out = new Map<string, Record<ReportResult, number>>();
  for (const e of entries) {
    const c = out.get(e.policy) ?? { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
    c[e.result] += 1;
    out.set(e.policy, c);
  }
  return new Map([...out].sort(([a], [b]) => compareText(a, b)));
}

export const formatCounts = (c: Record<ReportResult, number>): string =>
  `pass ${c.pass}, fail ${c.fail}, warn ${c.warn}, error ${c.error}, skip ${c.skip}`;

// ---------------------------------------------------------------------------------------------
// Comparing the CLI with the fixtures' expectations and with the TypeScript evaluator

const failing = (r: ReportResult): boolean => r === 'fail' || r === 'warn';

/**
 * Where the CLI's report differs from what a fixture set expects of its own policy (empty when
 * it matches): an expected `pass` or `fail` needs a result of that rule on that object (a rule
 * that did not run at all is not a pass, though `kyverno test` counts it as one, "Excluded"), an
 * expected `skip` needs none or `skip`, and no rule of the policy may fail unexpectedly. An Audit
 * rule's failure is `warn` (the CLI runs with `--audit-warn`), an Enforce rule's is `fail`.
 */
export function expectationMismatches(
  set: { readonly policy: string; readonly fixtures: readonly { readonly file: string; readonly object: { kind: string; metadata: { name: string; namespace?: string } }; readonly kyverno: readonly { readonly rule: string; readonly result: 'pass' | 'fail' | 'skip' }[] }[] },
  report: PolicyReport,
  roles: ReadonlyMap<string, RuleRole>,
): string[] {
  const out: string[] = [];
  for (const fixture of set.fixtures) {
    const key = keyOfObject(fixture.object);
    const mine = report.entries.filter((e) => e.object === key && e.policy === set.policy);
    const got = (rule: string) => mine.filter((e) => e.rule === rule);
    const show = (es: readonly ReportEntry[]) => (es.length ? es.map((e) => e.result).join(',') : 'no result');
    for (const expected of fixture.kyverno) {
      const es = got(expected.rule);
      const role = roles.get(ruleKey(set.policy, expected.rule));
      const failAs = role?.type === 'validate' && role.failureAction === 'Enforce' ? 'fail' : 'warn';
      const ok =
        expected.result === 'pass'
          ? es.length > 0 && es.every((e) => e.result === 'pass')
          : expected.result === 'fail'
            ? es.length > 0 && es.some((e) => e.result === failAs)
            : es.every((e) => e.result === 'skip');
      if (!ok) out.push(`${fixture.file} (${key}): ${expected.rule}: expected ${expected.result === 'fail' ? failAs : expected.result}, got ${show(es)}`);
    }
    const expectedFail = new Set(fixture.kyverno.filter((k) => k.result === 'fail').map((k) => k.rule));
    for (const e of mine) {
      if ((failing(e.result) || e.result === 'error') && !expectedFail.has(e.rule)) {
        out.push(`${fixture.file} (${key}): ${e.rule}: unexpected ${e.result}: ${e.message}`);
      }
    }
  }
  return out.sort();
}

export interface Agreement {
  /** Object and evaluated check pairs Kyverno checks and passes, and the evaluator does not report. */
  readonly bothPass: number;
  /** Pairs neither tool has anything to say about (the check does not apply to the object). */
  readonly neither: number;
  /** Both report it. */
  readonly bothFail: string[];
  /** The evaluator excuses it by an exemption and Kyverno's rule excludes the object. */
  readonly bothExempt: string[];
  /**
   * The designed difference: a pod template without a PriorityClass, which the evaluator reports
   * (the generator must set every class) and Kyverno's mutate rule fills in before it validates.
   */
  readonly filledInByMutation: string[];
  readonly disagreements: string[];
  /** Kyverno's findings on the checks the evaluator leaves to Kyverno (Pod Security, probes, tokens). */
  readonly kyvernoOnly: string[];
}

/**
 * Compares, object by object and check by check, the evaluator's findings with the CLI's results
 * for the same objects and policies. `violations` and `exempted` are the evaluator's
 * (`evaluatePolicies`); the report comes from `kyverno apply` on the same objects.
 */
export function compareWithEvaluator(
  objects: readonly { kind: string; metadata: { name: string; namespace?: string } }[],
  report: PolicyReport,
  roles: ReadonlyMap<string, RuleRole>,
  evaluation: {
    readonly violations: readonly { check: CheckName; object: { kind: string; namespace?: string; name: string }; message: string }[];
    readonly exempted: readonly { violation: { check: CheckName; object: { kind: string; namespace?: string; name: string }; message: string } }[];
  },
): Agreement {
  const a = { bothPass: 0, neither: 0, bothFail: [] as string[], bothExempt: [] as string[], filledInByMutation: [] as string[], disagreements: [] as string[], kyvernoOnly: [] as string[] };
  const byObject = new Map<ObjectKey, ReportEntry[]>();
  for (const e of report.entries) byObject.set(e.object, [...(byObject.get(e.object) ?? []), e]);
  const keys = [...new Set(objects.map(keyOfObject))].sort();
  const brief = (es: readonly ReportEntry[]) => es.map((e) => `${e.rule}=${e.result}${failing(e.result) || e.result === 'error' ? ` (${e.message.slice(0, 160)})` : ''}`).join('; ');
  for (const key of keys) {
    const entries = byObject.get(key) ?? [];
    for (const check of CHECK_NAMES) {
      const es = entries.filter((e) => {
        const role = roles.get(ruleKey(e.policy, e.rule));
        return role?.type === 'validate' && role.check === check;
      });
      const errors = es.filter((e) => e.result === 'error');
      const cliFails = es.filter((e) => failing(e.result));
      const what = `${key}: ${check}`;
      if (errors.length) a.disagreements.push(`${what}: Kyverno could not evaluate it: ${brief(errors)}`);
      if (!CHECKS[check].evaluated) {
        if (cliFails.length) a.kyvernoOnly.push(`${what}: ${brief(cliFails)}`);
        continue;
      }
      const ev = evaluation.violations.filter((v) => v.check === check && objectKey(v.object) === key);
      const ex = evaluation.exempted.filter((x) => x.violation.check === check && objectKey(x.violation.object) === key);
      if (ex.length) {
        if (es.some((e) => e.result !== 'skip')) a.disagreements.push(`${what}: exempted by the evaluator, but Kyverno checked it: ${brief(es)}`);
        else a.bothExempt.push(what);
        continue;
      }
      if (ev.length && cliFails.length) a.bothFail.push(what);
      else if (!ev.length && !cliFails.length) {
        if (es.length) a.bothPass += 1;
        else a.neither += 1;
      }
      else if (ev.length) {
        const mutated = entries.some(
          (e) => e.policy === CHECKS[check].policy && e.result === 'pass' && roles.get(ruleKey(e.policy, e.rule))?.type === 'mutate',
        );
        if (check === 'tier-priority-class' && mutated && es.length > 0 && ev.every((v) => v.message.startsWith('no PriorityClass'))) {
          a.filledInByMutation.push(what);
        } else {
          a.disagreements.push(`${what}: the evaluator reports it (${ev.map((v) => v.message).join('; ')}), Kyverno ${es.length ? `passes it: ${brief(es)}` : 'does not check it'}`);
        }
      } else {
        a.disagreements.push(`${what}: Kyverno reports it (${brief(cliFails)}), the evaluator does not`);
      }
    }
  }
  for (const list of [a.bothFail, a.bothExempt, a.filledInByMutation, a.disagreements, a.kyvernoOnly]) list.sort();
  return a;
}
