/**
 * Rollout rings over git branches (issue 16): `edge-idp rollout` says where each ring stands,
 * `edge-idp promote RING` fast-forwards one ring's branch to the previous ring's commit and
 * shows the reviewer diff of exactly that ring's sites. Offline and local: it reads refs and
 * moves one local branch; it never fetches and never pushes (docs/rollout.md: the move reaches
 * the sites through a reviewed pull request).
 *
 * Refs. A ring's `ref` is a branch name (`main`, `rings/canary`): what its sites' Applications
 * take as `targetRevision`. Where a ring stands is where its sites pull from: the
 * remote-tracking branch `refs/remotes/origin/<ref>` when this clone has one (as of the last
 * fetch), else the local branch `refs/heads/<ref>` (a repository without a remote), else
 * nowhere yet. `promote` compares with that position and moves the local branch, which must
 * itself only fast-forward; a local branch ahead of origin's is a promotion not pushed yet.
 * `origin` is the remote, as for the review commands' default branch.
 *
 * Invariant: every ring's commit is an ancestor of (or equal to) the previous ring's, so a
 * later ring only ever runs what an earlier ring ran first. `promote` refuses anything but a
 * fast-forward along that chain; `rollout` reports a ring that broke it.
 */
import { spawn } from 'node:child_process';
import { parse } from 'yaml';
import { ROOT_NAME } from '../argocd/constants.js';
import { EdgeIdpError, EXIT_CODES, printable } from '../config/errors.js';
import { compareSynth, type SynthDiff } from '../review/diff.js';
import { factsFromReadme, NO_FACTS, type SiteFacts } from '../review/facts.js';
import { gitFailure, gitQuery, openCheckout, readCommittedFile, readTreeFiles, resolveCommit, type BaseRef, type Checkout } from '../review/git.js';
import { NO_CHANGES, renderSynthDiff } from '../review/render.js';
import { objectFileBase } from '../synth/files.js';
import { rootDir, siteDir, SYNTH_DIR } from '../synth/paths.js';
import type { ResolvedRing } from './rings.js';
export type { ResolvedRing };

/** The remote whose remote-tracking branches stand in for missing local ones. */
export const RING_REMOTE = 'origin';

/** Where a ring's branch points. */
export interface RefPosition {
  readonly commit: string;
  /** `origin`: the remote-tracking `origin/<ref>`; `local`: the branch `refs/heads/<ref>` (no remote-tracking one here). */
  readonly source: 'local' | 'origin';
  /** The ref as a user names it: `rings/canary` or `origin/rings/canary`. */
  readonly name: string;
}

/** A commit, for humans. */
export interface CommitInfo {
  readonly commit: string;
  readonly subject: string;
  /** Committer date, ISO 8601. */
  readonly date: string;
}

export interface RingStatus {
  readonly ring: ResolvedRing;
  /** 1-based position in the rollout order. */
  readonly number: number;
  /** Where the ring stands (origin's branch, else the local one); undefined when neither exists. */
  readonly position?: RefPosition & CommitInfo;
  /** When both exist and differ: the local branch's commit and how it relates to origin's (`ahead`: a promotion not pushed yet). */
  readonly local?: { readonly commit: string; readonly relation: 'ahead' | 'behind' | 'diverged'; readonly count: number };
  /** Commits on the default branch (the first ring's) that this ring lacks. */
  readonly behind?: number;
  /** Problems: the ring drifted from the previous ring (it holds commits the previous ring lacks). */
  readonly problems: readonly string[];
  /** Worth knowing, not wrong: a ring not created yet, sites that do not follow the ring yet. */
  readonly notes: readonly string[];
}

export interface RolloutReport {
  /** The default branch: the first ring's ref. */
  readonly defaultRef: string;
  readonly rings: readonly RingStatus[];
  /** True when no ring has a problem. */
  readonly ok: boolean;
}

export interface RolloutOptions {
  /** The platform root (inside a git checkout). */
  readonly repoRoot: string;
  readonly rings: readonly ResolvedRing[];
}

