/**
 * The catalog: every component definition the platform knows, checked once at load. Layers
 * list their definitions in `layers/<layer>/index.ts` (one `export { x } from './x.js'` line
 * each); `layers/catalog.ts` hands those modules to {@link defineCatalog}. Its order (layer,
 * then name) is the order of the config reference, the summary and every generated list, so
 * adding a component never reorders the others by where its line went.
 */
import { fileURLToPath } from 'node:url';
import { LAYER_IDS, layerIndex, type LayerId } from './layers.js';
import { TIERS } from './tiers.js';
import { compareText } from './order.js';
import { isComponentDefinition, type ComponentDefinition } from './definition.js';

/** One layer's index module, as `import * as x from './<layer>/index.js'` gives it. */
export interface LayerIndex {
  readonly layer: LayerId;
  /** The index module's URL (`new URL('./<layer>/index.ts', import.meta.url).href`), named in errors. */
  readonly file: string;
  readonly exports: Readonly<Record<string, unknown>>;
}

/** A catalog that cannot load: every problem, each naming both places involved. */
export class CatalogError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the component catalog is inconsistent:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'CatalogError';
  }
}

/** A module URL or path, relative to the repository (`layers/01-services/vault.ts`) when it is under one. */
function where(file: string): string {
  const path = file.startsWith('file:') ? fileURLToPath(file) : file;
  const m = /(?:^|[\\/])((?:layers|test|platform|policies)[\\/].*)$/.exec(path);
  return (m ? m[1]! : path).replace(/\\/g, '/');
}

/** The layer folder a module lives in (`layers/<layer>/…`), if any. */
function folderLayer(file: string): string | undefined {
  return /(?:^|\/)layers\/([^/]+)\//.exec(where(file))?.[1];
}

/**
 * Checks and orders the catalog. Throws {@link CatalogError} when an index exports anything
 * but definitions, a definition sits in another layer's folder or index than its `layer`
 * says, two definitions share a name, a tier is unknown, or `requires` / `defaultFollows`
 * name a component that does not exist.
 */
export function defineCatalog(indexes: readonly LayerIndex[]): readonly ComponentDefinition[] {
  const problems: string[] = [];
  const defs: { def: ComponentDefinition; index: LayerIndex }[] = [];
  for (const index of indexes) {
    if (!LAYER_IDS.includes(index.layer)) problems.push(`${where(index.file)} is given as layer '${index.layer}', which is not one of ${LAYER_IDS.join(', ')}`);
    for (const [exported, value] of Object.entries(index.exports).sort(([a], [b]) => compareText(a, b))) {
      if (!isComponentDefinition(value)) {
        problems.push(`${where(index.file)} exports '${exported}', which is not a component definition: a layer index lists components only (export other things from their own files)`);
        continue;
      }
      defs.push({ def: value, index });
    }
  }
  const byName = new Map<string, { def: ComponentDefinition; index: LayerIndex }>();
  for (const entry of defs) {
    const { def, index } = entry;
    const first = byName.get(def.name);
    if (first) {
      if (first.def !== def) {
        problems.push(`component name '${def.name}' is defined twice: in ${where(first.def.file)} and in ${where(def.file)}; rename one`);
      } else {
        problems.push(`component '${def.name}' (${where(def.file)}) is listed twice: in ${where(first.index.file)} and in ${where(index.file)}; keep the line in its own layer's index`);
      }
      continue;
    }
    byName.set(def.name, entry);
    if (def.layer !== index.layer) {
      problems.push(
        `component '${def.name}' says layer '${def.layer}' in ${where(def.file)} but is listed in ${where(index.file)} (layer '${index.layer}'); ` +
          `move its line to layers/${def.layer}/index.ts, or fix its layer`,
      );
    }
    const folder = folderLayer(def.file);
    if (folder !== undefined && folder !== def.layer) {
      problems.push(`component '${def.name}' says layer '${def.layer}' but its file is in another layer's folder: ${where(def.file)}; move the file to layers/${def.layer}/ or fix its layer`);
    }
    if (!Object.hasOwn(TIERS, def.tier)) {
      problems.push(`component '${def.name}' (${where(def.file)}) has tier '${String(def.tier)}', which is not one of ${Object.keys(TIERS).join(', ')}`);
    }
    for (const key of Object.keys(def.settings ?? {})) {
      if (key === 'enabled' || key === 'version') problems.push(`component '${def.name}' (${where(def.file)}) declares setting '${key}', which every component has already; remove it`);
    }
  }
  for (const { def } of byName.values()) {
    for (const need of def.requires ?? []) {
      if (!byName.has(need.component)) problems.push(`component '${def.name}' (${where(def.file)}) requires '${need.component}', which no layer index lists`);
      else if (layerIndex(byName.get(need.component)!.def.layer) > layerIndex(def.layer)) {
        problems.push(
          `component '${def.name}' (${where(def.file)}, layer ${def.layer}) requires '${need.component}' of a higher layer (${byName.get(need.component)!.def.layer}, ${where(byName.get(need.component)!.def.file)}); layers only depend downwards`,
        );
      }
    }
    if (def.defaultFollows !== undefined && !byName.has(def.defaultFollows)) {
      problems.push(`component '${def.name}' (${where(def.file)}) follows '${def.defaultFollows}' by default, which no layer index lists`);
    }
  }
  if (problems.length > 0) throw new CatalogError(problems);
  return [...byName.values()]
    .map((e) => e.def)
    .sort((a, b) => layerIndex(a.layer) - layerIndex(b.layer) || compareText(a.name, b.name));
}
