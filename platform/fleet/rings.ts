/**
 * Rollout rings: which git ref each site of a fleet tracks. `fleet.yaml`'s `rings:` is an
 * ordered list; each ring holds sites (by name) and groups (every site listing the group), and
 * names the ref its sites' Applications take as `targetRevision`. The first ring tracks the
 * default branch (a merge reaches it at once); each later ring tracks its own ref, by default
 * `rings/<name>`, which `edge-idp promote` moves forward to the previous ring's commit.
 *
 * Resolution is pure: it takes the spec, the declared groups, each site's groups and the default
 * branch, and returns the rings in order with their sites, each site's ring, and every problem
 * (paths relative to fleet.yaml). A site named in a ring's `sites` belongs to that ring even when
 * one of its groups is in another ring (explicit beats group: a canary ring lists a few sites of
 * a group the next ring holds); two rings naming the same site, or holding it only through
 * groups, are an error, as is a site in no ring. Without `rings:` every site is in one implicit
 * ring that tracks the default branch: a fleet without rings behaves as a single site does today.
 */
import type { ConfigProblem } from '../config/errors.js';
import { compareText } from '../model/order.js';

/** One entry of `rings:` as written in fleet.yaml. */
export interface RingSpec {
  readonly name: string;
  /** Sites this ring holds, by name. Default: none. */
  readonly sites?: readonly string[];
  /** Groups whose sites this ring holds. Default: none. */
  readonly groups?: readonly string[];
  /** The git ref its sites track. Default: the default branch for the first ring, `rings/<name>` for the others. */
  readonly ref?: string;
}

/** A ring with its ref and its sites: what rollout, promote and synth read. */
export interface ResolvedRing {
  readonly name: string;
  /** The git ref (branch) its sites' Applications track. */
  readonly ref: string;
  /** Its sites, sorted with compareText. */
  readonly sites: readonly string[];
}

export interface RingsInput {
  /** `rings:` from fleet.yaml, undefined when the fleet declares none. */
  readonly rings: readonly RingSpec[] | undefined;
  /** The groups fleet.yaml declares. */
  readonly groups: readonly string[];
  /** Every site with the groups it lists. */
  readonly sites: readonly { readonly name: string; readonly groups: readonly string[] }[];
  /** The branch the first ring tracks (git.revision in fleet.yaml's defaults, or the current branch). */
  readonly defaultBranch: string;
}

export interface RingResolution {
  /** In rollout order. */
  readonly rings: readonly ResolvedRing[];
  /** Site name → ring name, for every site that resolved to exactly one ring. */
  readonly ringOf: ReadonlyMap<string, string>;
  /** Paths relative to fleet.yaml. Empty when the rings are valid. */
  readonly problems: readonly ConfigProblem[];
}

/** The ring a fleet without `rings:` puts every site in. */
export const IMPLICIT_RING = 'default';

/** The ref a ring after the first tracks when its `ref` is left out. */
export function defaultRingRef(ring: string): string {
  return `rings/${ring}`;
}

