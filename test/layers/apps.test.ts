/**
 * Layer 03-apps: Grafana, Policy Reporter, the gateway and its routes, optional SonarQube and
 * Backstage. Built in memory from the committed platform.yaml, patched per test.
 */
import { ROUTES_PROJECT } from '../../platform/argocd/constants.js';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { addFormats } from '../../platform/conformance/ajv-formats.js';
import { crdValidator } from '../../platform/conformance/objects.js';
import { unknownValueKeys } from '../../platform/conformance/values-keys.js';
import { upstreamCrds, upstreamValues, upstreamValuesSchema } from '../../platform/conformance/upstream.js';
import { projectName } from '../../platform/argocd/applications.js';
import type { PlatformComponent } from '../../platform/model/component.js';
import { SKIP_DRY_RUN_ON_MISSING_RESOURCE } from '../../platform/argocd/constants.js';
import { ANNOTATIONS } from '../../platform/model/labels.js';
import { isBuiltInApiVersion } from '../../platform/model/kinds.js';
import { compareText } from '../../platform/model/order.js';
import { getPath, isPlainObject, mergeValues } from '../../platform/model/values.js';
import type { KubeObject, SiteBuild } from '../../platform/synth/build.js';
import { CA_ISSUER } from '../../layers/01-services/cert-manager.js';
import { CATALOG } from '../../layers/catalog.js';
import { appsValuesKeyOptions } from '../../layers/03-apps/conformance.js';
import { vaultStoreName } from '../../layers/03-apps/app-credentials.js';
import {
  GATEWAY_CLASS,
  GATEWAY_NAME,
  GATEWAY_NAMESPACE,
  HTTP_LISTENER,
  HTTPS_LISTENER,
  PlatformGateway,
} from '../../layers/03-apps/gateway.js';
import { uiExposures } from '../../platform/model/ui.js';
import { OAUTH2_PROXY_PREFIX, SSO_NAMESPACE } from '../../layers/02-engines/sso.js';
import { GRAFANA_ADMIN_SECRET } from '../../layers/03-apps/grafana.js';
import { buildTestSite, upstreamForTests } from '../helpers/site.js';
import { dexSso } from '../helpers/sso.js';
import { EXACT_VERSION, pinProblems, upstreamSources } from '../helpers/upstream-sources.js';

const upstream = upstreamForTests();
const APPS_COMPONENTS = CATALOG.filter((d) => d.layer === '03-apps');
const APPS = APPS_COMPONENTS.map((d) => d.name);
const OPTIONAL = ['sonarqube', 'backstage'];

/** The site with every layer-03 component on (optional ones included). */
const withOptional = (cfg: Record<string, any>) => {
  for (const name of OPTIONAL) cfg.components[name] = { enabled: true };
};

const base = await buildTestSite();
const full = await buildTestSite(withOptional);
/** Every layer-03 component on, with single sign-on through the bundled Dex. */
const withSso = await buildTestSite((cfg) => {
  withOptional(cfg);
  cfg.sso = dexSso();
});

function component(build: SiteBuild, name: string): PlatformComponent {
  const c = build.components.find((x) => x.componentName === name);
  if (!c) throw new Error(`component ${name} is not in the build`);
  return c;
}

function appsOf(build: SiteBuild): PlatformComponent[] {
  return build.components.filter((c) => c.layer === '03-apps');
}

function objectsOf(build: SiteBuild, name: string): KubeObject[] {
  return [...(build.resources.get(name) ?? [])];
}

function gatewayObjects(build: SiteBuild, kind: string): any[] {
  return objectsOf(build, 'gateway').filter((o) => o.kind === kind);
}

function uiRouteObjects(build: SiteBuild): any[] {
  return gatewayObjects(build, 'HTTPRoute').filter((r) => r.spec.parentRefs[0].sectionName === HTTPS_LISTENER);
}

function appProject(build: SiteBuild): any {
  return build.rootObjects.find((o) => o.kind === 'AppProject' && o.metadata.name === projectName('03-apps'));
}

function appsElements(build: SiteBuild): string[] {
  const set = build.rootObjects.find((o) => o.kind === 'ApplicationSet' && o.metadata.name === projectName('03-apps')) as any;
  return set.spec.generators[0].list.elements.map((e: { name: string }) => e.name);
}

