/**
 * Keeps README.md's generated sections (the config reference, the tenant files' reference, the
 * network policy table) in step with their sources.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configReference, withConfigReference } from '../config/reference.js';
import { tenantsReference, withTenantsReference } from '../tenants/reference.js';
import type { ComponentDefinition } from '../model/definition.js';
import { namespacePolicies, siteFlows } from '../model/network-policy.js';
import { buildSite } from './build.js';
import { loadPlatformConfig } from './synthesize.js';
import { networkPolicyTable, withNetworkPolicyTable } from './network-docs.js';

/**
 * The network policy table for this repository's site (its platform.yaml) with every catalog
 * component enabled at its default settings, so that the optional ones are documented too; the
 * components that exist only with a config section the site does not have (`sso`) stay off.
 */
async function networkTable(repoRoot: string, catalog: readonly ComponentDefinition[]): Promise<string> {
  const config = await loadPlatformConfig({ repoRoot, catalog });
  const possible = (d: ComponentDefinition) => !d.configSection || config[d.configSection] !== undefined;
  const everything = { ...config, components: Object.fromEntries(catalog.map((d) => [d.name, { enabled: possible(d) }])) };
  const build = buildSite({ config: everything, configFile: 'platform.yaml', catalog });
  const site = { config: build.config, components: build.components };
  const optional = new Set(catalog.filter((d) => !d.defaultEnabled).map((d) => d.name));
  return networkPolicyTable(namespacePolicies(site, siteFlows(site)), optional);
}

/** The README text as it should be. */
export async function expectedReadme(repoRoot: string, catalog: readonly ComponentDefinition[]): Promise<{ current: string; expected: string }> {
  const current = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const references = withTenantsReference(withConfigReference(current, configReference(catalog)), tenantsReference());
  const expected = withNetworkPolicyTable(references, await networkTable(repoRoot, catalog));
  return { current, expected };
}

/** Rewrites the generated blocks; returns whether the file changed. */
export async function updateReadmeReference(repoRoot: string, catalog: readonly ComponentDefinition[]): Promise<boolean> {
  const { current, expected } = await expectedReadme(repoRoot, catalog);
  if (current === expected) return false;
  await writeFile(join(repoRoot, 'README.md'), expected, 'utf8');
  return true;
}
