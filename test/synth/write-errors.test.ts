/**
 * The write side under hostile conditions, end to end through the CLI: a root that cannot be
 * written (permissions, a read-only file system), `synth` that is a file, another run holding
 * the lock, a journal that is not ours. Each: exit 2, a message naming the path, why and the
 * fix, no stack trace, and nothing half-written.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWriteError, listFiles, writeSynth, WriteError } from '../../platform/synth/write.js';
import { REPO_ROOT } from '../helpers/site.js';

const CLI = join(REPO_ROOT, 'bin', 'edge-idp.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'edge-idp-write-errors-'));
chmodSync(scratch, 0o755);
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  spawnSync('chmod', ['-R', 'u+w', scratch]);
  rmSync(scratch, { recursive: true, force: true });
});

function cli(repo: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args, '--root', repo], { encoding: 'utf8', ...opts });
  return { code: r.status, out: String(r.stdout), err: String(r.stderr) };
}

/** A repo with a synth/ written from the committed platform.yaml, then a config change to write. */
function repoWithPendingChange(name: string, dir = join(scratch, name)): string {
  mkdirSync(dir, { recursive: true });
  cpSync(join(REPO_ROOT, 'platform.yaml'), join(dir, 'platform.yaml'));
  const first = cli(dir, ['synth']);
  expect(first.code, first.err).toBe(0);
  writeFileSync(join(dir, 'platform.yaml'), readFileSync(join(dir, 'platform.yaml'), 'utf8').replace('  name: edge-01\n', '  name: edge-02\n'));
  return dir;
}

/** Every path and content under the repo (platform.yaml, synth/, anything beside). */
async function snapshot(repo: string): Promise<Map<string, string>> {
  return new Map((await listFiles(repo, '.')).map((p) => [p, readFileSync(join(repo, p), 'utf8')]));
}

function expectCleanFailure(r: { code: number | null; err: string }, ...fragments: string[]): void {
  expect(r.code, r.err).toBe(2);
  for (const f of fragments) expect(r.err).toContain(f);
  expect(r.err).not.toMatch(/internal error|\n\s+at /);
}

// The launcher rebuilds a stale bundle in the checkout; do it now, as the current user.
const launcherOk = spawnSync(process.execPath, [CLI, 'help']).status === 0;

