/**
 * Loads a repository's sites: a fleet (`fleet.yaml` + `sites/<name>.yaml`) or a one-site
 * repository (`platform.yaml`, or the file `--config` names), which is a fleet of one.
 *
 * A fleet site's config is `defaults` → its groups in the order it lists them → the site file,
 * merged (mappings deeply, lists replaced; merge.ts), then validated exactly as platform.yaml is:
 * the same messages, for the site file, each naming the group or the defaults a bad value came
 * from. Then what only the fleet can check: the site's name is its file's name, no two sites
 * share a domain, every site is in exactly one ring (rings.ts), and sites that share a
 * load-balancer pool or an API address are reported (warnings: see {@link sharedNetworkWarnings}).
 *
 * Every site is validated, however many `--site` asks to build: a fleet with a bad site is a bad
 * fleet. That costs little (the schema is compiled once; git is read once).
 */
import { basename } from 'node:path';
import { type ComponentCatalogEntry, createAjv, describeSchemaErrors, validateConfig } from '../config/load.js';
import { ConfigError, throwConfigErrors, type ConfigProblem } from '../config/errors.js';
import type { GitDefaults } from '../config/git.js';
import { parseConfigDocument } from '../config/read.js';
import { buildConfigSchema, FORMATS, type PlatformConfig } from '../config/schema.js';
import { parseCidr, parseIPv4 } from '../config/semantics.js';
import { compareText } from '../model/order.js';
import { mergeLayers, type Layer } from './merge.js';
import { IMPLICIT_RING, resolveRings, type ResolvedRing, type RingSpec } from './rings.js';
import { FLEET_FILE, FleetSchema, SINGLE_SITE_FILE, SITES_DIR } from './schema.js';
import { fileSource, type ConfigSource } from './source.js';
import { loadTenants } from '../tenants/load.js';
import type { SiteTenant } from '../model/tenants.js';

/** Re-exported from its home, `config/errors.ts` (the tenants loader throws it too). */
export { FleetConfigError } from '../config/errors.js';

/** One site of the fleet, its config resolved. */
export interface FleetSite {
  readonly name: string;
  /** Its config file: repository-relative (`sites/<name>.yaml`, `platform.yaml`), absolute when outside the root. */
  readonly file: string;
  /** The groups it lists, in its order (empty in a one-site repository). */
  readonly groups: readonly string[];
  /** Its rollout ring. */
  readonly ring: string;
  /** Its config, merged and resolved; `git.revision` is its ring's ref. */
  readonly config: PlatformConfig;
  /** The teams that run on it, with their apps there (`tenants/`). */
  readonly tenants: readonly SiteTenant[];
}

export interface Fleet {
  /** `fleet`: fleet.yaml and sites/; `single`: one config file. */
  readonly kind: 'fleet' | 'single';
  /** fleet.yaml, or the one-site config file (repository-relative, or absolute). */
  readonly file: string;
  /** Every site, by name. */
  readonly sites: readonly FleetSite[];
  /** The rings in rollout order (one implicit ring when none are declared). */
  readonly rings: readonly ResolvedRing[];
  /** The branch the first ring tracks. */
  readonly defaultBranch: string;
  /** The groups fleet.yaml declares, sorted. */
  readonly groups: readonly string[];
  /** What is worth a look but not wrong (sites sharing a network), one line each. */
  readonly warnings: readonly string[];
}

export interface LoadFleetOptions {
  /** Repository root. */
  readonly repoRoot: string;
  /** A one-site config file to use instead of the repository's (absolute, or root-relative). Default: none. */
  readonly configFile?: string;
  readonly catalog: readonly ComponentCatalogEntry[];
  /** Git facts for unset git fields; called at most once. */
  readonly gitDefaults?: () => Promise<GitDefaults>;
  /** Where the files are read from. Default: the working tree at `repoRoot`. */
  readonly source?: ConfigSource;
}

/** The file a site's config lives in. */
export function siteFile(name: string): string {
  return `${SITES_DIR}/${name}.yaml`;
}

function once<T>(f: (() => Promise<T>) | undefined): () => Promise<T | undefined> {
  let p: Promise<T> | undefined;
  return () => (f ? (p ??= f()) : Promise.resolve(undefined));
}

/**
 * Which config the repository has: `fleet.yaml` (a fleet), `platform.yaml` (one site), or the
 * `--config` file (one site). Both fleet.yaml and platform.yaml is a config error saying what to do.
 */
