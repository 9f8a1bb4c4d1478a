/**
 * Single sign-on and the UIs (issue 15, finding 3): no UI without a login is routed unless the
 * config says so; with `sso` each such UI is routed through its own proxy, and every app with a
 * native OIDC login gets the provider and its client; the capacity plan counts the new pods.
 * Proven over the committed synth/ (no `sso`) and over sites built with the bundled Dex and with
 * an external provider.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { SSO_VAULT } from '../../platform/config/schema.js';
import { isPinnedImage } from '../../platform/model/images.js';
import { compareText } from '../../platform/model/order.js';
import { getPath } from '../../platform/model/values.js';
import type { PlatformComponent } from '../../platform/model/component.js';
import type { UiExposure } from '../../platform/model/ui.js';
import { uiLines } from '../../platform/synth/summary.js';
import { inventoryFile } from '../../platform/render/inventory.js';
import type { KubeObject, SiteBuild } from '../../platform/synth/build.js';
import { VAULT_APPS_PREFIX, VAULT_IDENTITIES, VAULT_KV_MOUNT, VAULT_MANAGED_PREFIX } from '../../layers/01-services/vault.js';
import { bootstrapFiles, bootstrapRoleProblems, bootstrapScript, configurerFiles, configurerScript, readerNamespaces } from '../../layers/01-services/vault-access.js';
import { ARGOCD_SSO_SECRET, oidcProvider, operatorWrittenSecrets, ssoClient } from '../../layers/02-engines/sso-clients.js';
import { OAUTH2_PROXY_IMAGE, OAUTH2_PROXY_PREFIX, SSO_NAMESPACE } from '../../layers/02-engines/sso.js';
import { configureScript } from '../../layers/03-apps/vault-oidc.js';
import { HTTPS_LISTENER } from '../../layers/03-apps/gateway.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';
import { buildTestSite, REPO_ROOT } from '../helpers/site.js';
import { dexSso, externalSso } from '../helpers/sso.js';

const withApps = (cfg: Record<string, any>) => {
  cfg.components = { ...cfg.components, backstage: { enabled: true }, sonarqube: { enabled: true } };
};
const plain = await buildTestSite(withApps);
const dex = await buildTestSite((cfg) => {
  withApps(cfg);
  cfg.sso = dexSso();
});
const external = await buildTestSite((cfg) => {
  withApps(cfg);
  cfg.sso = externalSso();
});
const all = await buildAllEnabled();

const component = (b: SiteBuild, name: string): PlatformComponent => b.components.find((c) => c.componentName === name)!;
const objects = (b: SiteBuild, name?: string): KubeObject[] => (name ? [...(b.resources.get(name) ?? [])] : [...b.resources.values()].flat());
const find = (b: SiteBuild, kind: string, name: string, namespace?: string): any =>
  objects(b).find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
const exposures = (b: SiteBuild): readonly UiExposure[] => b.components.flatMap((c) => c.uiExposures);
const httpsRoutes = (b: SiteBuild): any[] =>
  objects(b).filter((o: any) => o.kind === 'HTTPRoute' && o.spec.parentRefs.some((p: any) => p.sectionName === HTTPS_LISTENER));
/** Every UI any component declares, by its Service (namespace/name:port). */
const uiByService = new Map(
  all.components.flatMap((c) => c.ui.map((u) => [`${c.targetNamespace}/${u.service}:${u.port}`, { ...u, component: c.componentName }] as const)),
);

