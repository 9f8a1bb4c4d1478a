/**
 * Leaf paths of a YAML/JSON value, for "which keys changed" questions: maps are walked, arrays
 * and scalars are leaves (an array is compared as a whole: a reordered list is a change of
 * the list, which is how Helm and Kubernetes treat it).
 */

export type Leaves = Map<string, unknown>;

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `a.b`, or `a["app.kubernetes.io/name"]` for keys that are not plain identifiers. */
export function joinPath(prefix: string, key: string): string {
  if (PLAIN_KEY.test(key)) return prefix === '' ? key : `${prefix}.${key}`;
  return `${prefix}[${JSON.stringify(key)}]`;
}

/** Every leaf of `value` with its path. An empty map is a leaf (`{}`); the root itself is `(root)` when it is not a map. */
export function flatten(value: unknown): Leaves {
  const out: Leaves = new Map();
  const walk = (v: unknown, path: string): void => {
    if (isMap(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) walk(child, joinPath(path, k));
    } else {
      out.set(path === '' ? '(root)' : path, v);
    }
  };
  walk(value, '');
  return out;
}

/** JSON with map keys sorted: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    isMap(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** A leaf that differs between two values. `old`/`new` are absent when the key is absent on that side. */
export interface LeafChange {
  readonly path: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly old?: unknown;
  readonly new?: unknown;
}

/** The leaves that differ, in path order (the order of the new value's keys, then removed ones). */
export function diffLeaves(oldValue: unknown, newValue: unknown): LeafChange[] {
  const a = flatten(oldValue);
  const b = flatten(newValue);
  const out: LeafChange[] = [];
  for (const [path, nv] of b) {
    if (!a.has(path)) out.push({ path, change: 'added', new: nv });
    else if (!sameValue(a.get(path), nv)) out.push({ path, change: 'changed', old: a.get(path), new: nv });
  }
  for (const [path, ov] of a) if (!b.has(path)) out.push({ path, change: 'removed', old: ov });
  return out;
}

/** The last key of a path (`spec.template.spec.priorityClassName` → `priorityClassName`). */
export function lastKey(path: string): string {
  const m = /(?:^|\.)([A-Za-z_][A-Za-z0-9_-]*)$|\[("(?:[^"\\]|\\.)*")\]$/.exec(path);
  if (!m) return path;
  return m[1] ?? (JSON.parse(m[2]!) as string);
}
