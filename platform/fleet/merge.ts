/**
 * A fleet site's config is layers merged in order: fleet.yaml's `defaults`, then each group the
 * site lists (in its order), then the site file. Mappings merge key by key, deeply; anything else
 * (a list, a scalar, null) replaces what the earlier layers had. So a group's `nodes:` replaces
 * the defaults' list as a whole, while `components.loki.retention` in a site keeps every other
 * components setting of its groups.
 *
 * The merge remembers where each value came from, so a problem with the merged config can say
 * that the bad value was set in a group or in the defaults, not in the site file it is reported
 * for (see {@link MergedLayers.originOf}).
 */
import { isScalar } from 'yaml';
import type { SourceDocument } from '../config/semantics.js';

/** One layer: where it comes from, its data, and the YAML it was parsed from. */
export interface Layer {
  /** For messages, e.g. `fleet.yaml defaults`, `fleet.yaml groups.small-box`. */
  readonly origin: string;
  /** The layer's data: a YAML map (the layer's own part of the site config). */
  readonly data: Readonly<Record<string, unknown>>;
  /** The parsed YAML the data came from (for the source spelling of a value). Default: none. */
  readonly doc?: SourceDocument;
  /** Where `data` sits in `doc` (`['groups', 'small-box']`). Default: the top. */
  readonly docPath?: readonly (string | number)[];
}

export interface MergedLayers {
  /** The merged config data. */
  readonly data: Record<string, unknown>;
  /**
   * Where the value at a config path (`nodes[1].memory`, `components.loki`) came from, when
   * not (only) from the last layer: its layers' origins, e.g. `from fleet.yaml groups.small-box`.
   * A path that does not exist takes the answer of its nearest existing parent. `undefined`
   * when the last layer (the site file) set everything under it.
   */
  readonly originOf: (path: string) => string | undefined;
  /** The YAML node behind a merged value (for semantics' source spelling), from its layer. */
  readonly doc: SourceDocument;
}

type Plain = Record<string, unknown>;

function isMap(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `['nodes', 1, 'memory']` → `nodes[1].memory` (the format of `toConfigPath`). */
function pathText(segments: readonly (string | number)[]): string {
  return segments.reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}

/** `nodes[1].memory` → `['nodes', 1, 'memory']`. */
function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/**
 * Merges the layers in order (see the file comment). The result shares no objects with the
 * layers (values are deep-copied), so it can be handed to a validator that fills defaults in.
 */
export function mergeLayers(layers: readonly Layer[]): MergedLayers {
  // The merged tree, and beside it, per leaf (and per list: lists replace as a whole) the index of its layer.
  const data: Plain = {};
  const owner = new Map<string, number>();
  const put = (target: Plain, source: Readonly<Plain>, layer: number, at: readonly string[]) => {
    for (const [key, value] of Object.entries(source)) {
      const path = [...at, key];
      const here = target[key];
      if (isMap(value)) {
        if (!isMap(here)) {
          target[key] = {};
          forget(path);
        } else if (Object.keys(value).length > 0) owner.delete(pathText(path));
        put(target[key] as Plain, value, layer, path);
        // An empty map still counts as written by this layer.
        if (Object.keys(value).length === 0 && !hasOwnerBelow(path)) owner.set(pathText(path), layer);
      } else {
        forget(path);
        target[key] = structuredClone(value);
        owner.set(pathText(path), layer);
      }
    }
  };
  const forget = (path: readonly string[]) => {
    const text = pathText(path);
    for (const key of [...owner.keys()]) if (key === text || key.startsWith(`${text}.`) || key.startsWith(`${text}[`)) owner.delete(key);
  };
  const hasOwnerBelow = (path: readonly string[]) => {
    const text = pathText(path);
    for (const key of owner.keys()) if (key.startsWith(`${text}.`) || key.startsWith(`${text}[`)) return true;
    return false;
  };
  layers.forEach((layer, i) => put(data, layer.data, i, []));

  const last = layers.length - 1;
  const layersUnder = (path: string): Set<number> => {
    const found = new Set<number>();
    for (const [key, layer] of owner) if (key === path || key.startsWith(`${path}.`) || key.startsWith(`${path}[`) || path === '') found.add(layer);
    return found;
  };
  const valueAt = (segments: readonly (string | number)[]): { found: boolean; value: unknown } => {
    let node: unknown = data;
    for (const seg of segments) {
      if (node === null || typeof node !== 'object' || !Object.hasOwn(node, seg)) return { found: false, value: undefined };
      node = (node as Record<string | number, unknown>)[seg];
    }
    return { found: true, value: node };
  };
  const describe = (owners: ReadonlySet<number>): string | undefined => {
    const others = [...owners].filter((l) => l !== last).sort((a, b) => a - b);
    if (others.length === 0) return undefined;
    const names = others.map((l) => layers[l]!.origin);
    return owners.has(last) ? `partly from ${names.join(', ')}` : `from ${names.join(', ')}`;
  };
  const originOf = (path: string): string | undefined => {
    if (path === '(root)') return undefined;
    const segments = parsePath(path);
    // The layers that set the value (all under it, for a map); else the layer of the list (or
    // scalar) it is part of. A key nobody set, under a map, came from nowhere: it is the site's to add.
    for (let n = segments.length; n > 0; n--) {
      const at = segments.slice(0, n);
      if (!valueAt(at).found) continue;
      const text = pathText(at);
      const direct = owner.get(text);
      if (direct !== undefined) return describe(new Set([direct]));
      if (n === segments.length) {
        const under = layersUnder(text);
        if (under.size) return describe(under);
      }
    }
    return undefined;
  };

  const doc: SourceDocument = {
    getIn(path: Iterable<unknown>, keepScalar?: boolean) {
      const segments = [...path] as (string | number)[];
      // The layer that owns the value, or a parent of it (a list item belongs to its list).
      for (let n = segments.length; n > 0; n--) {
        const layer = owner.get(pathText(segments.slice(0, n)));
        if (layer === undefined) continue;
        const { doc: source, docPath = [] } = layers[layer]!;
        const node = source?.getIn([...docPath, ...segments], keepScalar);
        return isScalar(node) || !keepScalar ? node : undefined;
      }
      return undefined;
    },
  } as SourceDocument;
  return { data, originOf, doc };
}

