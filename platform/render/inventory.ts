/**
 * The air-gap inventory, `synth/<site>/inventory.yaml`: everything a site pulls from outside,
 * so a mirror script can copy it into the site's registry and git server.
 *
 * - `charts`: every Helm chart (repoURL, chart, version), from the build: always current.
 * - `gitSources`: every git-directory source (repoURL, path, revision), from the build.
 * - `images`: every container image the platform runs: the rendered charts' pod templates
 *   (init containers, hook Jobs, CronJobs and prometheus-operator's `spec.image` included) plus
 *   the images of synth's own extra resources.
 * - `renderedFrom`: which inputs the chart images were rendered from: a fingerprint per Helm
 *   component (its chart, release, namespace, the site's Kubernetes version and the canonical
 *   JSON of its values) with the images that render produced, and one fingerprint over them all.
 * - `stale` + `staleReason`: set when the chart images were not rendered from the current
 *   inputs (a version bump, a values change, a component never rendered).
 *
 * Rendering needs helm and the charts, which plain `synth` must not depend on. So synth uses
 * {@link mergeWithPrevious}: charts and git sources fresh, chart images carried over from the
 * committed file and flagged stale when the inputs moved; `edge-idp inventory` re-renders and
 * writes a fresh file with {@link buildInventory}. The stale flag and its reason are a pure
 * function of the build and `renderedFrom`, so both paths write byte-identical files for the
 * same state and the drift check holds.
 *
 * Deterministic: sorted keys and lists, no timestamps.
 */
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { yamlFile } from '../synth/files.js';
import { siteDir } from '../synth/paths.js';
import { isPlainObject, sortKeysDeep } from '../model/values.js';
import { compareText } from '../model/order.js';
import { collectImages } from './check.js';
import type { K8sObject } from './render.js';
import { helmComponents, type SiteComponent, type SiteRenderInput, type SiteRenderResult } from './site.js';

/** A Helm chart at an exact version. */
export interface InventoryChart {
  readonly repoURL: string;
  readonly chart: string;
  readonly version: string;
}

/** A directory of a git repository at a pinned revision. */
export interface InventoryGitSource {
  readonly repoURL: string;
  readonly path: string;
  readonly revision: string;
}

/** The inputs one component's images were rendered from, and those images. */
export interface RenderedComponent {
  /** `<chart>@<version>`, for people reading the file and the stale reason. */
  readonly chart: string;
  /** {@link componentFingerprint} of the inputs at render time. */
  readonly fingerprint: string;
  /** Images the rendered chart runs, sorted and unique. */
  readonly images: readonly string[];
}

/** Which inputs the chart images were rendered from. */
export interface RenderedFrom {
  /** {@link combineFingerprints} over `components`: equals {@link fingerprint}(build) when nothing is stale. */
  readonly fingerprint: string;
  /** Per Helm component, by name. */
  readonly components: Readonly<Record<string, RenderedComponent>>;
}

/** The inventory document. */
export interface InventoryDoc {
  readonly charts: readonly InventoryChart[];
  readonly gitSources: readonly InventoryGitSource[];
  /** Every image, sorted and unique. */
  readonly images: readonly string[];
  /** Absent when no chart was ever rendered. */
  readonly renderedFrom?: RenderedFrom;
  /** Present (and true) only when the chart images are not from the current inputs. */
  readonly stale?: true;
  readonly staleReason?: string;
}

/** What the inventory needs of a site; a `SiteBuild` fits as is. */
export interface InventoryInput extends SiteRenderInput {
  /** Extra resources per component name (synth's own objects): their images are always current. */
  readonly resources?: ReadonlyMap<string, readonly unknown[]>;
}

/** `synth/<site>/inventory.yaml`. */
export function inventoryFile(site: string): string {
  return `${siteDir(site)}/inventory.yaml`;
}

/** The command that refreshes the image list, as stale reasons name it. */
export const INVENTORY_REFRESH_HINT =
  'run `edge-idp inventory` (needs helm, and the chart repositories or EDGE_IDP_CHARTS_DIR) and commit synth/';

/** Every chart the build deploys, unique, sorted by chart, repository, version. */
export function chartInventory(build: SiteRenderInput): InventoryChart[] {
  const map = new Map<string, InventoryChart>();
  for (const c of build.components) {
    if (c.source?.type !== 'helm') continue;
    const { repoURL, chart, version } = c.source;
    map.set(JSON.stringify([chart, repoURL, version]), { repoURL, chart, version });
  }
  return [...map.keys()].sort(compareText).map((k) => map.get(k)!);
}

