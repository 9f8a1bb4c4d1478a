/**
 * Interrupting `edge-idp synth` with real processes and real signals: whatever the moment,
 * synth/ is afterwards exactly the old tree or exactly the new one (after the recovery a killed
 * run's journal calls for), and the next run leaves no `.synth-*` leftovers.
 *
 * The change under test renames the site, so the new tree shares no site folder with the old
 * one. Kills land at named phases of the writer (EDGE_IDP_DEBUG_STOP_AT stops the process there;
 * the test then signals it) and at delays spread over a measured run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles, recoverInterruptedWrite } from '../../platform/synth/write.js';
import { REPO_ROOT } from '../helpers/site.js';

const CLI = join(REPO_ROOT, 'bin', 'edge-idp.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'edge-idp-interrupt-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every file path and content under synth/, as one digest. */
async function treeDigest(repo: string): Promise<string> {
  const h = createHash('sha256');
  for (const p of await listFiles(repo)) h.update(`${p}\0`).update(readFileSync(join(repo, p))).update('\0');
  return h.digest('hex');
}

function leftovers(repo: string): string[] {
  return readdirSync(repo).filter((n) => n.startsWith('.synth'));
}

function synthSync(repo: string) {
  return spawnSync(process.execPath, [CLI, 'synth', '--root', repo], { encoding: 'utf8' });
}

/** A synth run that does not block the event loop (the other worker's kill timers stay on time). */
function synthAsync(repo: string): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'synth', '--root', repo], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

const OLD_SITE = 'edge-01';
const NEW_SITE = 'edge-renamed-by-the-interrupt-test';
let oldConfig = '';
let newConfig = '';
let oldDigest = '';
let newDigest = '';
let pristineOld = '';
let newFileCount = 0;
let runMs = 0;

beforeAll(() => {
  oldConfig = readFileSync(join(REPO_ROOT, 'platform.yaml'), 'utf8');
  newConfig = oldConfig.replace(`  name: ${OLD_SITE}\n`, `  name: ${NEW_SITE}\n`);
  expect(newConfig).not.toBe(oldConfig);
}, 120_000);

/** A repo whose synth/ is the old tree and whose platform.yaml asks for the new one. */
function freshRepo(name: string): string {
  const repo = join(scratch, name);
  rmSync(repo, { recursive: true, force: true });
  cpSync(pristineOld, repo, { recursive: true });
  writeFileSync(join(repo, 'platform.yaml'), newConfig);
  return repo;
}

function stateOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
  } catch {
    return undefined;
  }
}

interface Kill {
  readonly signal: 'SIGINT' | 'SIGKILL';
  /** A writer phase to stop at, or a delay in ms after spawning. */
  readonly at: string | number;
}

interface Outcome {
  readonly kill: Kill;
  readonly code: number | null;
  /** What the killed run left: 'old', 'new', or 'mid-swap' (journal present, recovered afterwards). */
  readonly left: 'old' | 'new' | 'mid-swap';
  readonly afterRecovery: 'old' | 'new';
  /** Timed kills: when the signal was actually sent. */
  readonly killedAfterMs?: number;
}

