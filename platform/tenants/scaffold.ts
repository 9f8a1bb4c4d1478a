/**
 * `edge-idp tenant new` and `edge-idp app new`: a new `tenants/<team>/tenant.yaml` or
 * `tenants/<team>/apps/<app>.yaml` from a small template, written only when synth would take it.
 *
 * Nothing here repeats the loader's checks. The new file is laid over the repository (an
 * overlay of the config source, nothing on disk), the whole repository is loaded as synth loads
 * it, and every site the team (or the app) would run on is built in memory: the loader's errors,
 * a team named like a platform namespace, a site the quotas no longer fit, each is refused with
 * synth's own error and exit code, and nothing is written.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, EdgeIdpError, EXIT_CODES, printable, type ConfigProblem } from '../config/errors.js';
import { readGitDefaults } from '../config/git.js';
import { FORMATS } from '../config/schema.js';
import { FleetConfigError, loadFleet, type Fleet, type FleetSite } from '../fleet/load.js';
import { fileSource, type ConfigSource } from '../fleet/source.js';
import type { ComponentDefinition } from '../model/definition.js';
import { compareText } from '../model/order.js';
import { buildSite } from '../synth/build.js';
import { capacityBlocks, CapacityError, FleetCapacityError, type FailingSite } from '../synth/capacity.js';
import { renderAppFile, type AppFileValues } from './app-template.js';
import { appFile, tenantFile } from './load.js';
import { TENANT_FILE, TENANTS_DIR } from './schema.js';

/** What `tenant new` writes when no quota option is given: room for a few small apps. */
export const NEW_TENANT_QUOTA = { cpu: '1', memory: '2Gi', pods: 10 } as const;

// ---------------------------------------------------------------------------------------------
// The overlay

/**
 * `base` with `files` laid over it (repository-relative POSIX paths → text): they exist, read as
 * their text, and show in the listings of their folders (folders on their way created).
 */
