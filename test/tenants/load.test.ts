/**
 * The tenants loader (platform/tenants/load.ts): good files resolve for each site (defaults,
 * placement, `{site}` expansion, sorted output, the same whatever the listing order), and every
 * rule gets bad input and a check that the message names the file, the field, the value and the fix.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, FleetConfigError } from '../../platform/config/errors.js';
import { tenantApplication } from '../../platform/model/tenants.js';
import { goodFiles, GROUPS, load, MEMORY_ROOT, ONE_SITE, problemAt, problemsOf, SITES, theProblem, yaml } from './helpers.js';

const TENANT = 'tenants/web/tenant.yaml';
const SHOP = 'tenants/web/apps/shop.yaml';
const SWEEP = 'tenants/web/apps/sweep.yaml';

/** `files` with the YAML of `path` patched (`patch` edits the parsed object in place). */
function patched(path: string, patch: (data: Record<string, any>) => void, files: Record<string, string> = goodFiles()): Record<string, string> {
  const data = parse(files[path]!) as Record<string, any>;
  patch(data);
  return { ...files, [path]: yaml(data) };
}

/** A second team, `api`, with one routed app `gw`. */
function withApiTeam(files: Record<string, string>, tenant: Record<string, unknown> = {}, app: Record<string, unknown> = {}): Record<string, string> {
  return {
    ...files,
    'tenants/api/tenant.yaml': yaml({ name: 'api', owners: { users: ['ana'] }, quota: { cpu: '1', memory: '1Gi', pods: 4 }, ...tenant }),
    'tenants/api/apps/gw.yaml': yaml({ name: 'gw', image: 'gw:1.0', port: 80, route: true, ...app }),
  };
}

