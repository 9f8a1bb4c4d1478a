/** The library entry points behind `edge-idp synth` and `edge-idp check`. */
import { join, resolve } from 'node:path';
import { buildInventory, inventoryFile, inventoryYaml } from '../render/inventory.js';
import { findHelm, HelmNotFoundError } from '../render/helm.js';
import { renderedManifestFiles, renderSite } from '../render/site.js';
import { EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { readGitDefaults } from '../config/git.js';
import type { PlatformConfig } from '../config/schema.js';
import type { ComponentDefinition } from '../model/definition.js';
import { compareText } from '../model/order.js';
import { buildSite, type SiteBuild } from './build.js';
import { findDrift, findUntracked, type Drift, type Tracking } from './drift.js';
import {
  assertSynthFolder,
  describeReadError,
  hasPendingWrite,
  InterruptedError,
  JOURNAL_FILE,
  listFiles,
  readIfExists,
  recoverInterruptedWrite,
  writeSynth,
  type WriteReport,
} from './write.js';
import { enforceCapacity } from './capacity.js';

/** The config file name at the repository root. */
export const CONFIG_FILE = 'platform.yaml';

export interface SynthOptions {
  /** Repository root. */
  readonly repoRoot: string;
  /** Config file: absolute, or relative to the root. Default: `platform.yaml`. */
  readonly configFile?: string;
  /** The component catalog (the CLI hands in `layers/catalog.ts`). */
  readonly catalog: readonly ComponentDefinition[];
}

export async function loadPlatformConfig(opts: SynthOptions): Promise<PlatformConfig> {
  const file = opts.configFile ?? CONFIG_FILE;
  return loadConfig({
    file: resolve(opts.repoRoot, file),
    catalog: opts.catalog,
    gitDefaults: () => readGitDefaults(opts.repoRoot),
  });
}

/** Load, validate and build in memory. Throws on bad config; writes nothing. */
export async function buildPlatform(opts: SynthOptions): Promise<SiteBuild> {
  const config = await loadPlatformConfig(opts);
  const { text: previousInventory, carriedFrom } = await findPreviousInventory(opts.repoRoot, config.site.name);
  const build = buildSite({
    config,
    configFile: opts.configFile ?? CONFIG_FILE,
    catalog: opts.catalog,
    previousInventory,
    ...(carriedFrom ? { inventoryCarriedFrom: carriedFrom } : {}),
  });
  return config.rendered ? withRenderedCharts(build, previousInventory) : build;
}

/**
 * The inventory the image list is carried over from: the site's own `synth/<site>/inventory.yaml`,
 * or, when the site has none and exactly one other site folder has one (the site was renamed:
 * synth/ holds one site, and the old folder is removed by this synth), that file. Its images are
 * still what the charts run; `renderedFrom` says whether the inputs moved (then the file is
 * stale, with the reason), exactly as for the site's own file, so the next synth reads the new
 * file and writes the same bytes. Several candidates: none is guessed.
 */
export async function findPreviousInventory(
  repoRoot: string,
  site: string,
): Promise<{ text?: string; carriedFrom?: string }> {
  const own = inventoryFile(site);
  const read = (path: string) =>
    readIfExists(path).catch((e: unknown) => {
      throw describeReadError(path, 'the previous inventory', e) ?? e;
    });
  const text = await read(join(repoRoot, own));
  if (text !== undefined) return { text };
  await assertSynthFolder(repoRoot);
  const others = (await listFiles(repoRoot)).filter(
    (p) => p !== own && p === inventoryFile(p.split('/')[1] ?? '') && p.split('/').length === 3,
  );
  if (others.length !== 1) return {};
  const carried = await read(join(repoRoot, others[0]!));
  return carried === undefined ? {} : { text: carried, carriedFrom: others[0]! };
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


export interface SynthResult {
  readonly build: SiteBuild;
  readonly report: WriteReport;
}

/**
 * Build and write synth/: afterwards it is exactly the old tree or exactly the new one, even
 * when the process is killed (see write.ts). A write a killed run left is finished or undone
 * first, so the build reads a whole synth/ (the previous inventory).
 */
export async function synthesize(opts: SynthOptions & { readonly signal?: AbortSignal }): Promise<SynthResult> {
  await recoverInterruptedWrite(opts.repoRoot);
  const build = await buildPlatform(opts);
  enforceCapacity(build, build.plan);
  if (opts.signal?.aborted) throw new InterruptedError();
  const report = await writeSynth(opts.repoRoot, build.files, opts.signal ? { signal: opts.signal } : {});
  return { build, report };
}

/**
 * Build in memory and compare with synth/ in the working tree; in a git checkout, generated files
 * git does not track count as drift too (`untracked` / `ignored`): a commit would leave them out.
 */
export async function checkDrift(opts: SynthOptions): Promise<{ build: SiteBuild; drifts: Drift[]; tracking: Tracking }> {
  const build = await buildPlatform(opts);
  await assertSynthFolder(opts.repoRoot);
  if (await hasPendingWrite(opts.repoRoot)) {
    throw new EdgeIdpError(
      `a killed synth left ${join(opts.repoRoot, JOURNAL_FILE)}: synth/ may be half swapped. Fix: run \`edge-idp synth\` (it finishes or undoes the write), then check again.`,
      EXIT_CODES.drift,
    );
  }
  const drifts = await findDrift(opts.repoRoot, build.files);
  const tracking = await findUntracked(opts.repoRoot, [...build.files.keys()]);
  return { build, drifts: [...drifts, ...tracking.drifts], tracking };
}
