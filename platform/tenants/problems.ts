/**
 * Problems of the tenant files, collected per file (every file's, not just the first file's),
 * then thrown as one error: the file's `ConfigError` when only one file has problems, else a
 * `FleetConfigError` listing each file's (exit 2 either way).
 */
import { ConfigError, throwConfigErrors, type ConfigProblem } from '../config/errors.js';
import type { ConfigSource } from '../fleet/source.js';
import { compareText } from '../model/order.js';

/** Problems by repository-relative file (or folder) path. */
export class TenantProblems {
  private readonly byFile = new Map<string, ConfigProblem[]>();
  private readonly seen = new Set<string>();

  /** Adds a problem of `file` (repository-relative); an identical one is kept once. */
  add(file: string, path: string, message: string): void {
    const key = `${file}\u0000${path}\u0000${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const list = this.byFile.get(file) ?? [];
    list.push({ path, message });
    this.byFile.set(file, list);
  }

  /** Adds every problem of a `ConfigError` thrown while reading `file`. */
  addAll(file: string, problems: readonly ConfigProblem[]): void {
    for (const p of problems) this.add(file, p.path, p.message);
  }

  /** Whether `file` has problems. */
  has(file: string): boolean {
    return this.byFile.has(file);
  }

  get size(): number {
    return this.byFile.size;
  }

  /** One `ConfigError` per file with problems, in path order, each naming the file as `source` displays it. */
  errors(source: ConfigSource): ConfigError[] {
    return [...this.byFile]
      .sort(([a], [b]) => compareText(a, b))
      .map(([file, problems]) => new ConfigError(source.display(file), problems));
  }

  /** Throws the problems (see the file comment); returns when there are none. */
  throwIfAny(source: ConfigSource): void {
    throwConfigErrors(this.errors(source));
  }
}

/**
 * Messages that hold on some sites of a team, grouped: a problem that holds on every site the
 * check ran for is said once; one that holds on some says on which (`on store-001, store-002: …`).
 * A fleet of many sites thus gets one line per distinct problem, not one per site.
 */
export class SiteGroupedProblems {
  private readonly entries = new Map<string, { file: string; path: string; message: string; sites: string[] }>();

  add(site: string, file: string, path: string, message: string): void {
    const key = `${file}\u0000${path}\u0000${message}`;
    const entry = this.entries.get(key) ?? { file, path, message, sites: [] };
    if (!entry.sites.includes(site)) entry.sites.push(site);
    this.entries.set(key, entry);
  }

  /** Moves the problems into `into`; `sitesOf(file)` are the sites the check ran on for that file. */
  flush(into: TenantProblems, sitesOf: (file: string) => readonly string[]): void {
    for (const e of this.entries.values()) {
      const all = sitesOf(e.file);
      const everywhere = all.length > 0 && all.every((s) => e.sites.includes(s));
      into.add(e.file, e.path, everywhere ? e.message : `on ${siteList(e.sites)}: ${e.message}`);
    }
    this.entries.clear();
  }
}

/** Site names for a message: a few, then how many more. */
export function siteList(names: readonly string[], max = 5): string {
  const sorted = [...names].sort(compareText);
  return sorted.length > max ? `${sorted.slice(0, max).join(', ')} … and ${sorted.length - max} more` : sorted.join(', ');
}
