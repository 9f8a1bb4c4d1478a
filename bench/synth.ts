/**
 * `npm run bench`: cold synth timing, and the start-up of one `edge-idp bootstrap` call (bootstrap.sh
 * makes several per run, and the bats suite hundreds). Each run is a new process, exactly as a user runs it;
 * the medians are over RUNS runs after one warm-up run (which builds the CLI bundle if the
 * sources changed). Peak memory is the synth process's VmHWM. Not a timed test: it prints.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const root = resolve(import.meta.dirname, '..');
const probeDir = mkdtempSync(join(tmpdir(), 'edge-idp-bench-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function time(label: string, cmd: string, args: string[]): void {
  spawnSync(cmd, args, { cwd: root, stdio: 'ignore' }); // warm-up
  const walls: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const probe = join(probeDir, `${label.replace(/\W+/g, '-')}-${i}.tsv`);
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, EDGE_IDP_RSS_PROBE: probe, NODE_OPTIONS: `--import=${join(root, 'bench', 'rss-probe.mjs')}` },
    });
    walls.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 0) throw new Error(`${label}: exit ${r.status}`);
    const lines = readFileSync(probe, 'utf8').trim().split('\n');
    const synthLine = lines.find((l) => l.includes('edge-idp'));
    if (synthLine) rss.push(Number(synthLine.split('\t')[0]) / 1024);
  }
  console.log(
    `${label.padEnd(40)} median ${median(walls).toFixed(0).padStart(5)} ms  (min ${Math.min(...walls).toFixed(0)}, max ${Math.max(...walls).toFixed(0)})` +
      `  peak RSS ${median(rss).toFixed(0)} MiB`,
  );
}

console.log(`edge-idp benchmark: ${RUNS} cold runs each, ${cpus().length} CPUs, node ${process.version}`);
time('npm run synth', 'npm', ['run', '-s', 'synth']);
time('node bin/edge-idp.mjs synth', process.execPath, ['bin/edge-idp.mjs', 'synth']);
time('node bin/edge-idp.mjs bootstrap plan', process.execPath, ['bin/edge-idp.mjs', 'bootstrap', 'plan', '--env', 'synth/edge-01/bootstrap/bootstrap.env']);
rmSync(probeDir, { recursive: true, force: true });
