/**
 * The library entry points behind `edge-idp synth` and `edge-idp check`, for a fleet (fleet.yaml
 * and sites/) or a one-site repository (platform.yaml), which is a fleet of one.
 *
 * Sites are built one at a time and each is staged for writing as soon as it is built, so memory
 * does not grow with the fleet; what is shared (the catalog, the compiled config schema, the git
 * facts, the templates) is set up once per process. Nothing reaches synth/ until every site is
 * built and fits its nodes: then all changed sites, the removed ones and the index swap in at once.
 */
import { join } from 'node:path';
import { buildInventory, inventoryFile, inventoryYaml } from '../render/inventory.js';
import { findHelm, HelmNotFoundError } from '../render/helm.js';
import { renderedManifestFiles, renderSite } from '../render/site.js';
import { EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import { readGitDefaults, type GitDefaults } from '../config/git.js';
import { loadFleet, type Fleet, type FleetSite } from '../fleet/load.js';
import { SINGLE_SITE_FILE } from '../fleet/schema.js';
import { fileSource } from '../fleet/source.js';
import type { PlatformConfig } from '../config/schema.js';
import type { ComponentDefinition } from '../model/definition.js';
import { compareText } from '../model/order.js';
import { buildSite, type SiteBuild } from './build.js';
import { capacityBlocks, CapacityError, FleetCapacityError, scenarioVerdicts, type FailingSite } from './capacity.js';
import { findDrift, findUntracked, type Drift, type Tracking } from './drift.js';
import { parseIndex, renderIndex, type BuiltFacts, type IndexRow, type LedgerEntry } from './fleet-index.js';
import { FLEET_INDEX, SYNTH_DIR, siteDir } from './paths.js';
import { platformRequests } from './summary.js';
import {
  assertSynthFolder,
  describeReadError,
  hasPendingWrite,
  InterruptedError,
  JOURNAL_FILE,
  readIfExists,
  recoverInterruptedWrite,
  SynthWriter,
  type SiteWriteReport,
  type WriteReport,
} from './write.js';

/** The one-site config file at the repository root. */
export const CONFIG_FILE = SINGLE_SITE_FILE;

export interface SynthOptions {
  /** Repository root. */
  readonly repoRoot: string;
  /** A one-site config file instead of the repository's (absolute, or relative to the root). Default: fleet.yaml or platform.yaml. */
  readonly configFile?: string;
  /** The component catalog (the CLI hands in `layers/catalog.ts`). */
  readonly catalog: readonly ComponentDefinition[];
  /** Only these sites (`--site`, repeatable). Default: every site. */
  readonly sites?: readonly string[];
}

const gitDefaultsCache = new Map<string, Promise<GitDefaults>>();

/** The git facts of the checkout at the root, read once per process. */
function gitDefaultsOf(repoRoot: string): () => Promise<GitDefaults> {
  return () => {
    let p = gitDefaultsCache.get(repoRoot);
    if (!p) gitDefaultsCache.set(repoRoot, (p = readGitDefaults(repoRoot)));
    return p;
  };
}

/** Every site of the repository, validated (see fleet/load.ts). Throws `ConfigError`/`FleetConfigError`. */
export async function loadPlatformFleet(opts: Omit<SynthOptions, 'sites'>): Promise<Fleet> {
  return loadFleet({
    repoRoot: opts.repoRoot,
    ...(opts.configFile !== undefined ? { configFile: opts.configFile } : {}),
    catalog: opts.catalog,
    gitDefaults: gitDefaultsOf(opts.repoRoot),
  });
}

/** The sites `--site` names (all when none): an unknown name is a usage error listing the sites. */
export function selectSites(fleet: Fleet, names: readonly string[] | undefined): FleetSite[] {
  if (!names || names.length === 0) return [...fleet.sites];
  const byName = new Map(fleet.sites.map((s) => [s.name, s]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length) {
    const all = fleet.sites.map((s) => s.name);
    const shown = all.length > 20 ? `${all.slice(0, 20).join(', ')} … and ${all.length - 20} more` : all.join(', ');
    throw new EdgeIdpError(`--site ${unknown.map((n) => `'${n}'`).join(', ')}: no such site in ${fleet.file}; sites: ${shown}`, EXIT_CODES.usage);
  }
  return [...new Set(names)].map((n) => byName.get(n)!).sort((a, b) => compareText(a.name, b.name));
}

/** The config of the only site, for callers that handle one site (tests, the single-site commands). */
export async function loadPlatformConfig(opts: Omit<SynthOptions, 'sites'>): Promise<PlatformConfig> {
  const fleet = await loadPlatformFleet(opts);
  return onlySite(fleet, undefined).config;
}

function onlySite(fleet: Fleet, names: readonly string[] | undefined): FleetSite {
  const selected = selectSites(fleet, names);
  if (selected.length !== 1) {
    throw new EdgeIdpError(`${fleet.file} has ${selected.length} sites: name one with --site NAME`, EXIT_CODES.usage);
  }
  return selected[0]!;
}

/** How a site's config file is named in messages. */
function siteFileDisplay(repoRoot: string, site: FleetSite): string {
  return fileSource(repoRoot).display(site.file);
}

// ---------------------------------------------------------------------------------------------
// What a synth knows of synth/ before it builds: the previous index, the site folders, orphans.

/** The site folders under synth/ (folders directly under it). */
async function siteFolders(repoRoot: string): Promise<Set<string>> {
  const entries = await fileSource(repoRoot).list(SYNTH_DIR);
  return new Set(entries.filter((e) => e.folder && !e.name.startsWith('.')).map((e) => e.name));
}

export interface SynthState {
  /** Rows of the previous index. */
  readonly ledger: readonly LedgerEntry[];
  /** Site folders this synth removes: their site is gone from the config they came from. Empty for a `--site` run. */
  readonly orphans: readonly string[];
  /** Index rows of sites of another config (a second `--config`), kept as they were. */
  readonly foreign: readonly LedgerEntry[];
}

/**
 * Reads the previous index (the ledger of what synth wrote from which config) and decides which
 * site folders are this fleet's to remove: a site of the ledger that is no longer in the fleet and
 * whose config file is one this run reads (a rename in platform.yaml), or is gone (a deleted site
 * file). Folders of another config (`--config other.yaml`) are left alone, and so is anything
 * synth did not write.
 */
export async function synthState(repoRoot: string, fleet: Fleet, full: boolean): Promise<SynthState> {
  const text = await readIfExists(join(repoRoot, FLEET_INDEX)).catch((e: unknown) => {
    throw describeReadError(join(repoRoot, FLEET_INDEX), 'the fleet index', e) ?? e;
  });
  const ledger = parseIndex(text);
  const folders = await siteFolders(repoRoot);
  const inFleet = new Set(fleet.sites.map((s) => s.name));
  const read = new Set<string>([...fleet.sites.map((s) => s.file), fleet.file]);
  const source = fileSource(repoRoot);
  const orphans: string[] = [];
  const foreign: LedgerEntry[] = [];
  for (const entry of ledger) {
    if (inFleet.has(entry.site) || !folders.has(entry.site)) continue;
    const ours = read.has(entry.file) || !(await source.exists(entry.file));
    if (ours && full) orphans.push(entry.site);
    else foreign.push(entry);
  }
  return { ledger, orphans: orphans.sort(compareText), foreign };
}

// ---------------------------------------------------------------------------------------------
// Building one site.

/**
 * The inventory the image list is carried over from: the site's own `synth/<site>/inventory.yaml`;
 * or, when the site has none, `carryFrom`'s (the one site folder this synth removes, when exactly
 * one site lacks an inventory: a rename). Its images are still what the charts run;
 * `renderedFrom` says whether the inputs moved (then the file is stale, with the reason), exactly
 * as for the site's own file, so the next synth reads the new file and writes the same bytes.
 */
export async function findPreviousInventory(repoRoot: string, site: string, carryFrom?: string): Promise<{ text?: string; carriedFrom?: string }> {
  const read = (path: string) =>
    readIfExists(join(repoRoot, path)).catch((e: unknown) => {
      throw describeReadError(join(repoRoot, path), 'the previous inventory', e) ?? e;
    });
  const own = inventoryFile(site);
  const text = await read(own);
  if (text !== undefined) return { text };
  if (carryFrom === undefined) return {};
  const carried = await read(inventoryFile(carryFrom));
  return carried === undefined ? {} : { text: carried, carriedFrom: inventoryFile(carryFrom) };
}

/** Builds one site of the fleet in memory (rendered charts too, with `rendered: true`). */
export async function buildFleetSite(
  repoRoot: string,
  site: FleetSite,
  catalog: readonly ComponentDefinition[],
  carryFrom?: string,
): Promise<SiteBuild> {
  const { text: previousInventory, carriedFrom } = await findPreviousInventory(repoRoot, site.name, carryFrom);
  const build = buildSite({
    config: site.config,
    configFile: siteFileDisplay(repoRoot, site),
    catalog,
    previousInventory,
    ...(carriedFrom ? { inventoryCarriedFrom: carriedFrom } : {}),
    tenants: site.tenants,
  });
  return site.config.rendered ? withRenderedCharts(build, previousInventory) : build;
}

/** The one orphan a rename carries the inventory from, or none (see findPreviousInventory). */
async function renameSource(repoRoot: string, sites: readonly FleetSite[], orphans: readonly string[]): Promise<string | undefined> {
  const withInventory = [];
  for (const o of orphans) if ((await readIfExists(join(repoRoot, inventoryFile(o)))) !== undefined) withInventory.push(o);
  if (withInventory.length !== 1) return undefined;
  const lacking = [];
  for (const s of sites) if (!(await fileSource(repoRoot).exists(inventoryFile(s.name)))) lacking.push(s.name);
  return lacking.length === 1 ? withInventory[0] : undefined;
}

/** Load, validate and build the only (or the `--site`-named) site in memory. Writes nothing. */
export async function buildPlatform(opts: SynthOptions): Promise<SiteBuild> {
  const fleet = await loadPlatformFleet(opts);
  const site = onlySite(fleet, opts.sites);
  await assertSynthFolder(opts.repoRoot);
  const state = await synthState(opts.repoRoot, fleet, true);
  return buildFleetSite(opts.repoRoot, site, opts.catalog, await renameSource(opts.repoRoot, [site], state.orphans));
}

/**
 * `rendered: true`: render every chart (real helm; charts from their repositories or from
 * `$EDGE_IDP_CHARTS_DIR`) and add the rendered objects and a fresh inventory to the build.
 * Any chart that cannot be rendered fails the whole synth (nothing is written).
 */
async function withRenderedCharts(build: SiteBuild, previousInventory: string | undefined): Promise<SiteBuild> {
  let helm;
  try {
    helm = await findHelm();
  } catch (e) {
    if (e instanceof HelmNotFoundError) throw new EdgeIdpError(`rendered: true needs helm: ${e.message}`, EXIT_CODES.tool);
    throw e;
  }
  const results = await renderSite(build, { helm });
  const files = new Map([...build.files, ...renderedManifestFiles(build, results)]);
  files.set(inventoryFile(build.config.site.name), inventoryYaml(buildInventory(build, results, previousInventory)));
  return { ...build, files: new Map([...files].sort(([a], [b]) => compareText(a, b))) };
}

/** The index columns a build gives. */
export function builtFacts(build: SiteBuild): BuiltFacts {
  const v = scenarioVerdicts(build.plan);
  return { components: build.components.length, requests: platformRequests(build), green: v.green, yellow: v.yellow, red: v.red };
}

/**
 * Each selected site built in turn, with what a synth knows before it builds (the ledger, the
 * folders it removes, the rename source). The builds are handed out one at a time; a caller that
 * keeps none holds one site in memory at once.
 */
export async function* buildSites(
  opts: SynthOptions,
  fleet: Fleet,
  state: SynthState,
  signal?: AbortSignal,
): AsyncGenerator<{ site: FleetSite; build: SiteBuild }> {
  const sites = selectSites(fleet, opts.sites);
  const carryFrom = await renameSource(opts.repoRoot, sites, state.orphans);
  for (const site of sites) {
    if (signal?.aborted) throw new InterruptedError();
    const own = await fileSource(opts.repoRoot).exists(inventoryFile(site.name));
    yield { site, build: await buildFleetSite(opts.repoRoot, site, opts.catalog, own ? undefined : carryFrom) };
  }
}

/** The index for a run: built rows for the sites it built, carried rows for the others. */
export function indexFor(fleet: Fleet, state: SynthState, built: ReadonlyMap<string, BuiltFacts>): string {
  const ringOf = new Map(fleet.rings.map((r) => [r.name, r]));
  const previous = new Map(state.ledger.map((e) => [e.site, e]));
  const rows: IndexRow[] = fleet.sites.map((s) => ({
    site: s.name,
    file: s.file,
    groups: s.groups,
    ring: s.ring,
    ref: ringOf.get(s.ring)!.ref,
    nodes: s.config.nodes.length,
    built: built.get(s.name) ?? previous.get(s.name)?.builtCells,
  }));
  return renderIndex({ rows, rings: fleet.rings, foreign: state.foreign });
}

// ---------------------------------------------------------------------------------------------
// synth

/** What synth did for one site. */
export interface SiteSynth {
  readonly site: FleetSite;
  readonly facts: BuiltFacts;
  readonly verdict: SiteBuild['plan']['verdict']['status'];
  readonly files: number;
  readonly objects: number;
  readonly report: SiteWriteReport;
  /** Set when the site's image list came from a removed site folder (a rename). */
  readonly inventoryCarriedFrom?: string;
}

export interface SynthResult {
  readonly fleet: Fleet;
  /** The first site synthesized (the only one in a one-site repository). */
  readonly build: SiteBuild;
  /** Every site synthesized, by name. */
  readonly sites: readonly SiteSynth[];
  /** Site folders removed (their site is gone). */
  readonly removedSites: readonly string[];
  /** The whole write. */
  readonly report: WriteReport;
}

/**
 * Build and write synth/: afterwards it is exactly the old tree or exactly the new one, even
 * when the process is killed (see write.ts). A write a killed run left is finished or undone
 * first, so the build reads a whole synth/ (the previous inventory). Throws `ConfigError` (any
 * site's config), `CapacityError`/`FleetCapacityError` (naming every site that does not fit),
 * `WriteError`, `InterruptedError`; then nothing is written.
 */
export async function synthesize(opts: SynthOptions & { readonly signal?: AbortSignal }): Promise<SynthResult> {
  await recoverInterruptedWrite(opts.repoRoot);
  const fleet = await loadPlatformFleet(opts);
  selectSites(fleet, opts.sites);
  const writer = await SynthWriter.open(opts.repoRoot, opts.signal ? { signal: opts.signal } : {});
  try {
    const full = !opts.sites?.length;
    const state = await synthState(opts.repoRoot, fleet, full);
    const failing: FailingSite[] = [];
    const sites: SiteSynth[] = [];
    const built = new Map<string, BuiltFacts>();
    let first: SiteBuild | undefined;
    for await (const { site, build } of buildSites(opts, fleet, state, opts.signal)) {
      first ??= build;
      const facts = builtFacts(build);
      built.set(site.name, facts);
      if (capacityBlocks(build, build.plan)) failing.push({ site: site.name, file: site.file, plan: build.plan });
      // Once a site fails nothing is written: the rest are built only to name every failing site.
      const report = failing.length ? { written: [], unchanged: 0, removed: [] } : await writer.stageSite(site.name, build.files);
      const objects = build.rootObjects.length + [...build.resources.values()].reduce((n, o) => n + o.length, 0);
      sites.push({
        site,
        facts,
        verdict: build.plan.verdict.status,
        files: build.files.size,
        objects,
        report,
        ...(build.inventoryCarriedFrom ? { inventoryCarriedFrom: build.inventoryCarriedFrom } : {}),
      });
    }
    if (failing.length) {
      if (fleet.kind === 'single') throw new CapacityError(failing[0]!.plan, failing[0]!.file);
      throw new FleetCapacityError(failing);
    }
    for (const orphan of state.orphans) await writer.removeSite(orphan);
    await writer.stageFile('README.md', indexFor(fleet, state, built));
    const report = await writer.commit();
    return { fleet, build: first!, sites, removedSites: state.orphans, report };
  } finally {
    await writer.close();
  }
}

// ---------------------------------------------------------------------------------------------
// check

/**
 * Builds every selected site in memory and compares it with its folder in the working tree; a
 * full check also compares the index and names the site folders a synth would remove. In a git
 * checkout, generated files git does not track count as drift too (`untracked` / `ignored`):
 * a commit would leave them out.
 */
export async function checkDrift(opts: SynthOptions): Promise<{ fleet: Fleet; build: SiteBuild; drifts: Drift[]; tracking: Tracking }> {
  const fleet = await loadPlatformFleet(opts);
  selectSites(fleet, opts.sites);
  await assertSynthFolder(opts.repoRoot);
  if (await hasPendingWrite(opts.repoRoot)) {
    throw new EdgeIdpError(
      `a killed synth left ${join(opts.repoRoot, JOURNAL_FILE)}: synth/ may be half swapped. Fix: run \`edge-idp synth\` (it finishes or undoes the write), then check again.`,
      EXIT_CODES.drift,
    );
  }
  const full = !opts.sites?.length;
  const state = await synthState(opts.repoRoot, fleet, full);
  const drifts: Drift[] = [];
  const generated: string[] = [];
  const built = new Map<string, BuiltFacts>();
  let first: SiteBuild | undefined;
  for await (const { site, build } of buildSites(opts, fleet, state)) {
    first ??= build;
    built.set(site.name, builtFacts(build));
    drifts.push(...(await findDrift(opts.repoRoot, build.files, siteDir(site.name))));
    generated.push(...build.files.keys());
  }
  if (full) {
    const index = new Map([[FLEET_INDEX, indexFor(fleet, state, built)]]);
    drifts.push(...(await findDrift(opts.repoRoot, index, FLEET_INDEX)));
    generated.push(FLEET_INDEX);
    for (const orphan of state.orphans) drifts.push(...(await findDrift(opts.repoRoot, new Map(), siteDir(orphan))));
  }
  const tracking = await findUntracked(opts.repoRoot, generated);
  return { fleet, build: first!, drifts: [...drifts, ...tracking.drifts], tracking };
}
