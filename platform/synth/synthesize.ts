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
import { CATALOG } from '../../layers/catalog.js';
import { buildSite, type SiteBuild } from './build.js';
import { findDrift, type Drift } from './drift.js';
import { readIfExists, writeSynth, type WriteReport } from './write.js';
import { enforceCapacity } from './capacity.js';

/** The config file name at the repository root. */
export const CONFIG_FILE = 'platform.yaml';

export interface SynthOptions {
  /** Repository root. */
  readonly repoRoot: string;
  /** Config file: absolute, or relative to the root. Default: `platform.yaml`. */
  readonly configFile?: string;
  /** Component catalog. Default: every layer's components. */
  readonly catalog?: readonly ComponentDefinition[];
}

export async function loadPlatformConfig(opts: SynthOptions): Promise<PlatformConfig> {
  const file = opts.configFile ?? CONFIG_FILE;
  return loadConfig({
    file: resolve(opts.repoRoot, file),
    catalog: opts.catalog ?? CATALOG,
    gitDefaults: () => readGitDefaults(opts.repoRoot),
  });
}

/** Load, validate and build in memory. Throws on bad config; writes nothing. */
export async function buildPlatform(opts: SynthOptions): Promise<SiteBuild> {
  const config = await loadPlatformConfig(opts);
  const previousInventory = await readIfExists(join(opts.repoRoot, inventoryFile(config.site.name)));
  const build = buildSite({ config, configFile: opts.configFile ?? CONFIG_FILE, catalog: opts.catalog ?? CATALOG, previousInventory });
  return config.rendered ? withRenderedCharts(build, previousInventory) : build;
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
  return { ...build, files: new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
}


export interface SynthResult {
  readonly build: SiteBuild;
  readonly report: WriteReport;
}

/** Build and write synth/ atomically. */
export async function synthesize(opts: SynthOptions): Promise<SynthResult> {
  const build = await buildPlatform(opts);
  enforceCapacity(build, build.plan);
  const report = await writeSynth(opts.repoRoot, build.files);
  return { build, report };
}

/** Build in memory and compare with synth/ on disk. */
export async function checkDrift(opts: SynthOptions): Promise<{ build: SiteBuild; drifts: Drift[] }> {
  const build = await buildPlatform(opts);
  return { build, drifts: await findDrift(opts.repoRoot, build.files) };
}
