/**
 * What the real-control-plane tests share: the site's nodes and bootstrap contract from the
 * committed synth/, the upstream data, child processes, polling, and the suite summary that
 * `npm run test:cluster` prints at the end (each test adds its lines).
 */
import { execFile, spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { hasUpstream, upstreamDir } from '../../platform/conformance/upstream.js';
import type { TestNode } from './harness.js';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const SITE = 'edge-01';
export const SITE_DIR = join(REPO_ROOT, 'synth', SITE);

/** The upstream data folder (CRDs, chart defaults). Required: the suite fails without it. */
export function requireUpstream(): string {
  const dir = upstreamDir(REPO_ROOT);
  if (!hasUpstream(dir)) {
    throw new Error(`no upstream data at ${dir}: the cluster tests install the upstream CRDs from there (set EDGE_IDP_UPSTREAM_DIR)`);
  }
  return dir;
}

/** bootstrap.env of the committed site, parsed (single-quoted values). */
export function bootstrapEnv(): Record<string, string> {
  const text = readFileSync(join(SITE_DIR, 'bootstrap', 'bootstrap.env'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)='(.*)'$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/'\\''/g, "'");
  }
  return out;
}

/** The nodes of platform.yaml as fake nodes: names, roles, capacity. */
export function siteNodes(): TestNode[] {
  const cfg = parse(readFileSync(join(REPO_ROOT, 'platform.yaml'), 'utf8')) as {
    nodes: { name: string; role: 'control-plane' | 'worker'; cpu: string | number; memory: string }[];
  };
  return cfg.nodes.map((n) => ({ name: n.name, role: n.role, cpu: String(n.cpu), memory: n.memory }));
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to completion (bounded), never throws. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, cwd: opts.cwd ?? REPO_ROOT, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string }) | null;
        const code = e ? (typeof e.code === 'number' ? e.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + (e && typeof e.code !== 'number' ? `\n${e.message}` : ''), ms: Date.now() - t0 });
      },
    );
    // A child that exits before reading its input must not crash the test run (EPIPE).
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input ?? '');
  });
}

/** Runs a long command, streaming nothing, resolving with its output (for bootstrap.sh). */
export function runStreaming(cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: stderr + (signal ? `\n[killed by ${signal}]` : ''), ms: Date.now() - t0 });
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Lines for the summary printed at the end of `npm run test:cluster` (the global teardown in
 * test/cluster/summary.setup.ts reads the file named by EDGE_IDP_CLUSTER_SUMMARY).
 */
export function summary(section: string, lines: readonly string[]): void {
  const text = [`## ${section}`, ...lines.map((l) => `  ${l}`), ''].join('\n');
  const file = process.env.EDGE_IDP_CLUSTER_SUMMARY;
  if (file) appendFileSync(file, `${text}\n`);
  console.log(text);
}

/** The charts directory the user pointed at (real charts), if any. */
export function realChartsDir(): string | undefined {
  const d = process.env.EDGE_IDP_CHARTS_DIR?.trim();
  if (!d) return undefined;
  if (!existsSync(d)) throw new Error(`EDGE_IDP_CHARTS_DIR=${d} does not exist`);
  return d;
}
