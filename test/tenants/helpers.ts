/**
 * Test helpers for the tenants loader: tenant files in memory (a `ConfigSource` over a map of
 * paths to texts), a small fleet of sites to load them for, and the problems a load is refused with.
 */
import { stringify } from 'yaml';
import { ConfigError, FleetConfigError, type ConfigProblem } from '../../platform/config/errors.js';
import type { ConfigSource } from '../../platform/fleet/source.js';
import { compareText } from '../../platform/model/order.js';
import type { SiteTenant } from '../../platform/model/tenants.js';
import { loadTenants, type TenantSiteInfo } from '../../platform/tenants/load.js';

/** Where the in-memory repository pretends to be (messages name `/repo/<path>`). */
export const MEMORY_ROOT = '/repo';

/**
 * A `ConfigSource` over `files` (repository-relative path → text). Folders are the paths' parents.
 * `reverse` lists entries in reverse order (the loader must not depend on the listing order).
 */
export function memorySource(files: Readonly<Record<string, string>>, opts: { reverse?: boolean } = {}): ConfigSource {
  return {
    display: (path) => `${MEMORY_ROOT}/${path}`,
    exists: async (path) => Object.keys(files).some((f) => f === path || f.startsWith(`${path}/`)),
    async read(path) {
      const text = files[path];
      if (text === undefined) throw new ConfigError(`${MEMORY_ROOT}/${path}`, [{ path: '(root)', message: 'the file does not exist; check the path' }]);
      return text;
    },
    async list(dir) {
      const entries = new Map<string, boolean>();
      for (const f of Object.keys(files)) {
        if (!f.startsWith(`${dir}/`)) continue;
        const [name, ...rest] = f.slice(dir.length + 1).split('/');
        entries.set(name!, (entries.get(name!) ?? false) || rest.length > 0);
      }
      const out = [...entries].map(([name, folder]) => ({ name, folder })).sort((a, b) => compareText(a.name, b.name));
      return opts.reverse ? out.reverse() : out;
    },
  };
}

/** A fleet of three sites: s1 (group g1), s2 (groups g1, g2), s3 (no group); group g3 has no site. */
export const SITES: readonly TenantSiteInfo[] = [
  { name: 's1', groups: ['g1'], domain: 's1.example.com' },
  { name: 's2', groups: ['g1', 'g2'], domain: 's2.example.com' },
  { name: 's3', groups: [], domain: 's3.example.com' },
];
export const GROUPS = ['g1', 'g2', 'g3'] as const;

/** One site, as a one-site repository (platform.yaml) has it. */
export const ONE_SITE: readonly TenantSiteInfo[] = [{ name: 'edge-01', groups: [], domain: 'edge.example.com' }];

/** YAML of a plain object. */
export const yaml = (data: unknown): string => stringify(data);

/** A valid team: `web`, on every site, with a served app and a scheduled one. */
export function goodFiles(): Record<string, string> {
  return {
    'tenants/web/tenant.yaml': yaml({ name: 'web', owners: { groups: ['web-devs'] }, quota: { cpu: '2', memory: '4Gi', pods: 10 } }),
    'tenants/web/apps/shop.yaml': yaml({ name: 'shop', image: 'registry.example.com/shop:1.0.0', port: 8080, route: true }),
    'tenants/web/apps/sweep.yaml': yaml({ name: 'sweep', image: 'registry.example.com/sweep:2.1', schedule: '0 * * * *' }),
  };
}

export interface LoadOptions {
  readonly sites?: readonly TenantSiteInfo[];
  readonly groups?: readonly string[];
  readonly reverse?: boolean;
}

/** Loads `files` for the sites. */
export function load(files: Readonly<Record<string, string>>, opts: LoadOptions = {}): Promise<ReadonlyMap<string, readonly SiteTenant[]>> {
  return loadTenants({ source: memorySource(files, { reverse: opts.reverse }), sites: opts.sites ?? SITES, groups: opts.groups ?? GROUPS });
}

/** Each file's problems (repository-relative path → problems) a load is refused with; fails when it is not refused as a config error (exit 2). */
export async function problemsOf(files: Readonly<Record<string, string>>, opts: LoadOptions = {}): Promise<Record<string, readonly ConfigProblem[]>> {
  const e = await load(files, opts).then(
    () => undefined,
    (x: unknown) => x,
  );
  const errors = e instanceof FleetConfigError ? e.errors : e instanceof ConfigError ? [e] : undefined;
  if (!errors) throw new Error(`expected a config error, got ${e === undefined ? 'success' : String(e)}`);
  if ((e as ConfigError).exitCode !== 2) throw new Error(`exit code ${(e as ConfigError).exitCode}, not 2`);
  return Object.fromEntries(errors.map((c) => [c.file.slice(MEMORY_ROOT.length + 1), c.problems]));
}

/** The one problem of `file` at `path` (fails listing them all when there is not exactly one). */
export async function problemAt(files: Readonly<Record<string, string>>, file: string, path: string, opts: LoadOptions = {}): Promise<string> {
  const all = await problemsOf(files, opts);
  const at = (all[file] ?? []).filter((p) => p.path === path);
  if (at.length !== 1) throw new Error(`expected one problem of ${file} at ${path}, got: ${JSON.stringify(all, null, 1)}`);
  return at[0]!.message;
}

/** The only problem of the whole load, with its file (fails listing them all when there are more or none). */
export async function theProblem(files: Readonly<Record<string, string>>, opts: LoadOptions = {}): Promise<{ file: string; path: string; message: string }> {
  const all = await problemsOf(files, opts);
  const flat = Object.entries(all).flatMap(([file, problems]) => problems.map((p) => ({ file, path: p.path, message: p.message })));
  if (flat.length !== 1) throw new Error(`expected exactly one problem, got: ${JSON.stringify(flat, null, 1)}`);
  return flat[0]!;
}
