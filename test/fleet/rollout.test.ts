/**
 * Rollout rings over git branches (platform/fleet/rollout.ts), in scratch repositories whose
 * synth/<site>/ folders change over several commits: where each ring stands, and promotion
 * as a fast-forward of exactly one branch with the reviewer diff of exactly its sites.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeIdpError } from '../../platform/config/errors.js';
import {
  findRing,
  formatPromotion,
  formatRollout,
  promoteRing,
  promotionNextSteps,
  rolloutStatus,
  type ResolvedRing,
} from '../../platform/fleet/rollout.js';
import { cleanupRepos, cloneRepo, copyRepo, initRepo, tempDir, type ScratchRepo } from '../review/repo.js';

const RINGS: readonly ResolvedRing[] = [
  { name: 'first', ref: 'main', sites: ['a'] },
  { name: 'canary', ref: 'rings/canary', sites: ['b', 'c'] },
  { name: 'late', ref: 'rings/late', sites: ['d'] },
];
const refOf = (site: string) => RINGS.find((r) => r.sites.includes(site))!.ref;

/** A site folder as synth writes it, reduced to what the diff and the ring checks read. */
function writeSite(repo: ScratchRepo, site: string, replicas: number, targetRevision = refOf(site)): void {
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(repo.dir, path)), { recursive: true });
    writeFileSync(join(repo.dir, path), text);
  };
  put(
    `synth/${site}/root/application-edge-idp-root.yaml`,
    [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata:',
      '  name: edge-idp-root',
      '  namespace: argocd',
      'spec:',
      '  project: edge-idp-root',
      '  source:',
      `    path: synth/${site}/root`,
      '    repoURL: https://git.example.com/fleet.git',
      `    targetRevision: ${targetRevision}`,
      '',
    ].join('\n'),
  );
  put(`synth/${site}/layers/01-services/vault/values.yaml`, `server:\n  replicas: ${replicas}\n`);
}

function commitAll(repo: ScratchRepo, message: string): string {
  repo.git('add', '--all');
  repo.git('commit', '--quiet', '-m', message);
  return repo.git('rev-parse', 'HEAD');
}

/** Every ref with its commit, HEAD's target and the working tree's status: what promotion must not touch. */
function state(repo: ScratchRepo) {
  return {
    refs: repo.git('for-each-ref', '--format=%(refname) %(objectname)'),
    head: repo.git('symbolic-ref', '--quiet', 'HEAD'),
    headCommit: repo.git('rev-parse', 'HEAD'),
    status: repo.git('status', '--porcelain', '--untracked-files=all'),
    index: repo.git('ls-files', '--stage'),
  };
}

/** The refs listing without one ref's line. */
const without = (refs: string, ref: string) => refs.split('\n').filter((l) => !l.startsWith(`${ref} `)).join('\n');

async function refusal(p: Promise<unknown>): Promise<EdgeIdpError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, 'expected a refusal').toBeInstanceOf(EdgeIdpError);
  return e as EdgeIdpError;
}

// c1: every site at 1 replica; both ring branches start here. c2 and c3 change sites in every
// ring, each site to its own value, so a diff names exactly whose change it shows.
let template: ScratchRepo;
const commits: Record<'c1' | 'c2' | 'c3', string> = { c1: '', c2: '', c3: '' };

beforeAll(() => {
  template = initRepo();
  for (const site of ['a', 'b', 'c', 'd']) writeSite(template, site, 1);
  commits.c1 = commitAll(template, 'c1: four sites');
  template.git('branch', 'rings/canary');
  template.git('branch', 'rings/late');
  writeSite(template, 'a', 11);
  writeSite(template, 'b', 22);
  writeSite(template, 'c', 22);
  writeSite(template, 'd', 44);
  commits.c2 = commitAll(template, 'c2: replicas per site');
  writeSite(template, 'a', 12);
  writeSite(template, 'd', 45);
  commits.c3 = commitAll(template, 'c3: a and d only');
});
afterAll(cleanupRepos);

