/**
 * Rendering a whole site: every enabled Helm component's chart through `helm template`, the
 * way ArgoCD will render it (release name, target namespace, the site's Kubernetes version and
 * the generated values), each checked with {@link checkRendered}.
 *
 * A component whose chart cannot be rendered (repository unreachable, chart missing from the
 * offline charts directory, helm error) is reported on its own result and does not stop the
 * others, so one missing chart never hides the misses of the rest. Only a missing helm (no
 * render can run at all) throws.
 *
 * Also here: the files of the `rendered: true` delivery mode ({@link renderedManifestFiles}),
 * where synth commits the rendered objects and ArgoCD reads them as a plain directory.
 *
 * Library only: nothing here prints or exits. Output order is `build.components` order.
 */
import { availableParallelism } from 'node:os';
import { EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import type { ComponentSource } from '../model/component.js';
import type { LayerId } from '../model/layers.js';
import { compareText } from '../model/order.js';
import { objectFileBase, yamlFile } from '../synth/files.js';
import { renderedDir } from '../synth/paths.js';
import { checkRendered, type CheckableComponent, type ComponentCheckReport } from './check.js';
import { networkMisses, type NetworkCheckable } from './network-check.js';
import { findHelm, type HelmBinary } from './helm.js';
import { renderChart, type K8sObject } from './render.js';
import { platformApiVersions } from '../argocd/capabilities.js';
import { isPlainObject } from '../model/values.js';

/**
 * What rendering needs of a component; a `PlatformComponent` fits as is. Components whose
 * source is not a Helm chart are skipped.
 */
export interface SiteComponent extends CheckableComponent, NetworkCheckable {
  readonly componentName: string;
  readonly layer: LayerId;
  readonly releaseName: string;
  readonly targetNamespace: string;
  readonly source: ComponentSource | undefined;
  /** The generated values (tier settings applied), exactly what `values.yaml` holds. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Images its pods start at run time that no pod template names. Default: none. */
  readonly runtimeImages?: readonly string[];
  /** APIs (`group/version/Kind`) whose CRDs it installs. Default: none. */
  readonly providesApis?: readonly string[];
}

/** What rendering needs of a site; a `SiteBuild` fits as is. */
export interface SiteRenderInput<C extends SiteComponent = SiteComponent> {
  readonly config: {
    readonly site: { readonly name: string };
    readonly cluster: { readonly kubernetesVersion: string };
  };
  /** The enabled components, in output order. */
  readonly components: readonly C[];
  /**
   * Each component's own objects (extra resources), by component name: the network check
   * finds the pods of the component's own manifests there. Default: none.
   */
  readonly resources?: ReadonlyMap<string, readonly unknown[]>;
}

/** Options of {@link renderSite}. */
export interface RenderSiteOptions {
  /** The helm to run, or its path. Default: `findHelm()` (throws `HelmNotFoundError` when there is none). */
  readonly helm?: HelmBinary | string;
  /**
   * Offline mode: a directory of unpacked charts (`<dir>/<chart>-<version>/` or `<dir>/<chart>/`).
   * Default: `$EDGE_IDP_CHARTS_DIR`; unset means each chart is fetched from its repository.
   */
  readonly chartsDir?: string;
  /** Charts rendered at the same time. Default: min(4, available CPUs). */
  readonly concurrency?: number;
  /**
   * Extra `--api-versions` for charts that gate objects on CRDs being served
   * (`.Capabilities.APIVersions.Has "monitoring.coreos.com/v1"`). ArgoCD passes the live
   * cluster's. Default: what the running platform serves ({@link platformApiVersions} of the
   * site's components), the same list bootstrap renders Cilium and ArgoCD with.
   */
  readonly apiVersions?: readonly string[];
  /**
   * Render the charts' `crds/` directories too. Default: true, as ArgoCD does (it renders with
   * `--include-crds` unless an Application sets `skipCrds`), so rendered output holds every
   * object ArgoCD would apply.
   */
  readonly includeCrds?: boolean;
  /** Environment of helm (and where `EDGE_IDP_CHARTS_DIR` is read). Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Timeout of each `helm template`, in ms. Default: renderChart's (120 s). */
  readonly timeoutMs?: number;
}

/** The outcome of one Helm component: its objects and check report, or the error that stopped its render. */
export interface SiteRenderResult<C extends SiteComponent = SiteComponent> {
  readonly component: C;
  /** Rendered objects, in helm's output order (hooks included). Absent when the render failed. */
  readonly objects?: readonly K8sObject[];
  /** The rendered check. Absent when the render failed. */
  readonly report?: ComponentCheckReport;
  /**
   * Why the chart could not be rendered or checked: `ChartResolutionError` (not in the charts
   * directory, or at another version), `HelmRenderError` (repository unreachable, template
   * error), `RenderedYamlError`. Absent on success.
   */
  readonly error?: Error;
}

/** The Helm components of a site, in build order. */
export function helmComponents<C extends SiteComponent>(build: SiteRenderInput<C>): C[] {
  return build.components.filter((c) => c.source?.type === 'helm');
}

/**
 * Renders and checks every Helm component of the site. Render failures are captured on the
 * component's result; results follow `build.components` order whatever the concurrency.
 *
 * @throws HelmNotFoundError when no helm is given and none is found (nothing could render).
 */
export async function renderSite<C extends SiteComponent>(
  build: SiteRenderInput<C>,
  opts: RenderSiteOptions = {},
): Promise<SiteRenderResult<C>[]> {
  const components = helmComponents(build);
  if (components.length === 0) return [];
  const helm = opts.helm ?? (await findHelm(opts.env ? { env: opts.env } : {}));
  const kubeVersion = build.config.cluster.kubernetesVersion;
  const apiVersions = opts.apiVersions ?? platformApiVersions(build.components.map((c) => ({ providesApis: c.providesApis ?? [] })));
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? Math.min(4, availableParallelism())));

  const renderOne = async (component: C): Promise<SiteRenderResult<C>> => {
    const source = component.source;
    if (source?.type !== 'helm') throw new Error('unreachable: not a Helm component');
    try {
      const objects = await renderChart({
        helm,
        chart: { repoURL: source.repoURL, chart: source.chart, version: source.version },
        ...(opts.chartsDir !== undefined ? { chartsDir: opts.chartsDir } : {}),
        releaseName: component.releaseName,
        namespace: component.targetNamespace,
        kubeVersion,
        values: component.values,
        apiVersions,
        includeCrds: opts.includeCrds ?? true,
        ...(opts.env ? { env: opts.env } : {}),
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      });
      const own = (build.resources?.get(component.componentName) ?? []).filter((o): o is K8sObject => isPlainObject(o) && typeof o.kind === 'string');
      return { component, objects, report: checkRendered(component, objects, { extraMisses: networkMisses(component, objects, own) }) };
    } catch (err) {
      return { component, error: err instanceof Error ? err : new Error(String(err)) };
    }
  };

  const results: SiteRenderResult<C>[] = new Array(components.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < components.length) {
      const i = next++;
      results[i] = await renderOne(components[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, components.length) }, worker));
  return results;
}

