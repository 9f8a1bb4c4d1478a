/**
 * Writes synth/ the way projen writes generated files: everything under synth/ is owned, so
 * files the new synth does not produce are removed (and named in the report); unchanged files
 * keep their inode and mtime.
 *
 * Old or new, whatever the interruption. The whole new tree is built in a staging folder
 * beside synth/ (`.synth-new-*`; unchanged files are hard links to the old ones), then swapped in
 * with two renames (synth → `.synth-old-*`, staging → synth) under a journal
 * (`.synth-journal.json`, written atomically before the first rename). A run killed at any
 * moment leaves either the old synth/ untouched, or the new one in place, or — killed between
 * the two renames — a journal the next run (any `synth`, or `recoverInterruptedWrite`) uses to
 * put the old tree back. A lock file (`.synth-lock`, holding the writer's pid) keeps two runs
 * from writing at once; a lock whose process is gone is taken over. Every `.synth-*` leftover
 * of a killed run is removed by the next one.
 *
 * Interruption the polite way (SIGINT through an AbortSignal) is checked between steps up to
 * the swap: the run stops, removes its staging folder and leaves synth/ as it was. Once the
 * swap has begun it completes; the two renames are synchronous, so no signal handler runs
 * between them.
 */
import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, readdir, readFile, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import { compareText } from '../model/order.js';
import { SYNTH_DIR } from './paths.js';
import { GENERATED_HEADER } from './files.js';

export interface WriteReport {
  readonly written: readonly string[];
  readonly unchanged: number;
  /** Files under synth/ the new synth does not produce (stale or hand-made): deleted. */
  readonly removed: readonly string[];
  /** The removed files that edge-idp did not write (no generated header): someone made them by hand. */
  readonly handMade: readonly string[];
}

export interface WriteOptions {
  /** Aborting it before the swap stops the write and leaves synth/ as it was (`InterruptedError`). */
  readonly signal?: AbortSignal;
}

/** Names beside synth/ that belong to the writer; all start with `.synth-`. */
export const LOCK_FILE = '.synth-lock';
export const JOURNAL_FILE = '.synth-journal.json';
const STAGING_PREFIX = '.synth-new-';
const OLD_PREFIX = '.synth-old-';
/** Leftovers of a killed run (`.synth-tmp-*`: staging folders of the writer before the journal). */
const LEFTOVER = /^\.synth-(new-|old-|tmp-|journal\.json\.tmp)/;

/** The repository cannot be written (read-only, permissions, a file where a folder must be…). */
export class WriteError extends EdgeIdpError {
  constructor(message: string) {
    super(message, EXIT_CODES.config);
  }
}

/** The write was interrupted before the swap; synth/ is as it was. */
export class InterruptedError extends EdgeIdpError {
  constructor() {
    super(`interrupted: ${SYNTH_DIR}/ left as it was (nothing written)`, EXIT_CODES.interrupted);
  }
}

/** Every file under `dir`, as repository-relative POSIX paths, sorted. */
export async function listFiles(repoRoot: string, dir: string = SYNTH_DIR): Promise<string[]> {
  const out: string[] = [];
  async function walk(abs: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const entry of entries) {
      const child = join(abs, entry.name);
      if (entry.isDirectory()) await walk(child);
      else out.push(relative(repoRoot, child).split(sep).join('/'));
    }
  }
  await walk(join(repoRoot, dir));
  return out.sort();
}

/** A file's text, or `undefined` when it does not exist (also when a folder on its path is a file). */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** Throws `WriteError` when `<root>/synth` exists but is not a folder. */
export async function assertSynthFolder(repoRoot: string): Promise<void> {
  const path = join(repoRoot, SYNTH_DIR);
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new WriteError(`${repoRoot} is not a folder (a part of the path is a file): cannot write ${SYNTH_DIR}/ there. Fix: pass --root a repository folder.`);
    throw e;
  }
  if (!st.isDirectory()) {
    throw new WriteError(`${path} is a file, not a folder: synth writes the generated tree there (ENOTDIR). Fix: move or delete that file, then run synth again.`);
  }
}