function namespaces(build: SiteBuild): string[] {
  return objectsOf(build, 'namespaces')
    .filter((o) => o.kind === 'Namespace')
    .map((o) => o.metadata.name);
}

describe('the layer-03 catalog', () => {
  it('enables Grafana and the gateway by default, SonarQube and Backstage only on request, Vault\'s OIDC login with `sso`', () => {
    const defaults = Object.fromEntries(APPS_COMPONENTS.map((d) => [d.name, d.defaultEnabled]));
    expect(defaults).toEqual({ grafana: true, sonarqube: false, backstage: false, gateway: true, 'vault-oidc': false });
    expect(appsOf(base).map((c) => c.componentName)).toEqual(APPS.filter((n) => defaults[n]));
    expect(appsOf(full).map((c) => c.componentName)).toEqual(APPS.filter((n) => n !== 'vault-oidc'));
    expect(appsOf(withSso).map((c) => c.componentName)).toEqual(APPS);
  });

  it("routes every enabled UI with a login and gets its own namespace whatever the catalog order (phase 2 sees every component)", () => {
    expect(namespaces(base)).toContain(GATEWAY_NAMESPACE);
    const gw = component(full, 'gateway') as PlatformGateway;
    const withLogin = full.components.filter((c) => c.ui.some((u) => u.login !== 'none')).map((c) => c.componentName);
    expect([...new Set(gw.routes.map((r) => r.component))].sort()).toEqual([...new Set(withLogin)].sort());
  });

  it('gives every component its own namespace in layer 03, with its tier', () => {
    const expected = { grafana: 'important', sonarqube: 'workloads', backstage: 'workloads', gateway: 'critical' };
    for (const c of appsOf(full)) {
      expect(c.layer).toBe('03-apps');
      expect(c.targetNamespace, c.componentName).toBe(c.componentName);
      expect(c.tier, c.componentName).toBe(expected[c.componentName as keyof typeof expected]);
      expect(namespaces(full)).toContain(c.targetNamespace);
    }
  });
});

