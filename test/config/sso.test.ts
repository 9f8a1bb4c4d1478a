/**
 * The `sso` section and `publicUis`: every mistake is a config error (exit 2) naming the path,
 * the bad value and the fix, and nothing secret may be written into the config.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../platform/config/errors.js';
import { buildTestSite, baseConfigObject, configFrom, configProblems as problemsOf } from '../helpers/site.js';
import { dexSso, externalSso } from '../helpers/sso.js';

/** A build error of the given config (phase 2 checks `publicUis` against the UIs that exist). */
async function buildProblems(patch: (cfg: Record<string, any>) => void): Promise<{ path: string; message: string }[]> {
  const e = await buildTestSite(patch).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ConfigError);
  expect((e as ConfigError).exitCode).toBe(2);
  return [...(e as ConfigError).problems];
}

describe('sso: accepted shapes', () => {
  it('is optional, and without it the components that exist for it are off', async () => {
    const cfg = await configFrom(baseConfigObject());
    expect(cfg.sso).toBeUndefined();
    expect(cfg.publicUis).toEqual([]);
    expect(cfg.components.sso?.enabled).toBe(false);
    expect(cfg.components['vault-oidc']?.enabled).toBe(false);
  });

  it.each([
    ['the bundled Dex', dexSso],
    ['an external provider', externalSso],
  ])('with %s, turns on the SSO components (Vault\'s OIDC login with Vault)', async (_label, sso) => {
    const raw = baseConfigObject();
    raw.sso = sso();
    const cfg = await configFrom(raw);
    expect(cfg.components.sso?.enabled).toBe(true);
    expect(cfg.components['vault-oidc']?.enabled).toBe(true);
    expect(cfg.sso?.viewerGroups).toEqual((sso() as { viewerGroups: string[] }).viewerGroups);
  });

  it('gives a connector no secrets and an empty config by default', async () => {
    const raw = baseConfigObject();
    raw.sso = { dex: { connectors: [{ type: 'ldap', id: 'corp', name: 'Corporate' }] }, adminGroups: ['ops'] };
    const cfg = await configFrom(raw);
    expect(cfg.sso?.dex?.connectors[0]).toMatchObject({ config: {}, secrets: [] });
    expect(cfg.sso?.viewerGroups).toEqual([]);
  });
});

