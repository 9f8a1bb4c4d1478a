/**
 * Loads platform.yaml: parse, check against the schema (every problem at once, each with its
 * path, the bad value and what is allowed), check what a schema cannot express (unique node
 * names, a control-plane node…), then resolve every default in one place.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { buildConfigSchema, FORMATS, GitSchema, type ComponentConfigEntry, type ComponentSettings, type FormatName, type PlatformConfig, type SsoConfig } from './schema.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { maskUrlCredentials, repoUrlCredentialProblem, stripUrlCredentials, type GitDefaults } from './git.js';
import { parseConfigDocument, readConfigFile } from './read.js';
import { configSemantics, type SourceDocument } from './semantics.js';
import { ssoProblems } from './sso.js';

/** What the loader needs to know about each component. */
export interface ComponentCatalogEntry extends ComponentConfigEntry {
  /** Enabled when the config says nothing. */
  readonly defaultEnabled: boolean;
  /** The platform cannot run without it: disabling it is a config error. Default: false. */
  readonly required?: boolean;
  /**
   * When the config says nothing, be enabled exactly when this other component is (an add-on
   * that is useless without it). Takes precedence over `defaultEnabled`. Default: none.
   */
  readonly defaultFollows?: string;
  /**
   * Components this one cannot work without, each with the reason: enabling it while one of
   * them is off is a config error naming both toggles. Default: none.
   */
  readonly requires?: readonly { readonly component: string; readonly why: string }[];
  /**
   * The top-level config section the component exists for (`sso`): enabled by default exactly
   * when the section is present, and enabling it without the section is a config error. With
   * `requiredWithSection`, disabling it while the section is present is an error too (the
   * section does not work without it). Takes precedence over `defaultEnabled`; with
   * `defaultFollows`, both must hold. Default: none.
   */
  readonly configSection?: ConfigSection;
  /** See {@link configSection}. Default: false. */
  readonly requiredWithSection?: boolean;
  /** Problems of the component's own settings the schema cannot express (paths relative to `components.<name>`). Default: none. */
  readonly check?: (settings: Readonly<Record<string, unknown>>) => readonly ConfigProblem[];
}

export type { GitDefaults };

/** Top-level config sections a component can exist for (see {@link ComponentCatalogEntry.configSection}). */
export type ConfigSection = 'sso';

export interface ParseOptions {
  readonly file: string;
  readonly catalog: readonly ComponentCatalogEntry[];
  /** Called only when the config leaves a git field unset. */
  readonly gitDefaults?: () => Promise<GitDefaults>;
}

type Validator = ReturnType<Ajv['compile']>;
const validators = new WeakMap<readonly ComponentCatalogEntry[], { validate: Validator; schema: ReturnType<typeof buildConfigSchema> }>();

/** ajv as the config is checked with: every error, schema defaults, the config formats. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true, verbose: true });
  for (const [name, f] of Object.entries(FORMATS)) ajv.addFormat(name, f.pattern);
  return ajv;
}

/** The compiled schema for a catalog (compiled once per catalog). */
export function configValidator(catalog: readonly ComponentCatalogEntry[]) {
  let v = validators.get(catalog);
  if (!v) {
    const schema = buildConfigSchema(catalog);
    v = { validate: createAjv().compile(schema), schema };
    validators.set(catalog, v);
  }
  return v;
}

/** Read and resolve a platform.yaml file. Throws `ConfigError` listing every problem. */
export async function loadConfig(opts: ParseOptions): Promise<PlatformConfig> {
  return parseConfig(await readConfigFile(opts.file), opts);
}

/** Parse and resolve config text. Throws `ConfigError` listing every problem. */
export async function parseConfig(text: string, opts: ParseOptions): Promise<PlatformConfig> {
  const { data, doc } = parseConfigDocument(text, opts.file);
  return validateConfig(data, { ...opts, doc });
}

