/**
 * Reading the tenant files: the folders under `tenants/`, each team's `tenant.yaml` and its
 * `apps/<app>.yaml`, parsed defensively (config/read.ts) and checked against their schemas with
 * ajv, in the same words as platform.yaml's problems. What is not a tenant file in those folders
 * is a problem too (a `.yml` file, a name that is not a DNS label, a stray file), so a typo never
 * makes a file silently not count. Hidden entries (`.gitkeep`) and Markdown notes (`*.md`) are
 * left alone.
 */
import type { ErrorObject } from 'ajv';
import { ConfigError } from '../config/errors.js';
import { createAjv, describeSchemaErrors, show, toConfigPath, valueAt } from '../config/load.js';
import { parseConfigDocument, type ConfigFileKind } from '../config/read.js';
import { FORMATS } from '../config/schema.js';
import type { ConfigSource } from '../fleet/source.js';
import { isPlainObject } from '../model/values.js';
import { TenantProblems } from './problems.js';
import { APPS_DIR, AppSchema, TENANT_FILE, TENANTS_DIR, TenantSchema, type AppFile, type TenantFile } from './schema.js';

/** A tenant file read and valid against its schema. */
export interface ValidFile<T> {
  /** Repository-relative path. */
  readonly path: string;
  readonly data: T;
}

/** One team's folder: its tenant.yaml and apps, each present only when it is valid. */
export interface TeamFolder {
  /** The folder's name. */
  readonly team: string;
  /** `tenants/<team>/tenant.yaml`. */
  readonly tenantPath: string;
  /** Absent when missing or invalid (its problems are recorded). */
  readonly tenant?: ValidFile<TenantFile>;
  /** The valid app files, by name. */
  readonly apps: readonly (ValidFile<AppFile> & { readonly name: string })[];
  /** Whether every app file of the folder is valid (a team's totals are checked only then). */
  readonly allAppsValid: boolean;
}

/** `tenants/<team>/tenant.yaml`. */
export function tenantFile(team: string): string {
  return `${TENANTS_DIR}/${team}/${TENANT_FILE}`;
}

/** `tenants/<team>/apps/<app>.yaml`. */
export function appFile(team: string, app: string): string {
  return `${TENANTS_DIR}/${team}/${APPS_DIR}/${app}.yaml`;
}

const TENANT_KIND: ConfigFileKind = {
  name: 'tenant.yaml',
  keys: 'name:, owners:, quota:, …',
  needs: 'name, owners and quota (see README "Teams and apps")',
};

const APP_KIND: ConfigFileKind = {
  name: 'an app file',
  keys: 'name:, image:, port:, …',
  needs: 'name and image (see README "Teams and apps")',
};

/** Entries the loader does not read and does not complain about. */
function ignored(name: string): boolean {
  return name.startsWith('.') || /\.md$/i.test(name);
}

const DNS_LABEL = FORMATS['dns-label'];

type Validator = ReturnType<ReturnType<typeof createAjv>['compile']>;
let validators: { tenant: Validator; app: Validator } | undefined;

function compiled(): { tenant: Validator; app: Validator } {
  if (!validators) {
    const ajv = createAjv();
    validators = { tenant: ajv.compile(TenantSchema), app: ajv.compile(AppSchema) };
  }
  return validators;
}

/**
 * ajv's errors as problems, as platform.yaml's are (`describeSchemaErrors`), with three
 * refinements for these files: a `true`-or-a-map key (`route`) reports only the map's own
 * problems when it is a map, and one line when it is neither; a bad name in a map of variables
 * (`env`, `secrets`) says what a variable name is; a number or boolean where a string belongs
 * says to quote it (`cpu: 1` → `"1"`).
 */
export function describeTenantSchemaErrors(errors: readonly ErrorObject[], data: unknown): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const unions = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const rest: ErrorObject[] = [];
  for (const e of errors) {
    const value = valueAt(data, e.instancePath);
    const union = [...unions].find((u) => e.instancePath === u || e.instancePath.startsWith(`${u}/`));
    if (union !== undefined) {
      const unionValue = valueAt(data, union);
      if (isPlainObject(unionValue)) {
        // A map: the map branch's errors say what is wrong; the boolean branch's `type` and the `anyOf` add nothing.
        if (e.instancePath === union && (e.keyword === 'type' || e.keyword === 'anyOf')) continue;
        rest.push(e);
      } else if (e.keyword === 'anyOf') {
        const branches = ((e.parentSchema as { anyOf?: Record<string, unknown>[] } | undefined)?.anyOf ?? []) as Record<string, unknown>[];
        const keys = branches.flatMap((b) => Object.keys((b.properties ?? {}) as object));
        out.push({ path: toConfigPath(union), message: `${show(unionValue)} is not allowed: expected true, false, or a map of ${keys.join(', ')}` });
      }
      continue;
    }
    if (e.keyword === 'additionalProperties' && isPlainObject((e.parentSchema as { patternProperties?: unknown } | undefined)?.patternProperties)) {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const path = toConfigPath(e.instancePath);
      out.push({ path: `${path}.${key}`, message: `'${key}' is not a valid environment variable name: letters, digits and _, not starting with a digit (e.g. DATABASE_URL)` });
      continue;
    }
    if (e.keyword === 'type' && (e.params as { type: string }).type === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
      out.push({ path: toConfigPath(e.instancePath), message: `${String(value)} is a ${typeof value}, expected a string: quote it ("${String(value)}")` });
      continue;
    }
    rest.push(e);
  }
  return [...out, ...describeSchemaErrors(rest, data, [])];
}