export async function fleetKind(source: ConfigSource, configFile?: string): Promise<{ kind: 'fleet' | 'single'; file: string }> {
  if (configFile !== undefined) {
    if (basename(configFile) === FLEET_FILE) {
      throw new ConfigError(source.display(configFile), [
        { path: '(root)', message: `--config takes a one-site config; a fleet is found at the root: run without --config (with --root the folder holding ${FLEET_FILE} and ${SITES_DIR}/)` },
      ]);
    }
    return { kind: 'single', file: configFile };
  }
  const [fleet, single] = await Promise.all([source.exists(FLEET_FILE), source.exists(SINGLE_SITE_FILE)]);
  if (fleet && single) {
    throw new ConfigError(source.display(SINGLE_SITE_FILE), [
      {
        path: '(root)',
        message:
          `both ${SINGLE_SITE_FILE} (one site) and ${FLEET_FILE} (a fleet) exist: a repository is one or the other. ` +
          `To make it a fleet, move ${SINGLE_SITE_FILE} to ${SITES_DIR}/<its site.name>.yaml (shared settings may move to ${FLEET_FILE}'s defaults); ` +
          `to keep one site, delete ${FLEET_FILE}`,
      },
    ]);
  }
  return fleet ? { kind: 'fleet', file: FLEET_FILE } : { kind: 'single', file: SINGLE_SITE_FILE };
}

/** Loads and validates every site (see the file comment). Throws `ConfigError` or `FleetConfigError`. */
export async function loadFleet(opts: LoadFleetOptions): Promise<Fleet> {
  const source = opts.source ?? fileSource(opts.repoRoot);
  const gitDefaults = once(opts.gitDefaults);
  const gd = async () => (await gitDefaults()) ?? {};
  const { kind, file } = await fleetKind(source, opts.configFile);
  if (kind === 'single') {
    const { data, doc } = parseConfigDocument(await source.read(file), source.display(file));
    const config = await validateConfig(data, { file: source.display(file), catalog: opts.catalog, gitDefaults: gd, doc });
    const ring: ResolvedRing = { name: IMPLICIT_RING, ref: config.git.revision, sites: [config.site.name] };
    const tenants = await loadTenants({ source, sites: [{ name: config.site.name, groups: [], domain: config.site.domain }], groups: [] });
    return {
      kind,
      file,
      sites: [{ name: config.site.name, file, groups: [], ring: ring.name, config, tenants: tenants.get(config.site.name) ?? [] }],
      rings: [ring],
      defaultBranch: config.git.revision,
      groups: [],
      warnings: [],
    };
  }
  return loadFleetFiles(source, opts.catalog, gd);
}

// ---------------------------------------------------------------------------------------------
// fleet.yaml

interface FleetDoc {
  readonly defaults: Record<string, unknown>;
  readonly groups: Readonly<Record<string, Record<string, unknown>>>;
  readonly rings?: readonly RingSpec[];
  readonly doc: Layer['doc'];
}

let fleetValidator: ReturnType<ReturnType<typeof createAjv>['compile']> | undefined;

const TOP_LEVEL_KEYS = Object.keys(buildConfigSchema([]).properties);

/** Problems of a partial site config in fleet.yaml (`defaults`, or a group), paths under `at`. */
function partialProblems(data: Record<string, unknown>, at: string, what: 'defaults' | 'group'): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(data)) {
    if (key === 'groups') {
      problems.push({ path: `${at}.groups`, message: `${what === 'group' ? 'a group cannot list groups' : 'defaults cannot list groups'}: a site lists its groups in its own file (groups: [a, b])` });
    } else if (!TOP_LEVEL_KEYS.includes(key)) {
      problems.push({ path: `${at}.${key}`, message: `unknown key '${key}'; allowed keys here: ${TOP_LEVEL_KEYS.join(', ')}` });
    }
  }
  const site = data.site as Record<string, unknown> | undefined;
  if (site && typeof site === 'object' && 'name' in site) {
    problems.push({ path: `${at}.site.name`, message: "a site's name is its own: set site.name in each site file (it must equal the file's name), not here" });
  }
  const git = data.git as Record<string, unknown> | undefined;
  if (what === 'group' && git && typeof git === 'object' && 'revision' in git) {
    problems.push({ path: `${at}.git.revision`, message: "a site tracks its ring's ref: rings decide revisions; name the default branch with git.revision in defaults" });
  }
  return problems;
}

