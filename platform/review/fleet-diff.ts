/**
 * `edge-idp diff` over a fleet: every site of the working tree is built in memory, one at a time,
 * and compared with its folder in the `synth/` committed at the base (read with git, offline);
 * site folders the working tree drops are listed as removed, and the index as a file of its own.
 * A one-site repository compares all of synth/ at once, exactly as before fleets.
 *
 * Sites whose changes are identical are grouped when rendered (fleet-render.ts): what makes two
 * changes identical is {@link changeKey}.
 */
import { EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import type { ComponentDefinition } from '../model/definition.js';
import { compareText } from '../model/order.js';
import type { SiteTenant } from '../model/tenants.js';
import { loadFleet, type Fleet } from '../fleet/load.js';
import type { PlatformConfig } from '../config/schema.js';
import { readGitDefaults } from '../config/git.js';
import { FLEET_INDEX, siteDir } from '../synth/paths.js';
import { buildSites, builtFacts, indexFor, loadPlatformFleet, selectSites, synthState } from '../synth/synthesize.js';
import { parseIndex } from '../synth/fleet-index.js';
import { compareSynth, type FileChange, type SynthDiff } from './diff.js';
import { baseFacts, factsFromBuild, NO_FACTS } from './facts.js';
import { commitSource, openCheckout, readTreeFiles, resolveBase, type BaseRef, type Checkout } from './git.js';

export interface SiteDiff {
  readonly site: string;
  readonly ring: string;
  readonly ref: string;
  /** `added`: the base has no folder for it. */
  readonly change: 'added' | 'changed' | 'unchanged';
  readonly diff: SynthDiff;
}

export interface FleetDiff {
  readonly base: BaseRef;
  /** `single`: a one-site repository (its diff covers all of synth/, the index included). */
  readonly kind: 'fleet' | 'single';
  /** fleet.yaml, or the one-site config file. */
  readonly file: string;
  /** True when synth/ would be byte-identical. */
  readonly empty: boolean;
  /** Every site compared (all of them, or those `--site` names), by name. */
  readonly sites: readonly SiteDiff[];
  /** Site folders the base has that the working tree removes (full diffs only), with their file counts. */
  readonly removed: readonly { readonly site: string; readonly files: number }[];
  /** The fleet index (`synth/README.md`), when it changes (fleets, full diffs only). */
  readonly index?: FileChange;
}

export interface FleetDiffOptions {
  /** Repository root (inside a git checkout). */
  readonly repoRoot: string;
  /** Commit to compare with. Default: the merge base of HEAD with the default branch, or HEAD on it. */
  readonly base?: string | BaseRef;
  /** A one-site config file instead of the repository's. Default: fleet.yaml or platform.yaml. */
  readonly configFile?: string;
  readonly catalog: readonly ComponentDefinition[];
  /** Only these sites. Default: every site. */
  readonly sites?: readonly string[];
  /** An open checkout, when the caller has one. */
  readonly checkout?: Checkout;
}

/** The files of `synth/<site>/` in a tree. */
function siteFiles(files: ReadonlyMap<string, string>, site: string): Map<string, string> {
  const prefix = `${siteDir(site)}/`;
  return new Map([...files].filter(([p]) => p.startsWith(prefix)));
}

function same(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([p, t]) => b.get(p) === t);
}

/**
 * Builds the working tree's sites in memory (nothing is written) and compares each with the
 * base. Throws `ConfigError` on bad config, `EdgeIdpError` when the base does not resolve or the
 * folder is not in a git checkout.
 */
