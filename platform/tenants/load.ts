/**
 * Loads the tenants of a repository: `tenants/<team>/tenant.yaml` and
 * `tenants/<team>/apps/<app>.yaml`, validated, then resolved for each site the team runs on
 * (see `model/tenants.ts`). No `tenants/` folder: no tenants.
 *
 * Every file is read and checked (files.ts: the folders, the YAML, the schemas), then what spans
 * files (resolve.ts: names, owners, placement, pinned images, app shapes, hostnames, routes,
 * quotas). Bad input is a `ConfigError` naming the file and the field (exit 2); problems in
 * several files are one `FleetConfigError` listing each file's.
 */
import type { ConfigSource } from '../fleet/source.js';
import type { SiteTenant } from '../model/tenants.js';
import { readTenantFolders } from './files.js';
import { TenantProblems } from './problems.js';
import { resolveTenants } from './resolve.js';

/** A site as the tenants loader needs it. */
export interface TenantSiteInfo {
  readonly name: string;
  /** The fleet groups it lists (empty in a one-site repository). */
  readonly groups: readonly string[];
  /** Its `site.domain`. */
  readonly domain: string;
}

export interface LoadTenantsOptions {
  readonly source: ConfigSource;
  readonly sites: readonly TenantSiteInfo[];
  /** The groups fleet.yaml declares (empty in a one-site repository). */
  readonly groups: readonly string[];
}

/**
 * Every site's tenants (a site no team runs on maps to `[]`): teams sorted by name, each with
 * its apps on that site sorted by name, every default applied. Throws `ConfigError` (one file
 * with problems) or `FleetConfigError` (several).
 */
export async function loadTenants(opts: LoadTenantsOptions): Promise<ReadonlyMap<string, readonly SiteTenant[]>> {
  const problems = new TenantProblems();
  const folders = await readTenantFolders(opts.source, problems);
  const tenants = resolveTenants(folders, opts.sites, [...opts.groups], problems);
  problems.throwIfAny(opts.source);
  return tenants;
}

export { APP_DEFAULTS, DEFAULT_STORAGE_QUOTA, defaultHostnames, quotaPods } from './resolve.js';
export { appFile, tenantFile } from './files.js';
