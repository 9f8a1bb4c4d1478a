/** Test helpers: the repository's own platform.yaml, patched per test, built in memory. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { parseConfig } from '../../platform/config/load.js';
import { ConfigError } from '../../platform/config/errors.js';
import type { PlatformConfig } from '../../platform/config/schema.js';
import { buildSite, type SiteBuild } from '../../platform/synth/build.js';
import { CATALOG } from '../../layers/catalog.js';
import { hasUpstream, upstreamDir } from '../../platform/conformance/upstream.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The committed platform.yaml as a plain object (a fresh copy each call). */
export function baseConfigObject(): Record<string, any> {
  return parse(readFileSync(join(REPO_ROOT, 'platform.yaml'), 'utf8')) as Record<string, any>;
}

/** Parse a config object (or YAML text) the way synth does; git defaults are fixed for tests. */
export async function configFrom(raw: Record<string, unknown> | string): Promise<PlatformConfig> {
  const text = typeof raw === 'string' ? raw : stringify(raw);
  return parseConfig(text, {
    file: 'platform.yaml',
    catalog: CATALOG,
    gitDefaults: async () => ({ repoURL: 'https://git.example.com/org/edge-idp.git', revision: 'main' }),
  });
}

/**
 * The problems a patched copy of the committed platform.yaml is refused with (it must be: a
 * ConfigError, exit code 2).
 */
export async function configProblems(patch: (cfg: Record<string, any>) => void): Promise<{ path: string; message: string }[]> {
  const raw = baseConfigObject();
  patch(raw);
  try {
    await configFrom(raw);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (e.exitCode !== 2) throw new Error(`a ConfigError with exit code ${e.exitCode}, not 2`);
    return [...e.problems];
  }
  throw new Error('expected a ConfigError');
}

/** Build the site from the committed platform.yaml, optionally patched. */
export async function buildTestSite(patch?: (cfg: Record<string, any>) => void): Promise<SiteBuild> {
  const raw = baseConfigObject();
  patch?.(raw);
  return buildSite({ config: await configFrom(raw), configFile: 'platform.yaml', catalog: CATALOG });
}

/**
 * The upstream data folder for conformance tests. Missing upstream data fails the run on CI
 * and is reported loudly (and the suite skipped) elsewhere.
 */
export function upstreamForTests(): string | undefined {
  const dir = upstreamDir(REPO_ROOT);
  if (hasUpstream(dir)) return dir;
  const msg = `upstream data not found at ${dir} (set EDGE_IDP_UPSTREAM_DIR): conformance checks cannot run`;
  if (process.env.CI) throw new Error(msg);
  console.warn(`\n!!! ${msg}; SKIPPING them\n`);
  return undefined;
}
