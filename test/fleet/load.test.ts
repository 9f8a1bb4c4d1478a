/**
 * Loading a fleet (platform/fleet/load.ts) from the fixture fleet: the merge reaches each site,
 * its ring's ref is its revision, and every fleet rule has a case feeding it bad input and
 * checking the message (the same message platform.yaml gets, for the site file, naming the
 * group or defaults a bad value came from).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, type ConfigProblem } from '../../platform/config/errors.js';
import { FleetConfigError, loadFleet, type Fleet } from '../../platform/fleet/load.js';
import { CATALOG } from '../../layers/catalog.js';
import { cleanupFleets, FIXTURE_SITES, fixtureFleet } from '../helpers/fleet.js';
import { configFrom, baseConfigObject } from '../helpers/site.js';
import { stringify } from 'yaml';

afterAll(cleanupFleets);

const load = (dir: string) => loadFleet({ repoRoot: dir, catalog: CATALOG, gitDefaults: async () => ({}) });

async function problemsOf(dir: string): Promise<{ file: string; problems: readonly ConfigProblem[] }[]> {
  const e = await load(dir).then(
    () => undefined,
    (x: unknown) => x,
  );
  if (e instanceof FleetConfigError) return e.errors.map((c) => ({ file: c.file, problems: c.problems }));
  if (e instanceof ConfigError) return [{ file: e.file, problems: e.problems }];
  throw new Error(`expected a config error, got ${String(e)}`);
}

function edit(dir: string, file: string, f: (text: string) => string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = f(before);
  expect(after, `${file}: the edit changed nothing`).not.toBe(before);
  writeFileSync(path, after);
}

describe('the fixture fleet', () => {
  let fleet: Fleet;
  it('loads: five sites, three groups, two rings', async () => {
    fleet = await load(fixtureFleet({ kiosk: 'fail' }));
    expect(fleet.kind).toBe('fleet');
    expect(fleet.sites.map((s) => s.name)).toEqual([...FIXTURE_SITES]);
    expect(fleet.groups).toEqual(['eu-west', 'large-box', 'small-box']);
    expect(fleet.rings).toEqual([
      { name: 'canary', ref: 'main', sites: ['store-001'] },
      { name: 'stores', ref: 'rings/stores', sites: ['depot-01', 'kiosk-01', 'store-002', 'store-003'] },
    ]);
  });

  it('merges defaults, then the groups in the order a site lists them, then the site', () => {
    const site = (name: string) => fleet.sites.find((s) => s.name === name)!;
    const store1 = site('store-001');
    expect(store1.groups).toEqual(['small-box', 'eu-west']);
    expect(store1.config.site.owner).toBe('retail-platform'); // defaults
    expect(store1.config.site.environment).toBe('staging'); // eu-west
    expect(store1.config.nodes.map((n) => n.memory)).toEqual(['8Gi', '8Gi', '8Gi']); // small-box
    expect(store1.config.components.loki).toMatchObject({ enabled: true, retention: '336h' });
    // A map merges: store-003 adds a volume size to eu-west's retention.
    expect(site('store-003').config.components.loki).toMatchObject({ retention: '336h', volumeSize: '20Gi' });
    // A list replaces: depot-01's four nodes, kiosk-01's small workers.
    expect(site('depot-01').config.nodes).toHaveLength(4);
    expect(site('kiosk-01').config.nodes.map((n) => n.memory)).toEqual(['8Gi', '3Gi', '3Gi']);
    expect(site('store-002').config.site.environment).toBe('production'); // the schema default
  });

  it("gives each site its ring's ref as its revision (chart sources keep their versions)", () => {
    const revisionOf = Object.fromEntries(fleet.sites.map((s) => [s.name, s.config.git.revision]));
    expect(revisionOf).toEqual({ 'depot-01': 'rings/stores', 'kiosk-01': 'rings/stores', 'store-001': 'main', 'store-002': 'rings/stores', 'store-003': 'rings/stores' });
  });

  it('reports sites sharing an API address or a load-balancer pool as warnings, grouped', () => {
    expect(fleet.warnings).toEqual([
      expect.stringMatching(/^4 sites share the API server address 192\.168\.10\.10 \(kiosk-01, store-001, store-002, store-003\): fine when each is on a network of its own/),
      expect.stringMatching(/^4 sites share the load-balancer pool 192\.168\.10\.240\/28 \(kiosk-01, store-001, store-002, store-003\): .*conflict/),
    ]);
  });
});

describe('fleet config errors', () => {
  it('a bad value in a group: the same message as in platform.yaml, for every site of the group, naming the group', async () => {
    const dir = fixtureFleet();
    edit(dir, 'fleet.yaml', (t) => t.replace('{ name: w-2, role: worker, cpu: "4", memory: 8Gi }', '{ name: w-2, role: boss, cpu: "4", memory: 8Gi }'));
    const errors = await problemsOf(dir);
    // The one-site message for the same mistake.
    const raw = baseConfigObject();
    raw.nodes[2].role = 'boss';
    const single = (await configFrom(stringify(raw)).catch((e: ConfigError) => e)) as ConfigError;
    const message = single.problems.find((p) => p.path === 'nodes[2].role')!.message;
    // kiosk-01 lists small-box but replaces its nodes: not affected.
    expect(errors.map((e) => e.file)).toEqual([join(dir, 'sites/store-001.yaml'), join(dir, 'sites/store-002.yaml')]);
    for (const e of errors) expect(e.problems).toEqual([{ path: 'nodes[2].role', message, origin: 'from fleet.yaml groups.small-box' }]);
  });

  it('the message prints the site file, the path, where the value came from, and what is wrong', async () => {
    const dir = fixtureFleet();
    edit(dir, 'fleet.yaml', (t) => t.replace('retention: 336h', 'retention: forever'));
    const e = await load(dir).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FleetConfigError);
    expect((e as Error).message).toContain(`${join(dir, 'sites/store-001.yaml')}: components.loki.retention (from fleet.yaml groups.eu-west): 'forever' is not valid`);
    expect((e as FleetConfigError).exitCode).toBe(2);
  });

  it('a value from the defaults names the defaults; the source spelling of a YAML number is kept', async () => {
    const dir = fixtureFleet();
    edit(dir, 'fleet.yaml', (t) => t.replace('    loadBalancerPool: 192.168.10.240/28\n', '    loadBalancerPool: 192.168.10.240/28\n    kubernetesVersion: 1.30\n'));
    const errors = await problemsOf(dir);
    expect(errors).toHaveLength(5);
    for (const e of errors) {
      expect(e.problems).toContainEqual({
        path: 'cluster.kubernetesVersion',
        message: expect.stringMatching(/^1\.30 is a YAML number \(read as 1\.3\), not a version; write it as a string: kubernetesVersion: "1\.30"/),
        origin: 'from fleet.yaml defaults',
      });
    }
  });

  it.each([
    ['a site named unlike its file', 'sites/store-002.yaml', (t: string) => t.replace('name: store-002', 'name: store-two'), 'site.name', /'store-two' is not the file's name: the site in sites\/store-002.yaml is named 'store-002'; set site.name: store-002, or rename the file/],
    ['an unknown group', 'sites/store-002.yaml', (t: string) => t.replace('groups: [small-box]', 'groups: [small-box, moon]'), 'groups[1]', /'moon' is not a group of fleet.yaml; groups: eu-west, large-box, small-box/],
    ['a group listed twice', 'sites/store-002.yaml', (t: string) => t.replace('groups: [small-box]', 'groups: [small-box, small-box]'), 'groups[1]', /'small-box' is listed twice/],
    ['groups not a list', 'sites/store-002.yaml', (t: string) => t.replace('groups: [small-box]', 'groups: small-box'), 'groups', /expected a list of group names from fleet.yaml/],
    ['a revision in a site file', 'sites/store-002.yaml', (t: string) => `${t}git:\n  revision: feature\n`, 'git.revision', /a fleet site tracks its ring's ref/],
    ['a missing required key', 'sites/store-002.yaml', (t: string) => t.replace(/^ {2}domain: .*\n/m, ''), 'site.domain', /required field is missing/],
  ] as const)('%s: an error for the site file', async (_, file, change, path, message) => {
    const dir = fixtureFleet();
    edit(dir, file, change);
    const errors = await problemsOf(dir);
    expect(errors.map((e) => e.file)).toEqual([join(dir, file)]);
    expect(errors[0]!.problems.find((p) => p.path === path && message.test(p.message)), JSON.stringify(errors[0]!.problems)).toBeDefined();
  });

  it('two sites with one domain: the second (by name) is told whose domain it is', async () => {
    const dir = fixtureFleet();
    edit(dir, 'sites/store-003.yaml', (t) => t.replace('store-003.edge.example.com', 'store-002.edge.example.com'));
    expect(await problemsOf(dir)).toEqual([
      {
        file: join(dir, 'sites/store-003.yaml'),
        problems: [{ path: 'site.domain', message: expect.stringMatching(/'store-002.edge.example.com' is also the domain of site 'store-002' \(sites\/store-002.yaml\): each site serves/) }],
      },
    ]);
  });

  it.each([
    ['an unknown top-level key', (t: string) => `${t}regions: {}\n`, 'regions', /unknown key 'regions'; allowed keys here: defaults, groups, rings/],
    ['an unknown key in the defaults', (t: string) => t.replace('defaults:\n', 'defaults:\n  nodez: []\n'), 'defaults.nodez', /unknown key 'nodez'; allowed keys here: site, git, cluster, nodes, components, rendered, capacity, sso, publicUis, podSecurity/],
    ['a site name in the defaults', (t: string) => t.replace('  site:\n    owner: retail-platform\n', '  site:\n    owner: retail-platform\n    name: x\n'), 'defaults.site.name', /a site's name is its own/],
    ['a revision in a group', (t: string) => t.replace('  eu-west:\n', '  eu-west:\n    git:\n      revision: eu\n'), 'groups.eu-west.git.revision', /a site tracks its ring's ref/],
    ['groups in a group', (t: string) => t.replace('  eu-west:\n', '  eu-west:\n    groups: [small-box]\n'), 'groups.eu-west.groups', /a group cannot list groups/],
    ['a bad group name', (t: string) => t.replace('  eu-west:\n', '  EU_West:\n'), 'groups.EU_West', /'EU_West' is not a valid group name/],
    ['an unknown ring key', (t: string) => t.replace('  - name: canary\n', '  - name: canary\n    wave: 1\n'), 'rings[0].wave', /unknown key 'wave'/],
    ['a ref on the first ring', (t: string) => t.replace('  - name: canary\n', '  - name: canary\n    ref: prod\n'), 'rings[0].ref', /the first ring tracks the default branch \('main'\)/],
    ['a site in no ring', (t: string) => t.replace('    groups: [small-box, large-box]', '    groups: [small-box]'), 'rings', /site 'depot-01' is in no ring \(groups: large-box\)/],
  ] as const)('fleet.yaml with %s: an error for fleet.yaml', async (_, change, path, message) => {
    const dir = fixtureFleet();
    edit(dir, 'fleet.yaml', change);
    const errors = await problemsOf(dir);
    expect(errors.map((e) => e.file)).toEqual([join(dir, 'fleet.yaml')]);
    expect(errors[0]!.problems.find((p) => p.path === path && message.test(p.message)), JSON.stringify(errors[0]!.problems)).toBeDefined();
  });

  it('--config naming a fleet file: an error saying a fleet is found at the root', async () => {
    const dir = fixtureFleet();
    const e = await loadFleet({ repoRoot: dir, configFile: 'fleet.yaml', catalog: CATALOG }).catch((x: unknown) => x);
    expect((e as ConfigError).problems).toEqual([{ path: '(root)', message: expect.stringMatching(/^--config takes a one-site config; a fleet is found at the root: run without --config/) }]);
  });

  it('both platform.yaml and fleet.yaml: an error that says how to be one or the other', async () => {
    const dir = fixtureFleet();
    writeFileSync(join(dir, 'platform.yaml'), 'site: {}\n');
    const [e] = await problemsOf(dir);
    expect(e!.problems[0]!.message).toMatch(/both platform.yaml \(one site\) and fleet.yaml \(a fleet\) exist.*move platform.yaml to sites\/<its site.name>.yaml.*to keep one site, delete fleet.yaml/);
  });

  it.each([
    ['a .yml site file', 'store-9.yml', /site files end in .yaml: rename it to sites\/store-9.yaml/],
    ['a file name that is no site name', 'Store_9.yaml', /'Store_9' is not a valid site name \(the file's name is the site's name\)/],
  ])('%s in sites/: an error naming it', async (_, name, message) => {
    const dir = fixtureFleet();
    writeFileSync(join(dir, 'sites', name), 'site: {}\n');
    const [e] = await problemsOf(dir);
    expect(e!.problems).toEqual([{ path: `sites/${name}`, message: expect.stringMatching(message) }]);
  });

  it('a fleet without sites, and a default branch that cannot be known: errors with the fix', async () => {
    const dir = fixtureFleet();
    rmSync(join(dir, 'sites'), { recursive: true });
    mkdirSync(join(dir, 'sites'));
    expect((await problemsOf(dir))[0]!.problems[0]!.message).toMatch(/the fleet has no sites.*edge-idp site add NAME/);
    const other = fixtureFleet();
    edit(other, 'fleet.yaml', (t) => t.replace('    revision: main\n', ''));
    expect((await problemsOf(other))[0]!.problems).toEqual([
      { path: 'defaults.git.revision', message: expect.stringMatching(/not set, and the current branch cannot be read.*set defaults.git.revision/) },
    ]);
  });
});