describe('UIs without a login, over the committed synth/ (no sso)', () => {
  const site = join(REPO_ROOT, 'synth', 'edge-01');
  const routeFiles = readdirSync(site, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)httproute-[^/]+\.yaml$/.test(f));
  const routes = routeFiles.map((f) => parse(readFileSync(join(site, f), 'utf8'))).filter((r) => r.spec.parentRefs.some((p: any) => p.sectionName === HTTPS_LISTENER));
  const committed = parse(readFileSync(join(REPO_ROOT, 'platform.yaml'), 'utf8'));

  it('routes UIs, and none of them to a UI without a login (none is listed public, there is no proxy)', () => {
    expect(committed.sso).toBeUndefined();
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) {
      for (const b of r.spec.rules.flatMap((rule: any) => rule.backendRefs ?? [])) {
        const ui = uiByService.get(`${r.metadata.namespace}/${b.name}:${b.port}`);
        expect(ui, `${r.metadata.name} → ${r.metadata.namespace}/${b.name}:${b.port} is a declared UI`).toBeDefined();
        expect(ui!.login, `${r.spec.hostnames[0]} (${ui!.component})`).not.toBe('none');
        expect(committed.publicUis ?? []).not.toContain(ui!.subdomain);
      }
    }
  });

  it('leaves every UI without a login of an enabled component unrouted (Hubble, Policy Reporter, Prometheus, Alertmanager)', () => {
    const hosts = routes.flatMap((r) => r.spec.hostnames);
    const none = plain.components.flatMap((c) => c.ui.filter((u) => u.login === 'none').map((u) => `${u.subdomain}.${plain.config.site.domain}`));
    expect(none).toEqual(expect.arrayContaining([`hubble.${plain.config.site.domain}`, `prometheus.${plain.config.site.domain}`]));
    for (const h of none) expect(hosts).not.toContain(h);
  });
});