/** Every git-directory source the build deploys, unique, sorted by repository, path, revision. */
export function gitSourceInventory(build: SiteRenderInput): InventoryGitSource[] {
  const map = new Map<string, InventoryGitSource>();
  for (const c of build.components) {
    if (c.source?.type !== 'git') continue;
    const { repoURL, path, targetRevision: revision } = c.source;
    map.set(JSON.stringify([repoURL, path, revision]), { repoURL, path, revision });
  }
  return [...map.keys()].sort(compareText).map((k) => map.get(k)!);
}

/** JSON with map keys sorted at every level and `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/**
 * Fingerprint of what one Helm component renders from: its chart reference, release name,
 * namespace, the site's Kubernetes version and the canonical JSON of its values.
 */
export function componentFingerprint(component: SiteComponent, kubernetesVersion: string): string {
  const s = component.source;
  if (s?.type !== 'helm') throw new Error(`componentFingerprint: '${component.componentName}' is not a Helm component`);
  return sha256(
    canonicalJson({
      chart: { repoURL: s.repoURL, chart: s.chart, version: s.version },
      releaseName: component.releaseName,
      namespace: component.targetNamespace,
      kubernetesVersion,
      values: component.values,
    }),
  );
}

/** One fingerprint over per-component fingerprints, in component-name order. */
export function combineFingerprints(byComponent: Readonly<Record<string, string>>): string {
  const names = Object.keys(byComponent).sort(compareText);
  return sha256(names.map((n) => `${n}\t${byComponent[n]}\n`).join(''));
}

/** Per Helm component of the build, its current {@link componentFingerprint}. */
export function componentFingerprints(build: SiteRenderInput): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of helmComponents(build)) out[c.componentName] = componentFingerprint(c, build.config.cluster.kubernetesVersion);
  return out;
}

/** Fingerprint of every Helm component's render inputs: what `renderedFrom.fingerprint` holds when images are current. */
export function fingerprint(build: SiteRenderInput): string {
  return combineFingerprints(componentFingerprints(build));
}

/**
 * Why the chart images are not from the build's current inputs, or `undefined` when they are.
 * A pure function of the build and `renderedFrom`, so synth and `edge-idp inventory` agree.
 */
export function staleReason(build: SiteRenderInput, renderedFrom: RenderedFrom | undefined): string | undefined {
  const current = componentFingerprints(build);
  if (Object.keys(current).length === 0) return undefined;
  if (!renderedFrom) return `no chart images rendered yet; ${INVENTORY_REFRESH_HINT}`;
  if (renderedFrom.fingerprint === combineFingerprints(current)) return undefined;

  const chartOf = new Map(helmComponents(build).map((c) => [c.componentName, c.source?.type === 'helm' ? chartLabel(c.source) : '?']));
  const problems: string[] = [];
  for (const name of Object.keys(current).sort(compareText)) {
    const was = renderedFrom.components[name];
    if (!was) problems.push(`${name} (${chartOf.get(name)}) not rendered`);
    else if (was.fingerprint !== current[name]) {
      const now = chartOf.get(name)!;
      problems.push(`${name} ${was.chart === now ? `(${now}) inputs changed (values, release, namespace or Kubernetes version)` : `${was.chart} -> ${now}`}`);
    }
  }
  const removed = Object.keys(renderedFrom.components).filter((n) => !(n in current)).sort(compareText);
  if (removed.length) problems.push(`no longer deployed: ${removed.join(', ')}`);
  if (problems.length === 0) problems.push('renderedFrom.fingerprint does not match its components (edited by hand?)');
  return `chart images were rendered from other inputs: ${problems.join('; ')}; ${INVENTORY_REFRESH_HINT}`;
}

/** Images of synth's own objects (extra resources), sorted and unique. */
export function resourceImages(build: InventoryInput): string[] {
  const objects: K8sObject[] = [];
  for (const list of build.resources?.values() ?? []) {
    for (const o of list) if (isPlainObject(o) && typeof o.kind === 'string') objects.push(o as unknown as K8sObject);
  }
  return collectImages(objects);
}

/**
 * Images the components declare they start at run time without naming them in a pod template
 * (an executor a controller launches, a sidecar an operator injects): no render can find them.
 */
export function runtimeImages(build: InventoryInput): string[] {
  return sortedUnique(build.components.flatMap((c) => c.runtimeImages ?? []));
}

/**
 * A fully qualified image reference, as a mirror needs it: a reference without a registry host
 * means Docker Hub (`hashicorp/vault:2.0.4` → `docker.io/hashicorp/vault:2.0.4`, and an
 * official image `redis:8` → `docker.io/library/redis:8`), exactly as the container runtime
 * resolves it.
 */
export function qualifyImage(ref: string): string {
  const first = ref.split('/')[0]!;
  const hasRegistry = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return ref;
  return ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}