describe('charts', () => {
  const helm = () => appsOf(full).filter((c) => c.isHelm);

  it('pins every chart to an exact version, the one its upstream reference data comes from', () => {
    expect(helm().length).toBeGreaterThan(0);
    for (const c of helm()) {
      expect(c.source?.type === 'helm' && c.source.version, c.componentName).toMatch(EXACT_VERSION);
      expect(c.upstreamValues, c.componentName).toBeTruthy();
    }
    if (upstream) expect(helm().flatMap((c) => pinProblems(c, upstreamSources(upstream)))).toEqual([]);
  });

  it('sets no image tag to latest or empty, and pins the Backstage image by digest', () => {
    const tags: string[] = [];
    const walk = (v: unknown, path: string[]) => {
      if (!isPlainObject(v)) return;
      for (const [k, x] of Object.entries(v)) {
        if (k === 'tag') tags.push(`${path.join('.')}=${String(x)}`);
        walk(x, [...path, k]);
      }
    };
    for (const c of helm()) walk(c.values, [c.componentName]);
    expect(tags.filter((t) => /=(latest|)$/.test(t))).toEqual([]);
    expect(getPath(component(full, 'backstage').values, ['backstage', 'image', 'digest'])).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  describe.skipIf(!upstream)('against the upstream charts', () => {
    it.each(['grafana', 'policy-reporter', 'sonarqube', 'backstage'])('%s: every values key exists in the chart', (name) => {
      const c = component(full, name);
      const defaults = upstreamValues(upstream!, c.upstreamValues!);
      expect(defaults, `no ${c.upstreamValues}.values.yaml under ${upstream}`).toBeDefined();
      const schema = upstreamValuesSchema(upstream!, c.upstreamValues!);
      expect(unknownValueKeys(c.values, defaults, appsValuesKeyOptions(c.upstreamValues!, schema))).toEqual([]);
    });

    it.each(['sonarqube', 'backstage'])('%s: merged values pass the chart values.schema.json', (name) => {
      const c = component(full, name);
      const schema = upstreamValuesSchema(upstream!, c.upstreamValues!);
      expect(schema).toBeDefined();
      const { $schema, ...rest } = schema!;
      const ajv = String($schema ?? '').includes('2020-12') ? new Ajv2020({ strict: false, allErrors: true }) : new Ajv({ strict: false, allErrors: true });
      addFormats(ajv as unknown as Ajv);
      const validate = ajv.compile(rest);
      const merged = mergeValues(upstreamValues(upstream!, c.upstreamValues!)!, c.values);
      expect(validate(merged) ? [] : validate.errors).toEqual([]);
    });

    it('catches a key the chart does not read', () => {
      const defaults = upstreamValues(upstream!, 'grafana');
      const problems = unknownValueKeys({ sidecar: { dashboard: { enabled: true } } }, defaults, appsValuesKeyOptions('grafana', undefined));
      expect(problems.map((p) => p.path)).toEqual(['sidecar.dashboard.enabled']);
    });
  });
});

describe('tiers and requests', () => {
  it('declares parts for every chart, each with cpu and memory requests and a memory limit (sidecars and init containers too)', () => {
    for (const c of appsOf(full).filter((x) => x.isHelm)) {
      expect(c.parts.length, c.componentName).toBeGreaterThan(0);
      for (const p of c.parts) {
        for (const r of [p.resources, ...(p.extraContainers ?? []).map((e) => e.resources)]) {
          expect(r.requests.cpu, `${c.componentName}/${p.name}`).toMatch(/^\d+m?$/);
          expect(r.requests.memory, `${c.componentName}/${p.name}`).toMatch(/^\d+(Mi|Gi)$/);
          expect(r.limits.memory, `${c.componentName}/${p.name}`).toMatch(/^\d+(Mi|Gi)$/);
        }
      }
    }
  });

  it('writes each part’s tier settings and requests onto its keys', () => {
    for (const c of appsOf(full).filter((x) => x.isHelm)) {
      const values = c.values;
      for (const p of c.parts) {
        const where = `${c.componentName}/${p.name}`;
        expect(p.tier, where).toBe(c.tier);
        if (p.keyPaths.priorityClassName) expect(getPath(values, p.keyPaths.priorityClassName), where).toBe(`edge-idp-${c.tier}`);
        else expect(c.tier, `${where}: only the default tier may do without a priorityClassName key`).toBe('workloads');
        expect(getPath(values, p.keyPaths.tolerations!), where).toEqual(p.tolerations);
        expect(getPath(values, p.keyPaths.resources!), where).toEqual(p.resources);
        for (const e of p.extraContainers ?? []) expect(getPath(values, e.resourcesKey), `${where}/${e.name}`).toEqual(e.resources);
        if (p.keyPaths.replicas) expect(getPath(values, p.keyPaths.replicas), where).toBe(p.replicas);
      }
    }
  });

  it('runs the Kyverno plugin of Policy Reporter only when Kyverno is enabled', async () => {
    const hasKyverno = base.components.some((c) => c.componentName === 'kyverno');
    const pr = component(base, 'policy-reporter');
    expect(getPath(pr.values, ['plugin', 'kyverno', 'enabled'])).toBe(hasKyverno);
    expect(pr.parts.some((p) => p.name === 'kyverno-plugin')).toBe(hasKyverno);
    if (hasKyverno) {
      const without = await buildTestSite((cfg) => {
        cfg.components.kyverno = { enabled: false };
      });
      expect(getPath(component(without, 'policy-reporter').values, ['plugin', 'kyverno', 'enabled'])).toBe(false);
    }
  });
});

describe('grafana', () => {
  const grafana = () => component(base, 'grafana');

  it('has namespaced RBAC only: no ClusterRole or ClusterRoleBinding, nothing cluster-scoped to allow-list', () => {
    const v = grafana().values;
    expect(getPath(v, ['rbac', 'namespaced'])).toBe(true);
    expect(getPath(v, ['rbac', 'extraClusterRoleRules'])).toBeUndefined();
    expect(getPath(v, ['rbac', 'useExistingClusterRole'])).toBeUndefined();
    // the dashboards sidecar searches its own namespace and kube-prometheus-stack's, where a
    // Role of ours lets it read ConfigMaps (the chart's namespaced Role covers only its own)
    expect(getPath(v, ['sidecar', 'dashboards', 'searchNamespace'])).toEqual(['grafana', 'monitoring']);
    const roles = objectsOf(base, 'grafana').filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding');
    expect(roles.map((o) => `${o.kind}/${o.metadata.namespace}`).sort()).toEqual(['Role/monitoring', 'RoleBinding/monitoring']);
    expect(grafana().clusterScopedKinds).toEqual([]);
  });

  it('takes its datasources from the layer-01 service endpoints', () => {
    const ds = getPath(grafana().values, ['datasources', 'datasources.yaml', 'datasources']) as { type: string; url: string }[];
    expect(ds.map((d) => [d.type, d.url])).toEqual([
      ['prometheus', 'http://prometheus-stack-prometheus.monitoring.svc:9090'],
      ['loki', 'http://loki.logging.svc:3100'],
    ]);
  });

  it('gets its admin credentials from Vault, never from git or the chart’s random generator', () => {
    expect(getPath(grafana().values, ['admin', 'existingSecret'])).toBe(GRAFANA_ADMIN_SECRET);
    expect(getPath(grafana().values, ['adminPassword'])).toBeUndefined();
    const es = objectsOf(base, 'grafana').find((o) => o.kind === 'ExternalSecret') as any;
    expect(es.metadata.name).toBe(GRAFANA_ADMIN_SECRET);
    expect(es.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: vaultStoreName(es.metadata.namespace) });
    expect(es.spec.data.map((d: { secretKey: string }) => d.secretKey).sort()).toEqual(['admin-password', 'admin-user']);
    // synced before the chart's pods need it
    expect(Number(es.metadata.annotations[ANNOTATIONS.syncWave])).toBeLessThan(0);
  });

  it('offers a ServiceMonitor', () => {
    expect(getPath(grafana().values, ['serviceMonitor', 'enabled'])).toBe(true);
    expect(getPath(component(base, 'policy-reporter').values, ['monitoring', 'serviceMonitor', 'enabled'])).toBe(true);
  });
});

describe('cluster-scoped objects in layer 03', () => {
  it('are none: the apps project allows no cluster-scoped kind, with every optional component on', () => {
    expect(appProject(full).spec.clusterResourceWhitelist).toEqual([]);
    for (const c of appsOf(full)) expect(c.clusterScopedKinds, c.componentName).toEqual([]);
  });

  it('Policy Reporter, which needs cluster-wide read RBAC, is an engine (layer 02), routed by the gateway behind the SSO proxy', () => {
    const pr = component(full, 'policy-reporter');
    expect(pr.layer).toBe('02-engines');
    expect(pr.clusterScopedKinds.map((k) => k.kind)).toEqual(['ClusterRole', 'ClusterRoleBinding']);
    const host = `policy-reporter.${full.config.site.domain}`;
    // Its UI has no login: not routed without sso, routed to its proxy with it.
    expect(uiRouteObjects(full).map((r) => r.spec.hostnames[0])).not.toContain(host);
    const route = uiRouteObjects(withSso).find((r) => r.spec.hostnames[0] === host);
    expect(route.metadata.namespace).toBe(SSO_NAMESPACE);
    expect(route.spec.rules[0].backendRefs[0].name).toBe(`${OAUTH2_PROXY_PREFIX}policy-reporter`);
  });
});

describe('gateway', () => {
  const domain = base.config.site.domain;

  it('is one Gateway of class cilium: HTTP on 80 and HTTPS on 443 for *.<domain>', () => {
    const [gw, ...others] = gatewayObjects(base, 'Gateway');
    expect(others).toEqual([]);
    expect(gw.metadata).toMatchObject({ name: GATEWAY_NAME, namespace: GATEWAY_NAMESPACE });
    expect(gw.spec.gatewayClassName).toBe(GATEWAY_CLASS);
    const byName = Object.fromEntries(gw.spec.listeners.map((l: any) => [l.name, l]));
    expect(byName[HTTP_LISTENER]).toMatchObject({ protocol: 'HTTP', port: 80, hostname: `*.${domain}` });
    expect(byName[HTTPS_LISTENER]).toMatchObject({ protocol: 'HTTPS', port: 443, hostname: `*.${domain}`, tls: { mode: 'Terminate' } });
    // only the gateway's own namespace can attach to plain HTTP: the redirect
    expect(byName[HTTP_LISTENER].allowedRoutes.namespaces).toEqual({ from: 'Same' });
  });

  it('terminates TLS with a wildcard certificate from the site CA, in its own namespace', () => {
    const [cert, ...others] = gatewayObjects(base, 'Certificate');
    expect(others).toEqual([]);
    expect(cert.metadata.namespace).toBe(GATEWAY_NAMESPACE);
    expect(cert.spec.dnsNames).toEqual([`*.${domain}`]);
    expect(cert.spec.issuerRef).toEqual({ group: 'cert-manager.io', kind: 'ClusterIssuer', name: CA_ISSUER });
    const https = gatewayObjects(base, 'Gateway')[0].spec.listeners.find((l: any) => l.name === HTTPS_LISTENER);
    expect(https.tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: cert.spec.secretName }]);
    // issued before the Gateway refers to it
    expect(Number(cert.metadata.annotations[ANNOTATIONS.syncWave])).toBeLessThan(0);
  });

  it('redirects all plain HTTP to HTTPS with a 301, and nothing else is on port 80', () => {
    const onHttp = gatewayObjects(base, 'HTTPRoute').filter((r) => r.spec.parentRefs.some((p: any) => p.sectionName === HTTP_LISTENER));
    expect(onHttp).toHaveLength(1);
    const [redirect] = onHttp;
    expect(redirect.metadata.namespace).toBe(GATEWAY_NAMESPACE);
    expect(redirect.spec.rules).toEqual([{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }]);
    expect(redirect.spec.rules[0].backendRefs).toBeUndefined();
  });

  it('routes <subdomain>.<domain> to every enabled component’s UI with a login, in the backend’s namespace (without sso)', () => {
    for (const build of [base, full]) {
      const expected = build.components
        .flatMap((c) =>
          c.ui
            .filter((u) => u.login !== 'none')
            .map((u) => ({ namespace: c.targetNamespace, host: `${u.subdomain}.${domain}`, backend: { name: u.service, port: u.port } })),
        )
        .sort((a, b) => compareText(a.host, b.host));
      const routes = uiRouteObjects(build)
        .map((r) => ({ namespace: r.metadata.namespace, host: r.spec.hostnames[0], backend: r.spec.rules[0].backendRefs[0], hosts: r.spec.hostnames.length }))
        .sort((a, b) => compareText(a.host, b.host));
      expect(routes.map(({ hosts, ...r }) => r)).toEqual(expected);
      expect(routes.every((r) => r.hosts === 1)).toBe(true);
    }
    const hosts = uiRouteObjects(full).map((r) => r.spec.hostnames[0]);
    for (const sub of ['grafana', 'sonarqube']) expect(hosts).toContain(`${sub}.${domain}`);
    // No login of their own, no sso, not listed as public: not routed.
    for (const sub of ['hubble', 'policy-reporter', 'backstage', 'prometheus', 'alertmanager']) expect(hosts).not.toContain(`${sub}.${domain}`);
  });

  it('lets exactly the routed namespaces attach to the HTTPS listener', () => {
    const https = gatewayObjects(full, 'Gateway')[0].spec.listeners.find((l: any) => l.name === HTTPS_LISTENER);
    const routeNamespaces = [...new Set(uiRouteObjects(full).map((r) => r.metadata.namespace as string))].sort();
    expect(https.allowedRoutes.namespaces).toEqual({
      from: 'Selector',
      selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: routeNamespaces }] },
    });
    for (const r of uiRouteObjects(full)) {
      expect(r.spec.parentRefs).toEqual([
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: GATEWAY_NAMESPACE, name: GATEWAY_NAME, sectionName: HTTPS_LISTENER },
      ]);
    }
  });

  it('has no pods and therefore no parts', () => {
    const gw = component(base, 'gateway');
    expect(gw.parts).toEqual([]);
    expect(gw.source).toBeUndefined();
  });

  it('refuses two UIs on one subdomain', () => {
    const gw = component(base, 'gateway') as PlatformGateway;
    expect(gw.routes.length).toBe(uiRouteObjects(base).length);
    const fake = { componentName: 'impostor', targetNamespace: 'x', ui: [{ subdomain: 'grafana', service: 's', port: 1, login: 'local' as const }], uiProxy: undefined };
    expect(() => uiExposures({ config: base.config, components: [component(base, 'grafana'), fake] }, 'platform.yaml')).toThrow(
      /'grafana\.edge\.example\.com' is claimed by both grafana and impostor/,
    );
  });

  it('routes only to plain-HTTP backends (Vault through its gateway listener), none to a TLS-only port', () => {
    const gw = component(full, 'gateway') as PlatformGateway;
    for (const r of gw.routes) expect(r.port, r.subdomain).not.toBe(8200);
    const vault = gw.routes.find((r) => r.subdomain === 'vault');
    expect(vault).toMatchObject({ namespace: 'vault', service: 'vault-ui', port: 8202 });
  });

  it('takes a fixed address from the config', async () => {
    const b = await buildTestSite((cfg) => {
      cfg.components.gateway = { address: '192.168.10.241' };
    });
    expect(gatewayObjects(b, 'Gateway')[0].spec.addresses).toEqual([{ type: 'IPAddress', value: '192.168.10.241' }]);
    expect(gatewayObjects(base, 'Gateway')[0].spec.addresses).toBeUndefined();
  });

  // Known gap, reported: root.ts computes a project's destinations from its components'
  // namespaces, so the layer-03 project does not (yet) allow the backend namespaces the routes
  // live in. This flips to a failure once root.ts adds them: then make it a plain `it`.
  it('every namespace the gateway writes to is allowed: its own by the layer-03 AppProject, the others by the HTTPRoute-only routes project', () => {
    const destinations = (name: string) =>
      new Set((full.rootObjects.find((o) => o.kind === 'AppProject' && o.metadata.name === name) as any).spec.destinations.map((d: { namespace: string }) => d.namespace));
    const apps = destinations(projectName('03-apps'));
    const routes = destinations(ROUTES_PROJECT);
    const objects = objectsOf(full, 'gateway');
    const written = [...new Set(objects.map((o) => o.metadata.namespace!))];
    expect(written.filter((n) => !apps.has(n) && !routes.has(n))).toEqual([]);
    // Outside its own namespace, the gateway writes HTTPRoutes only.
    expect([...new Set(objects.filter((o) => !apps.has(o.metadata.namespace!)).map((o) => o.kind))]).toEqual(['HTTPRoute']);
  });
});

