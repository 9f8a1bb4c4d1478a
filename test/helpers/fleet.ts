/**
 * Test helpers for fleets: the fixture fleet (test/fixtures/fleet: three groups, two rings, five
 * sites of different sizes, kiosk-01 too small to lose a worker) copied into a scratch root, the
 * real CLI run against it, and the same fleet as a git repository with its ring branches (for
 * diff, and for the rollout/promotion tests: `fleetRepo` gives main, rings/stores and a clone).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './site.js';

export const FLEET_FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'fleet');
export const FIXTURE_SITES = ['depot-01', 'kiosk-01', 'store-001', 'store-002', 'store-003'] as const;
/** The site that does not survive losing a worker. */
export const TOO_SMALL = 'kiosk-01';

const created: string[] = [];

/** Removes every scratch folder made here. */
export function cleanupFleets(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface FixtureOptions {
  /**
   * What to do with the too-small site: `fail` keeps it as committed (synth refuses the fleet),
   * `warn` lets synth write it (capacity.onShortfall: warn in its file), `drop` leaves it out.
   * Default: `warn`.
   */
  readonly kiosk?: 'fail' | 'warn' | 'drop';
}

/** A scratch root holding a copy of the fixture fleet (fleet.yaml and sites/), nothing else. */
export function fixtureFleet(opts: FixtureOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-idp-fleet-'));
  created.push(dir);
  cpSync(FLEET_FIXTURE, dir, { recursive: true });
  const kiosk = join(dir, 'sites', `${TOO_SMALL}.yaml`);
  const mode = opts.kiosk ?? 'warn';
  if (mode === 'drop') rmSync(kiosk);
  if (mode === 'warn') writeFileSync(kiosk, `${readFileSync(kiosk, 'utf8')}capacity:\n  onShortfall: warn\n`);
  return dir;
}

/** Runs the real CLI (`node bin/edge-idp.mjs …`). */
export function cli(cwd: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'edge-idp.mjs'), ...args], {
    encoding: 'utf8',
    cwd,
    timeout: 240_000,
    env: { ...process.env, EDGE_IDP_DEBUG_STOP_AT: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Runs git in `dir` (no global hooks or signing), returns trimmed stdout. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/**
 * The fixture fleet (kiosk-01 as `opts` says) synthesized and committed on `main` of a new git
 * repository, with a branch per later ring at the same commit (`rings/stores`), as a fleet
 * looks right after its first promotion. The hook for rollout and promotion tests.
 */
export function fleetRepo(opts: FixtureOptions = {}): string {
  const dir = fixtureFleet(opts);
  git(dir, 'init', '--quiet', '-b', 'main');
  git(dir, 'config', 'user.name', 'Fleet Test');
  git(dir, 'config', 'user.email', 'fleet-test@example.com');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'config', 'core.hooksPath', '.git/no-hooks');
  const r = cli(dir, 'synth');
  if (r.code !== 0) throw new Error(`synth of the fixture fleet failed (${r.code}): ${r.err}`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', 'the fixture fleet');
  git(dir, 'branch', 'rings/stores');
  return dir;
}