describe('good files', () => {
  it('no tenants/ folder: every site has no teams', async () => {
    const tenants = await load({});
    expect([...tenants.keys()]).toEqual(['s1', 's2', 's3']);
    for (const list of tenants.values()) expect(list).toEqual([]);
  });

  it('resolves every default: one replica, 100m and 128Mi, storage 0, route path /, no probe, the default hostnames', async () => {
    const tenants = await load(goodFiles());
    for (const site of SITES) {
      const [web] = tenants.get(site.name)!;
      expect(web).toMatchObject({
        name: 'web',
        file: TENANT,
        namespace: 'web',
        owners: { groups: ['web-devs'], users: [] },
        quota: { cpu: '2', memory: '4Gi', pods: 10, storage: '0' },
        hostnames: [`*.web.${site.domain}`],
      });
      const [shop, sweep] = web!.apps;
      expect(shop).toEqual({
        name: 'shop',
        team: 'web',
        file: SHOP,
        image: 'registry.example.com/shop:1.0.0',
        port: 8080,
        replicas: 1,
        cpu: '100m',
        memory: '128Mi',
        env: {},
        secrets: {},
        route: { host: `shop.web.${site.domain}`, path: '/' },
      });
      expect(sweep).toEqual({ name: 'sweep', team: 'web', file: SWEEP, image: 'registry.example.com/sweep:2.1', replicas: 1, cpu: '100m', memory: '128Mi', env: {}, secrets: {}, schedule: '0 * * * *' });
    }
  });

  it('places teams by runsOn (groups and sites) and apps by sites; expands {site} per site', async () => {
    let files = patched(TENANT, (t) => {
      t.runsOn = { groups: ['g2'], sites: ['s3'] };
      t.hostnames = ['*.shop.{site}', 'shop.example.org'];
    });
    files = patched(SHOP, (a) => {
      a.sites = ['s3'];
      a.route = { host: 'shop.example.org', path: '/buy' };
      a.metrics = {};
      a.probe = { path: '/ready' };
    }, files);
    const tenants = await load(files);
    expect(tenants.get('s1')).toEqual([]);
    expect(tenants.get('s2')!.map((t) => [t.name, t.apps.map((a) => a.name)])).toEqual([['web', ['sweep']]]);
    const s3 = tenants.get('s3')![0]!;
    expect(s3.hostnames).toEqual(['*.shop.s3.example.com', 'shop.example.org']);
    expect(s3.apps.find((a) => a.name === 'shop')).toMatchObject({ route: { host: 'shop.example.org', path: '/buy' }, metrics: { path: '/metrics', port: 8080 }, probePath: '/ready' });
  });

  it("a route's label goes into the team's first wildcard hostname as written; a full host may end in {site}", async () => {
    let files = patched(TENANT, (t) => (t.hostnames = ['legacy.example.org', '*.b.{site}', '*.a.{site}']));
    files = patched(SHOP, (a) => (a.route = { host: 'store' }), files);
    files = { ...files, 'tenants/web/apps/admin.yaml': yaml({ name: 'admin', image: 'admin:3', port: 80, route: { host: 'admin.a.{site}' } }) };
    const [web] = (await load(files, { sites: ONE_SITE, groups: [] })).get('edge-01')!;
    expect(web!.hostnames).toEqual(['*.a.edge.example.com', '*.b.edge.example.com', 'legacy.example.org']);
    expect(Object.fromEntries(web!.apps.map((a) => [a.name, a.route?.host]))).toEqual({ admin: 'admin.a.edge.example.com', shop: 'store.b.edge.example.com', sweep: undefined });
  });

  it('sorts what it emits: teams, apps, hostnames, owners, env and secrets', async () => {
    let files = patched(TENANT, (t) => {
      t.owners = { groups: ['zeta', 'alpha'], users: ['yan', 'bo'] };
      t.hostnames = ['*.z.{site}', '*.a.{site}'];
    });
    files = patched(SHOP, (a) => {
      a.env = { ZED: '1', ALPHA: '2' };
      a.secrets = { Z_KEY: { key: 'z', property: 'p' }, A_KEY: { key: 'a', property: 'p' } };
    }, files);
    files = withApiTeam(files);
    const [api, web] = (await load(files)).get('s1')!;
    expect([api!.name, web!.name]).toEqual(['api', 'web']);
    expect(web!.owners).toEqual({ groups: ['alpha', 'zeta'], users: ['bo', 'yan'] });
    expect(web!.hostnames).toEqual(['*.a.s1.example.com', '*.z.s1.example.com']);
    const shop = web!.apps.find((a) => a.name === 'shop')!;
    expect(Object.keys(shop.env)).toEqual(['ALPHA', 'ZED']);
    expect(Object.keys(shop.secrets)).toEqual(['A_KEY', 'Z_KEY']);
  });

  it('is deterministic: the same result twice and whatever order the folders are listed in', async () => {
    const files = withApiTeam(goodFiles());
    const a = JSON.stringify([...(await load(files))]);
    expect(JSON.stringify([...(await load(files))])).toBe(a);
    expect(JSON.stringify([...(await load(files, { reverse: true }))])).toBe(a);
  });

  it('leaves hidden files and Markdown notes alone', async () => {
    const files = { ...goodFiles(), 'tenants/.gitkeep': '', 'tenants/README.md': '# teams', 'tenants/web/NOTES.md': 'x', 'tenants/web/apps/.keep': '' };
    expect((await load(files)).get('s1')![0]!.apps.map((a) => a.name)).toEqual(['shop', 'sweep']);
  });

  it('a team at its quota fits: sums are exact (2 × 500m + 1000m + 0 = 2 CPU, 2 × 256Mi + 512Mi = 1Gi), a CronJob counts one pod', async () => {
    let files = patched(TENANT, (t) => (t.quota = { cpu: '2', memory: '1Gi', pods: 4, storage: '1Gi' }));
    files = patched(SHOP, (a) => Object.assign(a, { replicas: 2, cpu: '500m', memory: '256Mi' }), files);
    files = patched(SWEEP, (a) => Object.assign(a, { cpu: '1', memory: '512Mi' }), files);
    files = { ...files, 'tenants/web/apps/db.yaml': yaml({ name: 'db', image: 'db:16.2', port: 5432, cpu: '0', memory: '0', volume: { size: '1Gi', mountPath: '/data' } }) };
    expect((await load(files)).get('s1')![0]!.apps).toHaveLength(3);
  });
});

