/**
 * The benchmark's generated fleets (bench/fleet-gen.ts) are fleets the loader accepts: a bench
 * that cannot synthesize its input prints no numbers, so its input is checked here, where a
 * change to the fleet rules breaks a test instead of the next `npm run bench`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateFleet } from '../../bench/fleet-gen.js';
import { loadFleet } from '../../platform/fleet/load.js';
import { CATALOG } from '../../layers/catalog.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('bench fleet generator', () => {
  it.each([1, 2, 23])('a generated fleet of %i sites loads, every site in exactly one ring', async (count) => {
    const dir = mkdtempSync(join(tmpdir(), 'edge-idp-bench-fleet-'));
    dirs.push(dir);
    const generated = generateFleet(dir, count);
    const fleet = await loadFleet({ repoRoot: dir, catalog: CATALOG, gitDefaults: async () => ({}) });
    expect(fleet.sites.map((s) => s.name).sort()).toEqual([...generated.sites].sort());
    const inRings = fleet.rings.flatMap((r) => r.sites);
    expect(inRings.sort()).toEqual([...generated.sites].sort());
    expect(new Set(inRings).size).toBe(count);
  });
});
