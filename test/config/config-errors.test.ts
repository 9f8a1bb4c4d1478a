import { describe, expect, it } from 'vitest';
import { baseConfigObject, configFrom, configProblems as problemsOf } from '../helpers/site.js';

describe('config errors: one clear error per problem, with path, bad value and what is allowed', () => {
  it('accepts the committed platform.yaml', async () => {
    const cfg = await configFrom(baseConfigObject());
    expect(cfg.site.name).toBe('edge-01');
    expect(cfg.components.cilium?.enabled).toBe(true);
  });

  it('unknown key', async () => {
    const p = await problemsOf((c) => (c.site.colour = 'blue'));
    expect(p).toEqual([{ path: 'site.colour', message: "unknown key 'colour'; allowed keys here: name, domain, environment, owner" }]);
  });

  it('unknown top-level key', async () => {
    const p = await problemsOf((c) => (c.sites = []));
    expect(p[0]!.path).toBe('sites');
    expect(p[0]!.message).toMatch(/unknown key 'sites'; allowed keys here: site, git, cluster, nodes, components/);
  });

  it('wrong type', async () => {
    const p = await problemsOf((c) => (c.cluster.apiServer.port = 'https'));
    expect(p).toEqual([{ path: 'cluster.apiServer.port', message: "'https' is a string, expected integer" }]);
  });

  it('bad enum', async () => {
    const p = await problemsOf((c) => (c.nodes[2].role = 'master'));
    expect(p).toEqual([{ path: 'nodes[2].role', message: "'master' is not allowed; allowed: 'control-plane', 'worker'" }]);
  });

  it('cluster.secretsEncryption: one of required, verified, none (default required)', async () => {
    const p = await problemsOf((c) => (c.cluster.secretsEncryption = 'yes'));
    expect(p).toEqual([{ path: 'cluster.secretsEncryption', message: "'yes' is not allowed; allowed: 'required', 'verified', 'none'" }]);
    const raw = baseConfigObject();
    delete raw.cluster.secretsEncryption;
    expect((await configFrom(raw)).cluster.secretsEncryption).toBe('required');
  });

  it('missing required field', async () => {
    const p = await problemsOf((c) => delete c.site.domain);
    expect(p).toEqual([{ path: 'site.domain', message: 'required field is missing' }]);
  });

  it('malformed domain', async () => {
    const p = await problemsOf((c) => (c.site.domain = 'Edge_Example'));
    expect(p[0]!.path).toBe('site.domain');
    expect(p[0]!.message).toBe("'Edge_Example' is not valid: expected a lower-case DNS domain with at least two labels, e.g. \"edge.example.com\"");
  });

  it('malformed URL', async () => {
    const p = await problemsOf((c) => (c.git.repoURL = 'github.com/example/edge-idp'));
    expect(p[0]).toMatchObject({ path: 'git.repoURL' });
    expect(p[0]!.message).toMatch(/^'github.com\/example\/edge-idp' is not valid: expected a git URL ArgoCD can clone/);
  });

  it('malformed CIDR', async () => {
    const p = await problemsOf((c) => (c.cluster.podCIDR = '10.42.0.0/33'));
    expect(p).toEqual([{ path: 'cluster.podCIDR', message: "'10.42.0.0/33' is not valid: expected an IPv4 CIDR, e.g. \"10.42.0.0/16\" (IPv6 is not supported)" }]);
  });

  it('malformed quantity', async () => {
    const p = await problemsOf((c) => (c.nodes[1].memory = '8GB'));
    expect(p).toEqual([{ path: 'nodes[1].memory', message: "'8GB' is not valid: expected a Kubernetes memory quantity, e.g. \"8Gi\" or \"7800Mi\"" }]);
    const q = await problemsOf((c) => (c.nodes[0].cpu = 'four'));
    expect(q[0]!.path).toBe('nodes[0].cpu');
    expect(q[0]!.message).toMatch(/Kubernetes CPU quantity/);
  });

  it('duplicate node names', async () => {
    const p = await problemsOf((c) => (c.nodes[2].name = c.nodes[1].name));
    expect(p).toEqual([{ path: 'nodes[2].name', message: "'edge-w-1' is already used by nodes[1]; node names must be unique" }]);
  });

  it('no control-plane node', async () => {
    const p = await problemsOf((c) => (c.nodes[0].role = 'worker'));
    expect(p).toEqual([
      { path: 'nodes', message: "no node has role 'control-plane'; mark exactly the node that runs the Kubernetes API with role: control-plane" },
    ]);
  });

  it('a version override for a component that does not exist', async () => {
    const p = await problemsOf((c) => (c.components = { traefik: { version: '30.0.0' } }));
    expect(p[0]!.path).toBe('components.traefik');
    expect(p[0]!.message).toMatch(/^there is no component named 'traefik'; known components: cilium, gateway-api, namespaces/);
  });

  it('a version range instead of an exact version', async () => {
    const p = await problemsOf((c) => (c.components = { cilium: { version: '^1.20' } }));
    expect(p[0]!.path).toBe('components.cilium.version');
    expect(p[0]!.message).toMatch(/exact chart version/);
  });

  it('a version override for a component without a source', async () => {
    const raw = baseConfigObject();
    raw.components = { namespaces: { version: '1.0.0' } };
    const { buildSite } = await import('../../platform/synth/build.js');
    const { CATALOG } = await import('../../layers/catalog.js');
    const config = await configFrom(raw);
    expect(() => buildSite({ config, configFile: 'platform.yaml', catalog: CATALOG })).toThrow(
      /components\.namespaces\.version: '1\.0\.0' cannot apply: namespaces has no chart or git source/,
    );
  });

  it('disabling a required component', async () => {
    const p = await problemsOf((c) => (c.components = { cilium: { enabled: false } }));
    expect(p[0]!.path).toBe('components.cilium.enabled');
    expect(p[0]!.message).toMatch(/^false is not allowed: cilium is required/);
  });

  it('reports every problem at once', async () => {
    const p = await problemsOf((c) => {
      c.nodes[2].role = 'master';
      c.cluster.podCIDR = 'nope';
      delete c.site.name;
    });
    expect(p.map((x) => x.path).sort()).toEqual(['cluster.podCIDR', 'nodes[2].role', 'site.name']);
  });

  it('not YAML at all', async () => {
    await expect(configFrom('site: [unclosed')).rejects.toThrow(/not valid YAML/);
  });

  it('git defaults come from the checkout when unset', async () => {
    const raw = baseConfigObject();
    delete raw.git;
    const cfg = await configFrom(raw);
    // Outside a checkout (the test's git defaults name no folder) ArgoCD's paths start at the top.
    expect(cfg.git).toEqual({ repoURL: 'https://git.example.com/org/edge-idp.git', revision: 'main', path: '' });
  });

  it('defaults are resolved in one place', async () => {
    const raw = baseConfigObject();
    delete raw.site.environment;
    delete raw.cluster.podCIDR;
    const cfg = await configFrom(raw);
    expect(cfg.site.environment).toBe('production');
    expect(cfg.cluster.podCIDR).toBe('10.42.0.0/16');
    expect(cfg.podSecurity.defaultLevel).toBe('restricted');
  });
});

describe('add-on defaults', () => {
  it('platform-policies follows kyverno when the config says nothing', async () => {
    const raw = baseConfigObject();
    raw.components = { kyverno: { enabled: false } };
    const cfg = await configFrom(raw);
    expect(cfg.components['platform-policies']?.enabled).toBe(false);
    expect((await configFrom(baseConfigObject())).components['platform-policies']?.enabled).toBe(true);
  });

  it('platform-policies explicitly on without kyverno is an error naming both toggles', async () => {
    const { buildTestSite } = await import('../helpers/site.js');
    await expect(
      buildTestSite((c) => (c.components = { kyverno: { enabled: false }, 'platform-policies': { enabled: true } })),
    ).rejects.toThrow(/components\.platform-policies\.enabled: true needs components\.kyverno\.enabled/);
  });
});