describe('folders and files', () => {
  it.each([
    ['a .yml tenant file', { 'tenants/web/tenant.yml': 'x: 1' }, 'tenants/web', 'tenant.yml', /the team's file is tenant.yaml: rename it to tenants\/web\/tenant.yaml/],
    ['a .yml app file', { 'tenants/web/apps/extra.yml': 'x: 1' }, 'tenants/web', 'apps/extra.yml', /app files end in .yaml: rename it to tenants\/web\/apps\/extra.yaml/],
    ['an app file not named as a DNS label', { 'tenants/web/apps/My_App.yaml': 'x: 1' }, 'tenants/web', 'apps/My_App.yaml', /'My_App' is not a valid app name \(the file's name is the app's name\): expected a DNS-1123 label.*rename the file/],
    ['a folder in apps/', { 'tenants/web/apps/more/a.yaml': 'x: 1' }, 'tenants/web', 'apps/more', /a folder in tenants\/web\/apps\/: each app is one file/],
    ['a stray file in apps/', { 'tenants/web/apps/notes.txt': 'x' }, 'tenants/web', 'apps/notes.txt', /not an app file: .*rename it to <app>.yaml, or move it out of tenants\//],
    ['a stray YAML file in the team folder', { 'tenants/web/extra.yaml': 'x: 1' }, 'tenants/web', 'extra.yaml', /not a tenant file: .*an app goes to tenants\/web\/apps\/extra.yaml/],
    ['a stray folder in the team folder', { 'tenants/web/charts/x.yaml': 'x: 1' }, 'tenants/web', 'charts', /not part of a team's folder \(tenant.yaml and apps\/\)/],
    ['a file directly in tenants/', { 'tenants/web.yaml': 'x: 1' }, 'tenants', 'web.yaml', /not a team's folder: tenants\/ holds one folder per team \(tenants\/<team>\/tenant.yaml\)/],
    ['a team folder not named as a DNS label', { 'tenants/Web_Team/tenant.yaml': 'x: 1' }, 'tenants', 'Web_Team', /'Web_Team' is not a valid team name \(the folder's name is the team's name and its namespace\): expected a DNS-1123 label.*rename the folder/],
  ])('%s', async (_, extra, file, path, message) => {
    expect(await problemAt({ ...goodFiles(), ...extra }, file, path)).toMatch(message);
  });

  it('a team folder without tenant.yaml', async () => {
    const { [TENANT]: _, ...files } = goodFiles();
    expect(await theProblem(files)).toEqual({
      file: 'tenants/web',
      path: 'tenant.yaml',
      message: expect.stringMatching(/^missing: every team's folder needs tenants\/web\/tenant.yaml \(its owners and quota; see README "Teams and apps"\), or remove the folder$/),
    });
  });

  it('apps as a file, not a folder', async () => {
    expect(await problemAt({ ...goodFiles(), 'tenants/api/tenant.yaml': goodFiles()[TENANT]!.replace('web', 'api'), 'tenants/api/apps': 'x' }, 'tenants/api', 'apps')).toMatch(
      /apps is a file: it must be a folder holding one <app>.yaml per app/,
    );
  });

  it.each([
    ['an empty tenant.yaml', TENANT, '# nothing yet\n', /the file is empty \(or only comments\); it needs at least name, owners and quota \(see README "Teams and apps"\)/],
    ['a list at the top of tenant.yaml', TENANT, '- name: web\n', /the top level is a list; tenant.yaml must be a map of settings \(name:, owners:, quota:, …\)/],
    ['an empty app file', SHOP, '', /the file is empty \(or only comments\); it needs at least name and image/],
    ['YAML that does not parse', SHOP, 'name: [shop\n', /not valid YAML/],
  ])('%s', async (_, file, text, message) => {
    const problems = await problemsOf({ ...goodFiles(), [file]: text });
    expect(Object.keys(problems)).toEqual([file]);
    expect(problems[file]!.map((p) => p.message).join('\n')).toMatch(message);
  });
});

describe('schema problems, in the words of platform.yaml', () => {
  it.each([
    ['an unknown key in tenant.yaml', TENANT, (t: any) => (t.quotas = {}), 'quotas', /^unknown key 'quotas'; allowed keys here: name, description, owners, runsOn, quota, hostnames$/],
    ['an unknown key in an app', SHOP, (a: any) => (a.imagePullPolicy = 'Always'), 'imagePullPolicy', /^unknown key 'imagePullPolicy'; allowed keys here: name, image, port/],
    ['a missing quota', TENANT, (t: any) => delete t.quota, 'quota', /^required field is missing$/],
    ['a missing image', SHOP, (a: any) => delete a.image, 'image', /^required field is missing$/],
    ['a bad memory quantity', TENANT, (t: any) => (t.quota.memory = '4GB'), 'quota.memory', /^'4GB' is not valid: expected a Kubernetes memory quantity/],
    ['a CPU written as a number', SHOP, (a: any) => (a.cpu = 1), 'cpu', /^1 is a number, expected a string: quote it \("1"\)$/],
    ['an env value written as a number', SHOP, (a: any) => (a.env = { PORT: 8080 }), 'env.PORT', /^8080 is a number, expected a string: quote it \("8080"\)$/],
    ['a bad env variable name', SHOP, (a: any) => (a.env = { 'my-var': 'x' }), 'env.my-var', /^'my-var' is not a valid environment variable name: letters, digits and _, not starting with a digit/],
    ['a bad secret variable name', SHOP, (a: any) => (a.secrets = { '1X': { key: 'k', property: 'p' } }), 'secrets.1X', /^'1X' is not a valid environment variable name/],
    ['an unknown key in a route', SHOP, (a: any) => (a.route = { hots: 'x' }), 'route.hots', /^unknown key 'hots'; allowed keys here: host, path$/],
    ['a route that is neither true nor a map', SHOP, (a: any) => (a.route = 'yes'), 'route', /^'yes' is not allowed: expected true, false, or a map of host, path$/],
    ['a wildcard of two labels', TENANT, (t: any) => (t.hostnames = ['*.*.web.example.com']), 'hostnames[0]', /^'\*\.\*\.web\.example\.com' is not valid: A hostname, or a wildcard/],
    ['an image name in capitals', SHOP, (a: any) => (a.image = 'Registry/Shop:1.0'), 'image', /^'Registry\/Shop:1\.0' is not valid: The container image, pinned/],
    ['a schedule that is not cron', SWEEP, (a: any) => (a.schedule = 'hourly'), 'schedule', /^'hourly' is not valid: Run as a CronJob/],
    ['too many replicas', SHOP, (a: any) => (a.replicas = 50), 'replicas', /^50 is not allowed: must be <= 20$/],
  ])('%s', async (_, file, patch, path, message) => {
    const { file: f, path: p, message: m } = await theProblem(patched(file, patch));
    expect([f, p]).toEqual([file, path]);
    expect(m).toMatch(message);
  });

  it('each file is checked: problems of several files are one error (exit 2) listing each file', async () => {
    let files = patched(TENANT, (t) => (t.quotas = {}));
    files = patched(SHOP, (a) => (a.image = 'shop'), files);
    files = patched(SWEEP, (a) => (a.replicas = 'two'), files);
    const e = await load(files).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FleetConfigError);
    expect((e as FleetConfigError).exitCode).toBe(2);
    expect((e as FleetConfigError).errors.map((c) => c.file)).toEqual([SHOP, SWEEP, TENANT].map((f) => `${MEMORY_ROOT}/${f}`));
    expect((e as Error).message).toMatch(/^3 config files have problems:\n/);
    expect((e as Error).message).toContain(`${MEMORY_ROOT}/${TENANT}: quotas: unknown key 'quotas'`);
  });

  it('a problem in one file is a ConfigError naming that file, path and message on one line', async () => {
    const e = await load(patched(SHOP, (a) => (a.image = 'shop:latest'))).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).exitCode).toBe(2);
    expect((e as Error).message).toMatch(new RegExp(`^${MEMORY_ROOT}/${SHOP}: image: 'shop:latest' uses the mutable tag 'latest'`));
  });
});

describe('a team', () => {
  it('is named as its folder', async () => {
    expect(await theProblem(patched(TENANT, (t) => (t.name = 'webteam')))).toEqual({
      file: TENANT,
      path: 'name',
      message: "'webteam' is not the folder's name: the team in tenants/web/tenant.yaml is named 'web'; set name: web, or rename the folder",
    });
  });

  it.each(['default', 'kube-system', 'kube-tools'])('may not be the Kubernetes namespace %s', async (team) => {
    const files = { [`tenants/${team}/tenant.yaml`]: goodFiles()[TENANT]!.replace('name: web', `name: ${team}`) };
    expect(await theProblem(files)).toEqual({
      file: `tenants/${team}/tenant.yaml`,
      path: 'name',
      message: expect.stringMatching(new RegExp(`^'${team}' is a Kubernetes system namespace \\(default, kube-\\*\\): a team's name is its namespace on every site; rename the team`)),
    });
  });

  it('has a name short enough for its AppProject tenant-<team> (a label value)', async () => {
    const team = 'a'.repeat(60);
    const files = { [`tenants/${team}/tenant.yaml`]: goodFiles()[TENANT]!.replace('name: web', `name: ${team}`) };
    const { path, message } = await theProblem(files);
    expect(path).toBe('name');
    expect(message).toMatch(/its AppProject 'tenant-a+' is 67 characters, more than 63 \(a label value\); shorten the team's name to at most 56 characters/);
  });

  it.each([
    ['no owners at all', { groups: [], users: [] }],
    ['an empty owners map', {}],
  ])('has owners: %s', async (_, owners) => {
    expect(await theProblem(patched(TENANT, (t) => (t.owners = owners)))).toEqual({
      file: TENANT,
      path: 'owners',
      message: expect.stringMatching(/^no owners: list at least one group \(owners.groups: \[my-team\]\) or user \(owners.users: \[jane\]\) of the identity provider/),
    });
  });

  it('runs on groups of fleet.yaml: an unknown one lists them', async () => {
    expect(await problemAt(patched(TENANT, (t) => (t.runsOn = { groups: ['g1', 'moon'] })), TENANT, 'runsOn.groups[1]')).toBe("'moon' is not a group of fleet.yaml; groups: g1, g2, g3");
  });

  it('a one-site repository has no groups', async () => {
    const message = await problemAt(patched(TENANT, (t) => (t.runsOn = { groups: ['stores'] })), TENANT, 'runsOn.groups[0]', { sites: ONE_SITE, groups: [] });
    expect(message).toMatch(/^'stores' is not a group: this repository has no groups \(it is one site, platform.yaml\); remove runsOn.groups \(a team runs on every site by default\)$/);
  });

  it('runs on sites that exist: an unknown one lists them', async () => {
    expect(await problemAt(patched(TENANT, (t) => (t.runsOn = { sites: ['s9'] })), TENANT, 'runsOn.sites[0]')).toBe("'s9' is not a site; sites: s1, s2, s3");
  });

  it.each([
    ['a group without sites', { groups: ['g3'] }, /^the team runs on no site \(no site is in g3\): name groups of fleet.yaml or sites \(runsOn.sites: \[s1\]\), or remove runsOn to run on every site$/],
    ['an empty runsOn', {}, /^the team runs on no site: /],
  ])('runs on some site: %s', async (_, runsOn, message) => {
    expect(await theProblem(patched(TENANT, (t) => (t.runsOn = runsOn)))).toEqual({ file: TENANT, path: 'runsOn', message: expect.stringMatching(message) });
  });
});

describe('hostnames', () => {
  it.each([
    ["the platform's wildcard, *.{site}", ['*.{site}'], /^'\*\.\{site\}' is the platform's own wildcard \(\*\.\{site\}: its certificate and its UIs\); use at least two labels below it \(\*\.web\.\{site\}\) or a domain outside it$/],
    ['a single label under the site domain', ['shop.{site}'], /^'shop\.\{site\}' is a single label under the site's domain \(\{site\}\): those names are the platform's \(its UIs\)/],
    ["the site's domain itself", ['{site}'], /^'\{site\}' is the site's domain \(\{site\}\), which is the platform's/],
    ["another site's UI, written out", ['grafana.s2.example.com'], /^'grafana\.s2\.example\.com' is a single label under the domain of site s2 \(s2\.example\.com\): those names are the platform's/],
    ["another site's wildcard, through {site}", ['*.s2.{site}'], /^'\*\.s2\.\{site\}' \(\*\.s2\.s3\.example\.com on site s3\)/],
  ])('may not be %s', async (_, hostnames, message) => {
    // s3's domain is made the parent of s2's for the last case.
    const sites = [SITES[0]!, { ...SITES[1]!, domain: 's2.s3.example.com' }, SITES[2]!];
    const files = patched(TENANT, (t) => (t.hostnames = hostnames));
    const all = await problemsOf({ ...files, [SHOP]: files[SHOP]!.replace('route: true', 'route: false') }, hostnames[0] === '*.s2.{site}' ? { sites } : {});
    expect(Object.keys(all)).toEqual([TENANT]);
    expect(all[TENANT]!.map((p) => p.path)).toContain('hostnames[0]');
    expect(all[TENANT]!.find((p) => p.path === 'hostnames[0]')!.message).toMatch(message);
  });

  it('two labels below a site domain, or a domain outside it, are fine', async () => {
    const files = patched(TENANT, (t) => (t.hostnames = ['*.web.{site}', 'a.b.s1.example.com', 'shop.example.org']));
    expect((await load(files)).get('s1')![0]!.hostnames).toEqual(['*.web.s1.example.com', 'a.b.s1.example.com', 'shop.example.org']);
  });

  it("two teams' hostnames may not overlap on a site: reported in both files, on the sites where they meet", async () => {
    const files = withApiTeam(goodFiles(), { hostnames: ['*.api.{site}', 'x.web.s2.example.com'] }, { route: { host: 'gw' } });
    const all = await problemsOf(files);
    expect(Object.keys(all).sort()).toEqual(['tenants/api/tenant.yaml', TENANT]);
    expect(all['tenants/api/tenant.yaml']).toEqual([
      { path: 'hostnames[1]', message: "on s2: 'x.web.s2.example.com' overlaps '*.web.{site}' of team web (tenants/web/tenant.yaml): two teams cannot serve the same names; give one of them other hostnames" },
    ]);
    expect(all[TENANT]).toEqual([{ path: 'hostnames', message: expect.stringMatching(/^on s2: '\*\.web\.\{site\}' \(the default\) overlaps 'x\.web\.s2\.example\.com' of team api/) }]);
  });
});

describe('an app', () => {
  it('is named as its file', async () => {
    expect(await theProblem(patched(SHOP, (a) => (a.name = 'store')))).toEqual({
      file: SHOP,
      path: 'name',
      message: "'store' is not the file's name: the app in tenants/web/apps/shop.yaml is named 'shop'; set name: shop, or rename the file",
    });
  });

  it.each([
    ['shop', /^'shop' has no tag, so it runs whatever latest is at pull time: pin it with a tag other than latest \(shop:1\.2\.3\) or a digest \(shop@sha256:…\)$/],
    ['shop:latest', /^'shop:latest' uses the mutable tag 'latest': pin it/],
    ['host:5000/shop', /^'host:5000\/shop' has no tag.*\(host:5000\/shop:1\.2\.3\)/],
    ['shop@abc', /^'shop@abc' has a malformed digest: pin it/],
  ])('has a pinned image, not %s', async (image, message) => {
    expect(await theProblem(patched(SHOP, (a) => (a.image = image)))).toEqual({ file: SHOP, path: 'image', message: expect.stringMatching(message) });
  });

  it.each(['host:5000/team/shop:1.0', `shop@sha256:${'a'.repeat(64)}`, `shop:1.0@sha256:${'b'.repeat(64)}`, 'shop:latest-2', 'shop:V1.0_RC1'])('a pinned image %s is fine', async (image) => {
    expect((await load(patched(SHOP, (a) => (a.image = image)))).get('s1')![0]!.apps[0]!.image).toBe(image);
  });

  it.each([
    ['port', 8080, 'remove port'],
    ['route', true, 'remove route'],
    ['replicas', 2, 'it runs one pod at a time; remove replicas'],
    ['volume', { size: '1Gi', mountPath: '/data' }, 'remove volume'],
    ['probe', { path: '/ready' }, 'remove probe'],
    ['metrics', {}, 'Prometheus cannot scrape it; remove metrics'],
  ])('with a schedule has no %s', async (key, value, fix) => {
    const files = patched(TENANT, (t) => (t.quota.storage = '5Gi'));
    expect(await theProblem(patched(SWEEP, (a) => (a[key] = value), files))).toEqual({
      file: SWEEP,
      path: key,
      message: `not allowed with schedule: a scheduled app runs as a CronJob to completion and serves nothing; ${fix} (or remove schedule to run a Deployment)`,
    });
  });

  it('without a schedule has a port', async () => {
    expect(await theProblem(patched(SHOP, (a) => delete a.port))).toEqual({
      file: SHOP,
      path: 'port',
      message: 'required field is missing: the app serves on a port (its Service, its route and its probe use it); set port (e.g. port: 8080), or set schedule to run it as a CronJob',
    });
  });

  it('with a volume runs one replica', async () => {
    let files = patched(TENANT, (t) => (t.quota.storage = '5Gi'));
    files = patched(SHOP, (a) => Object.assign(a, { replicas: 3, volume: { size: '1Gi', mountPath: '/data' } }), files);
    expect(await theProblem(files)).toEqual({
      file: SHOP,
      path: 'replicas',
      message: '3 is not allowed with a volume: a ReadWriteOnce volume mounts on one node, so the app runs one replica; remove replicas (or the volume)',
    });
  });

  it('takes a variable from env or secrets, not both', async () => {
    const files = patched(SHOP, (a) => Object.assign(a, { env: { TOKEN: 'x' }, secrets: { TOKEN: { key: 'api', property: 'token' } } }));
    expect(await theProblem(files)).toEqual({ file: SHOP, path: 'secrets.TOKEN', message: "'TOKEN' is also set in env: a variable comes from one place; remove it from env or from secrets" });
  });

  it('is placed on sites its team runs on', async () => {
    let files = patched(TENANT, (t) => (t.runsOn = { groups: ['g1'] }));
    files = patched(SHOP, (a) => (a.sites = ['s1', 's3', 's7']), files);
    const all = await problemsOf(files);
    expect(all).toEqual({
      [SHOP]: [
        { path: 'sites[1]', message: "'s3' is a site team web does not run on (it runs on: s1, s2); remove it, or add it to runsOn in tenants/web/tenant.yaml" },
        { path: 'sites[2]', message: "'s7' is not a site; the team runs on: s1, s2" },
      ],
    });
  });

  it('has an ArgoCD Application name within 63 characters: says which name to shorten', async () => {
    const app = 'x'.repeat(60);
    const files = { ...goodFiles(), [`tenants/web/apps/${app}.yaml`]: yaml({ name: app, image: 'x:1', port: 80 }) };
    const { file, path, message } = await theProblem(files);
    expect([file, path]).toEqual([`tenants/web/apps/${app}.yaml`, 'name']);
    expect(message).toBe(`its ArgoCD Application '${tenantApplication('web', app)}' (tenant-<team>-<app>) is 71 characters, more than 63 (a label value): shorten the app's name to at most 52 characters, or the team's name`);
  });

  it('has an ArgoCD Application name of its own: team a-b app c and team a app b-c would share one', async () => {
    const team = (name: string) => yaml({ name, owners: { users: ['u'] }, quota: { cpu: '1', memory: '1Gi', pods: 5 } });
    const files = {
      'tenants/a/tenant.yaml': team('a'),
      'tenants/a/apps/b-c.yaml': yaml({ name: 'b-c', image: 'x:1', port: 80 }),
      'tenants/a-b/tenant.yaml': team('a-b'),
      'tenants/a-b/apps/c.yaml': yaml({ name: 'c', image: 'x:1', port: 80 }),
    };
    expect(await theProblem(files)).toEqual({
      file: 'tenants/a-b/apps/c.yaml',
      path: 'name',
      message: "its ArgoCD Application 'tenant-a-b-c' would be that of app b-c of team a (tenants/a/apps/b-c.yaml) too (tenant-<team>-<app>): rename one of the apps",
    });
  });
});

describe('routes', () => {
  it("a label needs a wildcard hostname of the team (the app's name is the default label)", async () => {
    const files = patched(TENANT, (t) => (t.hostnames = ['shop.example.org']));
    expect(await theProblem(files)).toEqual({
      file: SHOP,
      path: 'route',
      message:
        "the host (the app's name, 'shop') is one label, to go in the team's first wildcard hostname, and team web has none (hostnames: shop.example.org): write a full host one of them covers, or add a wildcard (*.web.{site}) to hostnames in tenants/web/tenant.yaml",
    });
  });

  it.each([
    ['a host outside its hostnames', 'shop.example.org'],
    ['two labels under a wildcard (a wildcard covers exactly one)', 'a.shop.web.{site}'],
  ])('is covered by the team hostnames, not %s', async (_, host) => {
    expect(await theProblem(patched(SHOP, (a) => (a.route = { host })))).toEqual({
      file: SHOP,
      path: 'route.host',
      message: `'${host}' is not covered by the hostnames of team web (*.web.{site}): use one label (shop → shop.web.{site}), a host they cover, or add it to hostnames in tenants/web/tenant.yaml`,
    });
  });

  it('a host covered on some sites only: the message says on which', async () => {
    const files = patched(SHOP, (a) => (a.route = { host: 'shop.web.s1.example.com' }));
    expect(await theProblem(files)).toEqual({ file: SHOP, path: 'route.host', message: expect.stringMatching(/^on s2, s3: 'shop\.web\.s1\.example\.com' is not covered/) });
  });

  it('two apps of a team on one host and path', async () => {
    const files = { ...goodFiles(), 'tenants/web/apps/shop2.yaml': yaml({ name: 'shop2', image: 'x:1', port: 80, route: { host: 'shop' } }) };
    expect(await theProblem(files)).toEqual({
      file: 'tenants/web/apps/shop2.yaml',
      path: 'route',
      message: 'shop.web.{site}/ is also the route of app shop of team web (tenants/web/apps/shop.yaml): each host and path serves one app; choose another host or path',
    });
  });

  it('one host with two paths is fine', async () => {
    const files = { ...goodFiles(), 'tenants/web/apps/shop2.yaml': yaml({ name: 'shop2', image: 'x:1', port: 80, route: { host: 'shop', path: '/api' } }) };
    expect((await load(files)).get('s1')![0]!.apps.map((a) => a.route && `${a.route.host}${a.route.path}`)).toEqual(['shop.web.s1.example.com/', 'shop.web.s1.example.com/api', undefined]);
  });

  it('two teams on one host and path (a hostname both may serve, outside the site domains)', async () => {
    // Overlapping hostnames are refused first; this pair overlaps only through the routes.
    let files = patched(TENANT, (t) => (t.hostnames = ['*.web.{site}', 'shop.example.org']));
    files = patched(SHOP, (a) => (a.route = { host: 'shop.example.org' }), files);
    files = withApiTeam(files, { hostnames: ['*.api.{site}', 'shop.example.org'] }, { route: { host: 'shop.example.org' } });
    const all = await problemsOf(files);
    expect(all['tenants/web/apps/shop.yaml']).toEqual([
      { path: 'route', message: 'shop.example.org/ is also the route of app gw of team api (tenants/api/apps/gw.yaml): each host and path serves one app; choose another host or path' },
    ]);
  });
});

describe('quotas', () => {
  it('CPU: names the apps and the total, per site where the placement differs', async () => {
    let files = patched(TENANT, (t) => (t.quota.cpu = '500m'));
    files = patched(SHOP, (a) => Object.assign(a, { replicas: 2, cpu: '250m', sites: ['s1'] }), files);
    expect(await theProblem(files)).toEqual({
      file: TENANT,
      path: 'quota.cpu',
      message: "on s1: 500m is less than the CPU the apps request, 600m (shop 2 × 250m, sweep 100m): raise quota.cpu, or lower the apps' cpu or replicas",
    });
  });

  it('memory: on every site, said once', async () => {
    const files = patched(SHOP, (a) => Object.assign(a, { replicas: 4, memory: '1Gi' }));
    expect(await theProblem(files)).toEqual({
      file: TENANT,
      path: 'quota.memory',
      message: "4Gi is less than the memory the apps request, 4.13 GiB (shop 4 × 1Gi, sweep 128Mi): raise quota.memory, or lower the apps' memory or replicas",
    });
  });

  it('pods: a CronJob counts one', async () => {
    let files = patched(TENANT, (t) => (t.quota.pods = 3));
    files = patched(SHOP, (a) => (a.replicas = 3), files);
    expect(await theProblem(files)).toEqual({
      file: TENANT,
      path: 'quota.pods',
      message: "3 is fewer than the pods of the apps, 4 (shop 3, sweep 1; a CronJob counts one): raise quota.pods, or lower the apps' replicas",
    });
  });

  it('storage: none by default', async () => {
    expect(await theProblem(patched(SHOP, (a) => (a.volume = { size: '1Gi', mountPath: '/data' })))).toEqual({
      file: TENANT,
      path: 'quota.storage',
      message: 'not set (0: no volumes), less than the volumes of the apps, 1.00 GiB (shop 1Gi): set quota.storage, or make the volumes smaller',
    });
  });

  it('storage: the volumes of every app add up', async () => {
    let files = patched(TENANT, (t) => (t.quota.storage = '1Gi'));
    files = patched(SHOP, (a) => (a.volume = { size: '768Mi', mountPath: '/data' }), files);
    files = { ...files, 'tenants/web/apps/db.yaml': yaml({ name: 'db', image: 'db:1', port: 5432, volume: { size: '512Mi', mountPath: '/db' } }) };
    expect(await theProblem(files)).toEqual({
      file: TENANT,
      path: 'quota.storage',
      message: '1Gi, less than the volumes of the apps, 1.25 GiB (db 512Mi, shop 768Mi): raise quota.storage, or make the volumes smaller',
    });
  });

  it('are not summed while an app file is invalid (the totals would mislead)', async () => {
    let files = patched(TENANT, (t) => (t.quota.cpu = '100m'));
    files = patched(SWEEP, (a) => (a.bogus = true), files);
    expect(Object.keys(await problemsOf(files))).toEqual([SWEEP]);
  });
});

describe('the groups given', () => {
  it('GROUPS and SITES of the helpers agree (g3 has no site)', () => {
    expect(SITES.flatMap((s) => s.groups).filter((g) => !GROUPS.includes(g as (typeof GROUPS)[number]))).toEqual([]);
    expect(SITES.some((s) => s.groups.includes('g3'))).toBe(false);
  });
});
