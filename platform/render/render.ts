/**
 * Rendering a component's chart the way ArgoCD will: `helm template` with the generated values,
 * so checks run on the objects the cluster will actually receive rather than on the values we
 * hope the chart reads.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import type { ChartSource } from '../model/component.js';
import { isPlainObject } from '../model/values.js';
import type { HelmBinary } from './helm.js';

const execFileAsync = promisify(execFile);

/** Environment variable naming a directory of unpacked charts, for rendering offline. */
export const CHARTS_DIR_ENV_VAR = 'EDGE_IDP_CHARTS_DIR';

/** A rendered Kubernetes object: a plain parsed YAML map with at least `kind`. */
export interface K8sObject {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly labels?: Readonly<Record<string, string>>;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** A chart in a Helm repository, as a component declares it. */
export type RemoteChart = Pick<ChartSource, 'repoURL' | 'chart' | 'version'>;

/** Options of {@link renderChart}. Give exactly one of `chartDir` and `chart`. */
export interface RenderChartOptions {
  /** The helm to run (from `findHelm`), or its path. */
  readonly helm: HelmBinary | string;
  /** A local chart directory, rendered as is. */
  readonly chartDir?: string;
  /** A chart in a repository; rendered from `chartsDir` instead when that is set. */
  readonly chart?: RemoteChart;
  /**
   * Offline mode: a directory of unpacked charts (`<dir>/<chart>-<version>/` or `<dir>/<chart>/`,
   * as `helm pull --untar` leaves them) used instead of the repository. Default:
   * `$EDGE_IDP_CHARTS_DIR`; unset means fetch from `chart.repoURL`.
   */
  readonly chartsDir?: string;
  readonly releaseName: string;
  readonly namespace: string;
  /** Kubernetes version the chart sees in `.Capabilities.KubeVersion`, e.g. `1.31.0`. */
  readonly kubeVersion: string;
  /** The values file contents. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Extra `--api-versions` (e.g. `monitoring.coreos.com/v1`) for charts gated on CRDs. Default: none. */
  readonly apiVersions?: readonly string[];
  /** Render the chart's `crds/` directory too. Default: false (helm's default). */
  readonly includeCrds?: boolean;
  /**
   * Leave out `helm.sh/hook: test` pods. Default: true, because ArgoCD never runs Helm test
   * hooks, so they are not part of what gets deployed. Other hooks are always rendered.
   */
  readonly skipTests?: boolean;
  /** Environment of the helm process, and where `EDGE_IDP_CHARTS_DIR` is read. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Timeout of `helm template`, in ms. Default: 120000 (a remote chart is downloaded first). */
  readonly timeoutMs?: number;
}

/** `helm template` failed; the message holds helm's own error and the command. */
export class HelmRenderError extends Error {
  /** The arguments passed to helm (the values file path is a temporary file). */
  readonly args: readonly string[];
  readonly stderr: string;

  constructor(message: string, args: readonly string[], stderr: string) {
    super(message);
    this.name = 'HelmRenderError';
    this.args = args;
    this.stderr = stderr;
  }
}

/** The offline charts directory has no chart for a source, or one at another version. */
export class ChartResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartResolutionError';
  }
}

/** helm's output is not the YAML it should be (a broken chart template). */
export class RenderedYamlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderedYamlError';
  }
}

/**
 * Renders a chart with `helm template` and returns its objects in helm's output order, hooks
 * included (ArgoCD runs most Helm hooks as sync hooks, so their pods are real). Empty documents
 * are dropped and `v1/List` objects are flattened into their items.
 *
 * @throws ChartResolutionError in offline mode when the chart is missing or at another version.
 * @throws HelmRenderError when helm fails.
 * @throws RenderedYamlError when helm's output is not a stream of Kubernetes objects.
 */