/** Assembles a document: charts and git sources fresh, images from `renderedFrom` plus the extra resources and runtime images, staleness computed. */
function assemble(build: InventoryInput, renderedFrom: RenderedFrom | undefined, carriedImages?: readonly string[]): InventoryDoc {
  const images = sortedUnique(
    [
      ...(carriedImages ?? Object.values(renderedFrom?.components ?? {}).flatMap((c) => c.images)),
      ...resourceImages(build),
      ...runtimeImages(build),
    ].map(qualifyImage),
  );
  const reason = staleReason(build, renderedFrom);
  return {
    charts: chartInventory(build),
    gitSources: gitSourceInventory(build),
    images,
    ...(renderedFrom ? { renderedFrom } : {}),
    ...(reason ? { stale: true as const, staleReason: reason } : {}),
  };
}

function makeRenderedFrom(components: Record<string, RenderedComponent>): RenderedFrom | undefined {
  const names = Object.keys(components).sort(compareText);
  if (names.length === 0) return undefined;
  const sorted: Record<string, RenderedComponent> = {};
  for (const n of names) sorted[n] = components[n]!;
  return { fingerprint: combineFingerprints(Object.fromEntries(names.map((n) => [n, sorted[n]!.fingerprint]))), components: sorted };
}

/**
 * The inventory after rendering the site: each Helm component that rendered contributes its
 * images, fresh. A component that failed (or was not rendered) keeps the images and fingerprint
 * it had in `previous` (the committed inventory, as YAML text or a document), so one
 * unreachable chart does not drop its images from the mirror list; the document is then stale
 * and says which component is behind. Without a previous entry the component has no images.
 */
export function buildInventory(
  build: InventoryInput,
  results: readonly SiteRenderResult[],
  previous?: string | InventoryDoc,
): InventoryDoc {
  const prev = typeof previous === 'string' ? parseInventory(previous).doc : previous;
  const byName = new Map(results.map((r) => [r.component.componentName, r] as const));
  const kube = build.config.cluster.kubernetesVersion;
  const components: Record<string, RenderedComponent> = {};
  for (const c of helmComponents(build)) {
    const r = byName.get(c.componentName);
    if (r && !r.error && r.objects && c.source?.type === 'helm') {
      components[c.componentName] = {
        chart: chartLabel(c.source),
        fingerprint: componentFingerprint(c, kube),
        images: collectImages(r.objects),
      };
      continue;
    }
    const kept = prev?.renderedFrom?.components[c.componentName];
    if (kept) components[c.componentName] = kept;
  }
  return assemble(build, makeRenderedFrom(components));
}

/**
 * The inventory plain `synth` writes: charts and git sources from the build, chart images and
 * `renderedFrom` carried over unchanged from the previous file (`synth/<site>/inventory.yaml`
 * as committed), and `stale` + `staleReason` when those images were rendered from other inputs
 * or there were none. Never throws over the previous file: an unreadable one counts as absent
 * (the reason says so).
 */
export function mergeWithPrevious(build: InventoryInput, previousYamlText: string | undefined): InventoryDoc {
  if (previousYamlText === undefined) return assemble(build, undefined);
  const { doc, error } = parseInventory(previousYamlText);
  if (!doc) {
    const fresh = assemble(build, undefined);
    if (!fresh.stale) return fresh;
    return { ...fresh, staleReason: `the previous inventory could not be read (${error}); ${INVENTORY_REFRESH_HINT}` };
  }
  // An older file without per-component images: keep its flat list.
  const carried = doc.renderedFrom ? undefined : doc.images;
  return assemble(build, doc.renderedFrom, carried);
}

/**
 * Reads an inventory file. Returns the document, or `undefined` and what is wrong with it.
 * Lists are re-sorted, so a hand-reordered file reads the same.
 */