describe.each([
  ['the bundled Dex', dex],
  ['an external provider', external],
])('with sso through %s', (_label, b) => {
  const provider = oidcProvider(b.config)!;

  it('routes every UI without a login through its own proxy, which forwards to the UI itself', () => {
    const proxied = exposures(b).filter((e) => e.login === 'none');
    expect(proxied.map((e) => e.name).sort(compareText)).toEqual(['alertmanager', 'backstage', 'hubble', 'policy-reporter', 'prometheus']);
    for (const e of proxied) {
      expect(e.access).toBe('sso-proxy');
      const route = httpsRoutes(b).find((r) => r.spec.hostnames[0] === e.hostname);
      expect(route.metadata.namespace).toBe(SSO_NAMESPACE);
      const backend = route.spec.rules[0].backendRefs[0];
      const service = find(b, 'Service', backend.name, SSO_NAMESPACE);
      expect(service.spec.ports.map((p: any) => p.port)).toContain(backend.port);
      const deployment = find(b, 'Deployment', backend.name, SSO_NAMESPACE);
      expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
      const args: string[] = deployment.spec.template.spec.containers[0].args;
      expect(args).toContain(`--upstream=http://${e.upstream.service}.${e.upstream.namespace}.svc:${e.upstream.port}/`);
      expect(args).toContain(`--redirect-url=${e.url}/oauth2/callback`);
      expect(args).toContain(`--oidc-issuer-url=${provider.issuer}`);
    }
  });

  it('lets admins and viewers through the proxies, and only admins into a UI that changes state', () => {
    const { adminGroups, viewerGroups } = b.config.sso!;
    for (const e of exposures(b).filter((x) => x.access === 'sso-proxy')) {
      const args: string[] = find(b, 'Deployment', `${OAUTH2_PROXY_PREFIX}${e.name}`, SSO_NAMESPACE).spec.template.spec.containers[0].args;
      const allowed = args.filter((a) => a.startsWith('--allowed-group=')).map((a) => a.slice('--allowed-group='.length));
      expect(allowed.length, e.name).toBeGreaterThan(0);
      expect(allowed.sort(), e.name).toEqual([...adminGroups, ...(e.adminOnly ? [] : viewerGroups)].sort());
    }
    expect(exposures(b).find((e) => e.name === 'alertmanager')!.adminOnly).toBe(true);
  });

  it('routes every UI with a login to itself; the OIDC-capable ones sign users in through the provider', () => {
    for (const e of exposures(b).filter((x) => x.login !== 'none')) {
      expect(e.backend).toEqual(e.upstream);
      expect(e.access).toBe(e.login === 'oidc' ? 'sso' : 'local-login');
    }
  });

  it('gives ArgoCD the provider, and maps the groups to its roles (no role for anyone else)', () => {
    const values = component(b, 'argocd').values;
    const rbac = getPath(values, ['configs', 'rbac']) as Record<string, string>;
    expect(rbac['policy.default']).toBe('');
    for (const g of b.config.sso!.adminGroups) expect(rbac['policy.csv']).toContain(`g, ${g}, role:admin`);
    for (const g of b.config.sso!.viewerGroups) expect(rbac['policy.csv']).toContain(`g, ${g}, role:readonly`);
    const cm = getPath(values, ['configs', 'cm']) as Record<string, string>;
    if (provider.kind === 'dex') {
      expect(getPath(values, ['dex', 'enabled'])).toBe(true);
      expect(cm['oidc.config']).toBeUndefined();
    } else {
      expect(getPath(values, ['dex', 'enabled'])).toBe(false);
      expect(parse(cm['oidc.config']!)).toMatchObject({ issuer: provider.issuer, clientID: b.config.sso!.oidc!.clientId, clientSecret: `$${ARGOCD_SSO_SECRET}:client-secret` });
    }
  });

  it('gives Grafana the provider\'s endpoints and its client, the secret through an ExternalSecret', () => {
    const g = component(b, 'grafana');
    const oauth = getPath(g.values, ['grafana.ini', 'auth.generic_oauth']) as Record<string, unknown>;
    const client = ssoClient(b.config, 'grafana');
    expect(oauth).toMatchObject({ enabled: true, client_id: client.id, auth_url: provider.authorizationUrl, token_url: provider.tokenUrl, api_url: provider.userinfoUrl, role_attribute_strict: true });
    for (const group of b.config.sso!.adminGroups) expect(oauth.role_attribute_path).toContain(`'${group}'`);
    const ref = (getPath(g.values, ['envValueFrom', 'GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET']) as any).secretKeyRef;
    const es = find(b, 'ExternalSecret', ref.name, 'grafana');
    expect(es.spec.data).toContainEqual({ secretKey: ref.key, remoteRef: { key: client.vaultKey, property: client.property } });
  });

  it('gives Argo Workflows the provider (issuer alias for Dex read in the cluster), its client and RBAC by group', () => {
    const w = component(b, 'argo-workflows');
    const server = getPath(w.values, ['server']) as Record<string, any>;
    expect(server.authModes).toEqual(['sso', 'client']);
    expect(server.sso.issuerAlias ?? server.sso.issuer).toBe(provider.issuer);
    const es = find(b, 'ExternalSecret', server.sso.clientSecret.name, 'argo-workflows');
    const client = ssoClient(b.config, 'argo-workflows');
    expect(es.spec.data).toContainEqual({ secretKey: server.sso.clientSecret.key, remoteRef: { key: client.vaultKey, property: client.property } });
    expect(es.spec.target.template.data[server.sso.clientId.key]).toBe(client.id);
    const admin = find(b, 'ServiceAccount', 'sso-admin', 'argo-workflows');
    for (const group of b.config.sso!.adminGroups) expect(admin.metadata.annotations['workflows.argoproj.io/rbac-rule']).toContain(`'${group}' in groups`);
    // Every account a rule maps users to has its token Secret, and the server may read exactly
    // those and its client's Secret.
    const accounts = objects(b, 'argo-workflows').filter((o: any) => o.kind === 'ServiceAccount' && o.metadata.annotations?.['workflows.argoproj.io/rbac-rule']);
    expect(accounts.length).toBe(b.config.sso!.viewerGroups.length ? 2 : 1);
    for (const sa of accounts) expect(find(b, 'Secret', `${sa.metadata.name}.service-account-token`, 'argo-workflows')).toBeDefined();
    expect([...server.sso.rbac.secretWhitelist].sort()).toEqual([server.sso.clientSecret.name, ...accounts.map((sa) => `${sa.metadata.name}.service-account-token`)].sort());
    // With the bundled Dex the server's calls to the issuer go through the gateway: it trusts the site CA.
    expect((server.extraEnv ?? []).some((e: any) => e.name === 'SSL_CERT_FILE')).toBe(provider.siteCaSigned);
  });

  it('configures Vault\'s OIDC login for the admin groups with a Vault role of its own, which only the bootstrap (root) writes', () => {
    const v = component(b, 'vault-oidc');
    const cm = find(b, 'ConfigMap', 'vault-oidc', SSO_NAMESPACE);
    expect(cm.data['configure.sh']).toContain(`oidc_discovery_url=${provider.issuer}`);
    expect(cm.data['configure.sh'].includes('oidc_discovery_ca_pem=')).toBe(provider.siteCaSigned);
    const adminRole = JSON.parse(cm.data['admin-role.json']);
    expect(adminRole.bound_claims.groups).toEqual(b.config.sso!.adminGroups);
    expect(adminRole.bound_audiences).toEqual([ssoClient(b.config, 'vault').id]);
    const [role] = v.vaultBootstrapRoles;
    expect(v.vaultBootstrapRoles.map((r) => r.namespace)).toEqual([SSO_NAMESPACE]);
    expect(v.vaultRoles).toEqual([]);
    // Vault's bootstrap (with the root token) writes that role and its policy; the configurer,
    // which manages readers only, neither writes nor may delete it.
    const bootstrap = find(b, 'ConfigMap', 'vault-bootstrap', 'vault').data;
    expect(bootstrap[`${role!.policy.name}.hcl`]).toBe(role!.policy.rules);
    expect(bootstrap['bootstrap.sh']).toContain(`vault write auth/kubernetes/role/${role!.name} bound_service_account_names=${role!.serviceAccount} bound_service_account_namespaces=${SSO_NAMESPACE}`);
    const configurer = find(b, 'ConfigMap', 'vault-configurer', 'vault').data;
    expect(Object.keys(configurer).filter((k) => k.includes(role!.name))).toEqual([]);
    expect(role!.name.startsWith(VAULT_MANAGED_PREFIX)).toBe(false);
    // Its policy grants what configuring the method takes, and reads the client secret only.
    expect(role!.policy.rules).toContain(`path "sys/auth/oidc"`);
    expect(role!.policy.rules).toContain(`path "secret/data/${ssoClient(b.config, 'vault').vaultKey}"`);
  });

  it('reads every client secret from a Vault entry the seeder generates (Dex) or the operator writes once (external)', () => {
    const generated = b.components.flatMap((c) => c.generatedCredentials);
    const byOperator = operatorWrittenSecrets(b.config);
    for (const es of objects(b).filter((o: any) => o.kind === 'ExternalSecret' && o.spec.data.some((d: any) => d.remoteRef.key.startsWith(`${SSO_VAULT.folder}/`))) as any[]) {
      for (const d of es.spec.data.filter((x: any) => x.remoteRef.key.startsWith(`${SSO_VAULT.folder}/`))) {
        const seeded = generated.some((g) => g.vaultKey === d.remoteRef.key && d.remoteRef.property in g.fields);
        const written = byOperator.some((w) => w.vaultKey === d.remoteRef.key && w.property === d.remoteRef.property);
        expect(seeded || written, `${es.metadata.namespace}/${es.metadata.name}: ${d.remoteRef.key}#${d.remoteRef.property}`).toBe(true);
      }
    }
    if (provider.kind === 'external') {
      expect(byOperator).toEqual([{ vaultKey: SSO_VAULT.externalClient, property: SSO_VAULT.clientSecretProperty }]);
      expect(generated.some((g) => g.vaultKey === SSO_VAULT.externalClient)).toBe(false);
    }
  });

  it('counts the new pods in the capacity plan, with their tiers (proxies important, Dex critical)', () => {
    const green = b.plan.outcomes[0]!.placement.placements.map((p) => p.instance.pod);
    const proxies = green.filter((p) => p.component === 'sso');
    expect(proxies.map((p) => p.part).sort(compareText)).toEqual(exposures(b).filter((e) => e.access === 'sso-proxy').map((e) => `proxy-${e.name}`).sort(compareText));
    for (const p of proxies) expect(p.tier).toBe('important');
    const dexPods = green.filter((p) => p.component === 'argocd' && p.part === 'dex-server');
    expect(dexPods.map((p) => p.tier)).toEqual(provider.kind === 'dex' ? ['critical'] : []);
    // Vault's OIDC configuration is a Job: listed, not part of the steady state.
    expect(b.plan.outcomes[0]!.placement.transient.some((p) => p.component === 'vault-oidc')).toBe(true);
    if (provider.kind === 'dex') {
      // The lifeboat keeps signing in to ArgoCD working on the control-plane node.
      const red = b.plan.outcomes.at(-1)!.placement.placements.map((p) => `${p.instance.pod.component}/${p.instance.pod.part}`);
      expect(red).toContain('argocd/dex-server');
    }
  });
});