/** What an errno means for the user, and what to do about it. */
const ERRNO_HINTS: Record<string, { why: string; fix: string }> = {
  EACCES: { why: 'permission denied', fix: 'run as a user who may read and write the repository, or fix its permissions' },
  EPERM: { why: 'operation not permitted', fix: 'run as a user who may read and write the repository, or fix its permissions' },
  EROFS: { why: 'the file system is read-only', fix: 'run synth in a writable checkout' },
  ENOTDIR: { why: 'a part of the path is a file, not a folder', fix: 'move that file away, or pass --root a repository folder' },
  EISDIR: { why: 'a folder is where a file must go', fix: 'remove that folder' },
  ENOSPC: { why: 'no space left on the device', fix: 'free some space' },
  EDQUOT: { why: 'disk quota exceeded', fix: 'free some space' },
  ENAMETOOLONG: { why: 'the path is too long', fix: 'use a shorter --root' },
  ENOENT: { why: 'no such file or folder', fix: 'pass --root an existing repository folder' },
};

/**
 * `e` as a `WriteError` for reading `path` (which is `what`), when it is a file-system error a user can act on;
 * `undefined` otherwise (a bug).
 */
export function describeReadError(path: string, what: string, e: unknown): WriteError | undefined {
  const err = e as NodeJS.ErrnoException;
  const hint = err && typeof err.code === 'string' ? ERRNO_HINTS[err.code] : undefined;
  if (!hint) return undefined;
  return new WriteError(`cannot read ${err.path ?? path} (${what}): ${hint.why} (${err.code}). Fix: ${hint.fix}.`);
}

/**
 * `e` as a `WriteError` naming the path, why it cannot be written and the fix, when it is a
 * file-system error a user can act on; `undefined` otherwise (a bug).
 */
export function describeWriteError(repoRoot: string, e: unknown): WriteError | undefined {
  const err = e as NodeJS.ErrnoException;
  const hint = err && typeof err.code === 'string' ? ERRNO_HINTS[err.code] : undefined;
  if (!hint) return undefined;
  const path = err.path ?? repoRoot;
  return new WriteError(`cannot write ${SYNTH_DIR}/ in ${repoRoot}: ${path}: ${hint.why} (${err.code}${err.syscall ? ` in ${err.syscall}` : ''}). ${SYNTH_DIR}/ is unchanged. Fix: ${hint.fix}.`);
}

async function mappingWriteErrors<T>(repoRoot: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw describeWriteError(repoRoot, e) ?? e;
  }
}

/**
 * Test hook: `EDGE_IDP_DEBUG_STOP_AT=<phase>` makes the process stop itself (SIGSTOP) when
 * the writer reaches that phase, so a test can kill it exactly there. Phases: `locked`,
 * `stage:<n>` (n-th file staged, from 1), `staged`, `journal`, `old-moved`, `swapped`, `old-removed`.
 */
