/**
 * `edge-idp propose`: turn the platform change in the working tree into a reviewable branch —
 * synth, check, branch, one commit holding the source change and `synth/` together, and the
 * diff summary for the pull request. It never pushes: publishing is the user's call.
 *
 * It refuses to commit anything it was not asked to: when the working tree holds changes
 * outside the platform's source (see `isPlatformPath`), it stops and lists them.
 */
import { TENANTS_DIR } from '../tenants/schema.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import type { ComponentDefinition } from '../model/definition.js';
import { formatDrift } from '../synth/drift.js';
import { SYNTH_DIR } from '../synth/paths.js';
import { checkDrift, CONFIG_FILE, synthesize } from '../synth/synthesize.js';
import { FLEET_FILE, SITES_DIR } from '../fleet/schema.js';
import { diffFleet, type FleetDiff } from './fleet-diff.js';
import { renderFleetDiff } from './fleet-render.js';
import { currentBranch, gitFailure, gitQuery, openCheckout, resolveBase, resolveCommit, type BaseRef, type Checkout } from './git.js';

/** Top-level folders that hold the platform's source, its fleet's site files (or its generated output). */
export const PLATFORM_DIRS = ['platform', 'layers', 'policies', SITES_DIR, TENANTS_DIR, SYNTH_DIR] as const;
/** Top-level files that belong to a platform change (`README.md`: `npm run docs` rewrites its config reference). */
export const PLATFORM_FILES = [CONFIG_FILE, FLEET_FILE, 'README.md'] as const;

/**
 * Whether a path (relative to the platform root) belongs to a platform change: the config
 * (platform.yaml, or fleet.yaml and `sites/`), the teams (`tenants/`), `platform/`, `layers/`, `policies/`, `synth/` or `README.md`. Everything else —
 * tests, scripts, CI, package files, stray files — is unrelated and makes `propose` refuse.
 */
export function isPlatformPath(path: string, configFile: string = CONFIG_FILE): boolean {
  if (path === configFile || (PLATFORM_FILES as readonly string[]).includes(path)) return true;
  return PLATFORM_DIRS.some((dir) => path.startsWith(`${dir}/`));
}

export interface ProposeOptions {
  /** Repository root (the folder holding platform.yaml), inside a git checkout. */
  readonly repoRoot: string;
  /** The commit message (its first line also names the default branch). */
  readonly message: string;
  /** Branch to create. Default: `edge-idp/<slug-of-message>-<short hash of the change>`. Must not exist. */
  readonly branch?: string;
  /** A one-site config file, relative to the root. Default: fleet.yaml or platform.yaml. */
  readonly configFile?: string;
  /** The component catalog (the CLI hands in `layers/catalog.ts`). */
  readonly catalog: readonly ComponentDefinition[];
}

export interface ProposeResult {
  /** The branch created (and checked out). */
  readonly branch: string;
  /** The new commit. */
  readonly commit: string;
  /** The branch it was created from (undefined when HEAD was detached). */
  readonly from?: string;
  /** What the summary is compared with. */
  readonly base: BaseRef;
  /** Files in the commit, relative to the platform root. */
  readonly files: readonly string[];
  readonly diff: FleetDiff;
  /** The diff summary, Markdown, for the pull request description. */
  readonly markdown: string;
}

/** A change in `git status`: path relative to the platform root (`../…` when outside it) and its XY code. */
interface StatusEntry {
  readonly path: string;
  readonly code: string;
}

/** Every uncommitted change (staged, unstaged, untracked, renamed: both names), relative to the platform root. */
async function changedPaths(checkout: Checkout): Promise<StatusEntry[]> {
  let status;
  try {
    status = await checkout.git.status(['--untracked-files=all']);
  } catch (e) {
    throw gitFailure('status', e);
  }
  const out: StatusEntry[] = [];
  for (const f of status.files) {
    const code = `${f.index}${f.working_dir}`.trim() || '?';
    for (const p of [f.from, f.path]) {
      if (!p) continue;
      out.push({ path: p.startsWith(checkout.prefix) ? p.slice(checkout.prefix.length) : `../${p}`, code });
    }
  }
  return out;
}

function unrelatedChanges(entries: readonly StatusEntry[], configFile: string): StatusEntry[] {
  return entries.filter((e) => e.path.startsWith('../') || !isPlatformPath(e.path, configFile));
}

function refuseUnrelated(entries: readonly StatusEntry[]): EdgeIdpError {
  const shown = entries.slice(0, 30).map((e) => `  ${e.code.padEnd(2)} ${e.path}`);
  if (entries.length > 30) shown.push(`  … and ${entries.length - 30} more`);
  return new EdgeIdpError(
    `the working tree holds ${entries.length} change(s) unrelated to the platform source:\n${shown.join('\n')}\n` +
      `propose commits only ${[...PLATFORM_FILES, ...PLATFORM_DIRS.map((d) => `${d}/`)].join(', ')}. ` +
      'Commit, stash or remove the files above (git stash -u), then run it again.',
    EXIT_CODES.usage,
  );
}

/** `Bump Cilium to 1.20.1!` → `bump-cilium-to-1-20-1`. */
export function slugify(message: string, maxLength = 40): string {
  const firstLine = message.split('\n')[0] ?? '';
  const slug = firstLine
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = slug.slice(0, maxLength).replace(/-+$/, '');
  return cut || 'change';
}