describe('publicUis', () => {
  it('routes a listed UI to itself, flagged public, with or without sso (no proxy for it)', async () => {
    for (const sso of [undefined, dexSso()]) {
      const b = await buildTestSite((cfg) => {
        cfg.publicUis = ['hubble'];
        if (sso) cfg.sso = sso;
      });
      const hubble = exposures(b).find((e) => e.name === 'hubble')!;
      expect(hubble.access).toBe('public');
      expect(hubble.backend).toEqual(hubble.upstream);
      expect(find(b, 'Deployment', `${OAUTH2_PROXY_PREFIX}hubble`, SSO_NAMESPACE)).toBeUndefined();
      expect(uiLines(b).find((l) => l.includes(hubble.url))).toMatch(/PUBLIC/);
    }
  });
});

describe('the synth summary', () => {
  it('names every routed UI with how users sign in, and why the others are not routed', () => {
    const lines = uiLines(plain);
    for (const e of exposures(plain).filter((x) => x.access)) expect(lines.some((l) => l.includes(e.url) && l.includes(e.component))).toBe(true);
    expect(lines.find((l) => l.includes('not routed'))).toMatch(/hubble \(cilium\)/);
    expect(lines.some((l) => /PUBLIC/.test(l))).toBe(false);
  });

  it('lists, for an external provider, every redirect URI to register there', () => {
    const line = uiLines(external).find((l) => l.includes('redirect URIs'))!;
    for (const url of ['https://argocd.', 'https://grafana.', 'https://workflows.', 'https://vault.', 'https://hubble.']) expect(line).toContain(url);
    expect(uiLines(dex).some((l) => l.includes('redirect URIs'))).toBe(false);
  });
});

