/**
 * The teams' commands end to end, as a developer runs them: `tenant new` and `app new` on a
 * scratch copy of the fixture fleet (written only when synth takes them; refused with synth's
 * exit code and nothing written otherwise), `apps` (declared, then with a cluster that cannot be
 * reached and with one that answers), and the Backstage Software Template, which must write what
 * `app new` writes for the same inputs.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../../layers/catalog.js';
import { BACKSTAGE_APP_TEMPLATE } from '../../layers/03-apps/backstage.js';
import { loadFleet } from '../../platform/fleet/load.js';
import { tenantApplication } from '../../platform/model/tenants.js';
import { renderTemplateText } from '../../platform/tenants/app-template.js';
import { cleanupFleets, fixtureFleet } from '../helpers/fleet.js';
import { REPO_ROOT } from '../helpers/site.js';

const scratch: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(d);
  return d;
}
afterAll(() => {
  cleanupFleets();
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** No kubeconfig of kubectl's own: `apps` stays offline unless a test gives one. */
const OFFLINE = { KUBECONFIG: '/nonexistent/kubeconfig' };

function cli(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'edge-idp.mjs'), ...args], {
    encoding: 'utf8',
    cwd,
    timeout: 240_000,
    env: { ...process.env, ...OFFLINE, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every file under tenants/, with its text: what a refused command must leave as it was. */
function tenantsTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else out.set(path, readFileSync(join(dir, path), 'utf8'));
    }
  };
  if (existsSync(join(dir, 'tenants'))) walk('tenants');
  return out;
}

/** The command is refused with `code`, its message matching `message`, and tenants/ is untouched. */
function expectRefused(dir: string, args: readonly string[], code: number, message: RegExp): void {
  const before = tenantsTree(dir);
  const r = cli(dir, args);
  expect([r.code, r.err], r.out).toEqual([code, expect.stringMatching(message)]);
  expect(tenantsTree(dir)).toEqual(before);
}

const SITE = 'store-001';
const WEB = ['app', 'new', 'billing', 'web', '--image', 'registry.example.com/billing/web:2.0.1', '--port', '8080', '--route', '--replicas', '2', '--cpu', '150m', '--memory', '192Mi'];
const DIGEST = `sha256:${'3b4c6a5b8f0e9d7c'.repeat(4)}`;
const NIGHTLY = ['app', 'new', 'billing', 'nightly', '--image', `registry.example.com/billing/report@${DIGEST}`, '--schedule', '30 2 * * *'];

