/**
 * `check` and git: a generated file git does not track passes a working-tree comparison but is
 * missing from the commit, so a fresh clone fails. The invariant: when `check` passes in the
 * working tree and everything tracked is committed, `check` passes in a fresh clone too.
 * Real git repositories in temp folders.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../platform/config/errors.js';
import { formatDrift, formatUpToDate } from '../../platform/synth/drift.js';
import { checkDrift, synthesize } from '../../platform/synth/synthesize.js';
import { REPO_ROOT } from '../helpers/site.js';
import { cleanupRepos, cloneRepo, committedRepo, copyRepo, tempDir, type ScratchRepo } from '../review/repo.js';
import { cpSync } from 'node:fs';
import { CATALOG } from '../../layers/catalog.js';

let template: ScratchRepo;
beforeAll(async () => {
  template = (await committedRepo()).repo;
});
afterAll(cleanupRepos);

const SONARQUBE = 'synth/edge-01/layers/03-apps/sonarqube';

function cli(repo: ScratchRepo, command: string) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'edge-idp.mjs'), command, '--root', repo.dir], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The day-to-day change: a config edit whose synth adds new files. */
async function enableSonarqube(repo: ScratchRepo): Promise<void> {
  repo.editConfig(/^components: \{\}$/m, 'components: {sonarqube: {enabled: true}}');
  await synthesize({ catalog: CATALOG, repoRoot: repo.dir });
}

describe('check against git', () => {
  it('after `git commit -am`, names the untracked generated files with `git add synth`; a fresh clone shows why', async () => {
    const repo = copyRepo(template);
    await enableSonarqube(repo);
    repo.git('commit', '--quiet', '-am', 'enable sonarqube');

    const { drifts } = await checkDrift({ catalog: CATALOG, repoRoot: repo.dir });
    const untracked = repo.git('ls-files', '--others', '--exclude-standard', '--', 'synth').split('\n').sort();
    expect(untracked.length).toBeGreaterThan(0);
    expect(untracked.some((p) => p.startsWith(`${SONARQUBE}/`))).toBe(true);
    expect(untracked.every((p) => p.includes('sonarqube'))).toBe(true);
    expect(drifts).toEqual(untracked.map((path) => ({ path, status: 'untracked' })));
    const r = cli(repo, 'check');
    expect(r.code).toBe(EXIT_CODES.drift);
    expect(r.err).toContain('git does not track');
    expect(r.err).toContain('`git add synth`');
    for (const p of untracked) expect(r.err).toContain(p);

    // What the commit holds: a clone misses exactly those files.
    const clone = cloneRepo(repo);
    const inClone = await checkDrift({ catalog: CATALOG, repoRoot: clone.dir });
    expect(inClone.drifts.map((d) => [d.status, d.path])).toEqual(untracked.map((p) => ['missing', p]));

    // The fix the message gives.
    repo.git('add', 'synth');
    repo.git('commit', '--quiet', '-m', 'add the generated files');
    expect((await checkDrift({ catalog: CATALOG, repoRoot: repo.dir })).drifts).toEqual([]);
    expect((await checkDrift({ catalog: CATALOG, repoRoot: cloneRepo(repo).dir })).drifts).toEqual([]);
  });

  it('the README day-to-day commands leave a commit whose fresh clone passes check', async () => {
    const repo = copyRepo(template);
    await enableSonarqube(repo);
    repo.git('add', 'platform.yaml', 'synth');
    const ok = cli(repo, 'check');
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/working tree matches a fresh synth, and git tracks every generated file\. \d+ generated file\(s\) differ from HEAD/);
    repo.git('commit', '--quiet', '-m', 'enable sonarqube');
    expect(cli(repo, 'check').out.trim()).toBe('synth/ is up to date: the working tree matches a fresh synth, and git tracks every generated file.');
    expect(cli(cloneRepo(repo), 'check').code).toBe(0);
  });

  it('names an ignored generated file and the rule that ignores it', async () => {
    const repo = copyRepo(template);
    repo.write('.gitignore', '# local secrets\n*.env\n');
    repo.git('rm', '--quiet', '--cached', 'synth/edge-01/bootstrap/bootstrap.env');
    const { drifts } = await checkDrift({ catalog: CATALOG, repoRoot: repo.dir });
    expect(drifts).toEqual([{ path: 'synth/edge-01/bootstrap/bootstrap.env', status: 'ignored', rule: '.gitignore:2:*.env' }]);
    const text = formatDrift(drifts);
    expect(text).toContain('`git add -f synth`');
    expect(text).toContain('(.gitignore:2:*.env)');
    expect(text).not.toContain('differ from a fresh synth');
  });

  it('outside a git checkout, compares the working tree and says tracking was not checked', async () => {
    const dir = tempDir();
    cpSync(join(template.dir, 'platform.yaml'), join(dir, 'platform.yaml'));
    await synthesize({ catalog: CATALOG, repoRoot: dir });
    const { drifts, tracking } = await checkDrift({ catalog: CATALOG, repoRoot: dir });
    expect(drifts).toEqual([]);
    expect(tracking.checked).toBe(false);
    expect(formatUpToDate(tracking)).toMatch(/not a git checkout/);
  });
});
