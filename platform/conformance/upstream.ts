/**
 * The upstream truth we check generated output against: chart default values, chart values
 * schemas and CRDs, as copied byte-for-byte from upstream (see `<dir>/SOURCES.md`). The folder
 * is read, never copied into the project; a user can point the checks at their own copy.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** Environment variable naming the upstream data folder. */
export const UPSTREAM_DIR_ENV = 'EDGE_IDP_UPSTREAM_DIR';

/** Default location, relative to the repository root: the shared folder beside the checkout. */
export const DEFAULT_UPSTREAM_DIR = '../shared/upstream';

/**
 * The upstream folder: `$EDGE_IDP_UPSTREAM_DIR`, else `../shared/upstream`. A relative value is
 * resolved against the repository root, so the answer does not depend on the working directory.
 */
export function upstreamDir(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[UPSTREAM_DIR_ENV]?.trim();
  return resolve(repoRoot, configured || DEFAULT_UPSTREAM_DIR);
}

export function hasUpstream(dir: string): boolean {
  return existsSync(join(dir, 'values'));
}

const cache = new Map<string, unknown>();

function cached<T>(key: string, load: () => T): T {
  if (!cache.has(key)) cache.set(key, load());
  return cache.get(key) as T;
}

/** The chart's default values.yaml, or `undefined` when the folder has none for it. */
export function upstreamValues(dir: string, name: string): Record<string, unknown> | undefined {
  const file = join(dir, 'values', `${name}.values.yaml`);
  return cached(file, () => (existsSync(file) ? ((parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>) : undefined));
}

/** The chart's values.schema.json, or `undefined` when the chart ships none. */
export function upstreamValuesSchema(dir: string, name: string): Record<string, unknown> | undefined {
  const file = join(dir, `${name}.values.schema.json`);
  return cached(file, () => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : undefined));
}

export interface CrdVersionSchema {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly scope: 'Namespaced' | 'Cluster';
  readonly schema: Record<string, unknown>;
  /** The API server serves this version (`served: true`); extracted schemas count as served. */
  readonly served: boolean;
}

/** Every CRD version schema under `<dir>/crds`, keyed by `group/version/Kind`. */
export function upstreamCrds(dir: string): Map<string, CrdVersionSchema> {
  return cached(`crds:${dir}`, () => {
    const out = new Map<string, CrdVersionSchema>();
    const root = join(dir, 'crds');
    if (!existsSync(root)) return out;
    for (const group of readdirSafe(root)) {
      for (const file of readdirSafe(join(root, group))) {
        const text = readFileSync(join(root, group, file), 'utf8');
        if (file.endsWith('.schema.json')) {
          // datreeio-style extracted schema: `<kind>_<version>.schema.json`, group from the folder.
          const m = /^([a-z0-9]+)_(v[0-9a-z]+)\.schema\.json$/.exec(file);
          const schema = JSON.parse(text) as Record<string, unknown>;
          // The file name gives the kind only in lower case: `findCrd` matches it case-insensitively.
          if (m) out.set(`${group}/${m[2]}/${m[1]}`, { group, kind: m[1]!, version: m[2]!, scope: 'Namespaced', schema, served: true });
          continue;
        }
        for (const doc of parseAllDocuments(text)) {
          const crd = doc.toJS() as CrdDocument | null;
          if (crd?.kind !== 'CustomResourceDefinition') continue;
          for (const v of crd.spec.versions) {
            if (!v.schema?.openAPIV3Schema) continue;
            out.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, {
              group: crd.spec.group,
              kind: crd.spec.names.kind,
              version: v.name,
              scope: crd.spec.scope,
              schema: v.schema.openAPIV3Schema,
              served: v.served !== false,
            });
          }
        }
      }
    }
    return out;
  });
}

/** The CRD schema for an object's apiVersion and kind (exact kind, else the lower-cased one). */
export function findCrd(crds: ReadonlyMap<string, CrdVersionSchema>, apiVersion: string, kind: string): CrdVersionSchema | undefined {
  return crds.get(`${apiVersion}/${kind}`) ?? crds.get(`${apiVersion}/${kind.toLowerCase()}`);
}

interface CrdDocument {
  kind: string;
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: { kind: string };
    versions: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Record<string, unknown> } }[];
  };
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
