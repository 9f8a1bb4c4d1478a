/**
 * `git.repoURL` / `git.revision` from the checkout: the `origin` remote and the branch of a real
 * git repository. Whatever reaches synth/ carries no credentials, and a derived value meets the
 * same rules as a written one.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, EXIT_CODES } from '../../platform/config/errors.js';
import { maskUrlCredentials, readGitDefaults, repoUrlCredentialProblem, stripUrlCredentials } from '../../platform/config/git.js';
import { loadPlatformConfig, synthesize } from '../../platform/synth/synthesize.js';
import { listFiles } from '../../platform/synth/write.js';
import { REPO_ROOT } from '../helpers/site.js';
import { cleanupRepos, initRepo, type ScratchRepo } from '../review/repo.js';
import { CATALOG } from '../../layers/catalog.js';

afterAll(cleanupRepos);

const TOKEN = 'ghp_s3cretT0kenValue';

/** A scratch repo whose platform.yaml leaves `git.repoURL` to the `origin` remote. */
function repoWithOrigin(origin: string | undefined): ScratchRepo {
  const repo = initRepo();
  repo.editConfig(/^ {2}repoURL: .*\n/m, '');
  if (origin !== undefined) repo.git('remote', 'add', 'origin', origin);
  return repo;
}

async function configError(repo: ScratchRepo): Promise<ConfigError> {
  const e = await loadPlatformConfig({ catalog: CATALOG, repoRoot: repo.dir }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ConfigError);
  return e as ConfigError;
}

function cli(repo: ScratchRepo, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'edge-idp.mjs'), ...args, '--root', repo.dir], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('URL credentials', () => {
  it.each([
    ['https://user:tok@git.example.com/org/r.git', 'https://git.example.com/org/r.git', 'https://user:***@git.example.com/org/r.git'],
    ['https://tok@git.example.com/org/r.git', 'https://git.example.com/org/r.git', 'https://***@git.example.com/org/r.git'],
    ['http://u:p@host:8080/r.git', 'http://host:8080/r.git', 'http://u:***@host:8080/r.git'],
    ['ssh://git:pw@host/org/r.git', 'ssh://git@host/org/r.git', 'ssh://git:***@host/org/r.git'],
  ])('%s: stripped and masked', (url, stripped, masked) => {
    expect(stripUrlCredentials(url)).toBe(stripped);
    expect(maskUrlCredentials(url)).toBe(masked);
    expect(maskUrlCredentials(url)).not.toMatch(/tok|:p@|pw/);
    expect(repoUrlCredentialProblem(url)).toContain('EDGE_IDP_GIT_');
    expect(repoUrlCredentialProblem(stripped)).toBeUndefined();
  });

  it.each(['https://git.example.com/org/r.git', 'ssh://git@host/org/r.git', 'git@host:org/r.git', 'file:///srv/r.git', 'https://host/a@b/r.git'])(
    '%s: nothing to strip',
    (url) => {
      expect(stripUrlCredentials(url)).toBe(url);
      expect(repoUrlCredentialProblem(url)).toBeUndefined();
    },
  );
});

describe('git defaults from a real checkout', () => {
  it('strips a token from the origin remote: synth/ never holds it, and equals a clone without it', async () => {
    const withToken = repoWithOrigin(`https://ci-user:${TOKEN}@git.example.com/org/edge.git`);
    expect((await readGitDefaults(withToken.dir)).repoURL).toBe('https://git.example.com/org/edge.git');
    await synthesize({ catalog: CATALOG, repoRoot: withToken.dir });
    const files = await listFiles(withToken.dir);
    const texts = files.map((f) => readFileSync(join(withToken.dir, f), 'utf8'));
    expect(texts.filter((t) => t.includes(TOKEN))).toEqual([]);
    expect(texts.some((t) => t.includes('https://git.example.com/org/edge.git'))).toBe(true);

    const clean = repoWithOrigin('https://git.example.com/org/edge.git');
    const { build } = await synthesize({ catalog: CATALOG, repoRoot: clean.dir });
    for (const [path, text] of build.files) expect(readFileSync(join(withToken.dir, path), 'utf8'), path).toBe(text);
  });

  it('refuses a local path from origin like a written one: exit 2, names the remote and the fix', async () => {
    const repo = repoWithOrigin('/srv/git/edge.git');
    const e = await configError(repo);
    expect(e.exitCode).toBe(EXIT_CODES.config);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]!.path).toBe('git.repoURL');
    expect(e.problems[0]!.message).toContain("the `origin` remote, '/srv/git/edge.git', which is not valid");
    expect(e.problems[0]!.message).toMatch(/set git\.repoURL/);

    const r = cli(repo, 'synth');
    expect(r.code).toBe(2);
    expect(r.err).toContain('git.repoURL: not set, so it defaults to the `origin` remote');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(await listFiles(repo.dir)).toEqual([]);
  });

  it('masks a secret in the message when the derived URL is refused', async () => {
    const e = await configError(repoWithOrigin(`http://u:${TOKEN}@10.0.0.5/edge.git`));
    expect(e.message).not.toContain(TOKEN);
    expect(e.problems[0]!.message).toContain("'http://10.0.0.5/edge.git'");
  });

  it('refuses credentials written in platform.yaml: exit 2, masked, points at the bootstrap credentials', async () => {
    const repo = initRepo();
    repo.editConfig(/^( {2}repoURL: )https:\/\/(.*)$/m, `$1https://me:${TOKEN}@$2`);
    const e = await configError(repo);
    expect(e.exitCode).toBe(EXIT_CODES.config);
    expect(e.problems.map((p) => p.path)).toEqual(['git.repoURL']);
    expect(e.message).not.toContain(TOKEN);
    expect(e.message).toContain('me:***@');
    expect(e.message).toMatch(/EDGE_IDP_GIT_USERNAME.*EDGE_IDP_GIT_PASSWORD/);
  });

  it('checks a derived branch name like a written git.revision', async () => {
    const repo = initRepo();
    repo.editConfig(/^ {2}revision: .*\n/m, '');
    repo.git('checkout', '--quiet', '-b', 'fix+1');
    const e = await configError(repo);
    expect(e.problems.map((p) => p.path)).toEqual(['git.revision']);
    expect(e.problems[0]!.message).toContain("defaults to the current branch, 'fix+1', which is not valid");
  });
});