describe('rollout: where each ring stands', () => {
  it('lists the rings in order with their sites, commits and distance behind the default branch', async () => {
    const repo = copyRepo(template);
    const report = await rolloutStatus({ repoRoot: repo.dir, rings: RINGS });
    expect(report.ok).toBe(true);
    expect(report.defaultRef).toBe('main');
    expect(report.rings.map((r) => [r.ring.name, r.position?.commit, r.position?.source, r.behind])).toEqual([
      ['first', commits.c3, 'local', 0],
      ['canary', commits.c1, 'local', 2],
      ['late', commits.c1, 'local', 2],
    ]);
    expect(report.rings[1]!.position!.subject).toBe('c1: four sites');
    const text = formatRollout(report);
    // In order, each with its sites, commit and distance.
    expect(text.indexOf('1. first')).toBeLessThan(text.indexOf('2. canary'));
    expect(text.indexOf('2. canary')).toBeLessThan(text.indexOf('3. late'));
    expect(text).toContain(`commit  ${commits.c1.slice(0, 12)}`);
    expect(text).toMatch(/2\. canary[^]*behind {2}2 commits behind main[^]*sites {3}b, c \(2\)/);
    expect(text).not.toMatch(/PROBLEM/);
  });

  it('a ring branch not created yet is a note naming the command that creates it', async () => {
    const repo = copyRepo(template);
    repo.git('branch', '-D', 'rings/late');
    const report = await rolloutStatus({ repoRoot: repo.dir, rings: RINGS });
    expect(report.ok).toBe(true);
    expect(report.rings[2]!.position).toBeUndefined();
    expect(report.rings[2]!.notes.join('\n')).toMatch(/'rings\/late' does not exist yet.*edge-idp promote late/);
  });

  it('a ring holding commits the ring before it lacks has drifted: a problem naming both branches', async () => {
    const repo = copyRepo(template);
    repo.git('checkout', '--quiet', 'rings/late');
    writeSite(repo, 'd', 99);
    const hotfix = commitAll(repo, 'hotfix straight onto the late ring');
    repo.git('checkout', '--quiet', 'main');
    const report = await rolloutStatus({ repoRoot: repo.dir, rings: RINGS });
    expect(report.ok).toBe(false);
    const problem = report.rings[2]!.problems.join('\n');
    expect(problem).toContain(`rings/late (${hotfix.slice(0, 12)}) has 1 commit that ring 'canary' (rings/canary, ${commits.c1.slice(0, 12)}) lacks`);
    expect(formatRollout(report)).toMatch(/PROBLEM drifted/);
  });

  it("notes the ring's sites that do not follow it at its commit: no folder there, or a root tracking another branch", async () => {
    const repo = initRepo();
    writeSite(repo, 'a', 1);
    writeSite(repo, 'b', 1);
    writeSite(repo, 'c', 1, 'main');
    commitAll(repo, 'b in the canary ring, c still on main');
    repo.git('branch', 'rings/canary');
    writeSite(repo, 'b', 2);
    const unrelated = commitAll(repo, 'b: two replicas');
    // On main, c moves into the canary ring and e joins it.
    writeSite(repo, 'c', 1);
    writeSite(repo, 'e', 1, 'rings/canary');
    commitAll(repo, 'c and e in the canary ring');
    const rings = [RINGS[0]!, { ...RINGS[1]!, sites: ['b', 'c', 'e'] }];
    const report = await rolloutStatus({ repoRoot: repo.dir, rings });
    expect(report.ok).toBe(true);
    const notes = report.rings[1]!.notes;
    expect(notes).toHaveLength(2);
    expect(notes.join('\n')).toMatch(/^site e: no synth\/<site>\/ at this commit/m);
    expect(notes.join('\n')).toMatch(/^site c: the root Application at this commit tracks 'main', not 'rings\/canary'.*promote canary/m);
    // Promoting the ring to a commit before the move says so; promoting it to the move leaves no note.
    const early = await promoteRing({ repoRoot: repo.dir, rings, ring: 'canary', to: unrelated, dryRun: true });
    expect(early.notes).toHaveLength(2);
    expect(formatPromotion(early)).toMatch(new RegExp(`^> At \`${unrelated.slice(0, 12)}\`, site c: the root Application at this commit tracks 'main'`, 'm'));
    const p = await promoteRing({ repoRoot: repo.dir, rings, ring: 'canary' });
    expect(p.notes).toEqual([]);
    expect((await rolloutStatus({ repoRoot: repo.dir, rings })).rings[1]!.notes).toEqual([]);
  });

  it("prefers origin's branch (what the sites pull) and notes a local promotion not pushed yet", async () => {
    const bare = bareCopy(template);
    const clone = cloneRepo(bare);
    const before = await rolloutStatus({ repoRoot: clone.dir, rings: RINGS });
    expect(before.rings.map((r) => [r.position?.source, r.position?.name])).toEqual([
      ['origin', 'origin/main'],
      ['origin', 'origin/rings/canary'],
      ['origin', 'origin/rings/late'],
    ]);
    await promoteRing({ repoRoot: clone.dir, rings: RINGS, ring: 'canary' });
    const after = await rolloutStatus({ repoRoot: clone.dir, rings: RINGS });
    expect(after.rings[1]!.position!.commit).toBe(commits.c1);
    expect(after.rings[1]!.local).toEqual({ commit: commits.c3, relation: 'ahead', count: 2 });
    expect(after.rings[1]!.notes.join('\n')).toMatch(/ahead of origin\/rings\/canary: a promotion not pushed yet/);
  });
});