/** Parses and checks one file; records its problems and returns undefined when it is not valid. */
async function readValid<T>(source: ConfigSource, path: string, kind: ConfigFileKind, validate: Validator, problems: TenantProblems): Promise<T | undefined> {
  let data: Record<string, unknown>;
  try {
    data = parseConfigDocument(await source.read(path), source.display(path), kind).data;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.addAll(path, e.problems);
    return undefined;
  }
  const checked = structuredClone(data);
  if (validate(checked)) return checked as T;
  for (const p of describeTenantSchemaErrors(validate.errors ?? [], data)) problems.add(path, p.path, p.message);
  return undefined;
}

/** The app files of a team: `<app>.yaml` names, and a problem for anything else in `apps/`. */
async function listApps(source: ConfigSource, team: string, problems: TenantProblems): Promise<string[]> {
  const dir = `${TENANTS_DIR}/${team}/${APPS_DIR}`;
  const folder = `${TENANTS_DIR}/${team}`;
  const names: string[] = [];
  for (const entry of await source.list(dir)) {
    if (ignored(entry.name)) continue;
    const where = `${APPS_DIR}/${entry.name}`;
    const m = /^(.*)\.(yaml|yml)$/.exec(entry.name);
    if (entry.folder) {
      problems.add(folder, where, `a folder in ${dir}/: each app is one file, ${dir}/<app>.yaml; move its files up (or out of ${TENANTS_DIR}/)`);
    } else if (!m) {
      problems.add(folder, where, `not an app file: ${dir}/ holds one <app>.yaml per app; rename it to <app>.yaml, or move it out of ${TENANTS_DIR}/`);
    } else if (m[2] === 'yml') {
      problems.add(folder, where, `app files end in .yaml: rename it to ${dir}/${m[1]}.yaml`);
    } else if (!DNS_LABEL.pattern.test(m[1]!)) {
      problems.add(folder, where, `'${m[1]}' is not a valid app name (the file's name is the app's name): expected ${DNS_LABEL.help}; rename the file`);
    } else names.push(m[1]!);
  }
  return names;
}

/** A team's folder: its tenant.yaml and its apps, each read and checked. */
async function readTeam(source: ConfigSource, team: string, problems: TenantProblems): Promise<TeamFolder> {
  const folder = `${TENANTS_DIR}/${team}`;
  const tenantPath = tenantFile(team);
  let hasTenant = false;
  let hasApps = false;
  for (const entry of await source.list(folder)) {
    if (ignored(entry.name)) continue;
    if (entry.name === TENANT_FILE && !entry.folder) hasTenant = true;
    else if (entry.name === APPS_DIR && entry.folder) hasApps = true;
    else if (entry.name === 'tenant.yml') problems.add(folder, entry.name, `the team's file is tenant.yaml: rename it to ${tenantPath}`);
    else if (entry.name === APPS_DIR) problems.add(folder, entry.name, `${APPS_DIR} is a file: it must be a folder holding one <app>.yaml per app`);
    else if (entry.folder) {
      problems.add(folder, entry.name, `not part of a team's folder (tenant.yaml and ${APPS_DIR}/); an app is a file in ${folder}/${APPS_DIR}/; move it out of ${TENANTS_DIR}/`);
    } else {
      problems.add(folder, entry.name, `not a tenant file: a team's folder holds tenant.yaml and ${APPS_DIR}/<app>.yaml; ${/\.ya?ml$/.test(entry.name) ? `an app goes to ${folder}/${APPS_DIR}/${entry.name.replace(/\.yml$/, '.yaml')}` : `move it out of ${TENANTS_DIR}/`}`);
    }
  }
  if (!hasTenant) {
    problems.add(folder, TENANT_FILE, `missing: every team's folder needs ${tenantPath} (its owners and quota; see README "Teams and apps"), or remove the folder`);
  }
  const { tenant: validateTenant, app: validateApp } = compiled();
  const tenantData = hasTenant ? await readValid<TenantFile>(source, tenantPath, TENANT_KIND, validateTenant, problems) : undefined;
  const apps: (ValidFile<AppFile> & { name: string })[] = [];
  let allAppsValid = true;
  if (hasApps) {
    const names = await listApps(source, team, problems);
    const read = await Promise.all(names.map((n) => readValid<AppFile>(source, appFile(team, n), APP_KIND, validateApp, problems)));
    names.forEach((name, i) => {
      const data = read[i];
      if (data === undefined) allAppsValid = false;
      else apps.push({ name, path: appFile(team, name), data });
    });
  }
  return { team, tenantPath, ...(tenantData ? { tenant: { path: tenantPath, data: tenantData } } : {}), apps, allAppsValid };
}

/**
 * Every team folder under `tenants/`, sorted by name (none when there is no `tenants/`). Problems
 * of the listing and of each file go to `problems`; what is valid is returned for the checks
 * that span files.
 */
export async function readTenantFolders(source: ConfigSource, problems: TenantProblems): Promise<TeamFolder[]> {
  const teams: string[] = [];
  for (const entry of await source.list(TENANTS_DIR)) {
    if (ignored(entry.name)) continue;
    if (!entry.folder) {
      problems.add(TENANTS_DIR, entry.name, `not a team's folder: ${TENANTS_DIR}/ holds one folder per team (${TENANTS_DIR}/<team>/tenant.yaml); move it out of ${TENANTS_DIR}/`);
    } else if (!DNS_LABEL.pattern.test(entry.name)) {
      problems.add(TENANTS_DIR, entry.name, `'${entry.name}' is not a valid team name (the folder's name is the team's name and its namespace): expected ${DNS_LABEL.help}; rename the folder`);
    } else teams.push(entry.name);
  }
  // Teams are few (tens); their files are read a few teams at a time.
  const out: TeamFolder[] = [];
  for (let i = 0; i < teams.length; i += 16) out.push(...(await Promise.all(teams.slice(i, i + 16).map((t) => readTeam(source, t, problems)))));
  return out;
}