describe('disabling a component', () => {
  it('removes its route, its Application element and its namespace', async () => {
    const b = await buildTestSite((cfg) => {
      cfg.components.grafana = { enabled: false };
    });
    const domain = b.config.site.domain;
    expect(uiRouteObjects(base).map((r) => r.spec.hostnames[0])).toContain(`grafana.${domain}`);
    expect(uiRouteObjects(b).map((r) => r.spec.hostnames[0])).not.toContain(`grafana.${domain}`);
    expect(appsElements(base)).toContain('grafana');
    expect(appsElements(b)).not.toContain('grafana');
    expect(namespaces(base)).toContain('grafana');
    expect(namespaces(b)).not.toContain('grafana');
    // and Policy Reporter stops shipping dashboards into the missing namespace
    expect(getPath(component(b, 'policy-reporter').values, ['monitoring', 'grafana', 'namespace'])).toBeUndefined();
    expect(getPath(component(base, 'policy-reporter').values, ['monitoring', 'grafana', 'namespace'])).toBe('grafana');
  });

  it('removes the gateway’s objects and every route when the gateway is off', async () => {
    const b = await buildTestSite((cfg) => {
      cfg.components.gateway = { enabled: false };
    });
    expect(b.resources.get('gateway')).toBeUndefined();
    expect(appsElements(b)).not.toContain('gateway');
    expect(namespaces(b)).not.toContain(GATEWAY_NAMESPACE);
  });
});