describe('edge-idp tenant new and app new', () => {
  let dir: string;
  beforeAll(() => {
    dir = fixtureFleet({ kiosk: 'drop' });
  });

  it('tenant new writes a tenant file from the template and says what is next', () => {
    const r = cli(dir, ['tenant', 'new', 'billing', '--owner', 'billing-devs', '--owner', 'finance', '--site', SITE]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('wrote tenants/billing/tenant.yaml');
    expect(r.out).toContain(`team billing runs on site: ${SITE}`);
    expect(r.out).toContain('edge-idp app new billing APP --image IMAGE:TAG');
    expect(r.out).toMatch(/pull request/);
    const file = parse(readFileSync(join(dir, 'tenants', 'billing', 'tenant.yaml'), 'utf8'));
    expect(file).toEqual({ name: 'billing', owners: { groups: ['billing-devs', 'finance'] }, runsOn: { sites: [SITE] }, quota: { cpu: '1', memory: '2Gi', pods: 10 } });
  });

  it('tenant new refuses what synth would refuse (exit 2; 3 for capacity) and a team that exists, writing nothing', () => {
    expectRefused(dir, ['tenant', 'new', 'nobody'], 2, /tenants\/nobody\/tenant\.yaml: owners \(--owner\): no owners[\s\S]*tenants\/nobody\/tenant\.yaml not written/);
    expectRefused(dir, ['tenant', 'new', 'cheap', '--owner', 'x', '--cpu', 'lots', '--pods', 'many'], 2, /quota\.cpu \(--cpu\): 'lots' is not valid[\s\S]*quota\.pods \(--pods\): 'many'/);
    expectRefused(dir, ['tenant', 'new', 'roaming', '--owner', 'x', '--group', 'moon'], 2, /runsOn\.groups\[0\] \(--group\): .*moon/);
    expectRefused(dir, ['tenant', 'new', 'default', '--owner', 'x'], 2, /name \(TEAM\): 'default' is a Kubernetes system namespace/);
    // A platform component's namespace: found by building the site the team would run on.
    expectRefused(dir, ['tenant', 'new', 'vault', '--owner', 'x', '--site', SITE], 2, /tenants\/vault\/tenant\.yaml: name \(TEAM\): 'vault' is the namespace of platform component vault/);
    expectRefused(dir, ['tenant', 'new', 'billing', '--owner', 'x'], 2, /tenants\/billing\/tenant\.yaml already exists/);
    // Capacity, as synth judges it: quotas beyond what the site's workers can allocate (exit 2),
    // quotas that leave the platform's pods no room in Green (exit 3).
    expectRefused(dir, ['tenant', 'new', 'huge', '--owner', 'x', '--site', SITE, '--cpu', '64'], 2, /quota\.cpu.*'64'.* is more than the \S+ cpu site store-001's nodes for tenants' pods can allocate[\s\S]*tenants\/huge\/tenant\.yaml not written/);
    expectRefused(dir, ['tenant', 'new', 'crowd', '--owner', 'x', '--site', SITE, '--cpu', '5'], 3, /1 site does not fit its nodes .*: store-001[\s\S]*tenants\/crowd\/tenant\.yaml not written/);
    expectRefused(dir, ['tenant', 'new', 'Bad_Name', '--owner', 'x'], 64, /'Bad_Name' is not a valid team name/);
    expectRefused(dir, ['tenant', 'remove', 'billing'], 64, /unknown subcommand 'tenant remove'/);
  });

  it('app new writes an app file: a trivial app is five lines, every option a line of its own', () => {
    const r = cli(dir, WEB);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('wrote tenants/billing/apps/web.yaml');
    expect(r.out).toContain(`app billing/web runs on site: ${SITE}`);
    const text = readFileSync(join(dir, 'tenants', 'billing', 'apps', 'web.yaml'), 'utf8');
    expect(parse(text)).toEqual({ name: 'web', image: 'registry.example.com/billing/web:2.0.1', port: 8080, replicas: 2, cpu: '150m', memory: '192Mi', route: true });
    const nightly = cli(dir, NIGHTLY);
    expect(nightly.code, nightly.err).toBe(0);
    expect(parse(readFileSync(join(dir, 'tenants', 'billing', 'apps', 'nightly.yaml'), 'utf8'))).toEqual({
      name: 'nightly',
      image: `registry.example.com/billing/report@${DIGEST}`,
      schedule: '30 2 * * *',
    });
    const trivial = cli(dir, ['app', 'new', 'billing', 'hello', '--image', 'registry.example.com/hello:1.0.0', '--port', '8080', '--route']);
    expect(trivial.code, trivial.err).toBe(0);
    const lines = readFileSync(join(dir, 'tenants', 'billing', 'apps', 'hello.yaml'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^# /);
    rmSync(join(dir, 'tenants', 'billing', 'apps', 'hello.yaml'));
  });

  it('app new refuses what synth would refuse, an unknown team and an app that exists: exit 2, nothing written', () => {
    expectRefused(dir, ['app', 'new', 'billing', 'a1', '--image', 'nginx:latest', '--port', '80'], 2, /image \(--image\): 'nginx:latest' .*latest[\s\S]*not written/);
    expectRefused(dir, ['app', 'new', 'billing', 'a2', '--image', 'nginx', '--port', '80'], 2, /image \(--image\): 'nginx' has no tag/);
    expectRefused(dir, ['app', 'new', 'billing', 'a3', '--image', 'nginx:1.27.0', '--route'], 2, /port \(--port\): required field is missing/);
    expectRefused(dir, ['app', 'new', 'billing', 'a4', '--image', 'nginx:1.27.0', '--port', '80', '--replicas', '20', '--cpu', '1'], 2, /quota\.cpu: 1 is less than the CPU the apps request/);
    expectRefused(dir, ['app', 'new', 'nobody', 'web', '--image', 'nginx:1.27.0', '--port', '80'], 2, /no team 'nobody': tenants\/nobody\/tenant\.yaml does not exist \(teams: .*billing.*\); create it with: edge-idp tenant new nobody --owner GROUP/);
    expectRefused(dir, ['app', 'new', 'billing', 'web', '--image', 'nginx:1.27.0', '--port', '80'], 2, /tenants\/billing\/apps\/web\.yaml already exists/);
    expectRefused(dir, ['app', 'new', 'billing', 'a5', '--image', 'nginx:1.27.0\nreplicas: 9', '--port', '80'], 64, /--image 'nginx:1\.27\.0\\nreplicas: 9': not a plain value/);
    expectRefused(dir, ['app', 'new', 'billing', 'a6', '--port', '80'], 64, /app new needs --image IMAGE:TAG/);
  });

  it('synth takes what they wrote: the site builds and check passes', () => {
    const synth = cli(dir, ['synth', '--site', SITE]);
    expect(synth.code, synth.err).toBe(0);
    expect(cli(dir, ['check', '--site', SITE]).code).toBe(0);
  });

  it('apps lists every app the repository declares per site, with its URL, tier, requests and the quota use', async () => {
    const fleet = await loadFleet({ repoRoot: dir, catalog: CATALOG });
    const r = cli(dir, ['apps', '--format', 'json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as { sites: { site: string; live: boolean; apps: any[]; teams: any[] }[] };
    expect(report.sites.map((s) => s.site)).toEqual(fleet.sites.map((s) => s.name).sort());
    for (const site of fleet.sites) {
      const listed = report.sites.find((s) => s.site === site.name)!;
      expect(listed.live).toBe(false);
      const declared = site.tenants.flatMap((t) => t.apps.map((a) => `${t.name}/${a.name}`)).sort();
      expect(listed.apps.map((a) => `${a.team}/${a.app}`)).toEqual(declared);
      expect(listed.teams.map((q) => q.team)).toEqual(site.tenants.map((t) => t.name).sort());
      for (const t of site.tenants) expect(listed.teams.find((q) => q.team === t.name).description).toBe(t.description);
    }
    const store = report.sites.find((s) => s.site === SITE)!;
    const domain = fleet.sites.find((s) => s.name === SITE)!.config.site.domain;
    const web = store.apps.find((a) => a.app === 'web' && a.team === 'billing');
    expect(web).toMatchObject({
      kind: 'Deployment',
      url: `https://web.billing.${domain}/`,
      tier: 'workloads',
      priorityClass: 'edge-idp-workloads',
      replicas: 2,
      requests: { cpu: { quantity: '300m', value: 300 }, memory: { quantity: '384Mi', value: 384 * 1024 ** 2 } },
      application: tenantApplication('billing', 'web'),
    });
    const nightly = store.apps.find((a) => a.app === 'nightly' && a.team === 'billing');
    expect(nightly).toMatchObject({ kind: 'CronJob', replicas: 1 });
    expect(nightly.url).toBeUndefined();
    // billing: web 2 × 150m/192Mi and nightly 1 × the defaults, against the template's quota.
    const billing = store.teams.find((q) => q.team === 'billing');
    const defaults = store.apps.find((a) => a.app === 'nightly')!;
    expect(billing.cpu).toEqual({ used: expect.objectContaining({ value: 300 + defaults.requests.cpu.value }), quota: { quantity: '1', value: 1000 } });
    expect(billing.pods).toEqual({ used: 3, quota: 10 });

    const text = cli(dir, ['apps', '--site', SITE]);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(new RegExp(`^## site ${SITE} `, 'm'));
    expect(text.out).not.toMatch(/^## site (?!store-001)/m);
    expect(text.out).toMatch(new RegExp(`^ +billing +web +Deployment +https://web\\.billing\\.${domain.replace(/\./g, '\\.')}/ +workloads \\(edge-idp-workloads\\) +300m cpu, 384Mi \\(2 x 150m/192Mi\\)$`, 'm'));
    expect(text.out).toMatch(/^ +billing: cpu \S+ of 1 \(\d+%\), memory \S+ of 2Gi \(\d+%\), pods 3 of 10$/m);
    expect(text.err).not.toMatch(/cluster/);
  });

  it('apps: a cluster that cannot be reached is a one-line warning, and the apps are still listed', () => {
    const kubeconfig = join(tempDir('edge-idp-kubeconfig-'), 'config');
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'gone', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'gone', user: { token: 'x' } }],
        contexts: [{ name: 'gone', context: { cluster: 'gone', user: 'gone' } }],
        'current-context': 'gone',
      }),
    );
    const r = cli(dir, ['apps', '--site', SITE, '--kubeconfig', kubeconfig]);
    expect(r.code, r.err).toBe(0);
    const warnings = r.err.split('\n').filter((l) => /cluster/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: the cluster cannot be asked \(.+\): showing what is declared$/);
    expect(r.out).toMatch(/^ +billing +web +Deployment/m);
    expect(r.out).not.toMatch(/status/);
  });

  it("apps: with a cluster that answers, each app's sync and health on the site the cluster is", () => {
    const bin = tempDir('edge-idp-kubectl-');
    const application = (name: string, status: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: 'argocd' },
      spec,
      status,
    });
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        application('edge-idp-root', { sync: { status: 'Synced' }, health: { status: 'Healthy' } }, { source: { path: `synth/${SITE}/root` } }),
        application(tenantApplication('billing', 'web'), { sync: { status: 'OutOfSync' }, health: { status: 'Progressing' } }),
      ],
    };
    writeFileSync(join(bin, 'applications.json'), JSON.stringify(list));
    // A kubectl that answers only the read `apps` makes (and records its arguments).
    writeFileSync(
      join(bin, 'kubectl'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${bin}/args"\ncase " $* " in *" get applications.argoproj.io "*) cat "${bin}/applications.json";; *) echo "unexpected: $*" >&2; exit 1;; esac\n`,
    );
    chmodSync(join(bin, 'kubectl'), 0o755);
    const r = cli(dir, ['apps', '--kubeconfig', 'kc.yaml', '--context', 'store', '--format', 'json'], { EDGE_IDP_KUBECTL: join(bin, 'kubectl') });
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/cluster/);
    const args = readFileSync(join(bin, 'args'), 'utf8').trim().split('\n');
    expect(args).toEqual(expect.arrayContaining(['--kubeconfig', join(dir, 'kc.yaml'), '--context', 'store', '--namespace', 'argocd']));
    const report = JSON.parse(r.out) as { sites: { site: string; live: boolean; apps: { team: string; app: string; status?: unknown }[] }[] };
    for (const s of report.sites) {
      expect(s.live).toBe(s.site === SITE);
      for (const a of s.apps) {
        if (s.site !== SITE) expect(a.status).toBeUndefined();
        else if (a.team === 'billing' && a.app === 'web') expect(a.status).toEqual({ sync: 'OutOfSync', health: 'Progressing' });
        else expect(a.status).toBe('missing');
      }
    }
    const text = cli(dir, ['apps', '--site', SITE, '--kubeconfig', 'kc.yaml'], { EDGE_IDP_KUBECTL: join(bin, 'kubectl') });
    expect(text.out).toMatch(/^ +team +app +kind +url +tier +requests +status$/m);
    expect(text.out).toMatch(/^ +billing +web +Deployment .* OutOfSync\/Progressing$/m);
    expect(text.out).toMatch(/^ +billing +nightly +CronJob .* not on the cluster$/m);
    // A cluster that is another site: nothing is attributed to the listed one.
    writeFileSync(join(bin, 'applications.json'), JSON.stringify({ ...list, items: [application('edge-idp-root', {}, { source: { path: 'deploy/synth/depot-01/root' } })] }));
    const other = cli(dir, ['apps', '--site', SITE, '--kubeconfig', 'kc.yaml'], { EDGE_IDP_KUBECTL: join(bin, 'kubectl') });
    expect(other.code).toBe(0);
    expect(other.err).toMatch(/^warning: the cluster is site depot-01, which is not listed \(--site\): statuses not shown$/m);
    expect(other.out).not.toMatch(/status/);
  });
});

