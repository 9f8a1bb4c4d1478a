/**
 * Where a fleet's config files are read from: the working tree, or (for `edge-idp diff`) the tree
 * of a commit. Paths are relative to the repository root, POSIX style.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { readConfigFile } from '../config/read.js';
import { compareText } from '../model/order.js';

export interface ConfigSource {
  /** How a file is named in messages (an absolute path, or `<commit>:path`). */
  display(path: string): string;
  /** Whether something exists at the path. */
  exists(path: string): Promise<boolean>;
  /** A config file's text. Throws `ConfigError` (naming `display(path)`) when it cannot be read as one. */
  read(path: string): Promise<string>;
  /** The names of the entries of a folder, sorted, each with whether it is a folder; empty when it does not exist. */
  list(dir: string): Promise<{ readonly name: string; readonly folder: boolean }[]>;
}

/** The working tree at `repoRoot` (an absolute path stays absolute). */
export function fileSource(repoRoot: string): ConfigSource {
  const abs = (path: string) => (isAbsolute(path) ? path : resolve(repoRoot, path));
  return {
    display: abs,
    async exists(path) {
      try {
        await stat(abs(path));
        return true;
      } catch {
        return false;
      }
    },
    read: (path) => readConfigFile(abs(path)),
    async list(dir) {
      let entries;
      try {
        entries = await readdir(abs(dir), { withFileTypes: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return [];
        throw e;
      }
      const out: { name: string; folder: boolean }[] = [];
      for (const entry of entries) {
        let folder = entry.isDirectory();
        if (entry.isSymbolicLink()) folder = await stat(join(abs(dir), entry.name)).then((s) => s.isDirectory(), () => false);
        out.push({ name: entry.name, folder });
      }
      return out.sort((a, b) => compareText(a.name, b.name));
    },
  };
}