export interface ValidateOptions extends ParseOptions {
  /** The parsed YAML document(s): the source spelling of a value (`1.30`, not the number 1.3). Default: none. */
  readonly doc?: SourceDocument;
  /**
   * Where the value at a config path came from, when not from `file` (a fleet site's value from
   * `fleet.yaml`): added to each problem as its `origin`. Default: every value is from `file`.
   */
  readonly originOf?: (path: string) => string | undefined;
}

/**
 * Validate and resolve config data (one parsed file, or a fleet site's merged layers): the
 * schema, what it cannot express, each component's own checks, then every default. Throws
 * `ConfigError` for `opts.file` listing every problem. `raw` is not modified.
 */
export async function validateConfig(raw: unknown, opts: ValidateOptions): Promise<PlatformConfig> {
  const data = structuredClone(raw);
  const { validate } = configValidator(opts.catalog);
  const problems: ConfigProblem[] = [];
  if (!validate(data)) problems.push(...describeSchemaErrors(validate.errors ?? [], raw, opts.catalog));
  if (problems.length === 0) problems.push(...semanticProblems(data as UncheckedConfig, opts.catalog));
  // Semantics reads the source spelling of some values (`kubernetesVersion: 1.30` is the number 1.3).
  problems.push(...configSemantics(data, { ...(opts.doc ? { doc: opts.doc } : {}), schemaValid: !validate.errors }));
  if (!validate.errors) problems.push(...componentProblems(data as UncheckedConfig, opts.catalog));
  if (problems.length > 0) throw configError(opts, problems);
  return resolveDefaults(data as UncheckedConfig, opts);
}

/** A `ConfigError` for the file, each problem with the origin of its value where known. */
function configError(opts: ValidateOptions, problems: readonly ConfigProblem[]): ConfigError {
  const { originOf } = opts;
  if (!originOf) return new ConfigError(opts.file, problems);
  return new ConfigError(
    opts.file,
    problems.map((p) => {
      const origin = p.origin ?? originOf(p.path);
      return origin ? { ...p, origin } : p;
    }),
  );
}

/** The shape after schema validation, before defaults that need git or the catalog. */
interface UncheckedConfig {
  site: PlatformConfig['site'];
  git: { repoURL?: string; revision?: string; path?: string };
  cluster: PlatformConfig['cluster'];
  nodes: PlatformConfig['nodes'];
  components: Record<string, { enabled?: boolean; version?: string; [k: string]: unknown }>;
  podSecurity?: PlatformConfig['podSecurity'];
  capacity: PlatformConfig['capacity'];
  rendered: boolean;
  sso?: SsoConfig;
  publicUis: string[];
}

