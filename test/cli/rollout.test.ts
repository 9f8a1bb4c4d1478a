/**
 * `edge-idp rollout` and `edge-idp promote RING`: the commands over a fake ring source (the
 * seam the fleet loader plugs into, platform/cli/rings-source.ts), and the real binary on a
 * one-site repository.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeIdpError } from '../../platform/config/errors.js';
import type { ResolvedRing } from '../../platform/fleet/rollout.js';
import { ringCommands, type CommandIO } from '../../platform/cli/commands.js';
import type { RingsLocation } from '../../platform/cli/rings-source.js';
import { REPO_ROOT } from '../helpers/site.js';
import { cleanupRepos, copyRepo, initRepo, tempDir, type ScratchRepo } from '../review/repo.js';

const RINGS: readonly ResolvedRing[] = [
  { name: 'first', ref: 'main', sites: ['a'] },
  { name: 'canary', ref: 'rings/canary', sites: ['b'] },
];

function writeValues(repo: ScratchRepo, site: string, replicas: number): void {
  const path = join(repo.dir, `synth/${site}/layers/01-services/vault/values.yaml`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `server:\n  replicas: ${replicas}\n`);
}

function commitAll(repo: ScratchRepo, message: string): string {
  repo.git('add', '--all');
  repo.git('commit', '--quiet', '-m', message);
  return repo.git('rev-parse', 'HEAD');
}

/** The commands over a fake ring source that records what it was asked. */
function fakeCommands() {
  const asked: RingsLocation[] = [];
  const commands = ringCommands(async (where) => {
    asked.push(where);
    return RINGS;
  });
  return { commands, asked };
}

/** Runs one command in process, as the CLI does, capturing its output; errors are returned with their exit code. */
async function run(command: { run: (args: string[], io: CommandIO) => Promise<number> }, args: string[], cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = { out: (s) => out.push(s), err: (s) => err.push(s), cwd, catalog: [] };
  try {
    const code = await command.run(args, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } catch (e) {
    if (!(e instanceof EdgeIdpError)) throw e;
    return { code: e.exitCode, out: out.join('\n'), err: e.message };
  }
}

let template: ScratchRepo;
let c1 = '';
let c2 = '';
beforeAll(() => {
  template = initRepo();
  writeValues(template, 'a', 1);
  writeValues(template, 'b', 1);
  c1 = commitAll(template, 'c1');
  template.git('branch', 'rings/canary');
  writeValues(template, 'a', 2);
  writeValues(template, 'b', 3);
  c2 = commitAll(template, 'c2: more replicas');
});
afterAll(cleanupRepos);

describe('rollout and promote over the ring source', () => {
  it('hand the ring source the --root and --config the user gave (relative to the current directory)', async () => {
    const repo = copyRepo(template);
    const { commands, asked } = fakeCommands();
    await run(commands.rollout, ['--root', '.', '--config', 'fleet-config.yaml'], repo.dir);
    expect(asked).toEqual([{ repoRoot: repo.dir, configFile: 'fleet-config.yaml', catalog: [] }]);
  });

  it('rollout prints the rings with their commits; exit 0', async () => {
    const repo = copyRepo(template);
    const r = await run(fakeCommands().commands.rollout, ['--root', repo.dir], REPO_ROOT);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^1\. first {2}\(main\)\n {3}commit {2}[0-9a-f]{12}/m);
    expect(r.out).toContain(`2. canary  (rings/canary)\n   commit  ${c1.slice(0, 12)}`);
    expect(r.out).toContain('1 commit behind main');
  });

  it('rollout exits 2 when a ring drifted', async () => {
    const repo = copyRepo(template);
    repo.git('checkout', '--quiet', 'rings/canary');
    writeValues(repo, 'b', 9);
    commitAll(repo, 'straight onto the ring');
    repo.git('checkout', '--quiet', 'main');
    const r = await run(fakeCommands().commands.rollout, ['--root', repo.dir], REPO_ROOT);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/PROBLEM drifted: rings\/canary/);
  });

  it('promote RING moves the ring branch, prints the diff on stdout and the next steps on stderr', async () => {
    const repo = copyRepo(template);
    const r = await run(fakeCommands().commands.promote, ['canary', '--root', repo.dir], REPO_ROOT);
    expect(r.code, r.err).toBe(0);
    expect(repo.git('rev-parse', 'rings/canary')).toBe(c2);
    expect(r.out).toMatch(/^## edge-idp: promote ring `canary`/);
    expect(r.out).toContain('`server.replicas`: `1` → `3`');
    expect(r.out).not.toContain('`2`');
    expect(r.err).toMatch(/^Moved the local branch rings\/canary at [0-9a-f]{12}; not pushed\./);
  });

  it('promote --dry-run and --to: nothing moves on a dry run; --to picks an older commit of the previous ring', async () => {
    const repo = copyRepo(template);
    const { promote } = fakeCommands().commands;
    const dry = await run(promote, ['rings/canary', '--dry-run', '--root', repo.dir], REPO_ROOT);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain('_Dry run: nothing moved._');
    expect(repo.git('rev-parse', 'rings/canary')).toBe(c1);
    const to = await run(promote, ['canary', '--to', c1, '--root', repo.dir], REPO_ROOT);
    expect(to.code, to.err).toBe(0);
    expect(to.out).toMatch(/already at/);
  });

  it('refusals are exit 2 with the reason; usage errors exit 64 with the usage', async () => {
    const repo = copyRepo(template);
    const { promote } = fakeCommands().commands;
    const unknown = await run(promote, ['nope', '--root', repo.dir], REPO_ROOT);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe("no ring 'nope': the rings are, in order, first (main), canary (rings/canary)");
    const first = await run(promote, ['first', '--root', repo.dir], REPO_ROOT);
    expect(first.code).toBe(2);
    expect(first.err).toMatch(/is the first ring/);
    const missing = await run(promote, ['--root', repo.dir], REPO_ROOT);
    expect(missing.code).toBe(64);
    expect(missing.err).toMatch(/^missing RING\n\nusage: edge-idp promote RING \[options\]/);
    const extra = await run(promote, ['canary', 'first', '--root', repo.dir], REPO_ROOT);
    expect(extra.code).toBe(64);
    expect(extra.err).toMatch(/^unexpected argument 'first': this command takes RING and options/);
    expect(repo.git('rev-parse', 'rings/canary')).toBe(c1);
  });
});

