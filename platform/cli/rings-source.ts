/**
 * Where `edge-idp rollout` and `edge-idp promote` get the fleet's rings, in rollout order: the
 * fleet loader's resolution (fleet.yaml with sites/, or platform.yaml alone as one implicit
 * ring). The commands take any function of this type, so tests can hand in a fake.
 */
import type { ComponentDefinition } from '../model/definition.js';
import type { ResolvedRing } from '../fleet/rings.js';
import { loadPlatformFleet } from '../synth/synthesize.js';

/** What the commands know of the repository: the CLI's `--root`, `--config` and the catalog. */
export interface RingsLocation {
  readonly repoRoot: string;
  /** Config file, absolute or relative to the root. Default: `platform.yaml`. */
  readonly configFile?: string;
  readonly catalog: readonly ComponentDefinition[];
}

export type LoadRings = (where: RingsLocation) => Promise<readonly ResolvedRing[]>;

export const loadRings: LoadRings = async (where) => (await loadPlatformFleet(where)).rings;
