/**
 * Compares a fresh synth (in memory) with synth/ in the working tree, and checks that git tracks
 * every generated file.
 *
 * The comparison is with the working tree, not with HEAD, so `npm test` passes between
 * `npm run synth` and the commit. What the working tree cannot show is a generated file git does
 * not track: `git commit -a` leaves an untracked file out (and an ignored one is never added), so
 * the commit lacks it and a fresh clone fails the check. {@link findUntracked} names those.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { SYNTH_DIR } from './paths.js';
import { listFiles, readIfExists } from './write.js';

export interface Drift {
  readonly path: string;
  /**
   * `missing`: a fresh synth makes it, disk lacks it; `stale`: on disk, no longer generated;
   * `changed`: content differs; `untracked` / `ignored`: on disk and current, but git does not
   * track it (ignored: a .gitignore rule keeps `git add` from taking it).
   */
  readonly status: 'missing' | 'stale' | 'changed' | 'untracked' | 'ignored';
  /** Unified diff (committed → fresh) for changed files. */
  readonly diff?: string;
  /** For `ignored`: the rule, as `git check-ignore -v` names it (`.gitignore:3:*.yaml`). */
  readonly rule?: string;
}

/** Whether git tracking was checked, and what git says about synth/ beyond the working tree. */
export interface Tracking {
  /** False when the root is not in a git checkout (or git is missing): nothing was checked. */
  readonly checked: boolean;
  /** Generated files git does not track. */
  readonly drifts: readonly Drift[];
  /** Tracked files under synth/ that differ from HEAD (staged or not): still to be committed. */
  readonly uncommitted: number;
}

/** Runs git in `dir`; stdout, or `undefined` when git is missing or fails. */
async function gitOut(dir: string, args: string[], input?: string): Promise<string | undefined> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = execFile('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      resolve(error ? undefined : stdout);
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

function nulList(text: string | undefined): string[] {
  return (text ?? '').split('\0').filter((s) => s !== '');
}

/**
 * Generated files (`paths`, repository-relative) that git in the checkout at `repoRoot` does not
 * track. Only files that exist on disk are considered (a missing one is already drift).
 */
export async function findUntracked(repoRoot: string, paths: readonly string[]): Promise<Tracking> {
  if ((await gitOut(repoRoot, ['rev-parse', '--is-inside-work-tree']))?.trim() !== 'true') {
    return { checked: false, drifts: [], uncommitted: 0 };
  }
  const tracked = new Set(nulList(await gitOut(repoRoot, ['ls-files', '-z', '--cached', '--', SYNTH_DIR])));
  const onDisk = new Set(await listFiles(repoRoot));
  const notTracked = paths.filter((p) => onDisk.has(p) && !tracked.has(p)).sort();
  const rules = new Map<string, string>();
  if (notTracked.length) {
    // -z -v: source, line, pattern, path, NUL-separated, for each ignored path.
    const fields = nulList(await gitOut(repoRoot, ['check-ignore', '--stdin', '-z', '-v'], notTracked.map((p) => `${p}\0`).join('')));
    for (let i = 0; i + 3 < fields.length; i += 4) rules.set(fields[i + 3]!, `${fields[i]}:${fields[i + 1]}:${fields[i + 2]}`);
  }
  const drifts = notTracked.map((path): Drift => {
    const rule = rules.get(path);
    return rule ? { path, status: 'ignored', rule } : { path, status: 'untracked' };
  });
  const status = await gitOut(repoRoot, ['status', '--porcelain', '-z', '--untracked-files=no', '--', SYNTH_DIR]);
  // -z entries are `XY path`; a rename adds the old path as a field of its own.
  return { checked: true, drifts, uncommitted: nulList(status).filter((f) => /^[ MADRCU?!]{2} /.test(f)).length };
}

/**
 * The differences between `files` (a fresh synth) and the working tree within `scope`: a folder
 * (a site's, or all of synth/), or one file (the index; then `files` holds it).
 */
export async function findDrift(repoRoot: string, files: ReadonlyMap<string, string>, scope: string = SYNTH_DIR): Promise<Drift[]> {
  const onDisk = new Set(
    files.has(scope) ? ((await readIfExists(join(repoRoot, scope))) === undefined ? [] : [scope]) : await listFiles(repoRoot, scope),
  );
  const drifts: Drift[] = [];
  for (const path of [...new Set([...files.keys(), ...onDisk])].sort()) {
    const fresh = files.get(path);
    if (fresh === undefined) {
      drifts.push({ path, status: 'stale' });
      continue;
    }
    if (!onDisk.has(path)) {
      drifts.push({ path, status: 'missing' });
      continue;
    }
    const committed = await readFile(join(repoRoot, path), 'utf8');
    if (committed !== fresh) {
      drifts.push({ path, status: 'changed', diff: createTwoFilesPatch(`${path} (on disk)`, `${path} (fresh synth)`, committed, fresh, '', '', { context: 2 }) });
    }
  }
  return drifts;
}

/** A readable report; long diffs are cut so the file list stays visible. */
export function formatDrift(drifts: readonly Drift[], maxDiffLines = 40): string {
  const content = drifts.filter((d) => d.status !== 'untracked' && d.status !== 'ignored');
  const tracking = drifts.filter((d) => d.status === 'untracked' || d.status === 'ignored');
  const lines: string[] = [];
  if (content.length) {
    lines.push(`synth/ is out of date: ${content.length} file(s) differ from a fresh synth. Run \`npm run synth\` and commit synth/ with the source change.`);
    for (const d of content) lines.push(`  ${d.status.padEnd(7)} ${d.path}`);
  }
  if (tracking.length) {
    if (lines.length) lines.push('');
    lines.push(
      `git does not track ${tracking.length} generated file(s): a commit (\`git commit -a\` included) leaves them out, so a fresh clone lacks them and fails \`npm run check\`. ` +
        'Run `git add synth` and commit' +
        (tracking.some((d) => d.status === 'ignored') ? ' (for an ignored file, remove the .gitignore rule named, or `git add -f synth`)' : '') +
        '.',
    );
    for (const d of tracking) lines.push(`  ${d.status.padEnd(9)} ${d.path}${d.rule ? `  (${d.rule})` : ''}`);
  }
  for (const d of drifts.filter((x) => x.diff)) {
    const diffLines = d.diff!.split('\n');
    lines.push('', ...diffLines.slice(0, maxDiffLines));
    if (diffLines.length > maxDiffLines) lines.push(`  … ${diffLines.length - maxDiffLines} more diff lines`);
  }
  return lines.join('\n');
}

/** What `check` prints when nothing drifts: says what was compared. */
export function formatUpToDate(tracking: Tracking): string {
  const head = 'synth/ is up to date: the working tree matches a fresh synth';
  if (!tracking.checked) return `${head} (not a git checkout: whether git tracks the generated files was not checked).`;
  const pending = tracking.uncommitted
    ? ` ${tracking.uncommitted} generated file(s) differ from HEAD: commit them with the source change.`
    : '';
  return `${head}, and git tracks every generated file.${pending}`;
}
