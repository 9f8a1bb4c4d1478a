/**
 * The few git facts the review commands need, read offline through simple-git: where the
 * checkout's root is, which commit to compare with, and the files of `synth/` at a commit.
 *
 * simple-git resolves (with empty output) when git exits non-zero without writing to stderr,
 * so "does this exist" questions use commands that print something on success only
 * (`rev-parse --verify --quiet`) and treat empty output as "no".
 */
import { simpleGit, type SimpleGit } from 'simple-git';
import { ConfigError, EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import type { ConfigSource } from '../fleet/source.js';
import { compareText } from '../model/order.js';
import { SYNTH_DIR } from '../synth/paths.js';

/** A git checkout as the review commands see it. */
export interface Checkout {
  /** simple-git bound to the repository's top-level folder (every path below is relative to it). */
  readonly git: SimpleGit;
  /** The repository's top-level folder. */
  readonly top: string;
  /** Where the platform root sits below the top (`''` when it is the top, else ending in `/`). */
  readonly prefix: string;
}

/** The commit a diff compares with, and how it was chosen. */
export interface BaseRef {
  /** What the user asked for or what was chosen (`origin/main`, `HEAD`, a sha…). */
  readonly ref: string;
  /** The resolved commit; undefined when there is none (a repository without commits). */
  readonly commit?: string;
  /** One line for humans: why this commit. */
  readonly reason: string;
}

/** Turns a failure of the git binary into an error the CLI maps to an exit code. */
export function gitFailure(action: string, e: unknown): EdgeIdpError {
  const err = e as NodeJS.ErrnoException & { message?: string };
  if (err?.code === 'ENOENT' || /spawn git ENOENT/.test(String(err?.message))) {
    return new EdgeIdpError('git is not installed or not on PATH: the review commands read the repository with it', EXIT_CODES.tool);
  }
  const message = String(err?.message ?? e).trim().split('\n').slice(0, 6).join('\n');
  return new EdgeIdpError(`git ${action} failed: ${message}`, EXIT_CODES.tool);
}

/** Output of a git command, or undefined when it fails or prints nothing. */
export async function gitQuery(git: SimpleGit, args: string[]): Promise<string | undefined> {
  try {
    const out = (await git.raw(args)).trim();
    return out === '' ? undefined : out;
  } catch {
    return undefined;
  }
}

/** Opens the checkout holding `repoRoot`. Throws a clear error when it is not one. */
export async function openCheckout(repoRoot: string): Promise<Checkout> {
  let top: string | undefined;
  let prefix: string | undefined;
  try {
    const git = simpleGit({ baseDir: repoRoot });
    top = await gitQuery(git, ['rev-parse', '--show-toplevel']);
    prefix = (await git.raw(['rev-parse', '--show-prefix'])).trim();
  } catch (e) {
    const failure = gitFailure('rev-parse', e);
    if (failure.exitCode === EXIT_CODES.tool && /not installed/.test(failure.message)) throw failure;
    top = undefined;
  }
  if (!top) {
    throw new EdgeIdpError(`${repoRoot} is not inside a git repository: the review commands compare with committed history`, EXIT_CODES.usage);
  }
  return { git: simpleGit({ baseDir: top }), top, prefix: prefix ?? '' };
}

/** The commit `ref` names, or undefined. */
export async function resolveCommit(git: SimpleGit, ref: string): Promise<string | undefined> {
  if (ref.startsWith('-')) return undefined;
  return gitQuery(git, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
}

/** The current branch's short name; undefined when HEAD is detached. */
export async function currentBranch(git: SimpleGit): Promise<string | undefined> {
  return gitQuery(git, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
}

/**
 * The default branch as a ref this checkout can resolve: `origin/HEAD`'s target (e.g.
 * `origin/main`), else a local `main`, else a local `master`; undefined when none exists.
 */
export async function defaultBranch(git: SimpleGit): Promise<string | undefined> {
  const originHead = await gitQuery(git, ['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']);
  if (originHead?.startsWith('refs/remotes/')) {
    const short = originHead.slice('refs/remotes/'.length);
    if (await resolveCommit(git, short)) return short;
  }
  for (const name of ['main', 'master']) {
    if (await gitQuery(git, ['rev-parse', '--verify', '--quiet', `refs/heads/${name}`])) return name;
  }
  return undefined;
}

/** `origin/main` → `main`; `main` → `main`. */
function branchShortName(ref: string): string {
  return ref.startsWith('origin/') ? ref.slice('origin/'.length) : ref;
}

/**
 * The commit to compare with. An explicit `base` must resolve. Otherwise: the merge base of
 * HEAD with the default branch; HEAD itself when HEAD is the default branch (or there is no
 * default branch); nothing when the repository has no commits yet.
 */
export async function resolveBase(git: SimpleGit, base?: string): Promise<BaseRef> {
  if (base !== undefined) {
    const commit = await resolveCommit(git, base);
    if (!commit) throw new EdgeIdpError(`--base '${base}' does not name a commit in this repository (fetch it first, or pick another ref)`, EXIT_CODES.usage);
    return { ref: base, commit, reason: `\`${base}\`` };
  }
  const head = await resolveCommit(git, 'HEAD');
  if (!head) return { ref: 'HEAD', reason: 'nothing: the repository has no commits yet' };
  const def = await defaultBranch(git);
  const branch = await currentBranch(git);
  if (!def) return { ref: 'HEAD', commit: head, reason: '`HEAD` (no default branch found: no origin/HEAD, main or master)' };
  if (branch !== undefined && branch === branchShortName(def)) {
    return { ref: 'HEAD', commit: head, reason: `\`HEAD\` (the default branch \`${branch}\`)` };
  }
  const mergeBase = await gitQuery(git, ['merge-base', 'HEAD', def]);
  if (!mergeBase) {
    throw new EdgeIdpError(`HEAD and the default branch '${def}' share no history: pass --base REF`, EXIT_CODES.usage);
  }
  return { ref: def, commit: mergeBase, reason: `the merge base of \`HEAD\` and \`${def}\`` };
}

/**
 * Every file under `<prefix>synth/` at `commit`, keyed by its path relative to the platform
 * root (so `synth/…`, like `SiteBuild.files`). Empty when there is no commit or no synth/.
 *
 * Two git processes however many files: `ls-tree -l` gives each blob's size, one `git show`
 * of all blobs prints their raw contents back to back, and the sizes split them (checked:
 * any mismatch falls back to one `git show` per file).
 */
export async function readTreeFiles(checkout: Checkout, commit: string | undefined, dir: string = SYNTH_DIR): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  if (!commit) return files;
  const { git, prefix } = checkout;
  let listing: string;
  try {
    listing = await git.raw(['ls-tree', '-r', '-l', '-z', '--full-tree', commit, '--', `${prefix}${dir}/`]);
  } catch (e) {
    throw gitFailure('ls-tree', e);
  }
  // `<mode> SP <type> SP <object> SP+ <size> TAB <path>`
  const entries = listing
    .split('\0')
    .map((line) => /^[0-7]+ (\w+) ([0-9a-f]+) +(\d+|-)\t(.*)$/s.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && m[1] === 'blob')
    .map((m) => ({ object: m[2]!, size: Number(m[3]), path: m[4]! }));
  const decoder = new TextDecoder('utf-8');
  const one = async (path: string): Promise<string> => {
    try {
      return decoder.decode(await git.showBuffer([`${commit}:${path}`]));
    } catch (e) {
      throw gitFailure(`show ${commit}:${path}`, e);
    }
  };
  const BATCH = 400;
  for (let i = 0; i < entries.length; i += BATCH) {
    const batch = entries.slice(i, i + BATCH);
    let buffer: Buffer | undefined;
    try {
      buffer = await git.showBuffer(batch.map((e) => e.object));
    } catch {
      buffer = undefined;
    }
    const expected = batch.reduce((n, e) => n + e.size, 0);
    let offset = 0;
    for (const e of batch) {
      const text = buffer && buffer.length === expected ? decoder.decode(buffer.subarray(offset, offset + e.size)) : await one(e.path);
      offset += e.size;
      files.set(e.path.slice(prefix.length), text);
    }
  }
  return files;
}

/** One file at a commit (path relative to the platform root), or undefined. */
export async function readCommittedFile(checkout: Checkout, commit: string | undefined, path: string): Promise<string | undefined> {
  if (!commit) return undefined;
  const exists = await gitQuery(checkout.git, ['ls-tree', '--name-only', '--full-tree', commit, '--', `${checkout.prefix}${path}`]);
  if (!exists) return undefined;
  try {
    return new TextDecoder('utf-8').decode(await checkout.git.showBuffer([`${commit}:${checkout.prefix}${path}`]));
  } catch (e) {
    throw gitFailure(`show ${commit}:${path}`, e);
  }
}

/**
 * The repository's config files as they are at `commit` (for the base of a diff), as a fleet
 * loader reads them. Paths are relative to the platform root.
 */
export function commitSource(checkout: Checkout, commit: string): ConfigSource {
  const short = commit.slice(0, 12);
  const display = (path: string) => `${short}:${path}`;
  return {
    display,
    async exists(path) {
      return (await gitQuery(checkout.git, ['ls-tree', '--name-only', '--full-tree', commit, '--', `${checkout.prefix}${path}`])) !== undefined;
    },
    async read(path) {
      const text = await readCommittedFile(checkout, commit, path);
      if (text === undefined) throw new ConfigError(display(path), [{ path: '(root)', message: 'the file does not exist at this commit' }]);
      return text;
    },
    async list(dir) {
      const out = await gitQuery(checkout.git, ['ls-tree', '-z', '--full-tree', commit, '--', `${checkout.prefix}${dir}/`]);
      return (out ?? '')
        .split('\0')
        .map((line) => /^[0-7]+ (\w+) [0-9a-f]+\t(.*)$/s.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ name: m[2]!.slice(`${checkout.prefix}${dir}/`.length), folder: m[1] === 'tree' }))
        .sort((a, b) => compareText(a.name, b.name));
    },
  };
}