export async function renderChart(opts: RenderChartOptions): Promise<K8sObject[]> {
  if ((opts.chartDir === undefined) === (opts.chart === undefined)) {
    throw new TypeError('renderChart: give exactly one of `chartDir` (a local chart) and `chart` (a repository chart)');
  }
  const env = opts.env ?? process.env;
  const helmPath = typeof opts.helm === 'string' ? opts.helm : opts.helm.path;

  let chartRef: string;
  const sourceArgs: string[] = [];
  if (opts.chartDir !== undefined) {
    chartRef = opts.chartDir;
  } else {
    const chart = opts.chart!;
    const chartsDir = opts.chartsDir ?? (env[CHARTS_DIR_ENV_VAR] || undefined);
    if (chartsDir !== undefined) {
      chartRef = await resolveOfflineChart(chartsDir, chart);
    } else if (chart.repoURL.startsWith('oci://')) {
      // OCI registries take the chart as part of the reference; `--repo` is for HTTP repositories.
      chartRef = `${chart.repoURL.replace(/\/+$/, '')}/${chart.chart}`;
      sourceArgs.push('--version', chart.version);
    } else {
      chartRef = chart.chart;
      sourceArgs.push('--version', chart.version, '--repo', chart.repoURL);
    }
  }

  const tmp = await mkdtemp(join(tmpdir(), 'edge-idp-render-'));
  try {
    const valuesFile = join(tmp, 'values.yaml');
    // JSON is YAML, and JSON.stringify has no YAML quirks (norway, octal-looking strings).
    await writeFile(valuesFile, JSON.stringify(opts.values), 'utf8');
    const args = [
      'template',
      opts.releaseName,
      chartRef,
      '--namespace',
      opts.namespace,
      '--kube-version',
      opts.kubeVersion,
      '--values',
      valuesFile,
      ...sourceArgs,
    ];
    for (const v of opts.apiVersions ?? []) args.push('--api-versions', v);
    if (opts.includeCrds) args.push('--include-crds');
    if (opts.skipTests ?? true) args.push('--skip-tests');

    let stdout: string;
    try {
      ({ stdout } = await execFileAsync(helmPath, args, {
        env,
        encoding: 'utf8',
        timeout: opts.timeoutMs ?? 120_000,
        // Large charts (kube-prometheus-stack) render several MiB of YAML.
        maxBuffer: 256 * 1024 * 1024,
      }));
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
      const stderr = (e.stderr ?? '').trim();
      const what = opts.chartDir ?? `${opts.chart!.chart}@${opts.chart!.version} from ${chartRef}`;
      const cause =
        e.code === 'ENOENT'
          ? `helm binary '${helmPath}' does not exist (find it with findHelm())`
          : e.killed
            ? `helm was killed after ${opts.timeoutMs ?? 120_000} ms (raise timeoutMs, or render offline with ${CHARTS_DIR_ENV_VAR})`
            : stderr || e.message;
      throw new HelmRenderError(
        `helm template of ${what} (release '${opts.releaseName}', namespace '${opts.namespace}') failed: ${cause}`,
        args,
        stderr,
      );
    }
    return parseRenderedYaml(stdout);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Parses a multi-document YAML stream (helm's output) into objects, with YAML 1.1 semantics as
 * Kubernetes' Go tools read it: empty and comment-only documents are dropped, `v1/List` objects
 * are flattened.
 *
 * @throws RenderedYamlError on a YAML error or a document that is not an object with a `kind`.
 */
export function parseRenderedYaml(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  // YAML 1.1, as helm, kubectl and ArgoCD (Go) read it: `defaultMode: 0400` is octal 256 and
  // `no` a boolean there, and reading them as YAML 1.2 (400, "no") would change the objects.
  const docs = parseAllDocuments(text, { version: '1.1' });
  // parseAllDocuments returns an EmptyStream (not an array) for empty input.
  if (!Array.isArray(docs)) return out;
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      throw new RenderedYamlError(`rendered document #${index + 1} is not valid YAML: ${doc.errors[0]!.message}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: -1 });
    if (value === null || value === undefined) return;
    pushObject(value, `document #${index + 1}`, out);
  });
  return out;
}

function pushObject(value: unknown, where: string, out: K8sObject[]): void {
  if (!isPlainObject(value) || typeof value.kind !== 'string') {
    throw new RenderedYamlError(`rendered ${where} is not a Kubernetes object (no 'kind'): ${JSON.stringify(value).slice(0, 120)}`);
  }
  if (value.kind === 'List' && Array.isArray(value.items)) {
    value.items.forEach((item, i) => pushObject(item, `${where} item #${i + 1}`, out));
    return;
  }
  out.push(value as K8sObject);
}

/**
 * Finds a chart in an offline charts directory: `<dir>/<chart>-<version>/` first, then
 * `<dir>/<chart>/`; either one's `Chart.yaml` must declare that exact version.
 *
 * @throws ChartResolutionError naming what was looked for and how to fix it.
 */
export async function resolveOfflineChart(chartsDir: string, chart: RemoteChart): Promise<string> {
  const pull = chart.repoURL.startsWith('oci://')
    ? `helm pull ${chart.repoURL.replace(/\/+$/, '')}/${chart.chart}`
    : `helm pull ${chart.chart} --repo ${chart.repoURL}`;
  const fix = `unpack it with '${pull} --version ${chart.version} --untar --untardir ${chartsDir}'`;
  const candidates = [join(chartsDir, `${chart.chart}-${chart.version}`), join(chartsDir, chart.chart)];
  for (const dir of candidates) {
    if (!(await isDirectory(dir))) continue;
    const chartYaml = join(dir, 'Chart.yaml');
    let meta: unknown;
    try {
      // failsafe: every scalar stays a string, so `version: 1.10` is not read as the number 1.1.
      meta = parse(await readFile(chartYaml, 'utf8'), { schema: 'failsafe' });
    } catch (err) {
      throw new ChartResolutionError(
        `offline chart ${dir} has no readable Chart.yaml (${err instanceof Error ? err.message : String(err)}); ${fix}`,
      );
    }
    const version = isPlainObject(meta) ? meta.version : undefined;
    const name = isPlainObject(meta) ? meta.name : undefined;
    if (name !== chart.chart) {
      throw new ChartResolutionError(
        `offline chart ${chartYaml} is named '${String(name)}', expected '${chart.chart}'; ${fix}`,
      );
    }
    if (String(version) !== chart.version) {
      throw new ChartResolutionError(
        `offline chart ${chartYaml} is version ${String(version)}, but the component pins ${chart.chart} ${chart.version}; ` +
          `replace it (${fix}) or put it beside as ${join(chartsDir, `${chart.chart}-${chart.version}`)}`,
      );
    }
    return dir;
  }
  throw new ChartResolutionError(
    `chart ${chart.chart} ${chart.version} is not in ${CHARTS_DIR_ENV_VAR} directory ${chartsDir} ` +
      `(looked for ${candidates.join(' and ')}); ${fix}, or unset ${CHARTS_DIR_ENV_VAR} to fetch it from the repository`,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