export async function diffFleet(opts: FleetDiffOptions): Promise<FleetDiff> {
  const fleet = await loadPlatformFleet(opts);
  selectSites(fleet, opts.sites);
  const checkout = opts.checkout ?? (await openCheckout(opts.repoRoot));
  const base = typeof opts.base === 'object' ? opts.base : await resolveBase(checkout.git, opts.base);
  const oldFiles = await readTreeFiles(checkout, base.commit);
  const full = !opts.sites?.length;
  const state = await synthState(opts.repoRoot, fleet, full);
  const oldIndex = oldFiles.get(FLEET_INDEX);
  // Before fleets synth/README.md was the site's README; an index has rows of its own.
  const legacyReadme = oldIndex !== undefined && parseIndex(oldIndex).length === 0 ? oldIndex : undefined;

  // The base's own config, loaded once, for the exact base facts of the sites that changed.
  let baseFleet: Promise<Fleet | undefined> | undefined;
  const baseConfig = async (site: string): Promise<{ config: PlatformConfig; file: string; tenants: readonly SiteTenant[] } | undefined> => {
    if (!base.commit) return undefined;
    baseFleet ??= loadFleet({
      repoRoot: opts.repoRoot,
      ...(opts.configFile !== undefined ? { configFile: opts.configFile } : {}),
      catalog: opts.catalog,
      gitDefaults: () => readGitDefaults(opts.repoRoot),
      source: commitSource(checkout, base.commit),
    }).catch(() => undefined);
    const s = (await baseFleet)?.sites.find((x) => x.name === site);
    return s ? { config: s.config, file: s.file, tenants: s.tenants } : undefined;
  };

  const ringRef = new Map(fleet.rings.map((r) => [r.name, r.ref]));
  const sites: SiteDiff[] = [];
  const built = new Map<string, ReturnType<typeof builtFacts>>();
  for await (const { site, build } of buildSites(opts, fleet, state)) {
    built.set(site.name, builtFacts(build));
    const before = siteFiles(oldFiles, site.name);
    const newFacts = factsFromBuild(build);
    const unchanged = same(before, build.files);
    const oldFacts = unchanged
      ? newFacts
      : before.size === 0
        ? NO_FACTS
        : await baseFacts({
            site: site.name,
            files: before,
            config: () => baseConfig(site.name),
            catalog: opts.catalog,
            ...(legacyReadme !== undefined ? { legacyReadme } : {}),
          });
    if (fleet.kind === 'single') {
      // One site: all of synth/ (the index included), as before fleets.
      const newFiles = new Map([...build.files, [FLEET_INDEX, indexFor(fleet, state, built)]]);
      const allSame = same(oldFiles, newFiles);
      const diff = compareSynth({ base, oldFiles, newFiles, oldFacts: allSame ? newFacts : oldFacts, newFacts });
      sites.push({ site: site.name, ring: site.ring, ref: ringRef.get(site.ring)!, change: before.size === 0 ? 'added' : diff.empty ? 'unchanged' : 'changed', diff });
      continue;
    }
    const diff = compareSynth({ base, oldFiles: before, newFiles: build.files, oldFacts, newFacts });
    sites.push({ site: site.name, ring: site.ring, ref: ringRef.get(site.ring)!, change: before.size === 0 ? 'added' : diff.empty ? 'unchanged' : 'changed', diff });
  }
  if (fleet.kind === 'single') {
    return { base, kind: 'single', file: fleet.file, empty: sites.every((s) => s.diff.empty), sites, removed: [] };
  }

  // Removed site folders, and the index (full diffs only: a --site diff leaves the others out).
  const removed: { site: string; files: number }[] = [];
  let index: FileChange | undefined;
  if (full) {
    // The base's ledger says which folders were sites; those the fleet no longer has go (a
    // folder of another config, which synth leaves alone, stays).
    const inFleet = new Set(fleet.sites.map((s) => s.name));
    const kept = new Set(state.foreign.map((f) => f.site));
    for (const entry of parseIndex(oldIndex).sort((a, b) => compareText(a.site, b.site))) {
      if (inFleet.has(entry.site) || kept.has(entry.site)) continue;
      const files = siteFiles(oldFiles, entry.site).size;
      if (files > 0) removed.push({ site: entry.site, files });
    }
    const newIndex = indexFor(fleet, state, built);
    if (oldIndex !== newIndex) index = { path: FLEET_INDEX, change: oldIndex === undefined ? 'added' : 'changed' };
  }
  return {
    base,
    kind: 'fleet',
    file: fleet.file,
    empty: sites.every((s) => s.diff.empty) && removed.length === 0 && index === undefined,
    sites,
    removed,
    ...(index ? { index } : {}),
  };
}

/**
 * What makes two sites' changes "the same change": their diffs with the site's own name and
 * folder taken out and requests compared by their change, not their totals (a bigger site has
 * more DaemonSet pods, but the same bump adds the same per pod). Two keys are equal exactly when
 * a reviewer reading one site's diff has read the other's.
 */
export function changeKey(d: SiteDiff): string {
  const site = d.site;
  const folder = new RegExp(`^synth/${site.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`);
  const delta = (r: { old?: { cpuMillis: number; memoryBytes: number }; new?: { cpuMillis: number; memoryBytes: number } } | undefined) =>
    r ? { cpu: (r.new?.cpuMillis ?? 0) - (r.old?.cpuMillis ?? 0), memory: (r.new?.memoryBytes ?? 0) - (r.old?.memoryBytes ?? 0) } : undefined;
  const { diff } = d;
  return JSON.stringify(
    {
      change: d.change,
      layers: diff.layers.map((l) => ({ ...l, components: l.components.map((c) => ({ ...c, requests: delta(c.requests) })) })),
      root: diff.root,
      applications: diff.applications,
      tiers: diff.tiers,
      requests: diff.requests.delta ?? null,
      verdict: diff.verdict,
      otherFiles: diff.otherFiles,
      notes: diff.notes,
    },
    (key, value: unknown) => (key === 'path' && typeof value === 'string' ? value.replace(folder, 'synth/<site>/') : value),
  );
}

/**
 * The diff of a one-site repository (or of the one site `sites` names): what `edge-idp diff`
 * printed before fleets. Throws a usage error when several sites are compared.
 */
export async function diffSynth(opts: FleetDiffOptions): Promise<SynthDiff> {
  const d = await diffFleet(opts);
  if (d.sites.length !== 1) throw new EdgeIdpError(`${d.file} has ${d.sites.length} sites: compare one with --site NAME, or use diffFleet`, EXIT_CODES.usage);
  return d.sites[0]!.diff;
}
