/**
 * Scratch git repositories for the review tests: a temp folder holding only platform.yaml (the
 * build reads nothing else from the repository root: the catalog is code) and its synth/,
 * committed on `main`. The template is built and committed once per test file and copied per
 * test, so each scenario costs one build, not two.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesize } from '../../platform/synth/synthesize.js';
import type { SiteBuild } from '../../platform/synth/build.js';
import { REPO_ROOT } from '../helpers/site.js';
import { CATALOG } from '../../layers/catalog.js';

export interface ScratchRepo {
  readonly dir: string;
  /** Runs git in the repository, returns trimmed stdout. */
  git(...args: string[]): string;
  read(path: string): string;
  write(path: string, text: string): void;
  /** Edits platform.yaml with a text replacement (fails when `from` is not found). */
  editConfig(from: string | RegExp, to: string): void;
}

const created: string[] = [];

function git(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    // Keep the developer's global hooks and signing out of the scratch repositories.
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

function wrap(dir: string): ScratchRepo {
  return {
    dir,
    git: (...args) => git(dir, args),
    read: (path) => readFileSync(join(dir, path), 'utf8'),
    write: (path, text) => writeFileSync(join(dir, path), text),
    editConfig(from, to) {
      const before = readFileSync(join(dir, 'platform.yaml'), 'utf8');
      const after = before.replace(from, to);
      if (after === before) throw new Error(`platform.yaml: '${String(from)}' not found`);
      writeFileSync(join(dir, 'platform.yaml'), after);
    },
  };
}

/** A new empty temp folder, removed by `cleanupRepos`. */
export function tempDir(prefix = 'edge-idp-review-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** `git init -b main` with a local identity, no signing and no hooks; nothing committed. */
export function initRepo(dir: string = tempDir()): ScratchRepo {
  cpSync(join(REPO_ROOT, 'platform.yaml'), join(dir, 'platform.yaml'));
  git(dir, ['init', '--quiet', '-b', 'main']);
  git(dir, ['config', 'user.name', 'Review Test']);
  git(dir, ['config', 'user.email', 'review-test@example.com']);
  git(dir, ['config', 'commit.gpgsign', 'false']);
  git(dir, ['config', 'core.hooksPath', '.git/no-hooks']);
  return wrap(dir);
}

/** `git clone` of a scratch repository (so `origin/HEAD` points at its default branch), with a local identity. */
export function cloneRepo(from: ScratchRepo): ScratchRepo {
  const dir = tempDir();
  execFileSync('git', ['clone', '--quiet', from.dir, dir], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  git(dir, ['config', 'user.name', 'Review Test']);
  git(dir, ['config', 'user.email', 'review-test@example.com']);
  git(dir, ['config', 'commit.gpgsign', 'false']);
  git(dir, ['config', 'core.hooksPath', '.git/no-hooks']);
  return wrap(dir);
}

/** A repository with platform.yaml and its synth/ committed on main. */
export async function committedRepo(): Promise<{ repo: ScratchRepo; build: SiteBuild }> {
  const repo = initRepo();
  const { build } = await synthesize({ catalog: CATALOG, repoRoot: repo.dir });
  repo.git('add', '--all');
  repo.git('commit', '--quiet', '-m', 'base: platform.yaml and synth/');
  return { repo, build };
}

/** A copy of a repository (its .git included): a fresh scenario without a fresh build. */
export function copyRepo(template: ScratchRepo): ScratchRepo {
  const dir = tempDir();
  cpSync(template.dir, dir, { recursive: true });
  return wrap(dir);
}

export function cleanupRepos(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
