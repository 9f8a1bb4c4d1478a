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
import { loadTenants } from '../../platform/tenants/load.js';
import { fileSource } from '../../platform/fleet/source.js';
import type { SiteTenant } from '../../platform/model/tenants.js';

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

let repoTenants: Promise<readonly SiteTenant[]> | undefined;

/** The committed tenants/ as the committed site (edge-01, its domain) sees them, loaded once. */
export function committedTenants(): Promise<readonly SiteTenant[]> {
  repoTenants ??= (async () => {
    const { site } = baseConfigObject() as { site: { name: string; domain: string } };
    const bySite = await loadTenants({ source: fileSource(REPO_ROOT), sites: [{ name: site.name, groups: [], domain: site.domain }], groups: [] });
    return bySite.get(site.name) ?? [];
  })();
  return repoTenants;
}

/**
 * Build the site from the committed platform.yaml, optionally patched, with the committed
 * tenants/ (as synth builds it). `tenants: false` builds it as if no team ran on it.
 */
export async function buildTestSite(patch?: (cfg: Record<string, any>) => void, opts: { tenants?: boolean } = {}): Promise<SiteBuild> {
  const raw = baseConfigObject();
  patch?.(raw);
  const tenants = opts.tenants === false ? [] : await committedTenants();
  return buildSite({ config: await configFrom(raw), configFile: 'platform.yaml', catalog: CATALOG, tenants });
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