describe('sso: refused', () => {
  it('both or neither provider', async () => {
    const both = await problemsOf((c) => (c.sso = { ...dexSso(), oidc: (externalSso() as any).oidc }));
    expect(both).toEqual([{ path: 'sso', message: expect.stringMatching(/^both `dex` and `oidc` are set; set exactly one: `dex` .* or `oidc`/) }]);
    const neither = await problemsOf((c) => (c.sso = { adminGroups: ['ops'] }));
    expect(neither).toEqual([{ path: 'sso', message: expect.stringMatching(/^neither `dex` nor `oidc` is set; set exactly one/) }]);
  });

  it('no admin group (SSO would grant nobody anything)', async () => {
    const p = await problemsOf((c) => (c.sso = { ...dexSso(), adminGroups: [] }));
    expect(p).toEqual([{ path: 'sso.adminGroups', message: expect.stringMatching(/^a list is not allowed: must NOT have fewer than 1 items/) }]);
  });

  it('a group name with a quote (special in the RBAC rules it is written into)', async () => {
    const p = await problemsOf((c) => (c.sso = { ...dexSso(), viewerGroups: ["dev's"] }));
    expect(p[0]).toMatchObject({ path: 'sso.viewerGroups[0]' });
    expect(p[0]!.message).toMatch(/^'dev's' is not valid: .*no quotes, backslashes or commas/);
  });

  it('an unknown connector type, with the known ones', async () => {
    const p = await problemsOf((c) => {
      c.sso = dexSso();
      c.sso.dex.connectors[0].type = 'githubb';
    });
    expect(p).toEqual([{ path: 'sso.dex.connectors[0].type', message: expect.stringMatching(/^'githubb' is not allowed; allowed: .*'github'.*'ldap'/) }]);
  });

  it('two connectors with one id', async () => {
    const p = await problemsOf((c) => {
      c.sso = dexSso();
      c.sso.dex.connectors.push({ ...c.sso.dex.connectors[0], name: 'Again' });
    });
    expect(p).toEqual([{ path: 'sso.dex.connectors[1].id', message: "'github' is already used by sso.dex.connectors[0]; connector ids must be unique" }]);
  });

  it('a secret written into a connector\'s config, with where to put it instead', async () => {
    const p = await problemsOf((c) => {
      c.sso = dexSso();
      c.sso.dex.connectors[0].secrets = [];
      c.sso.dex.connectors[0].config.clientSecret = 'hunter2hunter2';
    });
    expect(p).toEqual([
      {
        path: 'sso.dex.connectors[0].config.clientSecret',
        message:
          "looks like a secret, and platform.yaml is committed to git; remove the value, add 'clientSecret' to sso.dex.connectors[0].secrets and write it to Vault once: vault kv put -mount=secret edge-idp/sso/connector-github clientSecret=…",
      },
    ]);
  });

  it('a value for a key listed under secrets', async () => {
    const p = await problemsOf((c) => {
      c.sso = dexSso();
      c.sso.dex.connectors[0].config.clientSecret = 'hunter2hunter2';
    });
    expect(p).toEqual([{ path: 'sso.dex.connectors[0].config.clientSecret', message: expect.stringMatching(/^is listed under secrets, so it must not have a value here/) }]);
  });

  it('an issuer that is not https', async () => {
    const p = await problemsOf((c) => {
      c.sso = externalSso();
      c.sso.oidc.issuer = 'http://login.example.com/realms/edge';
    });
    expect(p).toEqual([{ path: 'sso.oidc.issuer', message: expect.stringMatching(/^'http:\/\/login.example.com\/realms\/edge' is not valid: expected an https URL/) }]);
  });

  it('enabling a component that exists for sso without the section, or disabling the SSO glue with it', async () => {
    const on = await problemsOf((c) => (c.components = { sso: { enabled: true } }));
    expect(on).toEqual([{ path: 'components.sso.enabled', message: 'true needs the top-level `sso` section (sso exists for it); add `sso` or remove the key' }]);
    const off = await problemsOf((c) => {
      c.sso = dexSso();
      c.components = { sso: { enabled: false } };
    });
    expect(off).toEqual([{ path: 'components.sso.enabled', message: expect.stringMatching(/^false is not allowed while `sso` is configured .*remove the `sso` section to turn sso off$/) }]);
  });

  it('lets Vault\'s OIDC login be turned off while sso is on', async () => {
    const raw = baseConfigObject();
    raw.sso = dexSso();
    raw.components = { 'vault-oidc': { enabled: false } };
    const cfg = await configFrom(raw);
    expect(cfg.components['vault-oidc']?.enabled).toBe(false);
  });
});

describe('publicUis: refused', () => {
  it('a name that is no UI, with the UIs without a login it may list', async () => {
    const p = await buildProblems((c) => (c.publicUis = ['hubble-ui']));
    expect(p).toEqual([
      { path: 'publicUis[0]', message: "'hubble-ui' is no UI of an enabled component; UIs without a login that publicUis may list: alertmanager, hubble, policy-reporter, prometheus" },
    ]);
  });

  it('a UI with a login of its own (routed anyway)', async () => {
    const p = await buildProblems((c) => (c.publicUis = ['hubble', 'grafana']));
    expect(p).toEqual([{ path: 'publicUis[1]', message: expect.stringMatching(/^'grafana' \(grafana\) has its own login and is routed anyway; remove it/) }]);
  });

  it('a UI of a disabled component', async () => {
    const p = await buildProblems((c) => {
      c.publicUis = ['backstage'];
    });
    expect(p[0]).toMatchObject({ path: 'publicUis[0]', message: expect.stringMatching(/^'backstage' is no UI of an enabled component/) });
  });

  it('a repeated name', async () => {
    const p = await problemsOf((c) => (c.publicUis = ['hubble', 'hubble']));
    expect(p[0]).toMatchObject({ path: 'publicUis' });
    expect(p[0]!.message).toMatch(/must NOT have duplicate items/);
  });
});
