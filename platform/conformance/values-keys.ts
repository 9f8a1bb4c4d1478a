/**
 * "Every key we set exists in the chart" (docs/design.md#d8-values-keys-exist-upstream). Helm silently ignores a key a
 * chart does not read, so a typo or a key from another chart version is a silent bug. Each
 * leaf we set must exist in the chart's default values.yaml, or lie under a free-form map the
 * chart passes through verbatim, or be declared by the chart's values.schema.json.
 */
import { getPath, isPlainObject, leafPaths } from '../model/values.js';
import type { ValuesAllowance } from '../model/component.js';

/**
 * Keys whose contents are free-form wherever they appear: the chart copies them verbatim into
 * a Kubernetes field, so their inner keys are Kubernetes', not the chart's.
 */
export const FREE_FORM_KEYS: Readonly<Record<string, string>> = {
  resources: 'copied into container.resources (requests/limits)',
  initResources: 'copied into initContainer.resources',
  affinity: 'copied into pod.spec.affinity',
  nodeSelector: 'copied into pod.spec.nodeSelector',
  podAnnotations: 'pod template annotations',
  podLabels: 'pod template labels',
  annotations: 'object annotations',
  labels: 'object labels',
  commonLabels: 'labels on every object',
  securityContext: 'copied into container.securityContext',
  podSecurityContext: 'copied into pod.spec.securityContext',
  containerSecurityContext: 'copied into container.securityContext',
  serviceAnnotations: 'service annotations',
  extraArgs: 'flags passed to the binary (a map in some charts)',
  extraEnv: 'extra environment (a map in some charts)',
  persistence: 'PVC settings: charts template size/storageClass/accessModes and pass annotations',
};

/** A chart-specific free-form map (e.g. `loki.schemaConfig`) or undeclared key, with why. */
export type FreeFormPath = ValuesAllowance;

export interface ValuesKeyProblem {
  readonly path: string;
  readonly message: string;
}

export interface ValuesKeyOptions {
  /** Chart-specific free-form maps. Default: none. */
  readonly freeFormPaths?: readonly FreeFormPath[];
  /** Keys the chart reads although its values.yaml lacks them (matched as path prefixes). Default: none. */
  readonly undeclaredKeys?: readonly FreeFormPath[];
  /** A predicate telling whether the chart's values schema declares a path. Default: none. */
  readonly schemaDeclares?: (path: readonly string[]) => boolean;
}

/** Keys in `values` the chart's defaults do not have, and why each one is a problem. */
export function unknownValueKeys(values: unknown, defaults: unknown, opts: ValuesKeyOptions = {}): ValuesKeyProblem[] {
  const problems: ValuesKeyProblem[] = [];
  for (const leaf of leafPaths(values)) {
    if (isAllowed(leaf, defaults, opts)) continue;
    const existing = deepestExistingPrefix(leaf, defaults);
    problems.push({
      path: leaf.join('.'),
      message: existing.length
        ? `'${leaf[existing.length]}' does not exist under '${existing.join('.')}' in the chart's values.yaml`
        : `'${leaf[0]}' is not a top-level key of the chart's values.yaml`,
    });
  }
  return problems;
}

function isAllowed(leaf: readonly string[], defaults: unknown, opts: ValuesKeyOptions): boolean {
  if (opts.undeclaredKeys?.some((k) => k.path.length <= leaf.length && k.path.every((p, j) => p === leaf[j]))) return true;
  for (let i = 1; i <= leaf.length; i++) {
    const prefix = leaf.slice(0, i);
    const def = getPath(defaults, prefix);
    const key = prefix[prefix.length - 1]!;
    const exists = def !== undefined || hasKey(defaults, prefix);
    if (!exists) {
      return opts.schemaDeclares?.(leaf) ?? false;
    }
    if (i === leaf.length) return true;
    // Past this point the value is the chart's pass-through, not its own keys.
    if (key in FREE_FORM_KEYS) return true;
    if (opts.freeFormPaths?.some((f) => f.path.length === prefix.length && f.path.every((p, j) => p === prefix[j]))) return true;
    // `key: ~` declares an optional block the chart reads as a whole.
    if (def === null) return true;
    if (!isPlainObject(def)) return opts.schemaDeclares?.(leaf) ?? false;
  }
  return true;
}

function hasKey(tree: unknown, path: readonly string[]): boolean {
  const parent = getPath(tree, path.slice(0, -1));
  return isPlainObject(parent) && Object.prototype.hasOwnProperty.call(parent, path[path.length - 1]!);
}

function deepestExistingPrefix(leaf: readonly string[], defaults: unknown): string[] {
  let i = 0;
  while (i < leaf.length && hasKey(defaults, leaf.slice(0, i + 1))) i++;
  return leaf.slice(0, i);
}

/**
 * Whether a JSON Schema (a chart's values.schema.json) declares `path` with explicit
 * `properties` all the way down (`additionalProperties` alone does not count: it accepts typos).
 */
export function schemaDeclaresPath(schema: Record<string, unknown> | undefined, path: readonly string[]): boolean {
  let node: unknown = schema;
  for (const key of path) {
    if (!isPlainObject(node)) return false;
    const props = node.properties;
    if (!isPlainObject(props) || !(key in props)) return false;
    node = props[key];
  }
  return true;
}
