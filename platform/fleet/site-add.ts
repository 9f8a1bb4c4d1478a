/**
 * `edge-idp site add NAME [--group G]…`: a new `sites/NAME.yaml` from a small template. The
 * template sets only the site's name and groups, and lists (as comments) the required keys that
 * neither fleet.yaml's defaults nor the groups provide, so the next synth fails until they are set
 * rather than deploying a placeholder. It refuses an invalid or taken name and an unknown group.
 */
import { writeFile } from 'node:fs/promises';
import { ConfigError, EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import { type ComponentCatalogEntry, configValidator, validateConfig } from '../config/load.js';
import { parseConfigDocument } from '../config/read.js';
import { FORMATS } from '../config/schema.js';
import { compareText } from '../model/order.js';
import { siteFile } from './load.js';
import { mergeLayers } from './merge.js';
import { resolveRings } from './rings.js';
import { FLEET_FILE, SINGLE_SITE_FILE, SITES_DIR } from './schema.js';
import { fileSource } from './source.js';

export interface AddSiteOptions {
  readonly repoRoot: string;
  readonly name: string;
  /** Groups the site inherits, in order. Default: none. */
  readonly groups?: readonly string[];
  readonly catalog: readonly ComponentCatalogEntry[];
}

export interface AddSiteResult {
  /** The file written, repository-relative. */
  readonly file: string;
  /** Required config paths still to set in it. */
  readonly todo: readonly string[];
  /** The ring it falls into, when one of its groups is in a ring; else what to do. */
  readonly ring?: string;
  readonly ringHint?: string;
}

const usage = (message: string) => new EdgeIdpError(message, EXIT_CODES.usage);

/** What a schema path's description says (for the TODO comments). */
function describe(schema: unknown, path: string): string | undefined {
  let node = schema as { properties?: Record<string, unknown>; items?: unknown; description?: string } | undefined;
  for (const seg of path.split('.')) node = node?.properties?.[seg] as typeof node;
  return node?.description;
}

/** Required paths under `path` (an absent map: its required leaves), from the schema. */
function requiredLeaves(schema: unknown, path: string): string[] {
  let node = schema as { properties?: Record<string, unknown>; required?: string[]; type?: string } | undefined;
  for (const seg of path.split('.')) node = node?.properties?.[seg] as typeof node;
  if (node?.type !== 'object' || !node.properties) return [path];
  const out = (node.required ?? []).flatMap((k) => requiredLeaves(schema, `${path}.${k}`));
  return out.length ? out : [path];
}

/** Writes the site file (see the file comment). Throws `EdgeIdpError` (usage, 64) when refused. */
export async function addSite(opts: AddSiteOptions): Promise<AddSiteResult> {
  const source = fileSource(opts.repoRoot);
  const { name } = opts;
  if (!(await source.exists(FLEET_FILE))) {
    const single = await source.exists(SINGLE_SITE_FILE);
    throw usage(
      single
        ? `this repository is one site (${SINGLE_SITE_FILE}), not a fleet: make it one first: move ${SINGLE_SITE_FILE} to ${SITES_DIR}/<its site.name>.yaml and create ${FLEET_FILE} (see README, "Fleets")`
        : `no ${FLEET_FILE} in ${opts.repoRoot}: a fleet needs one (it may be empty: defaults, groups and rings are optional; see README, "Fleets")`,
    );
  }
  if (!FORMATS['dns-label'].pattern.test(name)) throw usage(`'${name}' is not a valid site name: expected ${FORMATS['dns-label'].help}`);
  const file = siteFile(name);
  if (await source.exists(file)) throw usage(`${file} already exists: site '${name}' is in the fleet; pick another name, or edit that file`);

  const { data, doc } = parseConfigDocument(await source.read(FLEET_FILE), source.display(FLEET_FILE));
  const groups = (data.groups ?? {}) as Record<string, Record<string, unknown>>;
  const wanted = [...new Set(opts.groups ?? [])];
  const unknown = wanted.filter((g) => !Object.hasOwn(groups, g));
  if (unknown.length) {
    const declared = Object.keys(groups).sort(compareText);
    throw usage(`--group ${unknown.map((g) => `'${g}'`).join(', ')}: not a group of ${FLEET_FILE}; ${declared.length ? `groups: ${declared.join(', ')}` : `${FLEET_FILE} declares no groups`}`);
  }

  // What the defaults and the groups leave unset: a trial merge, validated.
  const merged = mergeLayers([
    { origin: 'defaults', data: (data.defaults ?? {}) as Record<string, unknown>, doc, docPath: ['defaults'] },
    ...wanted.map((g) => ({ origin: g, data: groups[g]!, doc, docPath: ['groups', g] })),
    { origin: file, data: { site: { name }, git: { revision: 'main' } } },
  ]);
  const { schema } = configValidator(opts.catalog);
  let todo: string[] = [];
  try {
    await validateConfig(merged.data, { file, catalog: opts.catalog, gitDefaults: async () => ({ repoURL: 'https://example.invalid/x.git', revision: 'main' }) });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    todo = [...new Set(e.problems.filter((p) => p.message === 'required field is missing').flatMap((p) => requiredLeaves(schema, p.path)))];
  }

  const lines = [
    `# Site ${name} of the fleet in ${FLEET_FILE}. Keys fleet.yaml's defaults or the groups below set are`,
    '# optional here; a key set here wins (maps merge, lists replace). Reference: README.md, "Fleets".',
    'site:',
    `  name: ${name}`,
    ...(wanted.length ? [`groups: [${wanted.join(', ')}]`] : []),
    ...(todo.length
      ? ['# Required, and set neither by the defaults nor by the groups (synth fails until they are set):', ...todo.map((p) => `#   ${p}: ${describe(schema, p) ?? ''}`.trimEnd())]
      : []),
    '',
  ];
  await writeFile(source.display(file), lines.join('\n'), { encoding: 'utf8', flag: 'wx' });

  // Which ring it lands in (rings are resolved by name and group; a new site may be in none yet).
  const rings = data.rings as { name: string; sites?: string[]; groups?: string[] }[] | undefined;
  if (!rings) return { file, todo };
  const resolution = resolveRings({ rings, groups: Object.keys(groups), sites: [{ name, groups: wanted }], defaultBranch: 'main' });
  const ring = resolution.ringOf.get(name);
  return ring
    ? { file, todo, ring }
    : { file, todo, ringHint: `it is in no ring yet: add '${name}' (or one of its groups) to a ring in ${FLEET_FILE}, or synth refuses the fleet` };
}