async function readFleetFile(source: ConfigSource): Promise<FleetDoc> {
  const display = source.display(FLEET_FILE);
  const { data, doc } = parseConfigDocument(await source.read(FLEET_FILE), display);
  fleetValidator ??= createAjv().compile(FleetSchema);
  const raw = structuredClone(data);
  const problems: ConfigProblem[] = [];
  if (!fleetValidator(raw)) problems.push(...describeSchemaErrors(fleetValidator.errors ?? [], data, []));
  if (problems.length) throw new ConfigError(display, problems);
  const defaults = (raw.defaults ?? {}) as Record<string, unknown>;
  const groups = (raw.groups ?? {}) as Record<string, Record<string, unknown>>;
  problems.push(...partialProblems(defaults, 'defaults', 'defaults'));
  for (const [name, group] of Object.entries(groups)) {
    if (!FORMATS['dns-label'].pattern.test(name)) {
      problems.push({ path: `groups.${name}`, message: `'${name}' is not a valid group name: expected ${FORMATS['dns-label'].help}` });
    }
    problems.push(...partialProblems(group, `groups.${name}`, 'group'));
  }
  if (problems.length) throw new ConfigError(display, problems);
  return { defaults, groups, ...(raw.rings ? { rings: raw.rings as RingSpec[] } : {}), doc };
}

// ---------------------------------------------------------------------------------------------
// sites/

interface SiteDoc {
  readonly name: string;
  readonly file: string;
  readonly groups: readonly string[];
  readonly data: Record<string, unknown>;
  readonly doc: Layer['doc'];
  /** Problems of the site file itself (its groups list, keys only fleet.yaml may set). */
  readonly problems: readonly ConfigProblem[];
}

/** The site files under sites/: `<name>.yaml` each; anything else that looks like one is a problem. */
async function listSiteFiles(source: ConfigSource): Promise<{ names: string[]; problems: ConfigProblem[] }> {
  const names: string[] = [];
  const problems: ConfigProblem[] = [];
  for (const entry of await source.list(SITES_DIR)) {
    const m = /^(.*)\.(yaml|yml)$/.exec(entry.name);
    if (!m || entry.folder) continue;
    if (m[2] === 'yml') {
      problems.push({ path: `${SITES_DIR}/${entry.name}`, message: `site files end in .yaml: rename it to ${SITES_DIR}/${m[1]}.yaml (or move it out of ${SITES_DIR}/)` });
    } else if (!FORMATS['dns-label'].pattern.test(m[1]!)) {
      problems.push({ path: `${SITES_DIR}/${entry.name}`, message: `'${m[1]}' is not a valid site name (the file's name is the site's name): expected ${FORMATS['dns-label'].help}` });
    } else names.push(m[1]!);
  }
  return { names: names.sort(compareText), problems };
}

async function readSiteFile(source: ConfigSource, name: string, fleet: FleetDoc): Promise<SiteDoc> {
  const file = siteFile(name);
  const { data, doc } = parseConfigDocument(await source.read(file), source.display(file));
  const problems: ConfigProblem[] = [];
  const groups: string[] = [];
  const declared = Object.keys(fleet.groups);
  const listed = data.groups;
  if (listed !== undefined && !Array.isArray(listed)) {
    problems.push({ path: 'groups', message: `expected a list of group names from ${FLEET_FILE} (groups: [a, b]), not ${typeof listed === 'object' ? 'a map' : `'${String(listed)}'`}` });
  } else {
    (listed ?? []).forEach((g: unknown, i: number) => {
      if (typeof g !== 'string' || !Object.hasOwn(fleet.groups, g)) {
        problems.push({
          path: `groups[${i}]`,
          message: `'${String(g)}' is not a group of ${FLEET_FILE}; ${declared.length ? `groups: ${[...declared].sort(compareText).join(', ')}` : `${FLEET_FILE} declares no groups`}`,
        });
      } else if (groups.includes(g)) problems.push({ path: `groups[${i}]`, message: `'${g}' is listed twice; list each group once` });
      else groups.push(g);
    });
  }
  const { groups: _listed, ...rest } = data;
  const git = rest.git as Record<string, unknown> | undefined;
  if (git && typeof git === 'object' && 'revision' in git) {
    problems.push({ path: 'git.revision', message: `a fleet site tracks its ring's ref (rings in ${FLEET_FILE}); remove git.revision here (name the default branch with git.revision in ${FLEET_FILE}'s defaults)` });
  }
  return { name, file, groups, data: rest, doc, problems };
}

