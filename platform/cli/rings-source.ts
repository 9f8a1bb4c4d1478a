/**
 * SEAM (issue 16): where `edge-idp rollout` and `edge-idp promote` get the fleet's rings, in
 * rollout order. Until the fleet loader is merged, a repository is the one site of
 * platform.yaml, so it has one ring (named `ONE_SITE_RING`) tracking the config's
 * `git.revision`. When platform/fleet/rings.ts lands, `loadRings` returns its resolution
 * (fleet.yaml or platform.yaml alike); the commands take any function of this type, and the
 * tests hand in a fake (test/fleet/rollout-cli.test.ts).
 */
import type { ComponentDefinition } from '../model/definition.js';
import type { ResolvedRing } from '../fleet/rollout.js';
import { loadPlatformConfig } from '../synth/synthesize.js';

/** What the commands know of the repository: the CLI's `--root`, `--config` and the catalog. */
export interface RingsLocation {
  readonly repoRoot: string;
  /** Config file, absolute or relative to the root. Default: `platform.yaml`. */
  readonly configFile?: string;
  readonly catalog: readonly ComponentDefinition[];
}

export type LoadRings = (where: RingsLocation) => Promise<readonly ResolvedRing[]>;

/** The ring of a one-site repository (platform.yaml alone). */
export const ONE_SITE_RING = 'default';

export const loadRings: LoadRings = async (where) => {
  const config = await loadPlatformConfig(where);
  return [{ name: ONE_SITE_RING, ref: config.git.revision, sites: [config.site.name] }];
};
