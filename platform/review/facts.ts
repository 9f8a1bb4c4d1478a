/**
 * Facts about a site that its manifests do not spell out: each component's tier and requests,
 * the total requests and the capacity verdict. The working tree's come straight from its
 * build. The base's are harder, because the base's *code* is not at hand (only its files), so
 * they are taken from the first of:
 *
 * 1. `rebuild`: the site's config at the base (platform.yaml, or the fleet's files) built with the
 *    current code — used only when that build reproduces the base's committed site folder byte
 *    for byte, which proves the numbers are the ones the base's own code computed (the usual
 *    case: a PR that changes config only);
 * 2. `readme`: the base's `synth/<site>/README.md` (`synth/README.md` before fleets), written by the same build that wrote the base's
 *    manifests (and kept honest by the drift check): per-component rows (tier, CPU, memory,
 *    summed for the total, which is finer than the rounded total row) and the "Verdict:" line.
 *    Memory of 1 GiB and more is printed with two decimals there, so these numbers are
 *    approximate and the diff says so;
 * 3. `none`: the base has no synth/ (first commit) or neither source is readable.
 *
 * Recomputing requests from the base's values files is not attempted: where a chart keeps its
 * requests is knowledge of the component model (code), which may differ between the sides.
 */
import type { PlatformConfig } from '../config/schema.js';
import type { ComponentDefinition } from '../model/definition.js';
import { parseCpu, parseMemory } from '../model/quantity.js';
import type { SiteTenant } from '../model/tenants.js';
import type { VerdictStatus } from '../planner/index.js';
import { buildSite, type SiteBuild } from '../synth/build.js';
import { siteReadmeFile } from '../synth/paths.js';
import { platformRequests, requestsByComponent, type Requests } from '../synth/summary.js';

export type FactsSource = 'build' | 'rebuild' | 'readme' | 'none';

export interface ComponentFacts {
  readonly layer?: string;
  readonly tier?: string;
  readonly requests?: Requests;
}

export interface SiteFacts {
  readonly source: FactsSource;
  /** False when numbers were read back from rounded text (`readme`). */
  readonly exact: boolean;
  readonly components: ReadonlyMap<string, ComponentFacts>;
  readonly total?: Requests;
  readonly verdict?: VerdictStatus;
}

export const NO_FACTS: SiteFacts = { source: 'none', exact: false, components: new Map() };

export function factsFromBuild(build: SiteBuild, source: FactsSource = 'build'): SiteFacts {
  const requests = requestsByComponent(build);
  return {
    source,
    exact: true,
    components: new Map(
      build.components.map((c) => [c.componentName, { layer: c.layer, tier: c.tier, requests: requests.get(c.componentName) }]),
    ),
    total: platformRequests(build),
    verdict: build.plan.verdict.status,
  };
}

const VERDICT_WORDS: Record<string, VerdictStatus> = { passes: 'passes', 'passes with warnings': 'warns', FAILS: 'fails' };

/** `976 MiB` / `1.04 GiB` / `0 KiB` (formatMemory's output) → bytes. */
function parseMemoryText(text: string): number {
  const m = /^([0-9.]+) (KiB|MiB|GiB|TiB)$/.exec(text.trim());
  if (!m) throw new Error(`not a memory figure: ${text}`);
  return parseMemory(`${m[1]}${m[2]!.slice(0, 2)}`);
}

/** Reads the component table and the verdict out of a site README (`synth/<site>/README.md`); undefined when it has neither. */
export function factsFromReadme(text: string): SiteFacts | undefined {
  const components = new Map<string, ComponentFacts>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('| ')) continue;
    const cells = line.slice(1, line.endsWith('|') ? -1 : undefined).split(' | ').map((c) => c.trim());
    if (cells.length !== 8) continue;
    const [layer, name, tier, , , , cpu, memory] = cells as [string, string, string, string, string, string, string, string];
    if (!/^[0-9]{2}-/.test(layer)) continue;
    try {
      components.set(name, { layer, tier, requests: { cpuMillis: parseCpu(cpu), memoryBytes: parseMemoryText(memory) } });
    } catch {
      components.set(name, { layer, tier });
    }
  }
  const verdictMatch = /\*\*Verdict: (passes with warnings|passes|FAILS)\.\*\*/.exec(text);
  if (components.size === 0 && !verdictMatch) return undefined;
  const all = [...components.values()];
  const total = all.every((c) => c.requests)
    ? all.reduce((a, c) => ({ cpuMillis: a.cpuMillis + c.requests!.cpuMillis, memoryBytes: a.memoryBytes + c.requests!.memoryBytes }), { cpuMillis: 0, memoryBytes: 0 })
    : undefined;
  return {
    source: 'readme',
    exact: false,
    components,
    ...(total && components.size > 0 ? { total } : {}),
    ...(verdictMatch ? { verdict: VERDICT_WORDS[verdictMatch[1]!]! } : {}),
  };
}

function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, text] of a) if (b.get(path) !== text) return false;
  return true;
}

export interface BaseFactsOptions {
  /** The site. */
  readonly site: string;
  /** The base's files of the site's folder (`synth/<site>/…`). */
  readonly files: ReadonlyMap<string, string>;
  /** The site's config (and its teams) as the base has it (its fleet loaded at the base commit), when it loads. */
  readonly config: () => Promise<{ config: PlatformConfig; file: string; tenants?: readonly SiteTenant[] } | undefined>;
  readonly catalog: readonly ComponentDefinition[];
  /** The base's `synth/README.md` when it is a site README (repositories from before fleets). */
  readonly legacyReadme?: string;
}

/** The base's facts for one site, from the most exact source that is provably right (see the file comment). */
export async function baseFacts(opts: BaseFactsOptions): Promise<SiteFacts> {
  if (opts.files.size === 0) return NO_FACTS;
  const readmePath = siteReadmeFile(opts.site);
  try {
    const base = await opts.config();
    if (base) {
      const build = buildSite({ config: base.config, configFile: base.file, catalog: opts.catalog, ...(base.tenants ? { tenants: base.tenants } : {}) });
      // Before fleets the site README was synth/README.md; the rest of the folder is the same.
      const files = opts.files.has(readmePath) || opts.legacyReadme === undefined ? build.files : new Map([...build.files].filter(([p]) => p !== readmePath));
      const readmeOk = opts.files.has(readmePath) || opts.legacyReadme === undefined || opts.legacyReadme === build.files.get(readmePath);
      if (readmeOk && sameFiles(files, opts.files)) return factsFromBuild(build, 'rebuild');
    }
  } catch {
    // The base's config does not build with the current code: fall back to its README.
  }
  const readme = opts.files.get(readmePath) ?? opts.legacyReadme;
  return (readme !== undefined ? factsFromReadme(readme) : undefined) ?? NO_FACTS;
}