// ---------------------------------------------------------------------------------------------
// The fleet

async function loadFleetFiles(source: ConfigSource, catalog: readonly ComponentCatalogEntry[], gitDefaults: () => Promise<GitDefaults>): Promise<Fleet> {
  const fleet = await readFleetFile(source);
  const fleetDisplay = source.display(FLEET_FILE);
  const listing = await listSiteFiles(source);
  if (listing.problems.length) throw new ConfigError(source.display(SITES_DIR), listing.problems);
  if (listing.names.length === 0) {
    throw new ConfigError(fleetDisplay, [
      { path: '(root)', message: `the fleet has no sites: add one file per site as ${SITES_DIR}/<name>.yaml (\`edge-idp site add NAME\` writes one)` },
    ]);
  }
  const defaultsGit = fleet.defaults.git as { revision?: unknown } | undefined;
  const written = typeof defaultsGit?.revision === 'string' ? defaultsGit.revision : undefined;
  const defaultBranch = written ?? (await gitDefaults()).revision;
  if (defaultBranch === undefined) {
    throw new ConfigError(fleetDisplay, [
      { path: 'defaults.git.revision', message: 'not set, and the current branch cannot be read (detached HEAD?): the first ring tracks the default branch; set defaults.git.revision' },
    ]);
  }

  // Site files may be many: read them a few at a time.
  const docs: SiteDoc[] = [];
  for (let i = 0; i < listing.names.length; i += 32) {
    docs.push(...(await Promise.all(listing.names.slice(i, i + 32).map((n) => readSiteFile(source, n, fleet)))));
  }

  // A site's own mistakes (its groups list) first: the rings are resolved from what it lists.
  throwConfigErrors(docs.filter((d) => d.problems.length).map((d) => new ConfigError(source.display(d.file), d.problems)));
  const groupNames = Object.keys(fleet.groups).sort(compareText);
  const resolution = resolveRings({ rings: fleet.rings, groups: groupNames, sites: docs.map((d) => ({ name: d.name, groups: d.groups })), defaultBranch });
  if (resolution.problems.length) throw new ConfigError(fleetDisplay, resolution.problems);
  const ringIndex = new Map(resolution.rings.map((r, i) => [r.name, i]));

  const errors: ConfigError[] = [];
  const sites: FleetSite[] = [];
  for (const d of docs) {
    const ring = resolution.ringOf.get(d.name)!;
    const ringSpec = resolution.rings[ringIndex.get(ring)!]!;
    const layers: Layer[] = [
      { origin: `${FLEET_FILE} defaults`, data: fleet.defaults, doc: fleet.doc, docPath: ['defaults'] },
      ...d.groups.map((g): Layer => ({ origin: `${FLEET_FILE} groups.${g}`, data: fleet.groups[g]!, doc: fleet.doc, docPath: ['groups', g] })),
      // The ring's ref is the site's revision (the site file may not set one: see readSiteFile).
      ...ringLayer(ringIndex.get(ring)!, ringSpec, fleet.rings !== undefined, written),
      { origin: d.file, data: d.data, doc: d.doc },
    ];
    const merged = mergeLayers(layers);
    const display = source.display(d.file);
    const own: ConfigProblem[] = [];
    const siteName = (merged.data.site as { name?: unknown } | undefined)?.name;
    if (siteName !== undefined && siteName !== d.name) {
      own.push({ path: 'site.name', message: `'${String(siteName)}' is not the file's name: the site in ${d.file} is named '${d.name}'; set site.name: ${d.name}, or rename the file` });
    }
    try {
      const config = await validateConfig(merged.data, { file: display, catalog, gitDefaults, doc: merged.doc, originOf: merged.originOf });
      if (own.length) errors.push(new ConfigError(display, own));
      else sites.push({ name: d.name, file: d.file, groups: d.groups, ring, config, tenants: [] });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      errors.push(new ConfigError(display, [...own, ...e.problems]));
    }
  }
  throwConfigErrors(errors);
  throwConfigErrors(duplicateDomains(sites, source));
  const tenants = await loadTenants({ source, sites: sites.map((s) => ({ name: s.name, groups: s.groups, domain: s.config.site.domain })), groups: groupNames });
  return {
    kind: 'fleet',
    file: FLEET_FILE,
    sites: sites.map((s) => ({ ...s, tenants: tenants.get(s.name) ?? [] })),
    rings: resolution.rings,
    defaultBranch,
    groups: groupNames,
    warnings: sharedNetworkWarnings(sites),
  };
}