export interface PromoteOptions extends RolloutOptions {
  /** The ring to promote: its name, or its ref (`rings/canary`, as a pull request's base branch names it). */
  readonly ring: string;
  /**
   * The commit to promote to. It must be on the previous ring (its commit or an ancestor of it).
   * @default the previous ring's commit
   */
  readonly to?: string;
  /**
   * Compute and check everything, move nothing (CI on a pull request into the ring's branch).
   * @default false
   */
  readonly dryRun?: boolean;
}

/** One site's part of a promotion. */
export interface SitePromotion {
  readonly site: string;
  /** Undefined when nothing under `synth/<site>/` differs between the two commits. */
  readonly diff?: SynthDiff;
}

export interface Promotion {
  readonly ring: ResolvedRing;
  readonly previous: ResolvedRing & { readonly position: RefPosition };
  /** Where the ring stood (origin's branch, else the local one); undefined when it did not exist (the first promotion creates it). */
  readonly from?: RefPosition;
  /** The commit the ring moves to. */
  readonly to: CommitInfo;
  /** True when the ring already stands at `to`: nothing to promote. */
  readonly upToDate: boolean;
  /** True when the local branch was moved (or created); false on a dry run or when up to date. */
  readonly moved: boolean;
  /** True when the local branch did not exist before (it is created at `to`, or would be on a dry run). */
  readonly newLocalBranch: boolean;
  readonly dryRun: boolean;
  /** Commits the ring gains, newest first (at most `MAX_COMMITS_LISTED`), and how many in all. */
  readonly commits: readonly CommitInfo[];
  readonly commitCount: number;
  /** Every site of the ring, in the ring's order. */
  readonly sites: readonly SitePromotion[];
  /** The ring's sites that would not follow the ring at the new commit (see `rolloutStatus`'s notes). */
  readonly notes: readonly string[];
}

/** Commits listed by a promotion (the count is always exact). */
export const MAX_COMMITS_LISTED = 50;

const configError = (message: string) => new EdgeIdpError(message, EXIT_CODES.config);
const short = (commit: string) => commit.slice(0, 12);
const quote = (s: string) => `'${printable(s)}'`;

// ---------------------------------------------------------------------------------------------
// Git reads.

async function gitRaw(checkout: Checkout, args: string[]): Promise<string> {
  try {
    return await checkout.git.raw(args);
  } catch (e) {
    throw gitFailure(args[0]!, e);
  }
}

/** The local branch and origin's remote-tracking branch of `ref`, each when it exists. */
async function refPositions(checkout: Checkout, ref: string): Promise<{ local?: RefPosition; origin?: RefPosition }> {
  const local = await gitQuery(checkout.git, ['rev-parse', '--verify', '--quiet', `refs/heads/${ref}^{commit}`]);
  const origin = await gitQuery(checkout.git, ['rev-parse', '--verify', '--quiet', `refs/remotes/${RING_REMOTE}/${ref}^{commit}`]);
  return {
    ...(local ? { local: { commit: local, source: 'local', name: ref } as const } : {}),
    ...(origin ? { origin: { commit: origin, source: 'origin', name: `${RING_REMOTE}/${ref}` } as const } : {}),
  };
}

/** True when `ancestor` is `descendant` or one of its ancestors. */
async function isAncestor(checkout: Checkout, ancestor: string, descendant: string): Promise<boolean> {
  if (ancestor === descendant) return true;
  return (await gitQuery(checkout.git, ['merge-base', ancestor, descendant])) === ancestor;
}

/** Commits reachable from `to` and not from `from`. */
async function countBetween(checkout: Checkout, from: string, to: string): Promise<number> {
  return Number(await gitRaw(checkout, ['rev-list', '--count', `${from}..${to}`]));
}

async function commitInfo(checkout: Checkout, commit: string): Promise<CommitInfo> {
  const [subject = '', date = ''] = (await gitRaw(checkout, ['log', '-1', '--format=%s%x00%cI', commit, '--'])).trim().split('\0');
  return { commit, subject, date };
}

