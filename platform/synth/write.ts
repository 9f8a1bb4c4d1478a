/**
 * Writes synth/ the way projen writes generated files: everything under synth/ is owned, so
 * files the new synth does not produce are removed; unchanged files are not rewritten (their
 * mtime stays); new and changed files are first written to a staging folder and only then
 * renamed into place, so an error while writing leaves synth/ as it was.
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { SYNTH_DIR } from './paths.js';

export interface WriteReport {
  readonly written: readonly string[];
  readonly unchanged: number;
  readonly removed: readonly string[];
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

/** A file's text, or `undefined` when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export async function writeSynth(repoRoot: string, files: ReadonlyMap<string, string>): Promise<WriteReport> {
  for (const path of files.keys()) {
    if (!path.startsWith(`${SYNTH_DIR}/`) || path.split('/').includes('..')) {
      throw new Error(`refusing to write '${path}': generated files live under ${SYNTH_DIR}/`);
    }
  }
  const existing = await listFiles(repoRoot);
  const changed: string[] = [];
  let unchanged = 0;
  for (const [path, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if ((await readIfExists(join(repoRoot, path))) === content) unchanged++;
    else changed.push(path);
  }
  const stale = existing.filter((p) => !files.has(p));
  if (changed.length === 0 && stale.length === 0) return { written: [], unchanged, removed: [] };

  const staging = await mkdtemp(join(repoRoot, '.synth-tmp-'));
  try {
    for (const path of changed) {
      const staged = join(staging, path);
      await mkdir(dirname(staged), { recursive: true });
      await writeFile(staged, files.get(path)!, 'utf8');
    }
    for (const path of changed) {
      await mkdir(dirname(join(repoRoot, path)), { recursive: true });
      await rename(join(staging, path), join(repoRoot, path));
    }
    for (const path of stale) await rm(join(repoRoot, path));
    await removeEmptyDirs(join(repoRoot, SYNTH_DIR));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { written: changed, unchanged, removed: stale };
}

/** Removes empty folders below `dir` (not `dir` itself). */
async function removeEmptyDirs(dir: string): Promise<boolean> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let empty = true;
  for (const entry of entries) {
    if (entry.isDirectory() && (await removeEmptyDirs(join(dir, entry.name)))) await rmdir(join(dir, entry.name));
    else empty = false;
  }
  return empty;
}