/**
 * The layer that sets a site's revision to its ring's ref: none when that is the default branch
 * as written in the defaults (already a layer), else the ring (or the current branch, for the
 * first ring when the defaults name no branch).
 */
function ringLayer(index: number, ring: ResolvedRing, declared: boolean, writtenBranch: string | undefined): Layer[] {
  if (index === 0 && writtenBranch !== undefined) return [];
  const origin = index > 0 ? `${FLEET_FILE} rings[${index}] (${ring.name})` : declared ? `${FLEET_FILE} rings[0] (${ring.name}): the current branch` : 'the current branch';
  return [{ origin, data: { git: { revision: ring.ref } } }];
}

/** Each site whose domain an earlier site (by name) already has: its own error. */
function duplicateDomains(sites: readonly FleetSite[], source: ConfigSource): ConfigError[] {
  const first = new Map<string, FleetSite>();
  const errors: ConfigError[] = [];
  for (const site of sites) {
    const other = first.get(site.config.site.domain);
    if (!other) {
      first.set(site.config.site.domain, site);
      continue;
    }
    errors.push(
      new ConfigError(source.display(site.file), [
        {
          path: 'site.domain',
          message: `'${site.config.site.domain}' is also the domain of site '${other.name}' (${other.file}): each site serves its UIs and certificates under its own domain; give this site another one`,
        },
      ]),
    );
  }
  return errors;
}

/**
 * Sites that share a load-balancer pool (or whose pools overlap) or an API server address.
 * Warnings, not errors: edge sites are often built alike on LANs of their own (every store's
 * 192.168.10.0/24), and there the same addresses are right. They are wrong only when two sites
 * share a network, where an address would be announced twice; synth cannot tell, so it says so.
 */
export function sharedNetworkWarnings(sites: readonly FleetSite[]): string[] {
  const warnings: string[] = [];
  const byHost = new Map<string, string[]>();
  for (const s of sites) {
    const host = s.config.cluster.apiServer.host;
    byHost.set(host, [...(byHost.get(host) ?? []), s.name]);
  }
  for (const [host, names] of [...byHost].sort(([a], [b]) => compareText(a, b))) {
    if (names.length < 2) continue;
    warnings.push(
      `${names.length} sites share the API server address ${host} (${shortList(names)}): fine when each is on a network of its own, ` +
        `a conflict when they share one${parseIPv4(host) === undefined ? ' (a DNS name resolves to one address for everyone who shares a resolver)' : ''}`,
    );
  }
  // Pools: identical ones grouped, then overlaps between different ones.
  const byPool = new Map<string, string[]>();
  for (const s of sites) byPool.set(s.config.cluster.loadBalancerPool, [...(byPool.get(s.config.cluster.loadBalancerPool) ?? []), s.name]);
  const pools = [...byPool].sort(([a], [b]) => compareText(a, b));
  for (const [pool, names] of pools) {
    if (names.length < 2) continue;
    warnings.push(`${names.length} sites share the load-balancer pool ${pool} (${shortList(names)}): fine when each is on a LAN of its own, a conflict (addresses announced twice) when they share one`);
  }
  const range = (cidr: string) => {
    const c = parseCidr(cidr);
    if (!c) return undefined;
    const size = 2 ** (32 - c.prefix);
    const first = c.address - (c.address % size);
    return { first, last: first + size - 1 };
  };
  for (let i = 0; i < pools.length; i++) {
    for (let j = i + 1; j < pools.length; j++) {
      const a = range(pools[i]![0]);
      const b = range(pools[j]![0]);
      if (!a || !b || a.last < b.first || b.last < a.first) continue;
      warnings.push(
        `the load-balancer pools ${pools[i]![0]} (${shortList(pools[i]![1])}) and ${pools[j]![0]} (${shortList(pools[j]![1])}) overlap: fine on separate LANs, a conflict when the sites share one`,
      );
    }
  }
  return warnings;
}

function shortList(names: readonly string[], max = 5): string {
  return names.length > max ? `${names.slice(0, max).join(', ')} … and ${names.length - max} more` : names.join(', ');
}
