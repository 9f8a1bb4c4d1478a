/**
 * Writes synth/ the way projen writes generated files, per site: synth owns the site folders it
 * writes (`synth/<site>/`) and the fleet index (`synth/README.md`). Within a site folder every
 * file is generated: a file the new synth does not produce is removed and named in the report
 * (by hand-made when it lacks the generated header); a site folder whose site is gone is removed
 * as a whole. Anything else under synth/ is left alone. Unchanged files keep their inode and
 * mtime, and a site whose files are all unchanged is not touched at all.
 *
 * Old or new, whatever the interruption, for the whole fleet. Each changed entry (a site folder,
 * or the index) is built complete in a staging folder beside synth/ (`.synth-new-*`; unchanged
 * files are hard links to the old ones). Then, under a journal (`.synth-journal.json`, written
 * atomically first, listing every entry), each old entry moves to `.synth-old-*` and its new one
 * into synth/; removing the then empty staging folder marks the swap done. A run killed at any
 * moment leaves the old tree untouched, the new one in place, or a journal the next run (any
 * `synth`, or `recoverInterruptedWrite`) uses to put every old entry back. A lock file
 * (`.synth-lock`, holding the writer's pid) keeps two runs from writing at once; a lock whose
 * process is gone is taken over. Every `.synth-*` leftover of a killed run is removed by the next one.
 *
 * Interruption the polite way (SIGINT through an AbortSignal) is checked between steps up to
 * the swap: the run stops, removes its staging folder and leaves synth/ as it was. Once the
 * swap has begun it completes; its renames are synchronous, so no signal handler runs between them.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmdirSync } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
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

/** Files read or written at once. */
const CONCURRENT_IO = 16;

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

/** One entry of synth/ a write replaces (`new`), adds (`new`, not `old`) or removes (`old`, not `new`). */
interface JournalEntry {
  /** A name directly under synth/: a site folder or `README.md`. */
  readonly name: string;
  /** It exists in the old tree (and moves to the old folder). */
  readonly old: boolean;
  /** It exists in the new tree (staged, and moves into synth/). */
  readonly new: boolean;
}