function semanticProblems(cfg: UncheckedConfig, catalog: readonly ComponentCatalogEntry[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const firstIndexByName = new Map<string, number>();
  cfg.nodes.forEach((node, i) => {
    const first = firstIndexByName.get(node.name);
    if (first !== undefined) {
      problems.push({
        path: `nodes[${i}].name`,
        message: `'${node.name}' is already used by nodes[${first}]; node names must be unique`,
      });
    } else firstIndexByName.set(node.name, i);
  });
  if (!cfg.nodes.some((n) => n.role === 'control-plane')) {
    problems.push({
      path: 'nodes',
      message: `no node has role 'control-plane'; mark exactly the node that runs the Kubernetes API with role: control-plane`,
    });
  }
  problems.push(...ssoProblems(cfg.sso));
  for (const entry of catalog) {
    const given = cfg.components[entry.name]?.enabled;
    const section = entry.configSection;
    if (section && given === true && cfg[section] === undefined) {
      problems.push({
        path: `components.${entry.name}.enabled`,
        message: `true needs the top-level \`${section}\` section (${entry.name} exists for it); add \`${section}\` or remove the key`,
      });
    }
    if (section && entry.requiredWithSection && given === false && cfg[section] !== undefined) {
      problems.push({
        path: `components.${entry.name}.enabled`,
        message: `false is not allowed while \`${section}\` is configured (${entry.description}); remove the key, or remove the \`${section}\` section to turn ${section} off`,
      });
    }
    if (entry.required && cfg.components[entry.name]?.enabled === false) {
      problems.push({
        path: `components.${entry.name}.enabled`,
        message: `false is not allowed: ${entry.name} is required by the platform (${entry.description})`,
      });
    }
  }
  return problems;
}

/** Each component's own `check` over its settings, paths prefixed with `components.<name>.`. */
function componentProblems(cfg: UncheckedConfig, catalog: readonly ComponentCatalogEntry[]): ConfigProblem[] {
  return catalog.flatMap((entry) =>
    (entry.check?.(cfg.components[entry.name] ?? {}) ?? []).map((p) => ({ ...p, path: `components.${entry.name}.${p.path}` })),
  );
}

async function resolveDefaults(cfg: UncheckedConfig, opts: ValidateOptions): Promise<PlatformConfig> {
  let git = { repoURL: cfg.git.repoURL, revision: cfg.git.revision };
  const credentials = git.repoURL === undefined ? undefined : repoUrlCredentialProblem(git.repoURL);
  if (credentials) throw configError(opts, [{ path: 'git.repoURL', message: credentials }]);
  let path = cfg.git.path === undefined ? undefined : repoPathPrefix(cfg.git.path);
  if (path === undefined) path = repoPathPrefix((await opts.gitDefaults?.())?.path ?? '');
  if (git.repoURL === undefined || git.revision === undefined) {
    const defaults = (await opts.gitDefaults?.()) ?? {};
    // The derived URL meets the same rules as a written one; its credentials are stripped (see git.ts).
    const derivedURL = defaults.repoURL === undefined ? undefined : stripUrlCredentials(defaults.repoURL);
    git = { repoURL: git.repoURL ?? derivedURL, revision: git.revision ?? defaults.revision };
    const missing: ConfigProblem[] = [];
    if (!git.repoURL) missing.push({ path: 'git.repoURL', message: 'not set, and this checkout has no `origin` remote to default to; set git.repoURL' });
    else if (cfg.git.repoURL === undefined && !FORMATS['git-url'].pattern.test(git.repoURL)) {
      missing.push({
        path: 'git.repoURL',
        message:
          `not set, so it defaults to the \`origin\` remote, '${maskUrlCredentials(git.repoURL)}', which is not valid: expected ${FORMATS['git-url'].help}; ` +
          'set git.repoURL in the config to the URL ArgoCD clones (or fix the remote: git remote set-url origin <url>)',
      });
    }
    if (!git.revision) missing.push({ path: 'git.revision', message: 'not set, and the current branch cannot be read (detached HEAD?); set git.revision' });
    else if (cfg.git.revision === undefined && !new RegExp(GitSchema.properties.revision.pattern!).test(git.revision)) {
      missing.push({
        path: 'git.revision',
        message:
          `not set, so it defaults to the current branch, '${git.revision}', which is not valid: ${GitSchema.properties.revision.description}; ` +
          `it must match ${GitSchema.properties.revision.pattern}; set git.revision in the config`,
      });
    }
    if (missing.length) throw configError(opts, missing);
  }
  const components: Record<string, ComponentSettings> = {};
  const enabled = (entry: ComponentCatalogEntry): boolean => {
    const given = cfg.components[entry.name]?.enabled;
    if (given !== undefined) return given;
    const leader = entry.defaultFollows ? opts.catalog.find((e) => e.name === entry.defaultFollows) : undefined;
    if (entry.configSection) return cfg[entry.configSection] !== undefined && (leader ? enabled(leader) : true);
    return leader ? enabled(leader) : entry.defaultEnabled;
  };
  for (const entry of opts.catalog) {
    components[entry.name] = { ...(cfg.components[entry.name] ?? {}), enabled: enabled(entry) };
  }
  const missing: ConfigProblem[] = [];
  for (const entry of opts.catalog) {
    if (!components[entry.name]!.enabled) continue;
    for (const need of entry.requires ?? []) {
      if (components[need.component]?.enabled) continue;
      missing.push({
        path: `components.${entry.name}.enabled`,
        message: `true needs components.${need.component}.enabled (${need.why}); enable ${need.component} or set components.${entry.name}.enabled: false`,
      });
    }
  }
  if (missing.length) throw configError(opts, missing);
  return {
    site: cfg.site,
    git: { repoURL: git.repoURL!, revision: git.revision!, path },
    cluster: cfg.cluster,
    nodes: cfg.nodes,
    components,
    podSecurity: cfg.podSecurity ?? { defaultLevel: 'restricted' },
    capacity: cfg.capacity,
    rendered: cfg.rendered,
    ...(cfg.sso ? { sso: cfg.sso } : {}),
    publicUis: cfg.publicUis,
  };
}

/** `git.path` as a prefix of repository paths: `''` for the top, else `a/b/` (no leading `./` or `/`). */
export function repoPathPrefix(path: string): string {
  const trimmed = path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  return trimmed === '' || trimmed === '.' ? '' : `${trimmed}/`;
}

/** `/nodes/2/role` → `nodes[2].role` */
export function toConfigPath(pointer: string): string {
  if (pointer === '') return '(root)';
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

/** The value at a JSON pointer (ajv's `instancePath`) of a parsed document; `undefined` when absent. */
export function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const seg of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/** A value as an error message shows it: a string quoted, a list or map by its shape. */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return String(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** ajv's errors as problems: path, the bad value, what is allowed. */
export function describeSchemaErrors(errors: ErrorObject[], raw: unknown, catalog: readonly ComponentCatalogEntry[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const seen = new Set<string>();
  const push = (path: string, message: string) => {
    const key = `${path}\u0000${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ path, message });
    }
  };
  for (const err of errors) {
    const path = toConfigPath(err.instancePath);
    const value = valueAt(raw, err.instancePath);
    const schema = err.parentSchema as { properties?: Record<string, unknown>; description?: string } | undefined;
    switch (err.keyword) {
      case 'additionalProperties': {
        const key = (err.params as { additionalProperty: string }).additionalProperty;
        const allowed = Object.keys(schema?.properties ?? {});
        const where = path === '(root)' ? key : `${path}.${key}`;
        if (err.instancePath === '/components') {
          push(where, `there is no component named '${key}'; known components: ${catalog.map((c) => c.name).join(', ')}`);
        } else {
          push(where, `unknown key '${key}'; allowed keys here: ${allowed.join(', ')}`);
        }
        break;
      }
      case 'required': {
        const missing = (err.params as { missingProperty: string }).missingProperty;
        push(path === '(root)' ? missing : `${path}.${missing}`, 'required field is missing');
        break;
      }
      case 'type':
        push(path, `${show(value)} is a ${typeName(value)}, expected ${(err.params as { type: string }).type}`);
        break;
      case 'enum':
        push(path, `${show(value)} is not allowed; allowed: ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => `'${String(v)}'`).join(', ')}`);
        break;
      case 'format': {
        const f = FORMATS[(err.params as { format: FormatName }).format];
        push(path, `${show(value)} is not valid: expected ${f?.help ?? err.message}`);
        break;
      }
      case 'pattern':
        push(path, `${show(value)} is not valid: ${schema?.description ?? `must match ${(err.params as { pattern: string }).pattern}`}`);
        break;
      case 'minimum':
      case 'maximum':
      case 'minLength':
      case 'minItems':
        push(path, `${show(value)} is not allowed: ${err.message}`);
        break;
      default:
        push(path, `${show(value)}: ${err.message ?? 'is not valid'}`);
    }
  }
  return out;
}