function phase(name: string): void {
  if (process.env.EDGE_IDP_DEBUG_STOP_AT === name) process.kill(process.pid, 'SIGSTOP');
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `.synth-lock`; a lock left by a process that is gone is taken over. */
async function acquireLock(repoRoot: string): Promise<() => Promise<void>> {
  const path = join(repoRoot, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return async () => {
        await rm(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number.parseInt((await readIfExists(path)) ?? '', 10);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new WriteError(`another edge-idp run (pid ${owner}) is writing ${SYNTH_DIR}/ in ${repoRoot}. Fix: wait for it to finish; if no such run exists, delete ${path}.`);
    }
    await rm(path, { force: true });
  }
  throw new WriteError(`another edge-idp run took ${join(repoRoot, LOCK_FILE)} at the same time. Fix: run synth again.`);
}

interface Journal {
  readonly staging: string;
  readonly old: string;
}

async function readJournal(repoRoot: string): Promise<Journal | undefined> {
  const path = join(repoRoot, JOURNAL_FILE);
  const text = await readIfExists(path);
  if (text === undefined) return undefined;
  let j: Partial<Journal> | undefined;
  try {
    j = JSON.parse(text) as Partial<Journal>;
  } catch {
    j = undefined;
  }
  const ok = (name: unknown, prefix: string) => typeof name === 'string' && name.startsWith(prefix) && basename(name) === name;
  if (!j || !ok(j.staging, STAGING_PREFIX) || !ok(j.old, OLD_PREFIX)) {
    throw new WriteError(`${path} is not a journal edge-idp wrote: cannot tell how to finish the interrupted write. Fix: check that ${SYNTH_DIR}/ is complete (git status), then delete ${path}.`);
  }
  return j as Journal;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * With the lock held: finish what a killed write left. A journal whose staging folder still
 * exists means the swap did not finish: the old tree goes back. A journal without it means
 * the new tree is in place: the old one is deleted. Then every `.synth-*` leftover goes.
 */
async function recoverLocked(repoRoot: string): Promise<void> {
  const journal = await readJournal(repoRoot);
  const synth = join(repoRoot, SYNTH_DIR);
  if (journal) {
    const staging = join(repoRoot, journal.staging);
    const old = join(repoRoot, journal.old);
    const [hasStaging, hasOld, hasSynth] = [await exists(staging), await exists(old), await exists(synth)];
    if (hasOld && !hasSynth) renameSync(old, synth);
    else if (hasOld && hasStaging) {
      throw new WriteError(`an interrupted write left both ${synth} and ${old}: cannot tell which is current. Fix: keep the right one as ${SYNTH_DIR}/, delete the other and ${join(repoRoot, JOURNAL_FILE)}.`);
    }
    await rm(join(repoRoot, JOURNAL_FILE), { force: true });
  }
  for (const name of await readdir(repoRoot)) {
    if (LEFTOVER.test(name)) await rm(join(repoRoot, name), { recursive: true, force: true });
  }
}

/** Whether a killed write left a journal (synth/ may be missing until the next synth finishes it). */
export async function hasPendingWrite(repoRoot: string): Promise<boolean> {
  return (await readIfExists(join(repoRoot, JOURNAL_FILE))) !== undefined;
}

/**
 * Finish or undo a write a killed run left behind, and remove its leftovers. Does nothing
 * (and takes no lock) when there is nothing to recover. Throws `WriteError` when it cannot.
 */
export async function recoverInterruptedWrite(repoRoot: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(repoRoot);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw describeWriteError(repoRoot, e) ?? e;
  }
  if (!names.some((n) => n === JOURNAL_FILE || n === LOCK_FILE || LEFTOVER.test(n))) return;
  await mappingWriteErrors(repoRoot, async () => {
    const release = await acquireLock(repoRoot);
    try {
      await recoverLocked(repoRoot);
    } finally {
      await release();
    }
  });
}

/** An unchanged file into the staging tree: a hard link (same inode, same mtime), else a copy with its times. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
    const st = await stat(from);
    await utimes(to, st.atime, st.mtime);
  }
}

export async function writeSynth(repoRoot: string, files: ReadonlyMap<string, string>, opts: WriteOptions = {}): Promise<WriteReport> {
  for (const path of files.keys()) {
    if (!path.startsWith(`${SYNTH_DIR}/`) || path.split('/').includes('..')) {
      throw new Error(`refusing to write '${path}': generated files live under ${SYNTH_DIR}/`);
    }
  }
  await assertSynthFolder(repoRoot);
  return mappingWriteErrors(repoRoot, async () => {
    // Up to date and nothing to recover: no lock, no write (a read-only checkout that is current passes).
    if (!(await needsRecovery(repoRoot))) {
      const plan = await planWrite(repoRoot, files);
      if (plan.changed.length === 0 && plan.stale.length === 0) return { written: [], unchanged: plan.same.size, removed: [], handMade: [] };
    }
    const release = await acquireLock(repoRoot);
    try {
      await recoverLocked(repoRoot);
      phase('locked');
      return await writeLocked(repoRoot, files, opts.signal);
    } finally {
      await release();
    }
  });
}

async function needsRecovery(repoRoot: string): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(repoRoot);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  return names.some((n) => n === JOURNAL_FILE || n === LOCK_FILE || LEFTOVER.test(n));
}

interface WritePlan {
  readonly existing: readonly string[];
  readonly sorted: readonly (readonly [string, string])[];
  readonly changed: readonly string[];
  /** Files whose content on disk is already right. */
  readonly same: ReadonlySet<string>;
  readonly stale: readonly string[];
}

async function planWrite(repoRoot: string, files: ReadonlyMap<string, string>): Promise<WritePlan> {
  const existing = await listFiles(repoRoot);
  const onDisk = new Set(existing);
  const sorted = [...files].sort(([a], [b]) => compareText(a, b));
  const changed: string[] = [];
  const same = new Set<string>();
  for (const [path, content] of sorted) {
    if (onDisk.has(path) && (await readIfExists(join(repoRoot, path))) === content) same.add(path);
    else changed.push(path);
  }
  const stale = existing.filter((p) => !files.has(p));
  return { existing, sorted, changed, same, stale };
}

async function writeLocked(repoRoot: string, files: ReadonlyMap<string, string>, signal: AbortSignal | undefined): Promise<WriteReport> {
  const { sorted, changed, same, stale } = await planWrite(repoRoot, files);
  if (changed.length === 0 && stale.length === 0) return { written: [], unchanged: same.size, removed: [], handMade: [] };
  const handMade: string[] = [];
  for (const path of stale) if (!((await readIfExists(join(repoRoot, path))) ?? '').includes(GENERATED_HEADER)) handMade.push(path);
  checkAbort(signal);

  const synth = join(repoRoot, SYNTH_DIR);
  // mkdir, not mkdtemp: the staging folder becomes synth/, so it gets the usual mode (0777 - umask), not 0700.
  const staging = join(repoRoot, STAGING_PREFIX + randomBytes(6).toString('hex'));
  await mkdir(staging);
  const old = join(repoRoot, OLD_PREFIX + basename(staging).slice(STAGING_PREFIX.length));
  try {
    let n = 0;
    for (const [path, content] of sorted) {
      const target = join(staging, relative(SYNTH_DIR, path));
      await mkdir(dirname(target), { recursive: true });
      if (same.has(path)) await linkOrCopy(join(repoRoot, path), target);
      else await writeFile(target, content, 'utf8');
      phase(`stage:${++n}`);
      checkAbort(signal);
    }
    phase('staged');
    const journal: Journal = { staging: basename(staging), old: basename(old) };
    const journalTmp = join(repoRoot, `${JOURNAL_FILE}.tmp`);
    await writeFile(journalTmp, `${JSON.stringify(journal)}\n`, 'utf8');
    await rename(journalTmp, join(repoRoot, JOURNAL_FILE));
    phase('journal');
    const hadSynth = await exists(synth);
    checkAbort(signal);
    // The swap: synchronous, so no signal handler or other task runs between the two renames.
    if (hadSynth) renameSync(synth, old);
    phase('old-moved');
    renameSync(staging, synth);
  } catch (e) {
    try {
      await recoverLocked(repoRoot);
    } catch {
      // The original error says more; the next run recovers.
    }
    throw e;
  }
  phase('swapped');
  await rm(old, { recursive: true, force: true });
  phase('old-removed');
  await unlink(join(repoRoot, JOURNAL_FILE));
  return { written: changed, unchanged: same.size, removed: stale, handMade };
}
