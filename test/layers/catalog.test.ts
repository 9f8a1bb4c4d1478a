/**
 * Invariants of the catalog as a whole, so the per-layer tests need not repeat each entry's
 * layer: every layer module declares its own layer only, the catalog runs layer by layer, and
 * what a component needs is never in a later layer than itself (providers sync first).
 */
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../layers/catalog.js';
import * as core from '../../layers/00-core/index.js';
import * as services from '../../layers/01-services/index.js';
import * as engines from '../../layers/02-engines/index.js';
import * as apps from '../../layers/03-apps/index.js';
import { LAYERS, layerIndex } from '../../platform/model/layers.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';

const byName = new Map(CATALOG.map((d) => [d.name, d]));

describe('the catalog', () => {
  it.each([
    ['00-core', Object.values(core)],
    ['01-services', Object.values(services)],
    ['02-engines', Object.values(engines)],
    ['03-apps', Object.values(apps)],
  ] as const)('layers/%s/index.ts lists components of that layer only', (layer, list) => {
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
    // Every component the site gives something to do (the tenants component only with tenants).
    const present = CATALOG.filter((d) => d.present?.({ config: all.config, configFile: 'platform.yaml', tenants: all.tenants }) ?? true);
    expect(all.components.map((c) => c.componentName).sort()).toEqual(present.map((d) => d.name).sort());
    for (const c of all.components) expect(c.layer, c.componentName).toBe(byName.get(c.componentName)!.layer);
  });
});