describe('README, "Security model": every UI with its login', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Every UI and its login');
  const section = readme.slice(start, readme.indexOf('\n### ', start + 1));
  const rows = section
    .split('\n')
    .filter((l) => /^\| `[a-z-]+` \|/.test(l))
    .map((l) => l.split('|').map((c) => c.trim()));

  it('has one row per UI of the catalog (every component on), with its component and its own login', () => {
    const expected = all.components.flatMap((c) => c.ui.map((u) => [u.subdomain, c.componentName, u.login].join(' '))).sort(compareText);
    const actual = rows.map((r) => [r[1]!.replace(/`/g, ''), r[2]!.replace(/`/g, ''), /`(oidc|local|none)`/.exec(r[3]!)?.[1]].join(' ')).sort(compareText);
    expect(actual).toEqual(expected);
  });
});

describe('single sources', () => {
  it('keeps the SSO folder in Vault where Vault\'s own component says the apps\' credentials are', () => {
    expect(SSO_VAULT.mount).toBe(VAULT_KV_MOUNT);
    expect(SSO_VAULT.folder.startsWith(`${VAULT_APPS_PREFIX}/`)).toBe(true);
    expect(SSO_VAULT.externalClient.startsWith(`${SSO_VAULT.folder}/`)).toBe(true);
  });

  it('pins the oauth2-proxy image (images.ts\'s rule) and lists it in the inventory of an SSO site', () => {
    expect(isPinnedImage(OAUTH2_PROXY_IMAGE)).toBe(true);
    const inventory = parse(dex.files.get(inventoryFile(dex.config.site.name))!);
    expect(inventory.images).toContain(OAUTH2_PROXY_IMAGE);
  });
});