describe('dependencies', () => {
  it('refuses Grafana without Vault and External Secrets, naming the toggles', async () => {
    await expect(
      buildTestSite((cfg) => {
        cfg.components['external-secrets'] = { enabled: false };
      }),
    ).rejects.toThrow(/components\.grafana\.enabled.*components\.external-secrets/s);
  });

  it('refuses the gateway without cert-manager', async () => {
    await expect(
      buildTestSite((cfg) => {
        cfg.components['cert-manager'] = { enabled: false };
        cfg.components.vault = { enabled: false };
        cfg.components['external-secrets'] = { enabled: false };
        cfg.components.grafana = { enabled: false };
      }),
    ).rejects.toThrow(/components\.gateway\.enabled.*components\.cert-manager/s);
  });
});

describe('optional components', () => {
  it('are off by default: no Application, namespace or route', () => {
    for (const name of OPTIONAL) {
      expect(appsElements(base)).not.toContain(name);
      expect(namespaces(base)).not.toContain(name);
      expect(uiRouteObjects(base).map((r) => r.metadata.namespace)).not.toContain(name);
    }
  });

  it('are delivered with pinned charts, tiered parts and a route when turned on (to themselves with a login, through the SSO proxy without)', () => {
    for (const name of OPTIONAL) {
      const c = component(full, name);
      expect(appsElements(full)).toContain(name);
      expect(c.tier).toBe('workloads');
      expect(c.parts.length).toBeGreaterThan(0);
      const hosts = (b: SiteBuild) => uiRouteObjects(b).map((r) => r.spec.hostnames[0]);
      for (const u of c.ui) {
        const host = `${u.subdomain}.${full.config.site.domain}`;
        if (u.login === 'none') expect(hosts(full), host).not.toContain(host);
        else expect(uiRouteObjects(full).find((r) => r.spec.hostnames[0] === host).metadata.namespace).toBe(name);
        expect(hosts(withSso), host).toContain(host);
      }
    }
  });

  it('keep credentials in Vault: SonarQube’s monitoring passcode and Backstage’s database passwords', () => {
    const sq = component(full, 'sonarqube').values;
    expect(getPath(sq, ['monitoringPasscode'])).toBeUndefined();
    expect(getPath(sq, ['monitoringPasscodeSecretName'])).toBe(objectsOf(full, 'sonarqube').find((o) => o.kind === 'ExternalSecret')!.metadata.name);
    const bs = component(full, 'backstage').values;
    expect(getPath(bs, ['postgresql', 'auth', 'password'])).toBeUndefined();
    const es = objectsOf(full, 'backstage').find((o) => o.kind === 'ExternalSecret') as any;
    expect(getPath(bs, ['postgresql', 'auth', 'existingSecret'])).toBe(es.metadata.name);
    expect(es.spec.data.map((d: { secretKey: string }) => d.secretKey).sort()).toEqual(['admin-password', 'user-password']);
  });

  it('run at the restricted Pod Security level (no privileged sysctl init container in SonarQube)', () => {
    expect(getPath(component(full, 'sonarqube').values, ['initSysctl', 'enabled'])).toBe(false);
    for (const name of [...OPTIONAL, 'grafana']) expect(component(full, name).podSecurity, name).toBe('restricted');
  });
});