/** A short hash of what the commit will hold (paths and contents): the same change gets the same branch name. */
async function contentHash(repoRoot: string, paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const p of [...paths].sort()) {
    hash.update(`${p}\0`);
    try {
      hash.update(await readFile(join(repoRoot, p)));
    } catch {
      hash.update('\0(deleted)');
    }
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 8);
}

async function assertBranchFree(git: SimpleGit, branch: string): Promise<void> {
  const valid = await gitQuery(git, ['check-ref-format', '--branch', branch]);
  if (!valid || branch.startsWith('-')) {
    throw new EdgeIdpError(`'${branch}' is not a valid branch name (see git check-ref-format)`, EXIT_CODES.usage);
  }
  if (await gitQuery(git, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])) {
    throw new EdgeIdpError(`branch '${branch}' already exists: pass another name with --branch, or delete it (git branch -D ${branch})`, EXIT_CODES.usage);
  }
}

/**
 * Synth, check, then commit the platform change on a new branch. Refuses (EdgeIdpError, exit
 * 64) when unrelated files are modified or untracked, when there is nothing to propose, when
 * the repository has no commit yet, or when the branch exists; config and capacity errors
 * come from synth (exit 2, 3) and leave everything untouched. On success HEAD is the new
 * branch and the working tree is clean of platform changes. Never pushes.
 */
export async function propose(opts: ProposeOptions): Promise<ProposeResult> {
  const configFile = opts.configFile ?? CONFIG_FILE;
  const message = opts.message.trim();
  if (!message) throw new EdgeIdpError('a commit message is required (-m "…")', EXIT_CODES.usage);
  const checkout = await openCheckout(opts.repoRoot);
  const { git } = checkout;

  const head = await resolveCommit(git, 'HEAD');
  if (!head) {
    throw new EdgeIdpError('the repository has no commits yet: commit a first version (with synth/) so a change has something to be reviewed against', EXIT_CODES.usage);
  }
  const before = await changedPaths(checkout);
  const conflicted = before.filter((e) => /U|AA|DD/.test(e.code));
  if (conflicted.length) {
    throw new EdgeIdpError(`unresolved merge conflicts: ${conflicted.map((e) => e.path).join(', ')}`, EXIT_CODES.usage);
  }
  const unrelated = unrelatedChanges(before, configFile);
  if (unrelated.length) throw refuseUnrelated(unrelated);
  if (opts.branch !== undefined) await assertBranchFree(git, opts.branch);

  // The base is fixed before anything moves: the commit the pull request will be reviewed against.
  const from = await currentBranch(git);
  const resolved = await resolveBase(git);
  // "HEAD" stops meaning the base once the new branch is checked out: name the branch instead.
  const base: BaseRef =
    resolved.ref === 'HEAD' && resolved.commit
      ? { ref: from ?? resolved.commit, commit: resolved.commit, reason: from ? `\`${from}\`, the branch this change was proposed from,` : 'the commit this change was proposed from,' }
      : resolved;

  // Synth (atomic: a bad config or a capacity failure leaves synth/ as it was), then the drift check.
  const where = { repoRoot: opts.repoRoot, ...(opts.configFile !== undefined ? { configFile: opts.configFile } : {}), catalog: opts.catalog };
  await synthesize(where);
  // Content only: the new files are not tracked until the commit below.
  const drifts = (await checkDrift(where)).drifts.filter((d) => d.status !== 'untracked' && d.status !== 'ignored');
  if (drifts.length) throw new EdgeIdpError(`synth/ does not match a fresh synth right after writing it:\n${formatDrift(drifts)}`, EXIT_CODES.drift);

  const after = await changedPaths(checkout);
  const lateUnrelated = unrelatedChanges(after, configFile);
  if (lateUnrelated.length) throw refuseUnrelated(lateUnrelated);
  const files = [...new Set(after.map((e) => e.path))].sort();
  if (files.length === 0) {
    throw new EdgeIdpError('nothing to propose: the config, the platform source and synth/ match HEAD', EXIT_CODES.usage);
  }

  const branch = opts.branch ?? `edge-idp/${slugify(message)}-${await contentHash(opts.repoRoot, files)}`;
  await assertBranchFree(git, branch);

  try {
    await git.checkoutLocalBranch(branch);
  } catch (e) {
    throw gitFailure(`checkout -b ${branch}`, e);
  }
  let commit: string;
  try {
    await git.raw(['add', '--all', '--', ...files.map((f) => `${checkout.prefix}${f}`)]);
    await git.raw(['commit', '--quiet', '-m', message]);
    commit = (await resolveCommit(git, 'HEAD'))!;
    if (!commit || commit === head) throw new Error('no commit was made');
  } catch (e) {
    // Put the user back where they were: original branch, changes still in the working tree.
    await git.raw(['reset', '--quiet']).catch(() => undefined);
    await git.raw(['checkout', '--quiet', from ?? head]).catch(() => undefined);
    await git.raw(['branch', '-D', branch]).catch(() => undefined);
    throw gitFailure('commit', e);
  }

  const diff = await diffFleet({ ...where, base, checkout });
  return { branch, commit, ...(from ? { from } : {}), base, files, diff, markdown: renderFleetDiff(diff) };
}