describe("Vault's OIDC configuration script (run with stub vault and sleep)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-idp-vault-oidc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // The stub logs every call; the method's config fails twice (the issuer not answering yet).
  writeFileSync(
    join(dir, 'vault'),
    `#!/bin/sh
echo "$*" >> "${dir}/calls"
case "$*" in
  *auth/kubernetes/login*) echo "s.child" ;;
  "kv get"*) printf 'client-s3cret\\n' ;;
  "auth list"*) echo '{"kubernetes/": {}}' ;;
  "write auth/oidc/config"*)
    n=$(cat "${dir}/fails" 2>/dev/null || echo 0)
    if [ "$n" -lt 2 ]; then echo $((n + 1)) > "${dir}/fails"; echo "error checking oidc discovery URL" >&2; exit 2; fi ;;
esac
`,
  );
  writeFileSync(join(dir, 'sleep'), '#!/bin/sh\nexit 0\n');
  for (const f of ['vault', 'sleep']) chmodSync(join(dir, f), 0o755);

  it('logs in with its own role, keeps the client secret off the command line, retries until the issuer answers, then writes the role', () => {
    const provider = oidcProvider(dex.config)!;
    const script = configureScript(provider, ssoClient(dex.config, 'vault'), 'vault-oidc', 'ca.crt').replaceAll('/tmp/', `${dir}/`);
    const r = spawnSync('sh', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls[0]).toMatch(/^write -field=token auth\/kubernetes\/login role=vault-oidc jwt=@/);
    expect(calls.filter((c) => c.startsWith('write auth/oidc/config'))).toHaveLength(3);
    expect(calls.some((c) => c.includes('client-s3cret'))).toBe(false);
    expect(readFileSync(join(dir, 'client-secret'), 'utf8')).toBe('client-s3cret');
    expect(calls).toContain('auth enable -path=oidc oidc');
    expect(calls.at(-2)).toMatch(/^write auth\/oidc\/role\/admin @/);
    expect(calls.at(-1)).toBe('token revoke -self');
  });
});