describe('the Backstage Software Template', () => {
  it('writes, for the same inputs, the file app new writes, at the same path, and opens a pull request with it', () => {
    const dir = tempDir('edge-idp-backstage-');
    const config = parse(readFileSync(join(REPO_ROOT, 'platform.yaml'), 'utf8')) as Record<string, any>;
    config.components = { ...config.components, backstage: { enabled: true } };
    writeFileSync(join(dir, 'platform.yaml'), stringify(config));
    expect(cli(dir, ['tenant', 'new', 'shop', '--owner', 'shop-devs']).code).toBe(0);
    const synth = cli(dir, ['synth']);
    expect(synth.code, synth.err).toBe(0);

    // What the cluster gets: the ConfigMap, mounted where the catalog location points.
    const site = config.site.name as string;
    const componentDir = join(dir, 'synth', site, 'layers', '03-apps', 'backstage');
    const configMap = readdirSync(join(componentDir, 'resources'))
      .map((f) => parse(readFileSync(join(componentDir, 'resources', f), 'utf8')))
      .find((o) => o.kind === 'ConfigMap' && o.metadata.name === BACKSTAGE_APP_TEMPLATE.configMap);
    expect(configMap).toBeDefined();
    const values = parse(readFileSync(join(componentDir, 'values.yaml'), 'utf8')).backstage;
    const volume = values.extraVolumes.find((v: any) => v.configMap?.name === BACKSTAGE_APP_TEMPLATE.configMap);
    const mount = values.extraVolumeMounts.find((m: any) => m.name === volume.name);
    const location = values.appConfig.catalog.locations.find((l: any) => l.type === 'file');
    const entityFile = location.target.slice(mount.mountPath.length + 1);
    expect(location.target).toBe(`${mount.mountPath}/${entityFile}`);
    expect(location.rules).toEqual([{ allow: ['Template'] }]);
    const entity = parse(configMap.data[entityFile]);
    expect([entity.apiVersion, entity.kind]).toEqual(['scaffolder.backstage.io/v1beta3', 'Template']);

    // The form: one page asking for the app; the teams of the site to pick from.
    const form = entity.spec.parameters[0];
    expect(form.required).toEqual(['team', 'app', 'image', 'port']);
    expect(form.properties.team.enum).toEqual(['shop']);
    expect(form.properties.route).toMatchObject({ type: 'boolean', default: false });

    // The scaffolder's run: a whole `${{ parameters.X }}` keeps the parameter's type.
    const parameters: Record<string, unknown> = { team: 'shop', app: 'orders', image: 'ghcr.io/example/orders:3.1.0', port: 9090, route: true };
    const expr = (v: string) => {
      const whole = /^\$\{\{ parameters\.(\w+) \}\}$/.exec(v);
      if (whole) {
        expect(form.properties).toHaveProperty(whole[1]!);
        return parameters[whole[1]!];
      }
      return v.replace(/\$\{\{ parameters\.(\w+) \}\}/g, (_, k: string) => String(parameters[k]));
    };
    const [write, pr] = entity.spec.steps;
    expect(write.action).toBe('fetch:template:file');
    expect(write.input.url).toMatch(/^\.\/[^/]+$/);
    const skeleton = configMap.data[write.input.url.slice(2)];
    expect(typeof skeleton).toBe('string');
    const stepValues = Object.fromEntries(Object.entries(write.input.values as Record<string, string>).map(([k, v]) => [k, expr(v)]));
    const written = { path: expr(write.input.targetPath) as string, text: renderTemplateText(skeleton, stepValues) };
    expect(pr.action).toBe('publish:github:pull-request');
    expect(pr.input.repoUrl).toBe('github.com?owner=example&repo=edge-idp');
    expect(expr(pr.input.title)).toBe('New app shop/orders');

    const r = cli(dir, ['app', 'new', 'shop', 'orders', '--image', 'ghcr.io/example/orders:3.1.0', '--port', '9090', '--route']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`wrote ${written.path}`);
    expect(readFileSync(join(dir, written.path), 'utf8')).toBe(written.text);
    // Without a route the form's default (false) leaves the line out, as app new does.
    parameters.route = false;
    parameters.app = 'quiet';
    const quiet = renderTemplateText(skeleton, Object.fromEntries(Object.entries(write.input.values as Record<string, string>).map(([k, v]) => [k, expr(v)])));
    expect(cli(dir, ['app', 'new', 'shop', 'quiet', '--image', 'ghcr.io/example/orders:3.1.0', '--port', '9090']).code).toBe(0);
    expect(readFileSync(join(dir, 'tenants', 'shop', 'apps', 'quiet.yaml'), 'utf8')).toBe(quiet);
  });
});