async function commitsBetween(checkout: Checkout, from: string, to: string): Promise<CommitInfo[]> {
  const out = await gitRaw(checkout, ['log', `--max-count=${MAX_COMMITS_LISTED}`, '--format=%H%x00%s%x00%cI%x1e', `${from}..${to}`, '--']);
  return out
    .split('\x1e')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const [commit = '', subject = '', date = ''] = r.split('\0');
      return { commit, subject, date };
    });
}

/**
 * Files at one commit, read with one `git cat-file --batch` however many: path (relative to
 * the platform root) → text, or undefined when the commit has no such file.
 */
async function readFilesAt(checkout: Checkout, commit: string, paths: readonly string[]): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  if (paths.length === 0) return out;
  const input = paths.map((p) => `${commit}:${checkout.prefix}${p}\n`).join('');
  const stdout = await new Promise<Buffer>((resolvePromise, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: checkout.top, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', (e) => reject(gitFailure('cat-file', e)));
    child.on('close', (code) => (code === 0 ? resolvePromise(Buffer.concat(chunks)) : reject(gitFailure('cat-file', new Error(stderr || `exit ${code}`)))));
    child.stdin.on('error', () => undefined); // git exiting early: reported by 'close'
    child.stdin.end(input);
  });
  const decoder = new TextDecoder('utf-8');
  let offset = 0;
  for (const path of paths) {
    const eol = stdout.indexOf(0x0a, offset);
    const header = stdout.subarray(offset, eol).toString('utf8');
    offset = eol + 1;
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) {
      out.set(path, undefined); // `<name> missing` (or an ambiguous name)
      continue;
    }
    const size = Number(m[2]);
    out.set(path, m[1] === 'blob' ? decoder.decode(stdout.subarray(offset, offset + size)) : undefined);
    offset += size + 1;
  }
  return out;
}

/** Site folders under synth/ at a commit. */
async function siteFoldersAt(checkout: Checkout, commit: string): Promise<string[]> {
  const listing = await gitRaw(checkout, ['ls-tree', '-d', '--name-only', '-z', '--full-tree', commit, '--', `${checkout.prefix}${SYNTH_DIR}/`]);
  return listing
    .split('\0')
    .filter(Boolean)
    .map((p) => p.slice(`${checkout.prefix}${SYNTH_DIR}/`.length));
}

// ---------------------------------------------------------------------------------------------
// Rings.

/** The rings as handed in make sense: at least one, names and refs unique, refs valid branch names. */
async function checkRings(checkout: Checkout, rings: readonly ResolvedRing[]): Promise<void> {
  if (rings.length === 0) throw configError('no rings: a fleet has at least one ring (the first tracks the default branch)');
  const problems: string[] = [];
  const seenName = new Map<string, number>();
  const seenRef = new Map<string, string>();
  for (const [i, ring] of rings.entries()) {
    const other = seenName.get(ring.name);
    if (other !== undefined) problems.push(`rings[${other}] and rings[${i}] are both named ${quote(ring.name)}: ring names are unique`);
    seenName.set(ring.name, i);
    const sameRef = seenRef.get(ring.ref);
    if (sameRef !== undefined) problems.push(`rings ${quote(sameRef)} and ${quote(ring.name)} both track ${quote(ring.ref)}: each ring tracks its own branch`);
    seenRef.set(ring.ref, ring.name);
    const valid = !ring.ref.startsWith('-') && !ring.ref.startsWith('refs/') && (await gitQuery(checkout.git, ['check-ref-format', '--branch', ring.ref])) !== undefined;
    if (!valid) problems.push(`ring ${quote(ring.name)}: ref ${quote(ring.ref)} is not a branch name (write it as git names a branch, e.g. 'rings/${printable(ring.name)}')`);
  }
  if (problems.length) throw configError(problems.join('\n'));
}

function ringList(rings: readonly ResolvedRing[]): string {
  return rings.map((r) => `${r.name} (${r.ref})`).join(', ');
}