async function killOnce(kill: Kill, name: string): Promise<Outcome> {
  const repo = freshRepo(name);
  const env = { ...process.env, ...(typeof kill.at === 'string' ? { EDGE_IDP_DEBUG_STOP_AT: kill.at } : {}) };
  const spawnedAt = Date.now();
  let killedAfterMs: number | undefined;
  const child = spawn(process.execPath, [CLI, 'synth', '--root', repo], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  if (typeof kill.at === 'string') {
    // Wait until the process stopped itself at the phase.
    const deadline = Date.now() + 30_000;
    while (stateOf(child.pid!) !== 'T') {
      if (done || Date.now() > deadline) throw new Error(`${name}: never stopped at phase ${kill.at}; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    process.kill(child.pid!, kill.signal);
    if (kill.signal === 'SIGINT') process.kill(child.pid!, 'SIGCONT');
  } else {
    await new Promise((r) => setTimeout(r, kill.at as number));
    killedAfterMs = Date.now() - spawnedAt;
    if (!done) process.kill(child.pid!, kill.signal);
  }
  const code = await exited;
  expect(stderr, `${name}: no stack traces`).not.toMatch(/internal error|\n\s+at /);

  const which = (d: string) => (d === oldDigest ? 'old' : d === newDigest ? 'new' : undefined);
  const raw = which(await treeDigest(repo));
  let left: Outcome['left'];
  if (raw) left = raw;
  else {
    // Only a hard kill between the two renames leaves this, and always with its journal.
    expect(kill.signal, `${name}: SIGINT must leave old or new`).toBe('SIGKILL');
    expect(leftovers(repo), name).toContain('.synth-journal.json');
    left = 'mid-swap';
  }
  if (kill.signal === 'SIGINT') expect(leftovers(repo), `${name}: SIGINT cleans up after itself`).toEqual([]);
  await recoverInterruptedWrite(repo);
  const afterRecovery = which(await treeDigest(repo));
  expect(afterRecovery, `${name}: after recovery synth/ is the old or the new tree`).toBeDefined();
  expect(leftovers(repo), name).toEqual([]);
  return { kill, code, left, afterRecovery: afterRecovery!, ...(killedAfterMs !== undefined ? { killedAfterMs } : {}) };
}

// Needs /proc to see that a process stopped itself (Linux).
describe.skipIf(!existsSync('/proc/self/stat'))('synth interrupted by real signals', () => {
  it('leaves synth/ exactly old or exactly new after SIGINT and SIGKILL at every writer phase and over the run', async () => {
    const started = Date.now();
    // The old tree, committed-like, and the digests of both trees.
    const base = join(scratch, 'base');
    cpSync(join(REPO_ROOT, 'platform.yaml'), join(base, 'platform.yaml'));
    expect(synthSync(base).status).toBe(0);
    pristineOld = base;
    oldDigest = await treeDigest(base);
    const probe = freshRepo('probe');
    const t0 = Date.now();
    const r = synthSync(probe);
    runMs = Date.now() - t0;
    expect(r.status, r.stderr).toBe(0);
    newDigest = await treeDigest(probe);
    newFileCount = (await listFiles(probe)).length;
    expect((await listFiles(probe)).every((p) => p === 'synth/README.md' || p.startsWith(`synth/${NEW_SITE}/`))).toBe(true);
    expect(newDigest).not.toBe(oldDigest);

    const phases = ['locked', 'stage:1', `stage:${Math.ceil(newFileCount / 2)}`, `stage:${newFileCount}`, 'staged', 'journal', 'old-moved', 'swapped', 'old-removed'];
    // Two runs at a time take longer than the lone measured one: spread the delays past it.
    const delays = Array.from({ length: 7 }, (_, i) => Math.round(((i + 1) / 8) * runMs * 1.8));
    const kills: Kill[] = [];
    for (const signal of ['SIGINT', 'SIGKILL'] as const) {
      for (const at of phases) kills.push({ signal, at });
      for (const at of delays) kills.push({ signal, at });
    }

    const outcomes: Outcome[] = [];
    const queue = kills.map((k, i) => ({ k, name: `k${i}` }));
    async function worker(): Promise<void> {
      for (let job = queue.shift(); job; job = queue.shift()) {
        outcomes.push(await killOnce(job.k, job.name));
        // The next run after the kill: from exactly what the kill left.
        const repo = join(scratch, job.name);
        const next = await synthAsync(repo);
        expect(next.status, `${job.name} next run: ${next.stderr}`).toBe(0);
        expect(await treeDigest(repo), `${job.name}: the next run writes the new tree`).toBe(newDigest);
        expect(leftovers(repo), `${job.name}: the next run leaves no leftovers`).toEqual([]);
        rmSync(repo, { recursive: true, force: true });
      }
    }
    await Promise.all([worker(), worker()]);

    const byPhase = (signal: string, at: string | number) => outcomes.find((o) => o.kill.signal === signal && o.kill.at === at)!;
    // Before the journal a killed write changed nothing; after the swap the new tree is in place.
    for (const signal of ['SIGINT', 'SIGKILL']) {
      for (const at of ['locked', 'stage:1', `stage:${newFileCount}`, 'staged']) expect(byPhase(signal, at).afterRecovery, `${signal} at ${at}`).toBe('old');
      for (const at of ['swapped', 'old-removed']) expect(byPhase(signal, at).afterRecovery, `${signal} at ${at}`).toBe('new');
    }
    // SIGINT before the swap stops cleanly with exit 130.
    expect(byPhase('SIGINT', 'stage:1').code).toBe(130);
    // A hard kill between the two renames leaves the journal; recovery puts the old tree back.
    expect(byPhase('SIGKILL', 'old-moved')).toMatchObject({ left: 'mid-swap', afterRecovery: 'old' });

    const tally = outcomes.map((o) => `${o.kill.signal}@${o.kill.at}${typeof o.kill.at === 'number' ? `ms (sent at ${o.killedAfterMs} ms)` : ''}→exit ${o.code}→${o.left}${o.left === 'mid-swap' ? `→${o.afterRecovery}` : ''}`);
    console.log(`interrupt test: ${outcomes.length} kills (run ${runMs} ms) in ${Date.now() - started} ms:\n  ${tally.join('\n  ')}`);
  }, 240_000);
});