/** True when every component rendered and its rendered check found no miss. */
export function siteRenderOk(results: readonly SiteRenderResult[]): boolean {
  return results.every((r) => r.error === undefined && r.report !== undefined && r.report.ok);
}

/** Totals over a site render. */
export interface SiteRenderTotals {
  readonly components: number;
  readonly rendered: number;
  readonly failed: number;
  /** Rendered components with no miss. */
  readonly compliantComponents: number;
  readonly partsFound: number;
  readonly partsCompliant: number;
  readonly misses: number;
  readonly unrenderedParts: number;
}

export function siteRenderTotals(results: readonly SiteRenderResult[]): SiteRenderTotals {
  const reports = results.flatMap((r) => (r.report && !r.error ? [r.report] : []));
  return {
    components: results.length,
    rendered: reports.length,
    failed: results.length - reports.length,
    compliantComponents: reports.filter((r) => r.ok).length,
    partsFound: sum(reports.map((r) => r.partsFound)),
    partsCompliant: sum(reports.map((r) => r.partsCompliant)),
    misses: sum(reports.map((r) => r.misses.length)),
    unrenderedParts: sum(reports.map((r) => r.unrenderedParts.length)),
  };
}

/**
 * A plain-text report of a site render: per component its chart, the pod templates found and
 * compliant, each miss with its fix key, each declared part that rendered nothing, or why the
 * chart could not be rendered; then one line of totals. Returned, never printed.
 */