export function parseInventory(text: string): { doc?: InventoryDoc; error?: string } {
  let raw: unknown;
  try {
    raw = parse(text, { schema: 'core' });
  } catch (e) {
    return { error: `not YAML: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!isPlainObject(raw)) return { error: 'not a YAML map' };
  const strings = (v: unknown, where: string): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new Error(`${where} is not a list of strings`);
    return sortedUnique(v as string[]);
  };
  const records = <K extends string>(v: unknown, where: string, keys: readonly K[]): Record<K, string>[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new Error(`${where} is not a list`);
    return v.map((item, i) => {
      if (!isPlainObject(item) || !keys.every((k) => typeof item[k] === 'string')) {
        throw new Error(`${where}[${i}] needs string ${keys.join(', ')}`);
      }
      return Object.fromEntries(keys.map((k) => [k, item[k] as string])) as Record<K, string>;
    });
  };
  try {
    let renderedFrom: RenderedFrom | undefined;
    if (raw.renderedFrom !== undefined && raw.renderedFrom !== null) {
      const rf = raw.renderedFrom;
      if (!isPlainObject(rf) || typeof rf.fingerprint !== 'string' || !isPlainObject(rf.components)) {
        throw new Error('renderedFrom needs a fingerprint and a components map');
      }
      const components: Record<string, RenderedComponent> = {};
      for (const [name, c] of Object.entries(rf.components)) {
        if (!isPlainObject(c) || typeof c.fingerprint !== 'string' || typeof c.chart !== 'string') {
          throw new Error(`renderedFrom.components.${name} needs a chart and a fingerprint`);
        }
        components[name] = { chart: c.chart, fingerprint: c.fingerprint, images: strings(c.images, `renderedFrom.components.${name}.images`) };
      }
      renderedFrom = { fingerprint: rf.fingerprint, components };
    }
    const doc: InventoryDoc = {
      charts: records(raw.charts, 'charts', ['repoURL', 'chart', 'version'] as const),
      gitSources: records(raw.gitSources, 'gitSources', ['repoURL', 'path', 'revision'] as const),
      images: strings(raw.images, 'images'),
      ...(renderedFrom ? { renderedFrom } : {}),
      ...(raw.stale === true ? { stale: true as const } : {}),
      ...(typeof raw.staleReason === 'string' ? { staleReason: raw.staleReason } : {}),
    };
    return { doc };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The file content: the generated header, then the document with every map's keys sorted. */
export function inventoryYaml(doc: InventoryDoc): string {
  return yamlFile(sortKeysDeep(doc));
}

/**
 * The union of several sites' inventories: what one mirror serving all of them must hold (every
 * chart, git source and image once), stale when any site's is, the reason naming those sites.
 */
export function unionInventory(docs: readonly { readonly site: string; readonly doc: InventoryDoc }[]): InventoryDoc {
  const unique = <T>(items: readonly T[], key: (t: T) => string[]) => [...new Map(items.map((i) => [JSON.stringify(key(i)), i])).values()];
  const stale = docs.filter((d) => d.doc.stale);
  return {
    charts: sortedBy(unique(docs.flatMap((d) => d.doc.charts), (c) => [c.chart, c.repoURL, c.version]), (c) => [c.chart, c.repoURL, c.version]),
    gitSources: sortedBy(unique(docs.flatMap((d) => d.doc.gitSources), (g) => [g.repoURL, g.path, g.revision]), (g) => [g.repoURL, g.path, g.revision]),
    images: sortedUnique(docs.flatMap((d) => d.doc.images)),
    ...(stale.length ? { stale: true as const, staleReason: stale.map((d) => `${d.site}: ${d.doc.staleReason ?? 'stale'}`).join('; ') } : {}),
  };
}

/** Formats of {@link mirrorList}. */
export type MirrorListFormat = 'text' | 'json';

/**
 * What a mirror script consumes.
 *
 * - `text`: one line per artifact, sorted: `chart <repoURL> <chart> <version>`,
 *   `git <repoURL> <path> <revision>`, `image <ref>`. No comments, no blank lines.
 * - `json`: `{ charts, gitSources, images, stale, staleReason? }`, keys sorted, two-space indent.
 *
 * Both end with a newline.
 */
export function mirrorList(doc: InventoryDoc, format: MirrorListFormat): string {
  if (format === 'json') {
    const out = {
      charts: sortedBy(doc.charts, (c) => [c.chart, c.repoURL, c.version]),
      gitSources: sortedBy(doc.gitSources, (g) => [g.repoURL, g.path, g.revision]),
      images: sortedUnique(doc.images),
      stale: doc.stale === true,
      ...(doc.staleReason ? { staleReason: doc.staleReason } : {}),
    };
    return `${JSON.stringify(sortKeysDeep(out), null, 2)}\n`;
  }
  if (format !== 'text') throw new TypeError(`mirrorList: unknown format '${String(format)}' (text or json)`);
  const lines = sortedUnique([
    ...doc.charts.map((c) => `chart ${c.repoURL} ${c.chart} ${c.version}`),
    ...doc.gitSources.map((g) => `git ${g.repoURL} ${g.path} ${g.revision}`),
    ...doc.images.map((i) => `image ${i}`),
  ]);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

// ---------------------------------------------------------------------------------------------

function chartLabel(s: { chart: string; version: string }): string {
  return `${s.chart}@${s.version}`;
}

function sortedUnique(items: readonly string[]): string[] {
  return [...new Set(items)].sort(compareText);
}

function sortedBy<T>(items: readonly T[], key: (t: T) => string[]): T[] {
  return [...items].sort((a, b) => compareText(JSON.stringify(key(a)), JSON.stringify(key(b))));
}