export function overlaySource(base: ConfigSource, files: ReadonlyMap<string, string>): ConfigSource {
  const norm = (p: string) => p.replace(/\/+$/, '');
  const folders = new Set<string>();
  for (const path of files.keys()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  return {
    display: (p) => base.display(p),
    exists: async (p) => files.has(norm(p)) || folders.has(norm(p)) || base.exists(p),
    read: async (p) => files.get(norm(p)) ?? base.read(p),
    async list(dir) {
      const d = norm(dir);
      const entries = new Map((await base.list(dir)).map((e) => [e.name, e]));
      for (const p of [...files.keys(), ...folders]) {
        const slash = p.lastIndexOf('/');
        const parent = slash < 0 ? '' : p.slice(0, slash);
        if (parent !== d) continue;
        const name = p.slice(slash + 1);
        if (!entries.has(name)) entries.set(name, { name, folder: folders.has(p) });
      }
      return [...entries.values()].sort((a, b) => compareText(a.name, b.name));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Shared by both commands

export interface ScaffoldRepository {
  /** Repository root. */
  readonly repoRoot: string;
  /** A one-site config file instead of the repository's (absolute, or root-relative). Default: fleet.yaml or platform.yaml. */
  readonly configFile?: string;
  readonly catalog: readonly ComponentDefinition[];
}

export interface ScaffoldResult {
  /** The file written, repository-relative. */
  readonly file: string;
  /** Its text. */
  readonly text: string;
  readonly team: string;
  /** The sites the team (for an app: the app) runs on, sorted; each was built with the file. */
  readonly sites: readonly string[];
}

const usage = (message: string) => new EdgeIdpError(message, EXIT_CODES.usage);

function checkName(what: 'team' | 'app', name: string): void {
  if (!FORMATS['dns-label'].pattern.test(name)) {
    throw usage(`'${name}' is not a valid ${what} name (it names a folder or file under ${TENANTS_DIR}/, and Kubernetes objects): expected ${FORMATS['dns-label'].help}`);
  }
}

/**
 * Problems of the new file say which option set the value: `owners (--owner): no owners: …`.
 * Problems of other files stay as the loader wrote them.
 */
function withOptions(e: unknown, files: readonly string[], optionOf: (path: string) => string | undefined): unknown {
  const annotate = (c: ConfigError) =>
    !files.includes(c.file)
      ? c
      : new ConfigError(
          c.file,
          c.problems.map((p): ConfigProblem => {
            const option = p.origin === undefined ? optionOf(p.path) : undefined;
            return option ? { ...p, origin: option } : p;
          }),
        );
  if (e instanceof ConfigError) return annotate(e);
  if (e instanceof FleetConfigError) return new FleetConfigError(e.errors.map(annotate));
  return e;
}

function optionFor(table: Readonly<Record<string, string>>): (path: string) => string | undefined {
  const keys = Object.keys(table).sort((a, b) => b.length - a.length);
  return (path) => {
    const key = keys.find((k) => path === k || path.startsWith(`${k}.`) || path.startsWith(`${k}[`));
    return key === undefined ? undefined : table[key];
  };
}

/**
 * Loads the repository with `file` laid over it and builds `sitesOf(fleet)` in memory, as synth
 * would. Throws synth's errors (config: exit 2; capacity: exit 3), problems of the new file
 * naming the option that set the value.
 */
async function validateWith(
  repo: ScaffoldRepository,
  file: string,
  text: string,
  options: Readonly<Record<string, string>>,
  sitesOf: (fleet: Fleet) => FleetSite[],
): Promise<FleetSite[]> {
  const base = fileSource(repo.repoRoot);
  const source = overlaySource(base, new Map([[file, text]]));
  const failing: FailingSite[] = [];
  let fleet: Fleet;
  let sites: FleetSite[];
  try {
    fleet = await loadFleet({
      repoRoot: repo.repoRoot,
      ...(repo.configFile !== undefined ? { configFile: repo.configFile } : {}),
      catalog: repo.catalog,
      gitDefaults: () => readGitDefaults(repo.repoRoot),
      source,
    });
    sites = sitesOf(fleet).sort((a, b) => compareText(a.name, b.name));
    for (const site of sites) {
      const build = buildSite({ config: site.config, configFile: base.display(site.file), catalog: repo.catalog, tenants: site.tenants });
      if (capacityBlocks(build, build.plan)) failing.push({ site: site.name, file: site.file, plan: build.plan });
    }
  } catch (e) {
    // The loader names files as the source displays them; a site build, repository-relative.
    throw withOptions(e, [base.display(file), file], optionFor(options));
  }
  if (failing.length) throw fleet.kind === 'single' ? new CapacityError(failing[0]!.plan, failing[0]!.file) : new FleetCapacityError(failing);
  return sites;
}

async function writeNew(repoRoot: string, file: string, text: string): Promise<void> {
  const path = fileSource(repoRoot).display(file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { encoding: 'utf8', flag: 'wx' });
}

/**
 * A YAML scalar for `value`: plain when YAML reads it back as that string, else double-quoted
 * (a JSON string is a YAML double-quoted scalar).
 */
function scalar(value: string): string {
  let back: unknown;
  try {
    back = /^[A-Za-z0-9][A-Za-z0-9._/@+-]*$/.test(value) ? parse(value) : undefined;
  } catch {
    back = undefined;
  }
  return back === value ? value : JSON.stringify(value);
}

/** An integer option as a number when it is one, else as given (the loader names what it expects). */
function integer(value: string | undefined): number | string | undefined {
  return value !== undefined && /^[0-9]{1,9}$/.test(value) ? Number(value) : value;
}

// ---------------------------------------------------------------------------------------------
// tenant new

export interface NewTenantOptions extends ScaffoldRepository {
  readonly team: string;
  /** Owner groups of the identity provider. Default: none (refused: a team needs an owner). */
  readonly owners?: readonly string[];
  /** Default: {@link NEW_TENANT_QUOTA}.cpu. */
  readonly cpu?: string;
  /** Default: {@link NEW_TENANT_QUOTA}.memory. */
  readonly memory?: string;
  /** Default: {@link NEW_TENANT_QUOTA}.pods. */
  readonly pods?: string;
  /** Sites the team runs on by name. Default: none (with no groups either: every site). */
  readonly sites?: readonly string[];
  /** Groups of fleet.yaml whose sites the team runs on. Default: none. */
  readonly groups?: readonly string[];
}

/** The text of a new tenant.yaml. */
export function tenantFileText(opts: Omit<NewTenantOptions, keyof ScaffoldRepository>): string {
  const list = (items: readonly string[]) => `[${items.map(scalar).join(', ')}]`;
  const sites = [...new Set(opts.sites ?? [])];
  const groups = [...new Set(opts.groups ?? [])];
  const owners = [...new Set(opts.owners ?? [])];
  const pods = integer(opts.pods) ?? NEW_TENANT_QUOTA.pods;
  return [
    `# Team ${opts.team}: its apps are the files in apps/ beside this one. Reference: README.md "Teams and apps".`,
    `name: ${opts.team}`,
    ...(owners.length ? ['owners:', `  groups: ${list(owners)}`] : ['owners: {}']),
    ...(sites.length || groups.length
      ? ['runsOn:', ...(groups.length ? [`  groups: ${list(groups)}`] : []), ...(sites.length ? [`  sites: ${list(sites)}`] : [])]
      : ['# runsOn: every site of the repository (or runsOn.groups / runsOn.sites)']),
    '# What the team may request on each site it runs on; the capacity plan reserves all of it.',
    'quota:',
    `  cpu: ${JSON.stringify(opts.cpu ?? NEW_TENANT_QUOTA.cpu)}`,
    `  memory: ${scalar(opts.memory ?? NEW_TENANT_QUOTA.memory)}`,
    `  pods: ${typeof pods === 'number' ? pods : JSON.stringify(pods)}`,
    `# hostnames: default *.${opts.team}.{site} (e.g. *.${opts.team}.<site domain>)`,
    '',
  ].join('\n');
}

const TENANT_OPTIONS = { name: 'TEAM', owners: '--owner', 'quota.cpu': '--cpu', 'quota.memory': '--memory', 'quota.pods': '--pods', 'runsOn.groups': '--group', 'runsOn.sites': '--site' } as const;

/**
 * Writes `tenants/<team>/tenant.yaml` (see the file comment). Throws `EdgeIdpError`: usage (64)
 * for a name that cannot be a folder; config (2) for an existing team and whatever the loader
 * refuses; capacity (3) when a site would no longer fit.
 */
export async function newTenant(opts: NewTenantOptions): Promise<ScaffoldResult> {
  checkName('team', opts.team);
  const file = tenantFile(opts.team);
  const base = fileSource(opts.repoRoot);
  if (await base.exists(`${TENANTS_DIR}/${opts.team}`)) {
    throw new EdgeIdpError(
      (await base.exists(file))
        ? `${file} already exists: team '${opts.team}' is there; edit that file, or pick another name`
        : `${TENANTS_DIR}/${opts.team}/ already exists without ${TENANT_FILE}: write ${file} there by hand, or remove the folder`,
      EXIT_CODES.config,
    );
  }
  const text = tenantFileText(opts);
  const sites = await validateWith(opts, file, text, TENANT_OPTIONS, (fleet) => fleet.sites.filter((s) => s.tenants.some((t) => t.name === opts.team)));
  await writeNew(opts.repoRoot, file, text);
  return { file, text, team: opts.team, sites: sites.map((s) => s.name) };
}

// ---------------------------------------------------------------------------------------------
// app new

export interface NewAppOptions extends ScaffoldRepository {
  readonly team: string;
  readonly app: string;
  readonly image: string;
  /** Default: none (a served app needs one: the loader says so). */
  readonly port?: string;
  /** Default: false. */
  readonly route?: boolean;
  /** Default: none written (the loader's default). */
  readonly replicas?: string;
  /** Default: none written (the loader's default). */
  readonly cpu?: string;
  /** Default: none written (the loader's default). */
  readonly memory?: string;
  /** Default: none (a Deployment). */
  readonly schedule?: string;
}

const APP_OPTIONS = { name: 'APP', image: '--image', port: '--port', route: '--route', replicas: '--replicas', cpu: '--cpu', memory: '--memory', schedule: '--schedule' } as const;

/** The template's values for the options: what is not given is left out. */
export function appFileValues(opts: Omit<NewAppOptions, keyof ScaffoldRepository>): AppFileValues {
  const port = integer(opts.port);
  const replicas = integer(opts.replicas);
  return {
    team: opts.team,
    app: opts.app,
    image: opts.image,
    ...(port !== undefined ? { port } : {}),
    ...(opts.route ? { route: true } : {}),
    ...(replicas !== undefined ? { replicas } : {}),
    ...(opts.cpu !== undefined ? { cpu: opts.cpu } : {}),
    ...(opts.memory !== undefined ? { memory: opts.memory } : {}),
    ...(opts.schedule !== undefined ? { schedule: opts.schedule } : {}),
  };
}

/**
 * Each value must read back from the file as given: a value YAML would read otherwise (quotes,
 * line breaks, `key: value` inside) is refused before anything is loaded.
 */
function assertReadsBack(text: string, values: AppFileValues): void {
  const data = parse(text) as Record<string, unknown>;
  const expected: Record<string, unknown> = { name: values.app, image: values.image, port: values.port, replicas: values.replicas, cpu: values.cpu, memory: values.memory, schedule: values.schedule };
  for (const [key, value] of Object.entries(expected)) {
    if (value !== undefined && data[key] !== value) {
      const option = APP_OPTIONS[key as keyof typeof APP_OPTIONS];
      throw usage(`${option} '${printable(String(value))}': not a plain value (it would not read back as written: quotes, line breaks or YAML syntax); pass the value alone`);
    }
  }
}

/**
 * Writes `tenants/<team>/apps/<app>.yaml` (see the file comment). Throws `EdgeIdpError`: usage
 * (64) for a name that cannot be a file or a value that cannot be written as given; config (2) for
 * an unknown team, an existing app and whatever the loader refuses (`latest`, no port…);
 * capacity (3) when a site would no longer fit.
 */
export async function newApp(opts: NewAppOptions): Promise<ScaffoldResult> {
  checkName('team', opts.team);
  checkName('app', opts.app);
  const base = fileSource(opts.repoRoot);
  if (!(await base.exists(tenantFile(opts.team)))) {
    const teams = (await base.list(TENANTS_DIR)).filter((e) => e.folder).map((e) => e.name);
    throw new EdgeIdpError(
      `no team '${opts.team}': ${tenantFile(opts.team)} does not exist (${teams.length ? `teams: ${teams.join(', ')}` : `${TENANTS_DIR}/ has no team yet`}); create it with: edge-idp tenant new ${opts.team} --owner GROUP`,
      EXIT_CODES.config,
    );
  }
  const file = appFile(opts.team, opts.app);
  if (await base.exists(file)) throw new EdgeIdpError(`${file} already exists: team '${opts.team}' has an app '${opts.app}'; edit that file, or pick another name`, EXIT_CODES.config);
  const values = appFileValues(opts);
  const text = renderAppFile(values);
  assertReadsBack(text, values);
  const sites = await validateWith(opts, file, text, APP_OPTIONS, (fleet) =>
    fleet.sites.filter((s) => s.tenants.some((t) => t.name === opts.team && t.apps.some((a) => a.name === opts.app))),
  );
  await writeNew(opts.repoRoot, file, text);
  return { file, text, team: opts.team, sites: sites.map((s) => s.name) };
}
