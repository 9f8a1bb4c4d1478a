/** Credentials generated in the cluster: Vault's seeder writes what the apps' ExternalSecrets read. */
import { describe, expect, it } from 'vitest';
import { operatorWrittenSecrets } from '../../layers/02-engines/sso-clients.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';
import { buildTestSite } from '../helpers/site.js';

const full = await buildAllEnabled();
/** Every credential an enabled component publishes (what Vault's phase 2 seeds). */
const GENERATED_CREDENTIALS = full.components.flatMap((c) => c.generatedCredentials);

describe('generated credentials', () => {
  it('every ExternalSecret of a platform app reads fields the seeder writes, or that the operator writes once (SSO secrets from outside the site)', () => {
    const externalSecrets = [...full.resources.values()].flat().filter((o) => o.kind === 'ExternalSecret') as any[];
    expect(externalSecrets.length).toBeGreaterThan(0);
    const byOperator = operatorWrittenSecrets(full.config);
    // The all-enabled site signs in through Dex with a connector that has a secret.
    expect(byOperator.length).toBeGreaterThan(0);
    for (const es of externalSecrets) {
      for (const d of es.spec.data) {
        if (byOperator.some((w) => w.vaultKey === d.remoteRef.key && w.property === d.remoteRef.property)) continue;
        const credential = GENERATED_CREDENTIALS.find((c) => c.vaultKey === d.remoteRef.key);
        expect(credential, `${es.metadata.name} reads ${d.remoteRef.key}`).toBeDefined();
        expect(Object.keys(credential!.fields), `${es.metadata.name}: ${d.remoteRef.property}`).toContain(d.remoteRef.property);
      }
    }
  });

  it('are seeded only for enabled consumers', async () => {
    const script = (b: Awaited<ReturnType<typeof buildTestSite>>) =>
      ((b.resources.get('vault')!.find((o) => o.kind === 'Job' && o.metadata.name === 'vault-seeder') as any)?.spec.template.spec.containers[0].command[2] ?? '') as string;
    expect(script(full)).toMatch(/seed 'edge-idp\/sonarqube'/);
    const base = await buildTestSite();
    expect(script(base)).toMatch(/seed 'edge-idp\/grafana'/);
    expect(script(base)).not.toMatch(/sonarqube/);
  });
});

// The seeder script itself runs against a stand-in Vault in vault-access.test.ts.