describe('extra resources', () => {
  const all = () => appsOf(full).flatMap((c) => objectsOf(full, c.componentName).map((o) => ({ c: c.componentName, o })));

  it('contain no Secret with data', () => {
    expect(all().filter(({ o }) => o.kind === 'Secret')).toEqual([]);
  });

  it('mark every custom resource SkipDryRunOnMissingResource', () => {
    for (const { c, o } of all().filter(({ o }) => !isBuiltInApiVersion(o.apiVersion))) {
      expect((o.metadata as any).annotations?.[ANNOTATIONS.syncOptions], `${c}: ${o.kind}/${o.metadata.name}`).toContain(SKIP_DRY_RUN_ON_MISSING_RESOURCE);
    }
  });

  describe.skipIf(!upstream)('against the upstream CRDs', () => {
    it('validate strictly (unknown fields rejected)', () => {
      const crds = upstreamCrds(upstream!);
      const problems: string[] = [];
      for (const { c, o } of all().filter(({ o }) => !isBuiltInApiVersion(o.apiVersion))) {
        const crd = crds.get(`${o.apiVersion}/${o.kind}`);
        if (!crd) {
          problems.push(`${c}: no upstream CRD for ${o.apiVersion}/${o.kind}`);
          continue;
        }
        const validate = crdValidator(crd);
        const ref = `${c}: ${o.kind}/${o.metadata.name}`;
        if (!validate(o)) problems.push(...(validate.errors ?? []).map((e) => `${ref}${e.instancePath}: ${e.message}`));
      }
      expect(problems).toEqual([]);
    });

    it('reject a typo (the check is strict)', () => {
      const crd = upstreamCrds(upstream!).get('gateway.networking.k8s.io/v1/HTTPRoute')!;
      const route = structuredClone(uiRouteObjects(base)[0]);
      route.spec.rules[0].backendRef = route.spec.rules[0].backendRefs;
      expect(crdValidator(crd)(route)).toBe(false);
    });
  });
});