function list(items: readonly string[], max = 10): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} … and ${items.length - max} more` : shown;
}

/** Resolves the rings of a fleet (see the file comment). Pure. */
export function resolveRings(input: RingsInput): RingResolution {
  const allSites = [...input.sites].sort((a, b) => compareText(a.name, b.name));
  if (input.rings === undefined) {
    const ring: ResolvedRing = { name: IMPLICIT_RING, ref: input.defaultBranch, sites: allSites.map((s) => s.name) };
    return { rings: [ring], ringOf: new Map(ring.sites.map((s) => [s, ring.name])), problems: [] };
  }
  const problems: ConfigProblem[] = [];
  const specs = input.rings;
  const knownSites = new Set(allSites.map((s) => s.name));
  const knownGroups = new Set(input.groups);

  // Names and refs.
  const refs = new Map<string, number>();
  const names = new Map<string, number>();
  const refOf = specs.map((spec, i) => {
    const first = names.get(spec.name);
    if (first !== undefined) problems.push({ path: `rings[${i}].name`, message: `'${spec.name}' is already the name of rings[${first}]; ring names must be unique` });
    else names.set(spec.name, i);
    let ref: string;
    if (i === 0) {
      if (spec.ref !== undefined) {
        problems.push({
          path: 'rings[0].ref',
          message: `'${spec.ref}' is not allowed: the first ring tracks the default branch ('${input.defaultBranch}'), so a merge reaches its sites first; remove ref (name the default branch with git.revision in fleet.yaml's defaults)`,
        });
      }
      ref = input.defaultBranch;
    } else {
      ref = spec.ref ?? defaultRingRef(spec.name);
      if (ref === input.defaultBranch) {
        problems.push({
          path: `rings[${i}]${spec.ref === undefined ? '.name' : '.ref'}`,
          message: `'${ref}' is the default branch, which the first ring tracks: a later ring tracks its own ref, moved by \`edge-idp promote ${spec.name}\`; use another ref (default: ${defaultRingRef(spec.name)})`,
        });
      }
    }
    const same = refs.get(ref);
    if (same !== undefined && i > 0 && same > 0) {
      problems.push({ path: `rings[${i}].ref`, message: `'${ref}' is already the ref of rings[${same}] (${specs[same]!.name}): two rings on one ref are one ring; give each ring its own ref` });
    } else if (!refs.has(ref)) refs.set(ref, i);
    return ref;
  });

  // Membership: explicit sites first, then groups.
  const explicit = new Map<string, number[]>();
  const viaGroups = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, site: string, ring: number) => {
    const rings = map.get(site) ?? [];
    if (!rings.includes(ring)) rings.push(ring);
    map.set(site, rings);
  };
  specs.forEach((spec, i) => {
    if ((spec.sites ?? []).length === 0 && (spec.groups ?? []).length === 0) {
      problems.push({ path: `rings[${i}]`, message: `ring '${spec.name}' holds no sites and no groups; list its sites (sites: [...]) or groups (groups: [...]), or remove it` });
    }
    (spec.sites ?? []).forEach((site, j) => {
      if (!knownSites.has(site)) {
        problems.push({ path: `rings[${i}].sites[${j}]`, message: `'${site}' is not a site of this fleet (no sites/${site}.yaml); sites: ${list([...knownSites])}` });
      } else if (explicit.get(site)?.includes(i)) {
        problems.push({ path: `rings[${i}].sites[${j}]`, message: `'${site}' is listed twice in ring '${spec.name}'; list it once` });
      } else add(explicit, site, i);
    });
    (spec.groups ?? []).forEach((group, j) => {
      if (!knownGroups.has(group)) {
        problems.push({
          path: `rings[${i}].groups[${j}]`,
          message: `'${group}' is not a group of fleet.yaml; ${knownGroups.size ? `groups: ${list([...knownGroups].sort(compareText))}` : 'it declares no groups'}`,
        });
        return;
      }
      for (const site of allSites) if (site.groups.includes(group)) add(viaGroups, site.name, i);
    });
  });

  const ringOf = new Map<string, string>();
  const members = specs.map(() => [] as string[]);
  const ringNames = (rings: readonly number[]) => rings.map((r) => `'${specs[r]!.name}'`).join(' and ');
  for (const site of allSites) {
    const named = explicit.get(site.name) ?? [];
    const grouped = viaGroups.get(site.name) ?? [];
    let ring: number | undefined;
    if (named.length > 1) {
      problems.push({ path: 'rings', message: `site '${site.name}' is listed in the sites of rings ${ringNames(named)}: a site tracks one ref; list it in one ring` });
    } else if (named.length === 1) ring = named[0];
    else if (grouped.length > 1) {
      problems.push({
        path: 'rings',
        message: `site '${site.name}' is in rings ${ringNames(grouped)} through its groups (${site.groups.join(', ')}): a site tracks one ref; name it in the sites of the ring it belongs to (that wins over groups), or move one group`,
      });
    } else if (grouped.length === 1) ring = grouped[0];
    else {
      problems.push({
        path: 'rings',
        message: `site '${site.name}' is in no ring (groups: ${site.groups.length ? site.groups.join(', ') : 'none'}): every site tracks a ring's ref; add it, or one of its groups, to a ring`,
      });
    }
    if (ring !== undefined) {
      members[ring]!.push(site.name);
      ringOf.set(site.name, specs[ring]!.name);
    }
  }
  const rings = specs.map((spec, i): ResolvedRing => ({ name: spec.name, ref: refOf[i]!, sites: members[i]!.sort(compareText) }));
  return { rings, ringOf, problems };
}
