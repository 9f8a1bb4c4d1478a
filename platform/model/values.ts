/** Small helpers for Helm values trees (plain JSON objects). */

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue | undefined;
}

export type ValuesPath = readonly string[];

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read a value at `path`, or `undefined`. */
export function getPath(tree: unknown, path: ValuesPath): unknown {
  let node: unknown = tree;
  for (const key of path) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Set a value at `path`, creating maps on the way. Refuses to walk through a non-map. */
export function setPath(tree: Record<string, unknown>, path: ValuesPath, value: unknown): void {
  if (path.length === 0) throw new Error('setPath: empty path');
  let node: Record<string, unknown> = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    } else if (isPlainObject(next)) {
      node = next;
    } else {
      throw new Error(`setPath: '${path.join('.')}' crosses a non-map value at '${key}'`);
    }
  }
  node[path[path.length - 1]!] = value;
}

/**
 * Deep-merge maps the way Helm merges values files: maps merge key by key, anything else
 * (arrays included) is replaced by the right-hand side.
 */
export function mergeValues<T extends Record<string, unknown>>(base: T, ...overlays: Record<string, unknown>[]): T {
  const out: Record<string, unknown> = cloneTree(base);
  for (const overlay of overlays) mergeInto(out, overlay);
  return out as T;
}

function mergeInto(target: Record<string, unknown>, overlay: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(overlay)) {
    if (value === undefined) continue;
    const existing = target[key];
    if (isPlainObject(existing) && isPlainObject(value)) mergeInto(existing, value);
    else target[key] = cloneTree(value);
  }
}

/**
 * A deep copy with no shared references. `structuredClone` keeps an object used at two paths
 * as one object, so setting one part's key would silently change another's.
 */
export function cloneTree<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Every leaf path of a values tree; arrays and empty maps count as leaves. */
export function leafPaths(tree: unknown, prefix: string[] = []): string[][] {
  if (!isPlainObject(tree) || Object.keys(tree).length === 0) return prefix.length ? [prefix] : [];
  const out: string[][] = [];
  for (const [key, value] of Object.entries(tree)) {
    if (value === undefined) continue;
    out.push(...leafPaths(value, [...prefix, key]));
  }
  return out;
}

/** Recursively sort map keys, so serialised output does not depend on insertion order. */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => sortKeysDeep(v)) as T;
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (v !== undefined) out[key] = sortKeysDeep(v);
  }
  return out as T;
}

export function formatPath(path: ValuesPath): string {
  return path.join('.');
}