describe('promote: a fast-forward of exactly one ring branch', () => {
  it("moves only the ring's branch to the previous ring's commit: other refs, HEAD, index and working tree untouched", async () => {
    const repo = copyRepo(template);
    writeFileSync(join(repo.dir, 'untracked.txt'), 'work in progress\n');
    const before = state(repo);
    const files = readFileSync(join(repo.dir, 'synth/b/layers/01-services/vault/values.yaml'), 'utf8');
    const p = await promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'canary' });
    expect(p.moved).toBe(true);
    expect(p.from).toEqual({ commit: commits.c1, source: 'local', name: 'rings/canary' });
    expect(p.to.commit).toBe(commits.c3);
    expect(repo.git('rev-parse', 'refs/heads/rings/canary')).toBe(commits.c3);
    const after = state(repo);
    expect(without(after.refs, 'refs/heads/rings/canary')).toBe(without(before.refs, 'refs/heads/rings/canary'));
    expect(after.refs).not.toBe(before.refs);
    expect({ ...after, refs: '' }).toEqual({ ...before, refs: '' });
    expect(readFileSync(join(repo.dir, 'synth/b/layers/01-services/vault/values.yaml'), 'utf8')).toBe(files);
    // The reflog says who moved it.
    expect(repo.git('reflog', '-1', '--format=%gs', 'refs/heads/rings/canary')).toMatch(/edge-idp promote canary: fast-forward to main/);
    expect(p.commitCount).toBe(2);
    expect(p.commits.map((c) => c.subject)).toEqual(['c3: a and d only', 'c2: replicas per site']);
  });

  it("prints the reviewer diff of exactly the ring's sites", async () => {
    const repo = copyRepo(template);
    const p = await promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'canary' });
    expect(p.sites.map((s) => s.site)).toEqual(['b', 'c']);
    const md = formatPromotion(p);
    // b and c moved to 22 replicas (identical change, one section); a (11, 12) and d (44, 45) are other rings'.
    expect(md).toContain('`server.replicas`: `1` → `22`');
    expect(md).toMatch(/### Sites `b`, `c` \(the same change in 2 sites\)/);
    expect(md).not.toMatch(/`1[12]`|`4[45]`|synth\/a\/|synth\/d\//);
    expect(md).toContain(`\`rings/canary\` moved from \`${commits.c1.slice(0, 12)}\``);
    expect(md).toContain('2 commits; 2 of 2 sites change');
  });

  it('gives each site its own section when the changes differ, and lists sites without changes', async () => {
    const rings = [RINGS[0]!, RINGS[1]!, { ...RINGS[2]!, sites: ['a', 'b', 'd'] }];
    const repo = copyRepo(template);
    repo.git('branch', '-f', 'rings/canary', commits.c2);
    const md = formatPromotion(await promoteRing({ repoRoot: repo.dir, rings, ring: 'late' }));
    expect(section(md, '### Site `a`')).toContain('`1` → `11`');
    expect(section(md, '### Site `b`')).toContain('`1` → `22`');
    expect(section(md, '### Site `d`')).toContain('`1` → `44`');
    expect(section(md, '### Site `d`')).not.toMatch(/`22`|`11`/);
    // From c2 to c3 only a and d change.
    const again = copyRepo(template);
    again.git('branch', '-f', 'rings/canary', commits.c3);
    again.git('branch', '-f', 'rings/late', commits.c2);
    const p = await promoteRing({ repoRoot: again.dir, rings, ring: 'late' });
    expect(p.sites.filter((s) => !s.diff).map((s) => s.site)).toEqual(['b']);
    expect(formatPromotion(p)).toMatch(/### No changes in 1 site\n\n`b`$/);
  });

  it("reads each side's requests and capacity verdict from the site's README (or synth/README.md of a one-site tree)", async () => {
    const readme = (cpu: string, verdict: string) =>
      `| layer | component | tier | namespace | source | delivered | CPU | memory |\n|---|---|---|---|---|---|---:|---:|\n` +
      `| 01-services | vault | critical | vault | vault@1 | root, wave 7 | ${cpu} | 256 MiB |\n\n**Verdict: ${verdict}.**\n`;
    for (const [layout, file, sites] of [
      ['fleet', 'synth/b/README.md', ['a', 'b']],
      ['one site', 'synth/README.md', ['b']],
    ] as const) {
      const repo = initRepo();
      for (const site of sites) writeSite(repo, site, 1);
      repo.write(file, readme('100m', 'passes'));
      commitAll(repo, 'base');
      repo.git('branch', 'rings/canary');
      writeSite(repo, 'b', 3);
      repo.write(file, readme('300m', 'FAILS'));
      commitAll(repo, 'three replicas');
      const md = formatPromotion(await promoteRing({ repoRoot: repo.dir, rings: [{ name: 'first', ref: 'main', sites: [] }, RINGS[1]!], ring: 'canary' }));
      expect(md, layout).toMatch(/requests ≈ CPU \+200m/);
      expect(md, layout).toContain('passes → **FAILS**');
    }
  });

  it('refuses a ring that drifted (diverged), naming both commits; nothing moves', async () => {
    const repo = copyRepo(template);
    repo.git('branch', '-f', 'rings/canary', commits.c3);
    repo.git('checkout', '--quiet', 'rings/late');
    writeSite(repo, 'd', 99);
    const hotfix = commitAll(repo, 'hotfix');
    repo.git('checkout', '--quiet', 'main');
    const before = state(repo);
    const e = await refusal(promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'late' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`not a fast-forward: rings/late (${hotfix.slice(0, 12)}) has diverged from ${commits.c3.slice(0, 12)} (ring 'canary', rings/canary)`);
    expect(e.message).toMatch(/1 commit that .* lacks/);
    expect(state(repo)).toEqual(before);
  });

  it('refuses to move a ring back (the ring is ahead of the previous ring)', async () => {
    const repo = copyRepo(template);
    repo.git('branch', '-f', 'rings/late', commits.c3);
    const e = await refusal(promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'late' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`rings/late (${commits.c3.slice(0, 12)}) is ahead of ${commits.c1.slice(0, 12)} (ring 'canary', rings/canary), with 2 commits`);
    expect(e.message).toMatch(/never moves a ring back/);
    expect(repo.git('rev-parse', 'rings/late')).toBe(commits.c3);
  });

  it('refuses an unknown ring (listing the rings) and the first ring', async () => {
    const repo = copyRepo(template);
    const unknown = await refusal(promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'canery' }));
    expect(unknown.exitCode).toBe(2);
    expect(unknown.message).toBe("no ring 'canery': the rings are, in order, first (main), canary (rings/canary), late (rings/late)");
    const first = await refusal(promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'first' }));
    expect(first.exitCode).toBe(2);
    expect(first.message).toMatch(/ring 'first' is the first ring: it tracks the default branch 'main' itself.*promoted: canary, late/);
  });

  it('finds a ring by its branch too (a pull request names its base branch)', () => {
    expect(findRing(RINGS, 'rings/late')).toBe(2);
    expect(findRing(RINGS, 'origin/rings/canary')).toBe(1);
    expect(findRing(RINGS, 'canary')).toBe(1);
  });

  it('never pushes: a bare remote keeps every ref', async () => {
    const bare = bareCopy(template);
    const clone = cloneRepo(bare);
    const remoteBefore = bare.git('for-each-ref', '--format=%(refname) %(objectname)');
    const p = await promoteRing({ repoRoot: clone.dir, rings: RINGS, ring: 'canary' });
    expect(p.moved).toBe(true);
    // No local rings/canary existed: it is created at origin/main's commit, a fast-forward of origin/rings/canary.
    expect(p.from).toEqual({ commit: commits.c1, source: 'origin', name: 'origin/rings/canary' });
    expect(clone.git('rev-parse', 'refs/heads/rings/canary')).toBe(commits.c3);
    expect(clone.git('rev-parse', 'refs/remotes/origin/rings/canary')).toBe(commits.c1);
    expect(bare.git('for-each-ref', '--format=%(refname) %(objectname)')).toBe(remoteBefore);
    expect(p.newLocalBranch).toBe(true);
    expect(promotionNextSteps(p)).toMatch(/^Created the local branch rings\/canary at [0-9a-f]{12}; not pushed[^]*git push origin [0-9a-f]{40}:refs\/heads\/promote\/canary-[0-9a-f]{12}[^]*into rings\/canary/);
  });

  it("refuses a move origin's branch would reject: the local branch is fine but origin's drifted", async () => {
    const bare = bareCopy(template);
    const other = cloneRepo(bare);
    other.git('checkout', '--quiet', '-b', 'work', 'origin/rings/canary');
    writeSite(other, 'b', 77);
    commitAll(other, 'pushed straight to the ring');
    other.git('push', '--quiet', 'origin', 'HEAD:rings/canary');
    const clone = cloneRepo(bare);
    clone.git('branch', 'rings/canary', commits.c1);
    const e = await refusal(promoteRing({ repoRoot: clone.dir, rings: RINGS, ring: 'canary' }));
    expect(e.message).toMatch(/not a fast-forward: origin\/rings\/canary \([0-9a-f]{12}\) has diverged from/);
  });

  it('creates a missing ring branch at the previous ring\'s commit (the first promotion)', async () => {
    const repo = copyRepo(template);
    repo.git('branch', '-D', 'rings/canary');
    const p = await promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'canary' });
    expect(p.from).toBeUndefined();
    expect(p.moved).toBe(true);
    expect(repo.git('rev-parse', 'refs/heads/rings/canary')).toBe(commits.c3);
    expect(formatPromotion(p)).toMatch(/`rings\/canary` does not exist yet and is created at/);
    expect(promotionNextSteps(p)).toMatch(/git push origin rings\/canary/);
  });

  it("refuses when the previous ring has no branch: promote it first", async () => {
    const repo = copyRepo(template);
    repo.git('branch', '-D', 'rings/canary');
    const e = await refusal(promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'late' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/ring 'canary' \(before 'late'\) has no branch 'rings\/canary' here.*promote canary first/);
  });

  it('--to: an older commit of the previous ring is fine; a commit not on it is refused', async () => {
    const repo = copyRepo(template);
    const p = await promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'canary', to: commits.c2 });
    expect(repo.git('rev-parse', 'rings/canary')).toBe(commits.c2);
    expect(formatPromotion(p)).toContain("a commit of ring `first`'s commit");
    repo.git('checkout', '--quiet', '-b', 'feature', commits.c1);
    writeSite(repo, 'b', 5);
    const elsewhere = commitAll(repo, 'not on main');
    repo.git('checkout', '--quiet', 'main');
    const e = await refusal(promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'late', to: elsewhere }));
    expect(e.message).toMatch(/is not on ring 'canary' \(rings\/canary at [0-9a-f]{12}\): a ring only takes commits the ring before it already has/);
    const bad = await refusal(promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'late', to: 'no-such-ref' }));
    expect(bad.message).toBe("--to 'no-such-ref' does not name a commit in this repository (fetch it first)");
  });

  it('a dry run checks and diffs but moves nothing', async () => {
    const repo = copyRepo(template);
    const before = state(repo);
    const p = await promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'canary', dryRun: true });
    expect(p.moved).toBe(false);
    expect(p.sites.every((s) => s.diff)).toBe(true);
    expect(state(repo)).toEqual(before);
    expect(formatPromotion(p)).toMatch(/would move[^]*_Dry run: nothing moved._/);
  });

  it('an up-to-date ring: nothing to promote, nothing moves', async () => {
    const repo = copyRepo(template);
    repo.git('branch', '-f', 'rings/canary', commits.c3);
    const before = state(repo);
    const p = await promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'canary' });
    expect(p.upToDate).toBe(true);
    expect(p.moved).toBe(false);
    expect(formatPromotion(p)).toMatch(/already at .* nothing to promote/);
    expect(state(repo)).toEqual(before);
  });

  it('refuses to move a branch checked out in a worktree', async () => {
    const repo = copyRepo(template);
    const wt = join(tempDir(), 'wt');
    repo.git('worktree', 'add', '--quiet', wt, 'rings/canary');
    const e = await refusal(promoteRing({ repoRoot: repo.dir, rings: RINGS, ring: 'canary' }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/the branch 'rings\/canary' is checked out in .*wt: .*check out another branch there first/);
    expect(repo.git('rev-parse', 'rings/canary')).toBe(commits.c1);
  });
});