/** The ring a user names, by name or by ref (`rings/canary`, `origin/rings/canary`). */
export function findRing(rings: readonly ResolvedRing[], wanted: string): number {
  const byName = rings.findIndex((r) => r.name === wanted);
  if (byName >= 0) return byName;
  const byRef = rings.findIndex((r) => r.ref === wanted || `${RING_REMOTE}/${r.ref}` === wanted || `refs/heads/${r.ref}` === wanted);
  if (byRef >= 0) return byRef;
  throw configError(`no ring ${quote(wanted)}: the rings are, in order, ${ringList(rings)}`);
}

/** The root Application's `targetRevision` per site at a commit (undefined: the site has no root there). */
async function trackedRevisions(checkout: Checkout, commit: string, sites: readonly string[]): Promise<Map<string, string | undefined>> {
  const file = (site: string) => `${rootDir(site)}/${objectFileBase('Application', ROOT_NAME)}.yaml`;
  const texts = await readFilesAt(checkout, commit, sites.map(file));
  const out = new Map<string, string | undefined>();
  for (const site of sites) {
    const text = texts.get(file(site));
    let revision: string | undefined;
    if (text !== undefined) {
      try {
        const spec = (parse(text) as { spec?: { source?: { targetRevision?: unknown } } } | null)?.spec;
        revision = String(spec?.source?.targetRevision ?? 'HEAD');
      } catch {
        revision = '(unreadable)';
      }
    }
    out.set(site, revision);
  }
  return out;
}

/** Notes on sites that do not follow `ring` at `commit`: no folder there, or a root tracking another ref. */
async function trackingNotes(checkout: Checkout, ring: ResolvedRing, commit: string): Promise<string[]> {
  const revisions = await trackedRevisions(checkout, commit, ring.sites);
  const missing = ring.sites.filter((s) => revisions.get(s) === undefined);
  const elsewhere = new Map<string, string[]>();
  for (const site of ring.sites) {
    const r = revisions.get(site);
    if (r !== undefined && r !== ring.ref) elsewhere.set(r, [...(elsewhere.get(r) ?? []), site]);
  }
  const notes: string[] = [];
  if (missing.length) {
    notes.push(`${missing.length === 1 ? 'site' : 'sites'} ${missing.join(', ')}: no ${SYNTH_DIR}/<site>/ at this commit, so nothing to sync until the ring is promoted past the commit that adds ${missing.length === 1 ? 'it' : 'them'}`);
  }
  for (const [revision, sites] of elsewhere) {
    notes.push(
      `${sites.length === 1 ? 'site' : 'sites'} ${sites.join(', ')}: the root Application at this commit tracks ${quote(revision)}, not ${quote(ring.ref)}; ` +
        `the ${sites.length === 1 ? 'site follows' : 'sites follow'} the ring only once the ring holds the commit that moved ${sites.length === 1 ? 'it' : 'them'} (promote ${ring.name})`,
    );
  }
  return notes;
}

