/** Credentials generated in the cluster: Vault's seeder writes what the apps' ExternalSecrets read. */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seederScript } from '../../layers/01-services/vault.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';
import { buildTestSite } from '../helpers/site.js';

const full = await buildAllEnabled();
/** Every credential an enabled component publishes (what Vault's phase 2 seeds). */
const GENERATED_CREDENTIALS = full.components.flatMap((c) => c.generatedCredentials);

describe('generated credentials', () => {
  it('every ExternalSecret of a platform app reads fields the seeder writes', () => {
    const externalSecrets = [...full.resources.values()].flat().filter((o) => o.kind === 'ExternalSecret') as any[];
    expect(externalSecrets.length).toBeGreaterThan(0);
    for (const es of externalSecrets) {
      for (const d of es.spec.data) {
        const credential = GENERATED_CREDENTIALS.find((c) => c.vaultKey === d.remoteRef.key);
        expect(credential, `${es.metadata.name} reads ${d.remoteRef.key}`).toBeDefined();
        expect(Object.keys(credential!.fields), `${es.metadata.name}: ${d.remoteRef.property}`).toContain(d.remoteRef.property);
      }
    }
  });

  it('are seeded only for enabled consumers', async () => {
    const script = (b: Awaited<ReturnType<typeof buildTestSite>>) =>
      ((b.resources.get('vault')!.find((o) => o.metadata.name === 'vault-seeder') as any)?.spec.template.spec.containers[0].command[2] ?? '') as string;
    expect(script(full)).toMatch(/seed 'edge-idp\/sonarqube'/);
    const base = await buildTestSite();
    expect(script(base)).toMatch(/seed 'edge-idp\/grafana'/);
    expect(script(base)).not.toMatch(/sonarqube/);
  });
});

describe('the seeder script (run with a stub vault CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-idp-seeder-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'token'), 's.root\n');
  // The stub keeps entries as files and logs every call.
  writeFileSync(
    join(dir, 'vault'),
    `#!/bin/sh
echo "$VAULT_TOKEN $*" >> "${dir}/calls"
sub="$2"; shift 3
case "$sub" in
  get) [ -f "${dir}/kv-$(echo "$1" | tr / _)" ] ;;
  put) shift; path="$1"; shift; echo "$*" > "${dir}/kv-$(echo "$path" | tr / _)" ;;
esac
`,
  );
  chmodSync(join(dir, 'vault'), 0o755);
  const run = () => {
    const script = seederScript('secret', GENERATED_CREDENTIALS.filter((c) => c.vaultKey === 'edge-idp/grafana'), join(dir, 'token'));
    return spawnSync('sh', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' });
  };

  it('generates a missing entry with random values and check-and-set 0', () => {
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('edge-idp/grafana: generated\n');
    const stored = readFileSync(join(dir, 'kv-edge-idp_grafana'), 'utf8');
    expect(stored).toMatch(/^admin-password=[A-Za-z0-9]{32} admin-user=admin\n$/);
    expect(readFileSync(join(dir, 'calls'), 'utf8')).toContain('s.root kv put -mount=secret -cas=0 edge-idp/grafana');
  });

  it('keeps an existing entry (never rotates behind the app)', () => {
    const before = readFileSync(join(dir, 'kv-edge-idp_grafana'), 'utf8');
    const r = run();
    expect(r.stdout).toBe('edge-idp/grafana: present, kept\n');
    expect(readFileSync(join(dir, 'kv-edge-idp_grafana'), 'utf8')).toBe(before);
  });
});