describe('the rings handed in', () => {
  it('refuses duplicate names, shared branches, invalid branch names and no rings, each named', async () => {
    const repo = copyRepo(template);
    const bad: ResolvedRing[] = [
      { name: 'first', ref: 'main', sites: ['a'] },
      { name: 'first', ref: 'rings/x', sites: [] },
      { name: 'y', ref: 'rings/x', sites: [] },
      { name: 'z', ref: 'rings/bad..name', sites: [] },
      { name: 'w', ref: 'refs/heads/rings/w', sites: [] },
    ];
    const e = await refusal(rolloutStatus({ repoRoot: repo.dir, rings: bad }));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain("rings[0] and rings[1] are both named 'first': ring names are unique");
    expect(e.message).toContain("rings 'first' and 'y' both track 'rings/x': each ring tracks its own branch");
    expect(e.message).toContain("ring 'z': ref 'rings/bad..name' is not a branch name");
    expect(e.message).toContain("ring 'w': ref 'refs/heads/rings/w' is not a branch name");
    const none = await refusal(promoteRing({ repoRoot: repo.dir, rings: [], ring: 'x' }));
    expect(none.message).toMatch(/^no rings/);
  });

  it("refuses a first ring whose branch does not exist here", async () => {
    const repo = copyRepo(template);
    const e = await refusal(rolloutStatus({ repoRoot: repo.dir, rings: [{ name: 'first', ref: 'trunk', sites: ['a'] }] }));
    expect(e.message).toMatch(/the first ring 'first' tracks 'trunk', which is neither a local branch nor origin\/trunk here: fetch it/);
  });
});

/** The part of a Markdown text from the heading line `title` to the next heading of its level. */
function section(md: string, title: string): string {
  const start = md.indexOf(`${title}\n`);
  expect(start, `no section ${title}`).toBeGreaterThanOrEqual(0);
  const next = md.indexOf('\n### ', start + title.length);
  return md.slice(start, next < 0 ? undefined : next);
}

/** A bare copy of a scratch repository (a remote to clone and push to). */
function bareCopy(from: ScratchRepo): ScratchRepo {
  const dir = tempDir();
  from.git('clone', '--quiet', '--bare', from.dir, dir);
  const git = (...args: string[]) => from.git('-C', dir, ...args);
  return { dir, git, read: () => '', write: () => undefined, editConfig: () => undefined };
}