describe("Vault's OIDC configurer identity, executed against the stand-in Vault (test/fixtures/fake-vault)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-idp-vault-oidc-id-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ROOT = 'hvs.root';
  const bin = join(dir, 'bin');
  const stateFile = join(dir, 'state.json');
  const env = { PATH: `${bin}:/usr/bin:/bin`, FAKE_VAULT_STATE: stateFile, VAULT_ADDR: 'https://vault.vault.svc:8200' };
  const vault = (token: string, ...args: string[]) => spawnSync(join(bin, 'vault'), args, { env: { ...env, VAULT_TOKEN: token }, encoding: 'utf8' });
  const files = (sub: string, content: Record<string, string>) => {
    const d = join(dir, sub);
    mkdirSync(d, { recursive: true });
    for (const [k, v] of Object.entries(content)) writeFileSync(join(d, k), v);
    return d;
  };
  const jwt = (sa: string, ns: string) => {
    const f = join(dir, `jwt-${sa}-${ns}`);
    writeFileSync(f, JSON.stringify({ sa, ns, aud: ['vault'] }));
    return f;
  };
  mkdirSync(bin);
  writeFileSync(join(bin, 'vault'), `#!/bin/sh\nexec "${process.execPath}" "${join(REPO_ROOT, 'test/fixtures/fake-vault/vault.mjs')}" "$@"\n`);
  chmodSync(join(bin, 'vault'), 0o755);
  writeFileSync(stateFile, JSON.stringify({ tokens: { [ROOT]: { policies: ['root'] } }, policies: {}, mounts: {}, auth: {}, roles: {}, kv: {} }));
  const readers = all.components.flatMap((c) => c.vaultRoles);
  const [oidcRole] = all.components.flatMap((c) => c.vaultBootstrapRoles);
  const ids = VAULT_IDENTITIES;

  it('is written by the bootstrap (root token), kept by the configurer, and can read its client secret and nothing else', () => {
    expect(oidcRole).toBeDefined();
    const bdir = files('bootstrap', bootstrapFiles(ids, readerNamespaces(readers), [oidcRole!]));
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'root', 'token'), ROOT);
    const boot = spawnSync('/bin/sh', ['-c', bootstrapScript(ids, join(dir, 'root', 'token'), bdir, [oidcRole!])], { env, encoding: 'utf8' });
    expect(boot.status, boot.stderr).toBe(0);
    expect(boot.stdout).toContain(`role and policy ${oidcRole!.name}: written`);
    // The configurer (readers only) runs after it and neither deletes nor changes it.
    const cdir = files('config', configurerFiles(readers));
    const conf = spawnSync('/bin/sh', ['-c', configurerScript(ids, cdir, bdir, jwt(ids.configurer, ids.namespace))], { env, encoding: 'utf8' });
    expect(conf.status, conf.stderr).toBe(0);
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(state.roles[oidcRole!.name]).toMatchObject({ bound_service_account_names: oidcRole!.serviceAccount, bound_service_account_namespaces: SSO_NAMESPACE });
    expect(state.policies[oidcRole!.policy.name]).toBe(oidcRole!.policy.rules);
    // Its ServiceAccount logs in; the token reads Vault's client secret, no other credential, and writes no Kubernetes-auth role.
    const login = vault('', 'write', '-field=token', 'auth/kubernetes/login', `role=${oidcRole!.name}`, `jwt=@${jwt(oidcRole!.serviceAccount, SSO_NAMESPACE)}`);
    expect(login.status, login.stderr).toBe(0);
    const token = login.stdout.trim();
    const secret = ssoClient(all.config, 'vault').vaultKey;
    const now = JSON.parse(readFileSync(stateFile, 'utf8'));
    now.kv[secret] = [{ 'client-secret': 'x' }];
    now.kv['edge-idp/grafana'] = [{ 'admin-password': 'y' }];
    writeFileSync(stateFile, JSON.stringify(now));
    expect(vault(token, 'read', `secret/data/${secret}`).status).toBe(0);
    expect(vault(token, 'read', 'secret/data/edge-idp/grafana').stderr).toMatch(/Code: 403/);
    expect(vault(token, 'write', 'auth/kubernetes/role/edge-idp-x', 'bound_service_account_names=vault-reader-x').stderr).toMatch(/Code: 403/);
  });

  it('is refused inside the configurer\'s edge-idp-* space, as one of Vault\'s own identities, or twice', () => {
    const bad = (patch: Partial<typeof oidcRole>) => ({ ...oidcRole!, ...patch }) as NonNullable<typeof oidcRole>;
    expect(bootstrapRoleProblems([bad({ name: `${VAULT_MANAGED_PREFIX}oidc` })], ids)).toEqual([
      `vault bootstrap role '${VAULT_MANAGED_PREFIX}oidc': '${VAULT_MANAGED_PREFIX}oidc' is in the configurer's ${VAULT_MANAGED_PREFIX}* space, which it deletes when no reader declares it`,
    ]);
    expect(bootstrapRoleProblems([bad({ policy: { name: ids.seeder, rules: '' } })], ids)).toEqual([`vault bootstrap role '${oidcRole!.name}': '${ids.seeder}' is one of Vault's own identities`]);
    expect(bootstrapRoleProblems([bad({ audience: 'kubernetes' })], ids)).toEqual([`vault bootstrap role '${oidcRole!.name}': audience 'kubernetes' is not 'vault'`]);
    expect(bootstrapRoleProblems([oidcRole!, oidcRole!], ids)).toEqual([`vault bootstrap role '${oidcRole!.name}': declared twice`]);
    expect(bootstrapRoleProblems([oidcRole!], ids)).toEqual([]);
  });
});