interface Journal {
  readonly staging: string;
  readonly old: string;
  /**
   * The entries swapped, in swap order; absent in a journal of the older whole-tree writer (the
   * staging folder was all of synth/).
   */
  readonly entries?: readonly JournalEntry[];
  /** synth/ did not exist before this write (it was created empty for the swap). */
  readonly createdSynth?: boolean;
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
  const entryOk = (e: Partial<JournalEntry>) =>
    typeof e === 'object' && e !== null && typeof e.name === 'string' && basename(e.name) === e.name && e.name !== '..' && e.name !== '.' && typeof e.old === 'boolean' && typeof e.new === 'boolean';
  if (!j || !ok(j.staging, STAGING_PREFIX) || !ok(j.old, OLD_PREFIX) || (j.entries !== undefined && !(Array.isArray(j.entries) && j.entries.every(entryOk)))) {
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
 * Puts every entry of an unfinished swap back where the old tree had it. Per entry, where it
 * stands tells how far the swap got: the old one still in synth/ (not moved), in the old folder
 * with the new one still staged (half), or in the old folder with the new one in synth/ (done).
 */
async function rollBack(repoRoot: string, journal: Journal & { entries: readonly JournalEntry[] }): Promise<void> {
  const synth = join(repoRoot, SYNTH_DIR);
  const staging = join(repoRoot, journal.staging);
  const old = join(repoRoot, journal.old);
  for (const e of [...journal.entries].reverse()) {
    const [inStaging, inOld] = [await exists(join(staging, e.name)), await exists(join(old, e.name))];
    // The new entry reached synth/: take it out again.
    if (e.new && !inStaging && (await exists(join(synth, e.name)))) {
      await mkdir(staging, { recursive: true });
      renameSync(join(synth, e.name), join(staging, e.name));
    }
    if (e.old && inOld) renameSync(join(old, e.name), join(synth, e.name));
  }
  if (journal.createdSynth) await rmdir(synth).catch(() => undefined);
}

/**
 * With the lock held: finish what a killed write left. A journal whose staging folder still
 * exists means the swap did not finish: every old entry goes back. A journal without it means
 * the new tree is in place: the old entries are deleted. Then every `.synth-*` leftover goes.
 */
async function recoverLocked(repoRoot: string): Promise<void> {
  const journal = await readJournal(repoRoot);
  const synth = join(repoRoot, SYNTH_DIR);
  if (journal) {
    const staging = join(repoRoot, journal.staging);
    const old = join(repoRoot, journal.old);
    const [hasStaging, hasOld, hasSynth] = [await exists(staging), await exists(old), await exists(synth)];
    if (journal.entries) {
      if (hasStaging) await rollBack(repoRoot, { ...journal, entries: journal.entries });
    } else if (hasOld && !hasSynth) renameSync(old, synth);
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

/** What a write does to one site folder. */
export interface SiteWriteReport {
  readonly written: readonly string[];
  readonly unchanged: number;
  readonly removed: readonly string[];
}

const isWriteErrno = (e: unknown) => ['EACCES', 'EPERM', 'EROFS'].includes(String((e as NodeJS.ErrnoException)?.code));

/**
 * One write of synth/: open it (takes the lock and finishes a killed write), stage what changed
 * (`stageSite`, `stageFile`, `removeSite`), then `commit` (the swap) or `close` without commit
 * (nothing changes). Staging streams: a fleet's sites are built and staged one at a time, so
 * memory does not grow with the fleet. A repository that cannot be written is fine as long as
 * nothing needs writing (a current read-only checkout passes); the first change then fails with
 * the reason.
 */
export class SynthWriter {
  private release: (() => Promise<void>) | undefined;
  private staging: string | undefined;
  private readonly entries: JournalEntry[] = [];
  private readonly report = { written: [] as string[], unchanged: 0, removed: [] as string[], handMade: [] as string[] };
  private staged = 0;
  private done = false;

  private constructor(
    readonly repoRoot: string,
    private readonly signal: AbortSignal | undefined,
    private readonly lockError: unknown,
  ) {}

  /** Takes the lock and finishes or undoes a write a killed run left. */
  static async open(repoRoot: string, opts: WriteOptions = {}): Promise<SynthWriter> {
    await assertSynthFolder(repoRoot);
    let release: (() => Promise<void>) | undefined;
    let lockError: unknown;
    try {
      release = await acquireLock(repoRoot);
    } catch (e) {
      if (!isWriteErrno(e)) throw describeWriteError(repoRoot, e) ?? e;
      // Read-only: fine unless something must be written (or recovered).
      lockError = e;
      if (await needsRecovery(repoRoot)) throw describeWriteError(repoRoot, e) ?? e;
    }
    const writer = new SynthWriter(repoRoot, opts.signal, lockError);
    writer.release = release;
    if (release) {
      try {
        await mappingWriteErrors(repoRoot, () => recoverLocked(repoRoot));
      } catch (e) {
        await writer.close();
        throw e;
      }
      phase('locked');
    }
    return writer;
  }

  private async stagingDir(): Promise<string> {
    if (this.lockError !== undefined) throw describeWriteError(this.repoRoot, this.lockError) ?? this.lockError;
    if (!this.staging) {
      // mkdir, not mkdtemp: a staged site folder keeps the usual mode (0777 - umask), not 0700.
      const staging = join(this.repoRoot, STAGING_PREFIX + randomBytes(6).toString('hex'));
      await mappingWriteErrors(this.repoRoot, () => mkdir(staging));
      this.staging = staging;
    }
    return this.staging;
  }

  private async noteRemoved(paths: readonly string[]): Promise<void> {
    for (const path of paths) {
      this.report.removed.push(path);
      if (!((await readIfExists(join(this.repoRoot, path))) ?? '').includes(GENERATED_HEADER)) this.report.handMade.push(path);
    }
  }

  /**
   * The new content of `synth/<site>/` (every key under it): compared with the folder on disk
   * and staged when anything differs. Throws `InterruptedError` when aborted.
   */
  async stageSite(site: string, files: ReadonlyMap<string, string>): Promise<SiteWriteReport> {
    const dir = `${SYNTH_DIR}/${site}`;
    for (const path of files.keys()) {
      if (!path.startsWith(`${dir}/`) || path.split('/').includes('..')) throw new Error(`refusing to write '${path}' as part of ${dir}/`);
    }
    return mappingWriteErrors(this.repoRoot, async () => {
      checkAbort(this.signal);
      const plan = await planWrite(this.repoRoot, files, dir);
      if (plan.changed.length === 0 && plan.stale.length === 0) {
        this.report.unchanged += plan.same.size;
        return { written: [], unchanged: plan.same.size, removed: [] };
      }
      const staging = await this.stagingDir();
      const target = (path: string) => join(staging, relative(SYNTH_DIR, path));
      for (const dir of new Set(plan.sorted.map(([path]) => dirname(target(path))))) await mkdir(dir, { recursive: true });
      // A few files at a time (a fleet writes thousands), each counted as staged in order.
      for (let i = 0; i < plan.sorted.length; i += CONCURRENT_IO) {
        const batch = plan.sorted.slice(i, i + CONCURRENT_IO);
        await Promise.all(
          batch.map(([path, content]) => (plan.same.has(path) ? linkOrCopy(join(this.repoRoot, path), target(path)) : writeFile(target(path), content, 'utf8'))),
        );
        for (let j = 0; j < batch.length; j++) phase(`stage:${++this.staged}`);
        checkAbort(this.signal);
      }
      this.entries.push({ name: site, old: await exists(join(this.repoRoot, dir)), new: true });
      this.report.written.push(...plan.changed);
      this.report.unchanged += plan.same.size;
      await this.noteRemoved(plan.stale);
      return { written: plan.changed, unchanged: plan.same.size, removed: plan.stale };
    });
  }

  /** The new content of a file directly under synth/ (the fleet index). */
  async stageFile(name: string, content: string): Promise<boolean> {
    if (basename(name) !== name || name === '..') throw new Error(`refusing to write '${name}' directly under ${SYNTH_DIR}/`);
    return mappingWriteErrors(this.repoRoot, async () => {
      const path = join(this.repoRoot, SYNTH_DIR, name);
      if ((await readIfExists(path)) === content) {
        this.report.unchanged++;
        return false;
      }
      const staging = await this.stagingDir();
      await writeFile(join(staging, name), content, 'utf8');
      phase(`stage:${++this.staged}`);
      checkAbort(this.signal);
      this.entries.push({ name, old: await exists(path), new: true });
      this.report.written.push(`${SYNTH_DIR}/${name}`);
      return true;
    });
  }

  /** Removes `synth/<site>/` as a whole (its site is gone); nothing when it does not exist. */
  async removeSite(site: string): Promise<readonly string[]> {
    if (basename(site) !== site || site === '..' || site === '.') throw new Error(`refusing to remove '${site}' from ${SYNTH_DIR}/`);
    return mappingWriteErrors(this.repoRoot, async () => {
      const files = await listFiles(this.repoRoot, `${SYNTH_DIR}/${site}`);
      if (!(await exists(join(this.repoRoot, SYNTH_DIR, site)))) return [];
      await this.stagingDir();
      this.entries.push({ name: site, old: true, new: false });
      await this.noteRemoved(files);
      return files;
    });
  }

  /** The swap: afterwards synth/ holds every staged entry, and none of the removed ones. */
  async commit(): Promise<WriteReport> {
    const report: WriteReport = {
      written: [...this.report.written].sort(compareText),
      unchanged: this.report.unchanged,
      removed: [...this.report.removed].sort(compareText),
      handMade: [...this.report.handMade].sort(compareText),
    };
    if (this.entries.length === 0) return report;
    const { repoRoot } = this;
    const staging = this.staging!;
    const synth = join(repoRoot, SYNTH_DIR);
    const old = join(repoRoot, OLD_PREFIX + basename(staging).slice(STAGING_PREFIX.length));
    const entries = [...this.entries].sort((a, b) => compareText(a.name, b.name));
    await mappingWriteErrors(repoRoot, async () => {
      phase('staged');
      checkAbort(this.signal);
      const createdSynth = !(await exists(synth));
      try {
        await mkdir(old);
        const journal: Journal = { staging: basename(staging), old: basename(old), entries, ...(createdSynth ? { createdSynth } : {}) };
        const journalTmp = join(repoRoot, `${JOURNAL_FILE}.tmp`);
        await writeFile(journalTmp, `${JSON.stringify(journal)}\n`, 'utf8');
        await rename(journalTmp, join(repoRoot, JOURNAL_FILE));
        phase('journal');
        checkAbort(this.signal);
        // The swap: synchronous, so no signal handler or other task runs between the renames.
        if (createdSynth) mkdirSync(synth);
        let moved = false;
        for (const e of entries) {
          if (e.old) {
            renameSync(join(synth, e.name), join(old, e.name));
            if (!moved) phase('old-moved');
            moved = true;
          }
          if (e.new) renameSync(join(staging, e.name), join(synth, e.name));
        }
        if (!moved) phase('old-moved');
        // The staging folder is empty now; removing it marks the swap done (see recoverLocked).
        rmdirSync(staging);
      } catch (e) {
        // Before the swap is done every old entry goes back (an interruption included), and the journal goes.
        try {
          await recoverLocked(repoRoot);
        } catch {
          // The original error says more; the next run recovers.
        }
        throw e;
      }
      this.done = true;
      phase('swapped');
      await rm(old, { recursive: true, force: true });
      phase('old-removed');
      await unlink(join(repoRoot, JOURNAL_FILE));
    });
    return report;
  }

  /** Removes what was staged when nothing was committed, and releases the lock. Safe to call twice. */
  async close(): Promise<void> {
    try {
      if (this.staging && !this.done) await rm(this.staging, { recursive: true, force: true });
      this.staging = undefined;
    } finally {
      const release = this.release;
      this.release = undefined;
      await release?.();
    }
  }
}

/**
 * Writes the given files (each under `synth/<site>/`, or directly under synth/) in one swap:
 * every site folder among them is replaced as a whole (a file of it not in `files` is removed),
 * each top-level file is replaced; nothing else under synth/ is touched.
 */
export async function writeSynth(repoRoot: string, files: ReadonlyMap<string, string>, opts: WriteOptions = {}): Promise<WriteReport> {
  const sites = new Map<string, Map<string, string>>();
  const top = new Map<string, string>();
  for (const [path, content] of files) {
    const parts = path.split('/');
    if (parts[0] !== SYNTH_DIR || parts.length < 2 || parts.includes('..')) {
      throw new Error(`refusing to write '${path}': generated files live under ${SYNTH_DIR}/`);
    }
    if (parts.length === 2) top.set(parts[1]!, content);
    else sites.set(parts[1]!, (sites.get(parts[1]!) ?? new Map<string, string>()).set(path, content));
  }
  const writer = await SynthWriter.open(repoRoot, opts);
  try {
    for (const [site, siteFiles] of [...sites].sort(([a], [b]) => compareText(a, b))) await writer.stageSite(site, siteFiles);
    for (const [name, content] of [...top].sort(([a], [b]) => compareText(a, b))) await writer.stageFile(name, content);
    return await writer.commit();
  } finally {
    await writer.close();
  }
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
  readonly sorted: readonly (readonly [string, string])[];
  readonly changed: readonly string[];
  /** Files whose content on disk is already right. */
  readonly same: ReadonlySet<string>;
  /** Files under `dir` on disk that `files` lacks. */
  readonly stale: readonly string[];
}

async function planWrite(repoRoot: string, files: ReadonlyMap<string, string>, dir: string): Promise<WritePlan> {
  const existing = await listFiles(repoRoot, dir);
  const onDisk = new Set(existing);
  const sorted = [...files].sort(([a], [b]) => compareText(a, b));
  const changed: string[] = [];
  const same = new Set<string>();
  // A few reads at a time: a site is about a hundred small files, a fleet many sites.
  for (let i = 0; i < sorted.length; i += CONCURRENT_IO) {
    const batch = sorted.slice(i, i + CONCURRENT_IO);
    const current = await Promise.all(batch.map(([path]) => (onDisk.has(path) ? readIfExists(join(repoRoot, path)) : undefined)));
    batch.forEach(([path, content], j) => (current[j] === content ? same.add(path) : changed.push(path)));
  }
  const stale = existing.filter((p) => !files.has(p));
  return { sorted, changed, same, stale };
}