/** Where every ring stands: its commit, how far behind the default branch, and any drift. */
export async function rolloutStatus(opts: RolloutOptions): Promise<RolloutReport> {
  const checkout = await openCheckout(opts.repoRoot);
  await checkRings(checkout, opts.rings);
  const rings = opts.rings;
  const first = rings[0]!;
  const positions = await Promise.all(rings.map((r) => refPositions(checkout, r.ref)));
  const defaultPosition = positions[0]!.origin ?? positions[0]!.local;
  if (!defaultPosition) {
    throw configError(`the first ring ${quote(first.name)} tracks ${quote(first.ref)}, which is neither a local branch nor ${RING_REMOTE}/${printable(first.ref)} here: fetch it, or fix the ring's ref`);
  }
  const statuses: RingStatus[] = [];
  for (const [i, ring] of rings.entries()) {
    const { local, origin } = positions[i]!;
    const at = origin ?? local;
    const problems: string[] = [];
    const notes: string[] = [];
    if (!at) {
      notes.push(`${quote(ring.ref)} does not exist yet (neither a local branch nor ${RING_REMOTE}/${printable(ring.ref)}): \`edge-idp promote ${ring.name}\` creates it; until it is pushed the ring's sites have nothing to sync`);
      statuses.push({ ring, number: i + 1, problems, notes });
      continue;
    }
    let localStatus: RingStatus['local'];
    if (local && origin && local.commit !== origin.commit) {
      const branch = `local branch ${ring.ref} (${short(local.commit)})`;
      if (await isAncestor(checkout, origin.commit, local.commit)) {
        localStatus = { commit: local.commit, relation: 'ahead', count: await countBetween(checkout, origin.commit, local.commit) };
        notes.push(`the ${branch} is ${localStatus.count} commit${localStatus.count === 1 ? '' : 's'} ahead of ${origin.name}: a promotion not pushed yet, the sites still run ${short(origin.commit)}`);
      } else if (await isAncestor(checkout, local.commit, origin.commit)) {
        localStatus = { commit: local.commit, relation: 'behind', count: await countBetween(checkout, local.commit, origin.commit) };
        notes.push(`the ${branch} is ${localStatus.count} commit${localStatus.count === 1 ? '' : 's'} behind ${origin.name}: stale (git branch -f ${ring.ref} ${origin.name})`);
      } else {
        localStatus = { commit: local.commit, relation: 'diverged', count: await countBetween(checkout, origin.commit, local.commit) };
        notes.push(`the ${branch} has diverged from ${origin.name}: promote refuses to move it until it is reset onto ${origin.name}`);
      }
    }
    const previous = i > 0 ? (positions[i - 1]!.origin ?? positions[i - 1]!.local) : undefined;
    if (previous && !(await isAncestor(checkout, at.commit, previous.commit))) {
      const extra = await countBetween(checkout, previous.commit, at.commit);
      problems.push(
        `drifted: ${at.name} (${short(at.commit)}) has ${extra} commit${extra === 1 ? '' : 's'} that ring ${quote(rings[i - 1]!.name)} (${previous.name}, ${short(previous.commit)}) lacks; ` +
          `a ring only ever holds commits of the ring before it: find out how they got there, then move the branch back onto ${previous.name}`,
      );
    }
    notes.push(...(await trackingNotes(checkout, ring, at.commit)));
    statuses.push({
      ring,
      number: i + 1,
      position: { ...at, ...(await commitInfo(checkout, at.commit)) },
      ...(localStatus ? { local: localStatus } : {}),
      behind: await countBetween(checkout, at.commit, defaultPosition.commit),
      problems,
      notes,
    });
  }
  return { defaultRef: first.ref, rings: statuses, ok: statuses.every((s) => s.problems.length === 0) };
}