describe("CI's check of a pull request into a ring's branch", () => {
  it('promote <base> --dry-run --to <head> in a fresh clone (remote-tracking branches only, detached HEAD)', async () => {
    const bare = tempDir();
    template.git('clone', '--quiet', '--bare', template.dir, bare);
    // The pull request's head: a branch pinned at main's commit; and a head that is not on main.
    template.git('push', '--quiet', bare, `${c2}:refs/heads/promote/canary-${c2.slice(0, 12)}`);
    const ci = tempDir();
    template.git('clone', '--quiet', bare, ci);
    const git = (...args: string[]) => template.git('-C', ci, ...args);
    git('checkout', '--quiet', '--detach', `origin/promote/canary-${c2.slice(0, 12)}`);
    git('branch', '-D', 'main');
    expect(git('for-each-ref', '--format=%(refname)', 'refs/heads')).toBe('');
    const { promote } = fakeCommands().commands;
    const r = await run(promote, ['rings/canary', '--dry-run', '--to', c2, '--root', ci], REPO_ROOT);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`\`rings/canary\` would move from \`${c1.slice(0, 12)}\` (\`origin/rings/canary\`)`);
    expect(r.out).toContain('`server.replicas`: `1` → `3`');
    expect(git('for-each-ref', '--format=%(refname)', 'refs/heads')).toBe('');
    git('checkout', '--quiet', '-b', 'feature', c1);
    writeValues({ ...template, dir: ci }, 'b', 8);
    git('add', '--all');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'not on main');
    const off = await run(promote, ['rings/canary', '--dry-run', '--to', git('rev-parse', 'HEAD'), '--root', ci], REPO_ROOT);
    expect(off.code).toBe(2);
    expect(off.err).toMatch(/is not on ring 'first' \(origin\/main at [0-9a-f]{12}\)/);
  });
});

describe('the edge-idp binary on a one-site repository', () => {
  let repo: ScratchRepo;
  beforeAll(() => {
    repo = initRepo();
    commitAll(repo, 'platform.yaml');
  });

  function cli(...args: string[]) {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'edge-idp.mjs'), ...args, '--root', repo.dir], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  it('rollout lists its one ring with the site of platform.yaml; promoting that ring is refused (exit 2)', () => {
    const r = cli('rollout');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^rollout: 1 ring, default branch main$/m);
    expect(r.out).toMatch(/sites {3}edge-01 \(1\)/);
    const ring = /^1\. (\S+)/m.exec(r.out)![1]!;
    const first = cli('promote', ring);
    expect(first.code).toBe(2);
    expect(first.err).toMatch(new RegExp(`^edge-idp promote: ring '${ring}' is the first ring: .* this fleet has no later ring`));
    const unknown = cli('promote', 'canary');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain(`no ring 'canary': the rings are, in order, ${ring} (main)`);
  });

  it('promote --help names RING; promote without it is exit 64', () => {
    const help = cli('promote', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: edge-idp promote RING \[options\]\n/);
    expect(help.out).toMatch(/arguments:\n {2}RING +the ring's name, or its branch/);
    expect(help.out).toContain('--dry-run');
    expect(cli('promote').code).toBe(64);
    const rollout = cli('rollout', '--help');
    expect(rollout.out).toMatch(/^usage: edge-idp rollout \[options\]\n/);
  });
});
