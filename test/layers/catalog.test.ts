/**
 * Invariants of the catalog as a whole, so the per-layer tests need not repeat each entry's
 * layer: every layer module declares its own layer only, the catalog runs layer by layer, and
 * what a component needs is never in a later layer than itself (providers sync first).
 */
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../layers/catalog.js';
import { CORE_COMPONENTS } from '../../layers/00-core/components.js';
import { SERVICES_COMPONENTS } from '../../layers/01-services/components.js';
import { ENGINES_COMPONENTS } from '../../layers/02-engines/components.js';
import { APPS_COMPONENTS } from '../../layers/03-apps/components.js';
import { LAYERS, layerIndex } from '../../platform/model/layers.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';

const byName = new Map(CATALOG.map((d) => [d.name, d]));

describe('the catalog', () => {
  it.each([
    ['00-core', CORE_COMPONENTS],
    ['01-services', SERVICES_COMPONENTS],
    ['02-engines', ENGINES_COMPONENTS],
    ['03-apps', APPS_COMPONENTS],
  ] as const)('layers/%s declares components of that layer only', (layer, list) => {
    expect(list.length).toBeGreaterThan(0);
    for (const d of list) expect(d.layer, d.name).toBe(layer);
  });

  it('holds every layer, in layer order, each name once', () => {
    expect(new Set(CATALOG.map((d) => d.layer))).toEqual(new Set(LAYERS.map((l) => l.id)));
    const ranks = CATALOG.map((d) => layerIndex(d.layer));
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    expect(byName.size).toBe(CATALOG.length);
  });

  it('never requires what is off by default (a required component is on unless the config says otherwise)', () => {
    for (const d of CATALOG.filter((x) => x.required)) expect(d.defaultEnabled || d.defaultFollows !== undefined, d.name).toBe(true);
  });

  it('names only catalog components in requires and defaultFollows, none in a later layer', () => {
    for (const d of CATALOG) {
      for (const dep of [...(d.requires ?? []).map((r) => r.component), ...(d.defaultFollows ? [d.defaultFollows] : [])]) {
        const target = byName.get(dep);
        expect(target, `${d.name} names '${dep}'`).toBeDefined();
        expect(layerIndex(target!.layer), `${d.name} (${d.layer}) needs ${dep} (${target!.layer})`).toBeLessThanOrEqual(layerIndex(d.layer));
      }
    }
    for (const d of CATALOG) for (const r of d.requires ?? []) expect(r.why, `${d.name} → ${r.component}`).toMatch(/\S/);
  });

  it('builds each component in the layer its definition declares', async () => {
    const all = await buildAllEnabled();
    expect(all.components.map((c) => c.componentName).sort()).toEqual(CATALOG.map((d) => d.name).sort());
    for (const c of all.components) expect(c.layer, c.componentName).toBe(byName.get(c.componentName)!.layer);
  });
});
