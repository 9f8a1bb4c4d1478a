/**
 * README "Security model" names every Vault role with what it may do: the table must say
 * exactly what the generated policies grant (every reader role of the site with every app
 * enabled, and the two roles the bootstrap writes), so the README cannot drift from the code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootstrapFiles, readerNamespaces } from '../../layers/01-services/vault-access.js';
import { VAULT_IDENTITIES } from '../../layers/01-services/vault.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';
import { REPO_ROOT } from '../helpers/site.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Security model'), readme.indexOf('## Verification'));

/** `path` → capabilities, from a policy's HCL. */
const fromPolicy = (hcl: string) =>
  [...hcl.matchAll(/path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]/g)].map((m) => `${m[1]} (${[...m[2]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]).join(', ')})`);

/** The README's rows: role → { as, by, may: ["path (caps)", …] }. */
function readmeRows(): Map<string, { as: string; by: string; may: string[] }> {
  const rows = new Map<string, { as: string; by: string; may: string[] }>();
  for (const line of section.split('\n')) {
    const m = /^\s*\| `([^`]+)` \| `([^`]+)` \| ([^|]+) \| (.+) \|$/.exec(line);
    if (!m) continue;
    rows.set(m[1]!, { as: m[2]!, by: m[3]!.trim(), may: [...m[4]!.matchAll(/`([^`]+)` \(([^)]+)\)/g)].map((x) => `${x[1]} (${x[2]})`) });
  }
  return rows;
}

describe('README, Security model: every Vault role with its paths', async () => {
  const site = await buildAllEnabled();
  const readers = site.components.flatMap((c) => c.vaultRoles);
  // Identities the bootstrap writes for components (vault-oidc's, with sso).
  const extra = site.components.flatMap((c) => c.vaultBootstrapRoles);
  const own = bootstrapFiles(VAULT_IDENTITIES, readerNamespaces(readers), extra);
  const rows = readmeRows();

  it('lists exactly the generated roles', () => {
    expect([...rows.keys()].sort()).toEqual([VAULT_IDENTITIES.configurer, VAULT_IDENTITIES.seeder, ...readers.map((r) => r.name), ...extra.map((r) => r.name)].sort());
  });

  it("says what the configurer's and the seeder's policies grant", () => {
    for (const name of [VAULT_IDENTITIES.configurer, VAULT_IDENTITIES.seeder]) {
      expect(rows.get(name)?.may, name).toEqual(fromPolicy(own[`${name}.hcl`]!));
      expect(rows.get(name)?.as).toBe(`${VAULT_IDENTITIES.namespace}/${name}`);
    }
  });

  it('says what each reader (and each identity the bootstrap writes for a component) may do, and as whom it logs in', () => {
    expect(extra.length).toBeGreaterThan(0);
    for (const r of [...readers, ...extra]) {
      expect(rows.get(r.name)?.may, r.name).toEqual(fromPolicy(r.policy.rules));
      expect(rows.get(r.name)?.as, r.name).toBe(`${r.namespace}/${r.serviceAccount}`);
    }
  });
});