export function formatSiteRenderReport(results: readonly SiteRenderResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const c = r.component;
    const chart = c.source?.type === 'helm' ? `${c.source.chart} ${c.source.version}` : 'no chart';
    const head = `${c.componentName} (${chart}, namespace ${c.targetNamespace})`;
    if (r.error || !r.report) {
      const message = r.error ? `${r.error.name}: ${r.error.message}` : 'not rendered';
      const [first, ...rest] = message.split('\n');
      lines.push(`✗ ${head}: render failed: ${first}`);
      for (const l of rest) lines.push(`    ${l}`);
      continue;
    }
    const rep = r.report;
    lines.push(
      `${rep.ok ? '✓' : '✗'} ${head}: ${rep.partsCompliant}/${rep.partsFound} pod templates compliant` +
        (rep.ok ? '' : `, ${plural(rep.misses.length, 'miss', 'misses')}`),
    );
    for (const m of rep.misses) {
      lines.push(`  - ${m.object} [${m.rule}${m.container ? ` ${m.container}` : ''}] fix key: ${m.fixKey ?? 'none'}`);
      lines.push(`      ${m.message}`);
    }
    for (const p of rep.unrenderedParts) {
      lines.push(`  ! declared part '${p}' matched no rendered workload (turned off by values, or its name/kind do not match the chart)`);
    }
  }
  const t = siteRenderTotals(results);
  lines.push(
    `${t.failed === 0 && t.misses === 0 ? 'ok' : 'FAILED'}: ${t.rendered}/${t.components} Helm components rendered` +
      (t.failed ? ` (${t.failed} failed)` : '') +
      `, ${t.compliantComponents}/${t.rendered} compliant; ` +
      `${t.partsCompliant}/${t.partsFound} pod templates compliant, ${plural(t.misses, 'miss', 'misses')}` +
      (t.unrenderedParts ? `, ${plural(t.unrenderedParts, 'unrendered part', 'unrendered parts')}` : ''),
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// rendered: true — commit the rendered objects, ArgoCD reads them as a plain directory.

export { renderedDir };

/** Rendered mode needs every Helm component rendered: these were not. */
export class RenderedManifestsError extends EdgeIdpError {
  constructor(readonly failures: readonly { readonly component: string; readonly reason: string }[]) {
    super(
      `rendered mode needs every Helm chart rendered, but ${plural(failures.length, 'component', 'components')} ` +
        `could not be:\n${failures.map((f) => `  - ${f.component}: ${f.reason.split('\n')[0]}`).join('\n')}\n` +
        `  fix: make the charts reachable (or unpack them into a directory and set EDGE_IDP_CHARTS_DIR), then synth again`,
      EXIT_CODES.tool,
    );
    this.name = 'RenderedManifestsError';
  }
}

/**
 * The files of the `rendered: true` mode: for each Helm component, every rendered object as
 * `synth/<site>/layers/<layer>/<component>/rendered/<kind lowercased>-<name>.yaml`, the same
 * naming as synth's object files (the namespace is appended when two objects share kind and
 * name; the API group too when that is not enough). Each file has the generated header.
 *
 * Objects are written as helm rendered them: an object without a namespace lands in the
 * Application's destination namespace, exactly as with the chart source. Helm hook
 * annotations stay, and ArgoCD maps them to its own hooks in a directory source as well.
 *
 * @throws RenderedManifestsError when a Helm component of the build has no successful render
 *   (rendered mode cannot deliver it, and synth must stay atomic).
 * @throws Error when two objects of one component would get the same file (a chart bug).
 */
export function renderedManifestFiles(build: SiteRenderInput, results: readonly SiteRenderResult[]): Map<string, string> {
  const byName = new Map(results.map((r) => [r.component.componentName, r] as const));
  const failures: { component: string; reason: string }[] = [];
  for (const c of helmComponents(build)) {
    const r = byName.get(c.componentName);
    if (!r) failures.push({ component: c.componentName, reason: 'not rendered' });
    else if (r.error || !r.objects) failures.push({ component: c.componentName, reason: r.error?.message ?? 'no objects' });
  }
  if (failures.length > 0) throw new RenderedManifestsError(failures);

  const site = build.config.site.name;
  const files = new Map<string, string>();
  for (const c of helmComponents(build)) {
    const objects = byName.get(c.componentName)!.objects!;
    const dir = renderedDir(site, c.layer, c.componentName);
    for (const [name, object] of fileNames(c.componentName, objects)) {
      const path = `${dir}/${name}.yaml`;
      if (files.has(path)) throw new Error(`component '${c.componentName}': two rendered objects would be written to ${path}`);
      files.set(path, yamlFile(object));
    }
  }
  return new Map([...files].sort(([a], [b]) => compareText(a, b)));
}

/**
 * File base names of one component's objects: `<kind>-<name>`; on a clash the namespace is
 * appended, then the API group. Characters a file name should not carry (RBAC names such as
 * `system:foo`) become `_`.
 */
function fileNames(component: string, objects: readonly K8sObject[]): [string, K8sObject][] {
  const ident = (o: K8sObject) => {
    const name = o.metadata?.name;
    if (typeof name !== 'string' || name === '') {
      throw new Error(`component '${component}': a rendered ${o.kind} has no metadata.name`);
    }
    const ns = typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : '';
    const apiVersion = o.apiVersion ?? '';
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    return { base: safe(objectFileBase(o.kind, name)), ns: safe(ns), group: safe(group) };
  };
  const ids = objects.map(ident);
  const count = (keys: string[]) => {
    const m = new Map<string, number>();
    for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
    return m;
  };
  const first = ids.map((i) => i.base);
  const firstCounts = count(first);
  const second = ids.map((i, n) => (firstCounts.get(first[n]!)! > 1 && i.ns ? `${i.base}-${i.ns}` : i.base));
  const secondCounts = count(second);
  const third = ids.map((i, n) => (secondCounts.get(second[n]!)! > 1 && i.group ? `${second[n]!}-${i.group}` : second[n]!));
  return objects.map((o, n) => [third[n]!, o]);
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
