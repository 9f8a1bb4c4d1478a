/**
 * What the tenants component refuses, each a ConfigError (exit 2) naming the team's or app's
 * file, the field and the fix: a team named like a platform or Kubernetes namespace (phase 2,
 * before any aggregator trips over the shared namespace), and what the site cannot give an app
 * or the component cannot build (phase 1). Also the network model's check that a pod group
 * runs in one of its component's namespaces.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../layers/catalog.js';
import { ConfigError, EXIT_CODES } from '../../platform/config/errors.js';
import type { PlatformSite } from '../../platform/model/component.js';
import { siteFlows } from '../../platform/model/network-policy.js';
import type { SiteTenant, TenantApp } from '../../platform/model/tenants.js';
import { buildSite } from '../../platform/synth/build.js';
import { baseConfigObject, configFrom } from '../helpers/site.js';

type Obj = Record<string, any>;

function team(name: string, apps: readonly Partial<TenantApp>[] = [], extra: Partial<SiteTenant> = {}): SiteTenant {
  return {
    name,
    file: `tenants/${name}/tenant.yaml`,
    namespace: name,
    owners: { groups: [`${name}-devs`], users: [] },
    quota: { cpu: '1', memory: '1Gi', pods: 5, storage: '1Gi' },
    hostnames: [`*.${name}.edge.example.com`],
    apps: apps.map((a, i) => ({
      name: `app${i}`,
      team: name,
      file: `tenants/${name}/apps/${a.name ?? `app${i}`}.yaml`,
      image: 'registry.example.com/app:1.0.0',
      replicas: 1,
      cpu: '100m',
      memory: '128Mi',
      env: {},
      secrets: {},
      ...a,
    })),
    ...extra,
  };
}

/** The ConfigError building a site with these tenants (and a patched config) fails with. */
async function refusal(tenants: readonly SiteTenant[], patch?: (cfg: Obj) => void): Promise<ConfigError> {
  const raw = baseConfigObject();
  patch?.(raw);
  const config = await configFrom(raw);
  try {
    buildSite({ config, configFile: 'platform.yaml', catalog: CATALOG, tenants });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('a team named like a namespace that is not its own', () => {
  it.each([
    ['monitoring', /the namespace of platform component prometheus-stack/],
    ['gateway', /the namespace of platform component gateway/],
    ['argocd', /the namespace of platform component argocd/],
    ['default', /a namespace of Kubernetes itself/],
    ['kube-system', /a namespace of Kubernetes itself/],
  ])('%s is refused naming the clash and the fix', async (name, what) => {
    const e = await refusal([team(name)]);
    expect(e.exitCode).toBe(EXIT_CODES.config);
    expect(e.file).toBe(`tenants/${name}/tenant.yaml`);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]!.path).toBe('name');
    expect(e.problems[0]!.message).toMatch(what);
    expect(e.problems[0]!.message).toMatch(new RegExp(`^'${name}' is .*rename the team \\(its folder tenants/${name}/ and its name\\)`));
  });

  it('is refused however the catalog orders the components (before any aggregator runs)', async () => {
    // Without the check first, the namespaces component would fail on two tiers in one namespace.
    const e = await refusal([team('logging')]);
    expect(e.problems[0]!.message).toMatch(/^'logging' is the namespace of platform components .*loki/);
  });
});

describe('what the site cannot give an app, or the component cannot build', () => {
  it.each<[string, SiteTenant, ((cfg: Obj) => void) | undefined, string, string, RegExp]>([
    ['a team without owners', team('shop', [], { owners: { groups: [], users: [] } }), undefined, 'tenants/shop/tenant.yaml', 'owners', /names no group or user.*add owners\.groups/],
    [
      'secrets without Vault',
      team('shop', [{ name: 'api', port: 80, secrets: { TOKEN: { key: 'api', property: 'token' } } }]),
      (cfg) => {
        cfg.components = { vault: { enabled: false }, grafana: { enabled: false } };
      },
      'tenants/shop/apps/api.yaml',
      'secrets',
      /TOKEN read Vault, but this site runs no Vault and External Secrets; enable components\.vault/,
    ],
    [
      'a route without the gateway',
      team('shop', [{ name: 'web', port: 80, route: { host: 'web.shop.edge.example.com', path: '/' } }]),
      (cfg) => {
        cfg.components = { gateway: { enabled: false } };
      },
      'tenants/shop/apps/web.yaml',
      'route',
      /web\.shop\.edge\.example\.com cannot be served: this site runs no gateway; enable components\.gateway/,
    ],
    ['a serving app without a port', team('shop', [{ name: 'web' }]), undefined, 'tenants/shop/apps/web.yaml', 'port', /missing: an app without a schedule serves on a port/],
    [
      'a volume with two replicas',
      team('shop', [{ name: 'db', port: 5432, replicas: 2, volume: { size: '1Gi', mountPath: '/data' } }]),
      undefined,
      'tenants/shop/apps/db.yaml',
      'replicas',
      /2 with a volume: a ReadWriteOnce volume serves one pod; use replicas 1/,
    ],
    [
      'metrics on a scheduled app',
      team('shop', [{ name: 'job', schedule: '@daily', metrics: { path: '/metrics', port: 9000 } }]),
      undefined,
      'tenants/shop/apps/job.yaml',
      'metrics',
      /a scheduled app serves no port Prometheus could scrape/,
    ],
    [
      'a team name too long for its Vault reader',
      team(`t${'x'.repeat(55)}`, [{ name: 'api', port: 80, secrets: { TOKEN: { key: 'api', property: 'token' } } }]),
      undefined,
      `tenants/t${'x'.repeat(55)}/tenant.yaml`,
      'name',
      /is 56 characters: its Vault reader ServiceAccount 'vault-reader-t.*' would exceed 63; use a name of at most 50 characters/,
    ],
  ])('%s', async (_what, tenant, patch, file, path, message) => {
    const e = await refusal([tenant], patch);
    expect(e.exitCode).toBe(EXIT_CODES.config);
    expect(e.file).toBe(file);
    expect(e.problems.map((p) => p.path)).toEqual([path]);
    expect(e.problems[0]!.message).toMatch(message);
  });
});

describe('network facts of pods outside the component namespace', () => {
  it('refuses a pod group in a namespace the component does not declare', async () => {
    const config = await configFrom(baseConfigObject());
    const stray = {
      componentName: 'stray',
      targetNamespace: 'kube-system',
      extraNamespaces: ['team-a'],
      parts: [],
      ui: [],
      scrapeTargets: [],
      uiProxy: undefined,
      network: { pods: { web: { labels: { 'app.kubernetes.io/name': 'web' }, namespace: 'team-b' } } },
    };
    expect(() => siteFlows({ config, components: [stray] } as unknown as PlatformSite)).toThrow(
      /component 'stray': network\.pods\.web runs in namespace 'team-b', which is neither its namespace nor one of its extraNamespaces, so no policy of its would cover those pods; add the namespace to extraNamespaces/,
    );
    const declared = { ...stray, network: { pods: { web: { labels: { 'app.kubernetes.io/name': 'web' }, namespace: 'team-a' } } } };
    expect(siteFlows({ config, components: [declared] } as unknown as PlatformSite)).toEqual([]);
  });
});