/** The rollout report as text: one block per ring, in order. */
export function formatRollout(report: RolloutReport): string {
  const lines: string[] = [`rollout: ${report.rings.length} ring${report.rings.length === 1 ? '' : 's'}, default branch ${report.defaultRef}`];
  for (const s of report.rings) {
    lines.push('', `${s.number}. ${s.ring.name}  (${s.ring.ref})`);
    if (s.position) {
      lines.push(`   commit  ${short(s.position.commit)}  ${s.position.date.slice(0, 10)}  ${printable(s.position.subject)}  (${s.position.source === 'origin' ? s.position.name : 'local branch'})`);
      const behind = s.number === 1 ? '0 (the default branch)' : s.behind === 0 ? `0 (up to date with ${report.defaultRef})` : `${s.behind} commit${s.behind === 1 ? '' : 's'} behind ${report.defaultRef}`;
      lines.push(`   behind  ${behind}`);
    } else {
      lines.push('   commit  (none yet)');
    }
    lines.push(`   sites   ${s.ring.sites.length ? `${s.ring.sites.join(', ')} (${s.ring.sites.length})` : '(none)'}`);
    for (const p of s.problems) lines.push(`   PROBLEM ${p}`);
    for (const n of s.notes) lines.push(`   note    ${n}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Promotion.

/** A worktree (this one or another) that has `branch` checked out, or undefined. */
async function checkedOutIn(checkout: Checkout, branch: string): Promise<string | undefined> {
  const listing = await gitRaw(checkout, ['worktree', 'list', '--porcelain', '-z']);
  let path: string | undefined;
  for (const field of listing.split('\0')) {
    if (field.startsWith('worktree ')) path = field.slice('worktree '.length);
    else if (field === `branch refs/heads/${branch}`) return path ?? checkout.top;
  }
  return undefined;
}

/** A site's facts from the README its synth/ holds: its own, or the synth/README.md of a one-site tree. */
async function siteFacts(checkout: Checkout, commit: string | undefined, site: string, files: ReadonlyMap<string, string>, oneSite: boolean): Promise<SiteFacts> {
  if (!commit || files.size === 0) return NO_FACTS;
  const own = files.get(`${siteDir(site)}/README.md`);
  const text = own ?? (oneSite ? await readCommittedFile(checkout, commit, `${SYNTH_DIR}/README.md`) : undefined);
  return (text !== undefined ? factsFromReadme(text) : undefined) ?? NO_FACTS;
}

/** Sites whose folder differs between two commits (one git process). */
async function changedSites(checkout: Checkout, from: string, to: string): Promise<Set<string>> {
  const prefix = `${checkout.prefix}${SYNTH_DIR}/`;
  const listing = await gitRaw(checkout, ['diff', '--name-only', '-z', '--no-renames', from, to, '--', prefix]);
  return new Set(
    listing
      .split('\0')
      .filter((p) => p.startsWith(prefix))
      .map((p) => p.slice(prefix.length).split('/')[0]!),
  );
}

async function siteDiffs(checkout: Checkout, ring: ResolvedRing, from: RefPosition | undefined, to: string): Promise<SitePromotion[]> {
  const changed = from ? await changedSites(checkout, from.commit, to) : new Set(ring.sites);
  const oneSite = async (commit: string | undefined) => (commit ? (await siteFoldersAt(checkout, commit)).length === 1 : false);
  const [oldOneSite, newOneSite] = await Promise.all([oneSite(from?.commit), oneSite(to)]);
  const base: BaseRef = from
    ? { ref: from.name, commit: from.commit, reason: `ring \`${ring.name}\`'s current commit (\`${from.name}\`)` }
    : { ref: ring.ref, reason: `nothing: \`${ring.ref}\` does not exist yet` };
  const out: SitePromotion[] = [];
  for (const site of ring.sites) {
    if (!changed.has(site)) {
      out.push({ site });
      continue;
    }
    const dir = siteDir(site);
    const oldFiles = await readTreeFiles(checkout, from?.commit, dir);
    const newFiles = await readTreeFiles(checkout, to, dir);
    const [oldFacts, newFacts] = await Promise.all([
      siteFacts(checkout, from?.commit, site, oldFiles, oldOneSite),
      siteFacts(checkout, to, site, newFiles, newOneSite),
    ]);
    const diff = compareSynth({ base, oldFiles, newFiles, oldFacts, newFacts });
    out.push(diff.empty ? { site } : { site, diff });
  }
  return out;
}

/**
 * Fast-forwards the local branch of ring `opts.ring` to the previous ring's commit (or `to`,
 * a commit of the previous ring), creating it when it does not exist, and returns the reviewer
 * diff of the ring's sites. Refuses (exit 2, nothing moved) an unknown ring, the first ring, a
 * previous ring with no branch, a move that is not a fast-forward of the ring's local branch and
 * of origin's copy, and a branch checked out in a worktree. Never pushes.
 */
export async function promoteRing(opts: PromoteOptions): Promise<Promotion> {
  const checkout = await openCheckout(opts.repoRoot);
  await checkRings(checkout, opts.rings);
  const rings = opts.rings;
  const index = findRing(rings, opts.ring);
  const ring = rings[index]!;
  if (index === 0) {
    const later = rings.slice(1).map((r) => r.name);
    throw configError(
      `ring ${quote(ring.name)} is the first ring: it tracks the default branch ${quote(ring.ref)} itself, so a merge to ${printable(ring.ref)} is its promotion` +
        (later.length ? `; the rings that can be promoted: ${later.join(', ')}` : '; this fleet has no later ring'),
    );
  }
  const previousRing = rings[index - 1]!;
  const prev = await refPositions(checkout, previousRing.ref);
  const previous = prev.origin ?? prev.local;
  if (!previous) {
    throw configError(`ring ${quote(previousRing.name)} (before ${quote(ring.name)}) has no branch ${quote(previousRing.ref)} here (neither local nor ${RING_REMOTE}/): promote ${printable(previousRing.name)} first, or fetch`);
  }

  let target = previous.commit;
  if (opts.to !== undefined) {
    const resolved = await resolveCommit(checkout.git, opts.to);
    if (!resolved) throw configError(`--to ${quote(opts.to)} does not name a commit in this repository (fetch it first)`);
    if (!(await isAncestor(checkout, resolved, previous.commit))) {
      throw configError(
        `${printable(opts.to)} (${short(resolved)}) is not on ring ${quote(previousRing.name)} (${previous.name} at ${short(previous.commit)}): ` +
          `a ring only takes commits the ring before it already has`,
      );
    }
    target = resolved;
  }

  const { local, origin } = await refPositions(checkout, ring.ref);
  for (const at of [local, origin]) {
    if (!at || (await isAncestor(checkout, at.commit, target))) continue;
    const extra = await countBetween(checkout, target, at.commit);
    const ahead = await isAncestor(checkout, target, at.commit);
    throw configError(
      `not a fast-forward: ${at.name} (${short(at.commit)}) ${ahead ? 'is ahead of' : 'has diverged from'} ${short(target)} ` +
        `(ring ${quote(previousRing.name)}, ${previous.name}), with ${extra} commit${extra === 1 ? '' : 's'} that ${short(target)} lacks. ` +
        (ahead
          ? 'Promotion never moves a ring back; rings never drift, so find out how those commits reached the ring.'
          : 'Rings never drift: find out how those commits reached the ring, then move the branch back onto a commit of the ring before it.'),
    );
  }

  const from = origin ?? local;
  const upToDate = from?.commit === target;
  const moveNeeded = !upToDate && local?.commit !== target;
  if (moveNeeded && !opts.dryRun) {
    const where = await checkedOutIn(checkout, ring.ref);
    if (where) throw configError(`the branch ${quote(ring.ref)} is checked out in ${printable(where)}: moving it would leave that working tree behind its branch; check out another branch there first`);
  }

  const sites = await siteDiffs(checkout, ring, from, target);
  const commitCount = from ? await countBetween(checkout, from.commit, target) : 0;
  const commits = from && commitCount > 0 ? await commitsBetween(checkout, from.commit, target) : [];
  const to = await commitInfo(checkout, target);
  const notes = await trackingNotes(checkout, ring, target);

  let moved = false;
  if (moveNeeded && !opts.dryRun) {
    const reason = `edge-idp promote ${ring.name}: fast-forward to ${previousRing.ref} (${short(target)})`;
    // With the old value (empty: must not exist), git refuses if the branch moved meanwhile.
    await gitRaw(checkout, ['update-ref', '-m', reason, `refs/heads/${ring.ref}`, target, local?.commit ?? '']);
    moved = true;
  }
  return {
    ring,
    previous: { ...previousRing, position: previous },
    ...(from ? { from } : {}),
    to,
    upToDate,
    moved,
    newLocalBranch: local === undefined,
    dryRun: opts.dryRun === true,
    commits,
    commitCount,
    sites,
    notes,
  };
}

/** `synth/<site>/` written as `synth/<site>/` (a placeholder), so equal changes of different sites compare equal. */
function siteNeutral(text: string, site: string): string {
  return text.split(`${SYNTH_DIR}/${site}/`).join(`${SYNTH_DIR}/<site>/`);
}

/** A site's rendered diff without its title, its headings one level down. */
function siteSection(diff: SynthDiff): string {
  return renderSynthDiff(diff)
    .replace(/^## edge-idp: synth diff\n+/, '')
    .replace(/^(#{2,}) /gm, '$1# ');
}

/**
 * The promotion for a reviewer, as Markdown: what moves where, the commits, then the synth diff
 * of each of the ring's sites (sites with the same change share one section; sites without
 * changes are listed).
 */
export function formatPromotion(p: Promotion): string {
  const lines: string[] = [`## edge-idp: promote ring \`${p.ring.name}\``, ''];
  const what = `ring \`${p.previous.name}\`'s commit (\`${p.previous.position.name}\`)`;
  const target = p.to.commit === p.previous.position.commit ? what : `a commit of ${what}`;
  if (p.upToDate) {
    lines.push(`\`${p.ring.ref}\` is already at \`${short(p.to.commit)}\`, ${target}: nothing to promote.`);
    return lines.join('\n');
  }
  const changed = p.sites.filter((s) => s.diff);
  const verb = p.dryRun ? 'would move' : p.moved ? 'moved' : 'moves (the local branch is there already, not pushed yet)';
  lines.push(
    p.from
      ? `\`${p.ring.ref}\` ${verb} from \`${short(p.from.commit)}\` (\`${p.from.name}\`) to \`${short(p.to.commit)}\`, ${target}: ` +
          `${p.commitCount} commit${p.commitCount === 1 ? '' : 's'}; ${changed.length} of ${p.sites.length} site${p.sites.length === 1 ? '' : 's'} change.`
      : `\`${p.ring.ref}\` does not exist yet and ${p.dryRun ? 'would be' : 'is'} created at \`${short(p.to.commit)}\`, ${target}: ` +
          `everything under its sites' folders is new to the ring.`,
  );
  if (p.dryRun) lines.push('', '_Dry run: nothing moved._');
  if (p.notes.length) lines.push('', ...p.notes.map((n) => `> At \`${short(p.to.commit)}\`, ${n}`));
  if (p.commits.length) {
    lines.push('', `**Commits** (${p.commitCount}${p.commitCount > p.commits.length ? `, newest ${p.commits.length} listed` : ''}):`);
    for (const c of p.commits) lines.push(`- \`${short(c.commit)}\` ${printable(c.subject)}`);
  }
  // Sites with the same change (their folder names aside) share a section.
  const groups = new Map<string, { sites: string[]; text: string }>();
  for (const s of changed) {
    const text = siteSection(s.diff!);
    const key = siteNeutral(text, s.site);
    const group = groups.get(key);
    if (group) group.sites.push(s.site);
    else groups.set(key, { sites: [s.site], text });
  }
  for (const [neutral, g] of groups) {
    lines.push('', g.sites.length === 1 ? `### Site \`${g.sites[0]}\`` : `### Sites ${g.sites.map((x) => `\`${x}\``).join(', ')} (the same change in ${g.sites.length} sites)`, '');
    lines.push(g.sites.length === 1 ? g.text : neutral);
  }
  const unchanged = p.sites.filter((s) => !s.diff).map((s) => `\`${s.site}\``);
  if (unchanged.length) lines.push('', `### ${NO_CHANGES} in ${unchanged.length} site${unchanged.length === 1 ? '' : 's'}`, '', unchanged.join(', '));
  return lines.join('\n');
}

/** What to do after a promotion (the CLI prints it beside the diff): the ref is local until pushed through a reviewed pull request. */
export function promotionNextSteps(p: Promotion): string {
  if (p.upToDate) return `Nothing moved: ${p.ring.ref} is already at ${short(p.to.commit)}.`;
  const head = `promote/${p.ring.name}-${short(p.to.commit)}`;
  const done = p.dryRun
    ? `Dry run: ${p.ring.ref} not moved.`
    : p.moved
      ? `${p.newLocalBranch ? 'Created' : 'Moved'} the local branch ${p.ring.ref} at ${short(p.to.commit)}; not pushed.`
      : `The local branch ${p.ring.ref} is at ${short(p.to.commit)} already; not pushed.`;
  if (!p.from) {
    return `${done}\nA new ring branch has nothing to review yet: publish it with: git push ${RING_REMOTE} ${p.ring.ref}`;
  }
  return [
    done,
    'Publish it through a reviewed pull request (docs/rollout.md):',
    `  git push ${RING_REMOTE} ${p.to.commit}:refs/heads/${head}`,
    `  open a pull request from ${head} into ${p.ring.ref} (the output above is its description)`,
    `  once approved and green: git push ${RING_REMOTE} ${p.ring.ref}   (a fast-forward: GitHub marks the pull request merged)`,
  ].join('\n');
}