describe('synth write errors', () => {
  it('the CLI starts', () => expect(launcherOk).toBe(true));

  it('synth/ is a file: exit 2 naming it, the file untouched', async () => {
    const repo = join(scratch, 'synth-is-a-file');
    mkdirSync(repo);
    cpSync(join(REPO_ROOT, 'platform.yaml'), join(repo, 'platform.yaml'));
    writeFileSync(join(repo, 'synth'), 'not a folder\n');
    const before = await snapshot(repo);
    expectCleanFailure(cli(repo, ['synth']), `${join(repo, 'synth')} is a file, not a folder`, 'ENOTDIR', 'Fix: move or delete that file');
    expectCleanFailure(cli(repo, ['check']), `${join(repo, 'synth')} is a file, not a folder`);
    expect(await snapshot(repo)).toEqual(before);
    expect(readdirSync(repo).sort()).toEqual(['platform.yaml', 'synth']);
  });

  it('--root under a file: the CLI says the config cannot be read; the library says the root is not a folder', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'x\n');
    expectCleanFailure(cli(join(file, 'repo'), ['synth']), join(file, 'repo', 'platform.yaml'), 'a part of the path is a file, not a directory');
    const err = await writeSynth(join(file, 'repo'), new Map([['synth/README.md', 'x\n']])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteError);
    expect((err as WriteError).message).toContain(`${join(file, 'repo')} is not a folder`);
    expect(readFileSync(file, 'utf8')).toBe('x\n');
  });

  // Root ignores modes: as root, run the CLI as nobody (when nobody can read the checkout).
  const asUser: SpawnSyncOptions = process.getuid?.() === 0 ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: tmpdir() } } : {};
  const canRunAsUser = spawnSync(process.execPath, [CLI, 'help'], asUser).status === 0;
  it.skipIf(!canRunAsUser)('a root the user may not write (EACCES): exit 2 naming the folder, nothing written', async () => {
    const repo = repoWithPendingChange('not-writable');
    const original = readFileSync(join(REPO_ROOT, 'platform.yaml'), 'utf8');
    const before = await snapshot(repo);
    const usual = join(scratch, 'usual-mode');
    mkdirSync(usual, { recursive: true });
    expect(statSync(join(repo, 'synth')).mode & 0o777, 'synth/ gets the usual folder mode, not 0700').toBe(statSync(usual).mode & 0o777);
    chmodSync(repo, 0o555);
    chmodSync(join(repo, 'synth'), 0o555);
    try {
      expectCleanFailure(cli(repo, ['synth'], asUser), `cannot write synth/ in ${repo}`, 'permission denied (EACCES', 'Fix: run as a user who may read and write the repository');
      expect(await snapshot(repo)).toEqual(before);
      expect(readdirSync(repo).sort()).toEqual(['platform.yaml', 'synth']);
      // A generated folder it may not read: named, exit 2.
      chmodSync(join(repo, 'synth', 'edge-01'), 0o700);
      writeFileSync(join(repo, 'platform.yaml'), original);
      const inventory = join(repo, 'synth', 'edge-01', 'inventory.yaml');
      expectCleanFailure(cli(repo, ['synth'], asUser), `cannot read ${inventory} (the previous inventory): permission denied (EACCES)`);
      // Up to date: nothing to write, so a read-only checkout passes.
      chmodSync(join(repo, 'synth', 'edge-01'), 0o755);
      const current = cli(repo, ['synth'], asUser);
      expect(current.code, current.err).toBe(0);
      expect(current.out).toContain('synth/: up to date');
    } finally {
      chmodSync(repo, 0o755);
      chmodSync(join(repo, 'synth'), 0o755);
      chmodSync(join(repo, 'synth', 'edge-01'), 0o755);
    }
  });

  const roMount = join(scratch, 'ro');
  mkdirSync(roMount);
  const canMount = spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', roMount]).status === 0;
  if (canMount) mounts.push(roMount);
  it.skipIf(!canMount)('a read-only file system (EROFS, a real read-only tmpfs mount): exit 2, nothing written', async () => {
    const repo = repoWithPendingChange('ro-repo', roMount);
    const before = await snapshot(repo);
    expect(spawnSync('mount', ['-o', 'remount,ro', roMount]).status).toBe(0);
    expectCleanFailure(cli(repo, ['synth']), `cannot write synth/ in ${repo}`, 'the file system is read-only (EROFS', 'Fix: run synth in a writable checkout');
    expect(await snapshot(repo)).toEqual(before);
  });

  it('maps each errno a user can act on to the path, the reason and a fix; anything else stays a bug', async () => {
    // A real errno from a real call: a folder under a file.
    const file = join(scratch, 'errno-file');
    writeFileSync(file, '');
    const real = await writeFile(join(file, 'x'), '').catch((e: unknown) => e);
    expect(describeWriteError('/repo', real)?.message).toBe(
      `cannot write synth/ in /repo: ${join(file, 'x')}: a part of the path is a file, not a folder (ENOTDIR in open). synth/ is unchanged. Fix: move that file away, or pass --root a repository folder.`,
    );
    for (const [code, why] of [
      ['EACCES', 'permission denied'],
      ['EPERM', 'operation not permitted'],
      ['EROFS', 'the file system is read-only'],
      ['ENOSPC', 'no space left on the device'],
      ['EDQUOT', 'disk quota exceeded'],
    ]) {
      const e = Object.assign(new Error(code), { code, syscall: 'mkdtemp', path: '/repo/.synth-new-XXXXXX' });
      const mapped = describeWriteError('/repo', e);
      expect(mapped?.exitCode, code).toBe(2);
      expect(mapped?.message, code).toMatch(new RegExp(`^cannot write synth/ in /repo: /repo/\\.synth-new-XXXXXX: ${why} \\(${code} in mkdtemp\\)\\. .* Fix: .+\\.$`));
    }
    expect(describeWriteError('/repo', Object.assign(new Error('x'), { code: 'EBADF' }))).toBeUndefined();
    expect(describeWriteError('/repo', new TypeError('bug'))).toBeUndefined();
  });

  it('another run holding the lock: exit 2 naming its pid; a lock whose process is gone is taken over', async () => {
    const repo = repoWithPendingChange('locked');
    const sleeper = spawn('sleep', ['60']);
    try {
      writeFileSync(join(repo, '.synth-lock'), `${sleeper.pid}\n`);
      const before = await snapshot(repo);
      expectCleanFailure(cli(repo, ['synth']), `another edge-idp run (pid ${sleeper.pid}) is writing synth/ in ${repo}`, 'Fix: wait for it to finish');
      expect(await snapshot(repo)).toEqual(before);
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
    }
    const r = cli(repo, ['synth']);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(repo).sort()).toEqual(['platform.yaml', 'synth']);
  });

  it('a journal edge-idp did not write (names outside the repo): exit 2, nothing moved', async () => {
    const repo = repoWithPendingChange('bad-journal');
    writeFileSync(join(repo, '.synth-journal.json'), JSON.stringify({ staging: '../../etc', old: '.synth-old-x' }));
    const before = await snapshot(repo);
    expectCleanFailure(cli(repo, ['synth']), `${join(repo, '.synth-journal.json')} is not a journal edge-idp wrote`, 'Fix: check that synth/ is complete');
    expect(await snapshot(repo)).toEqual(before);
  });

  it('names every removed file nobody generated in the summary; leaves files outside the site folders alone', () => {
    // The pending change renames the site: synth/edge-01/ goes as a whole, a file made by hand in it too.
    const repo = repoWithPendingChange('hand-made');
    writeFileSync(join(repo, 'synth', 'edge-01', 'notes.txt'), 'mine\n');
    writeFileSync(join(repo, 'synth', 'elsewhere.txt'), 'mine too\n');
    const r = cli(repo, ['synth']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('  removed synth/edge-01/notes.txt (not generated by edge-idp: made by hand?)');
    expect(r.out).toMatch(/^ {2}removed \d+ generated file\(s\) under synth\/edge-01\/$/m);
    expect(readFileSync(join(repo, 'synth', 'elsewhere.txt'), 'utf8')).toBe('mine too\n');
  });
});
