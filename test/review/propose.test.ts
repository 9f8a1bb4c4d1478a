import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeIdpError, EXIT_CODES } from '../../platform/config/errors.js';
import { isPlatformPath, propose, slugify } from '../../platform/review/index.js';
import { cleanupRepos, committedRepo, copyRepo, type ScratchRepo } from './repo.js';
import { CATALOG } from '../../layers/catalog.js';

let base: ScratchRepo;

beforeAll(async () => {
  ({ repo: base } = await committedRepo());
});
afterAll(cleanupRepos);

const BUMP = 'components:\n  cilium:\n    version: 1.20.1\n';

async function refusal(p: Promise<unknown>): Promise<EdgeIdpError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EdgeIdpError);
  return e as EdgeIdpError;
}

describe('edge-idp propose', () => {
  it('refuses a tree with changes unrelated to the platform source, naming them, and touches nothing', async () => {
    const repo = copyRepo(base);
    repo.editConfig(/^components: \{\}$/m, BUMP);
    repo.write('notes.txt', 'scratch\n');
    const statusBefore = repo.git('status', '--porcelain', '--untracked-files=all');

    const err = await refusal(propose({ catalog: CATALOG, repoRoot: repo.dir, message: 'Bump Cilium to 1.20.1' }));
    expect(err.exitCode).toBe(EXIT_CODES.usage);
    expect(err.message).toContain('unrelated to the platform source');
    expect(err.message).toMatch(/\?\s+notes\.txt/);
    expect(err.message).not.toContain('platform.yaml\n');
    expect(err.message).toContain('git stash -u');

    // Nothing moved: same branch, no new branch, synth/ not rewritten.
    expect(repo.git('symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(repo.git('branch', '--list')).toBe('* main');
    expect(repo.git('status', '--porcelain', '--untracked-files=all')).toBe(statusBefore);
  });

  it('commits the config change and synth/ together on a new branch, leaves the tree clean, returns the PR summary', async () => {
    const repo = copyRepo(base);
    const mainBefore = repo.git('rev-parse', 'main');
    repo.editConfig(/^components: \{\}$/m, BUMP);

    const result = await propose({ catalog: CATALOG, repoRoot: repo.dir, message: 'Bump Cilium to 1.20.1' });

    expect(result.branch).toMatch(/^edge-idp\/bump-cilium-to-1-20-1-[0-9a-f]{8}$/);
    expect(result.from).toBe('main');
    expect(repo.git('symbolic-ref', '--short', 'HEAD')).toBe(result.branch);
    expect(repo.git('rev-parse', 'HEAD')).toBe(result.commit);
    // Exactly one commit on top of main, main untouched.
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);
    expect(repo.git('rev-list', '--count', `main..${result.branch}`)).toBe('1');
    expect(repo.git('log', '-1', '--format=%s')).toBe('Bump Cilium to 1.20.1');

    const committed = repo.git('show', '--name-only', '--format=', 'HEAD').split('\n').sort();
    expect(committed).toContain('platform.yaml');
    // The chart version lives in the core ApplicationSet (and bootstrap installs the same chart).
    expect(committed).toEqual(expect.arrayContaining(['platform.yaml', 'synth/edge-01/README.md', 'synth/edge-01/root/applicationset-edge-idp-core.yaml']));
    expect(committed).not.toContain('synth/edge-01/layers/00-core/cilium/values.yaml');
    expect(committed.every((p) => p === 'platform.yaml' || p.startsWith('synth/'))).toBe(true);
    expect([...result.files].sort()).toEqual(committed);
    expect(repo.git('show', 'HEAD:synth/edge-01/root/applicationset-edge-idp-core.yaml')).toContain('targetRevision: 1.20.1');

    // Clean working tree; never pushed (there is no remote at all).
    expect(repo.git('status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(repo.git('remote')).toBe('');

    // The summary compares with main (the branch it came from).
    expect(result.base.commit).toBe(mainBefore);
    expect(result.markdown).toContain(`Compared with \`main\`, the branch this change was proposed from, at \`${mainBefore.slice(0, 12)}\`.`);
    expect(result.markdown).toContain('| cilium | 00-core | chart `cilium` | `1.20.0` | `1.20.1` |');

    // Proposing the same change again: same content hash, the branch exists.
    repo.git('checkout', '--quiet', 'main');
    repo.editConfig(/^components: \{\}$/m, BUMP);
    const again = await refusal(propose({ catalog: CATALOG, repoRoot: repo.dir, message: 'Bump Cilium to 1.20.1' }));
    expect(again.message).toContain(`branch '${result.branch}' already exists`);
  });

  it('refuses when there is nothing to propose, or the given branch exists', async () => {
    const repo = copyRepo(base);
    const nothing = await refusal(propose({ catalog: CATALOG, repoRoot: repo.dir, message: 'Nothing' }));
    expect(nothing.message).toContain('nothing to propose');

    repo.git('branch', 'taken');
    repo.editConfig('podCIDR: 10.42.0.0/16', 'podCIDR: 10.50.0.0/16');
    const taken = await refusal(propose({ catalog: CATALOG, repoRoot: repo.dir, message: 'New pod CIDR', branch: 'taken' }));
    expect(taken.message).toContain("branch 'taken' already exists");
    const invalid = await refusal(propose({ catalog: CATALOG, repoRoot: repo.dir, message: 'New pod CIDR', branch: 'bad..name' }));
    expect(invalid.message).toContain('not a valid branch name');
  });

  it('puts the user back on their branch, changes intact, when the commit fails (a rejecting hook)', async () => {
    const repo = copyRepo(base);
    const hooks = join(repo.dir, '.git', 'test-hooks');
    mkdirSync(hooks, { recursive: true });
    writeFileSync(join(hooks, 'pre-commit'), '#!/bin/sh\necho "rejected by a test hook" >&2\nexit 1\n', { mode: 0o755 });
    repo.git('config', 'core.hooksPath', hooks);
    repo.editConfig('podCIDR: 10.42.0.0/16', 'podCIDR: 10.50.0.0/16');

    const err = await refusal(propose({ catalog: CATALOG, repoRoot: repo.dir, message: 'New pod CIDR', branch: 'edge-idp/pod-cidr' }));
    expect(err.message).toContain('rejected by a test hook');
    expect(repo.git('symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(repo.git('branch', '--list', 'edge-idp/pod-cidr')).toBe('');
    // The config change and the fresh synth/ are still in the working tree.
    expect(repo.git('status', '--porcelain')).toContain('platform.yaml');
    expect(repo.read('synth/edge-01/layers/00-core/cilium/values.yaml')).toContain('10.50.0.0/16');
    expect(existsSync(join(repo.dir, 'synth'))).toBe(true);
  });
});

describe('helpers', () => {
  it('knows which paths belong to a platform change', () => {
    for (const p of ['platform.yaml', 'README.md', 'platform/review/diff.ts', 'layers/03-apps/grafana.ts', 'policies/x.ts', 'synth/edge-01/root/a.yaml', 'tenants/shop/apps/web.yaml']) {
      expect(isPlatformPath(p), p).toBe(true);
    }
    for (const p of ['notes.txt', 'test/review/diff.test.ts', 'package.json', '.github/workflows/ci.yml', 'platformx/a', 'docs/README.md', 'synthetic.yaml', 'tenantsx/a.yaml']) {
      expect(isPlatformPath(p), p).toBe(false);
    }
  });

  it('slugs a commit message for a branch name', () => {
    expect(slugify('Bump Cilium to 1.20.1!')).toBe('bump-cilium-to-1-20-1');
    expect(slugify('Grafana: désactivé\n\nlong body')).toBe('grafana-desactive');
    expect(slugify('!!!')).toBe('change');
    expect(slugify('a'.repeat(100)).length).toBe(40);
  });
});
