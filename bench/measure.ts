/**
 * What the benchmarks measure of one cold process: wall time, and peak resident memory (VmHWM)
 * through bench/rss-probe.mjs, loaded with NODE_OPTIONS=--import into every node process the
 * command starts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Measured {
  readonly status: number | null;
  readonly wallMs: number;
  /** Peak RSS of the edge-idp process in MiB; undefined when the probe saw none. */
  readonly rssMiB?: number;
  readonly stdout: string;
  readonly stderr: string;
}

const probeDir = mkdtempSync(join(tmpdir(), 'edge-idp-bench-probe-'));
let probes = 0;
process.on('exit', () => rmSync(probeDir, { recursive: true, force: true }));

/** Runs `cmd args` once as a new process in the repository and measures it. */
export function measure(cmd: string, args: readonly string[]): Measured {
  const probe = join(probeDir, `${probes++}.tsv`);
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, EDGE_IDP_RSS_PROBE: probe, NODE_OPTIONS: `--import=${join(REPO_ROOT, 'bench', 'rss-probe.mjs')}` },
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  let rssMiB: number | undefined;
  try {
    const line = readFileSync(probe, 'utf8').trim().split('\n').find((l) => l.includes('edge-idp'));
    if (line) rssMiB = Number(line.split('\t')[0]) / 1024;
  } catch {
    rssMiB = undefined; // the process died before its exit hook
  }
  return { status: r.status, wallMs, ...(rssMiB !== undefined ? { rssMiB } : {}), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
