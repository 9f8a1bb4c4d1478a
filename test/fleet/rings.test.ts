/** Ring resolution (platform/fleet/rings.ts): pure, every rule with a case and its message. */
import { describe, expect, it } from 'vitest';
import { compareText } from '../../platform/model/order.js';
import { defaultRingRef, IMPLICIT_RING, resolveRings, type RingSpec } from '../../platform/fleet/rings.js';

const SITES = [
  { name: 'store-b', groups: ['small'] },
  { name: 'store-a', groups: ['small', 'eu'] },
  { name: 'depot', groups: ['large'] },
  { name: 'Store-c', groups: ['small'] },
];
const GROUPS = ['eu', 'large', 'small'];
const resolve = (rings: RingSpec[] | undefined, sites = SITES) => resolveRings({ rings, groups: GROUPS, sites, defaultBranch: 'main' });

describe('resolveRings', () => {
  it('without rings: one implicit ring on the default branch holding every site, sorted', () => {
    const r = resolve(undefined);
    expect(r.problems).toEqual([]);
    expect(r.rings).toEqual([{ name: IMPLICIT_RING, ref: 'main', sites: SITES.map((s) => s.name).sort(compareText) }]);
    expect([...r.ringOf.values()]).toEqual(SITES.map(() => IMPLICIT_RING));
  });

  it('orders rings as written; the first tracks the default branch, later ones rings/<name> or their ref', () => {
    const r = resolve([
      { name: 'canary', sites: ['store-a'] },
      { name: 'stores', groups: ['small'] },
      { name: 'depots', groups: ['large'], ref: 'release/depots' },
    ]);
    expect(r.problems).toEqual([]);
    expect(r.rings).toEqual([
      { name: 'canary', ref: 'main', sites: ['store-a'] },
      { name: 'stores', ref: defaultRingRef('stores'), sites: ['Store-c', 'store-b'] },
      { name: 'depots', ref: 'release/depots', sites: ['depot'] },
    ]);
    expect(r.ringOf.get('store-a')).toBe('canary');
    expect(defaultRingRef('stores')).toBe('rings/stores');
  });

  it('a site named in a ring wins over its group in another ring (a canary out of a group)', () => {
    const r = resolve([
      { name: 'stores', groups: ['small', 'large'] },
      { name: 'late', sites: ['store-b'] },
    ]);
    expect(r.problems).toEqual([]);
    expect(r.ringOf.get('store-b')).toBe('late');
    expect(r.rings[0]!.sites).not.toContain('store-b');
  });

  it.each([
    ['a site named in two rings', [{ name: 'a', sites: ['depot'] }, { name: 'b', sites: ['depot'] }, { name: 'c', groups: ['small'] }], 'rings', /site 'depot' is listed in the sites of rings 'a' and 'b': a site tracks one ref/],
    ['a site in two rings through its groups', [{ name: 'a', groups: ['small', 'large'] }, { name: 'b', groups: ['eu'] }], 'rings', /site 'store-a' is in rings 'a' and 'b' through its groups \(small, eu\).*name it in the sites of the ring/],
    ['a site in no ring', [{ name: 'a', groups: ['small'] }], 'rings', /site 'depot' is in no ring \(groups: large\).*add it, or one of its groups, to a ring/],
    ['a ref on the first ring', [{ name: 'a', groups: ['small', 'large'], ref: 'prod' }], 'rings[0].ref', /'prod' is not allowed: the first ring tracks the default branch \('main'\).*remove ref/],
    ['a later ring on the default branch', [{ name: 'a', groups: ['small'] }, { name: 'b', groups: ['large'], ref: 'main' }], 'rings[1].ref', /'main' is the default branch, which the first ring tracks/],
    ['two later rings on one ref', [{ name: 'a', groups: ['small'] }, { name: 'b', sites: ['depot'], ref: 'x' }, { name: 'c', groups: ['eu'], ref: 'x' }], 'rings[2].ref', /'x' is already the ref of rings\[1\] \(b\)/],
    ['a duplicate ring name', [{ name: 'a', groups: ['small'] }, { name: 'a', groups: ['large'] }], 'rings[1].name', /'a' is already the name of rings\[0\]/],
    ['an unknown site', [{ name: 'a', groups: ['small', 'large'], sites: ['nope'] }], 'rings[0].sites[0]', /'nope' is not a site of this fleet \(no sites\/nope.yaml\)/],
    ['an unknown group', [{ name: 'a', groups: ['small', 'large', 'moon'] }], 'rings[0].groups[2]', /'moon' is not a group of fleet.yaml; groups: eu, large, small/],
    ['an empty ring', [{ name: 'a', groups: ['small', 'large'] }, { name: 'b' }], 'rings[1]', /ring 'b' holds no sites and no groups/],
    ['a site listed twice in one ring', [{ name: 'a', groups: ['small', 'large'], sites: ['depot', 'depot'] }], 'rings[0].sites[1]', /'depot' is listed twice in ring 'a'/],
  ] as const)('%s is a problem naming the path and the fix', (_, rings, path, message) => {
    const r = resolve(rings as unknown as RingSpec[]);
    const problem = r.problems.find((p) => p.path === path && message.test(p.message));
    expect(problem, JSON.stringify(r.problems, null, 2)).toBeDefined();
  });

  it('is pure and deterministic: the same input gives the same rings whatever the site order', () => {
    const rings: RingSpec[] = [{ name: 'canary', sites: ['store-a'] }, { name: 'rest', groups: ['small', 'large'] }];
    const a = resolve(rings);
    const b = resolve(rings, [...SITES].reverse());
    expect(b.rings).toEqual(a.rings);
    for (const ring of a.rings) expect([...ring.sites]).toEqual([...ring.sites].sort(compareText));
  });
});
