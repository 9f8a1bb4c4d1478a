/**
 * A `synth/` tree (path → text, from a build or from a commit) read back into what a reviewer
 * cares about: the root's objects, and per layer and component the values file and the extra
 * resources. Both sides of a diff go through the same reader, so they are compared alike.
 */
import { parseAllDocuments } from 'yaml';
import { SYNTH_DIR } from '../synth/paths.js';

/** One Kubernetes object read from a file under synth/. */
export interface ParsedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** Repository-relative file it was read from. */
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** What synth/ holds for one component. */
export interface ComponentFiles {
  readonly layer: string;
  readonly component: string;
  /** Repository-relative path of values.yaml, when the component has one. */
  valuesPath?: string;
  values?: unknown;
  readonly objects: ParsedObject[];
}

export interface Snapshot {
  /** Site folders under synth/ (normally exactly one). */
  readonly sites: readonly string[];
  readonly files: ReadonlyMap<string, string>;
  /** Objects under synth/<site>/root/. */
  readonly rootObjects: readonly ParsedObject[];
  /** Keyed by `<layer>/<component>`. */
  readonly components: ReadonlyMap<string, ComponentFiles>;
  /** Files that are neither root objects nor component files (README, bootstrap.env, health checks). */
  readonly otherFiles: readonly string[];
  /** Files that could not be read as YAML objects (reported, not fatal). */
  readonly problems: readonly string[];
}

/** `<layer>/<component>`: how components are matched across the two sides. */
export function componentKey(layer: string, component: string): string {
  return `${layer}/${component}`;
}

/** `Kind namespace/name` (or `Kind name` when cluster-scoped): an object's identity in a diff. */
export function objectId(o: { kind: string; namespace?: string; name: string }): string {
  return o.namespace ? `${o.kind} ${o.namespace}/${o.name}` : `${o.kind} ${o.name}`;
}

function parseYaml(path: string, text: string, problems: string[]): unknown[] {
  const out: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      problems.push(`${path}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
      continue;
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function parseObjects(path: string, text: string, problems: string[]): ParsedObject[] {
  const out: ParsedObject[] = [];
  for (const doc of parseYaml(path, text, problems)) {
    const o = doc as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
    if (typeof o !== 'object' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      problems.push(`${path}: not a Kubernetes object (no kind or metadata.name)`);
      continue;
    }
    out.push({
      apiVersion: String(o.apiVersion ?? ''),
      kind: o.kind,
      name: o.metadata.name,
      ...(typeof o.metadata.namespace === 'string' ? { namespace: o.metadata.namespace } : {}),
      path,
      body: doc as Record<string, unknown>,
    });
  }
  return out;
}

/** Reads a synth/ tree. Never throws on content: unreadable files land in `problems`. */
export function readSnapshot(files: ReadonlyMap<string, string>): Snapshot {
  const sites = new Set<string>();
  const rootObjects: ParsedObject[] = [];
  const components = new Map<string, ComponentFiles>();
  const otherFiles: string[] = [];
  const problems: string[] = [];
  const componentOf = (layer: string, component: string): ComponentFiles => {
    const key = componentKey(layer, component);
    let c = components.get(key);
    if (!c) components.set(key, (c = { layer, component, objects: [] }));
    return c;
  };
  for (const path of [...files.keys()].sort()) {
    const text = files.get(path)!;
    const parts = path.split('/');
    if (parts[0] !== SYNTH_DIR || parts.length < 3) {
      otherFiles.push(path);
      continue;
    }
    sites.add(parts[1]!);
    const rest = parts.slice(2);
    if (rest[0] === 'root' && rest.length === 2 && /\.ya?ml$/.test(rest[1]!)) {
      rootObjects.push(...parseObjects(path, text, problems));
    } else if (rest[0] === 'layers' && rest.length === 4 && rest[3] === 'values.yaml') {
      const c = componentOf(rest[1]!, rest[2]!);
      c.valuesPath = path;
      c.values = parseYaml(path, text, problems)[0] ?? {};
    } else if (rest[0] === 'layers' && rest.length === 5 && (rest[3] === 'resources' || rest[3] === 'routes') && /\.ya?ml$/.test(rest[4]!)) {
      componentOf(rest[1]!, rest[2]!).objects.push(...parseObjects(path, text, problems));
    } else {
      otherFiles.push(path);
    }
  }
  return { sites: [...sites].sort(), files, rootObjects, components, otherFiles, problems };
}
