/**
 * `npm run bench`: cold synth timing, and the start-up of one `edge-idp bootstrap` call (bootstrap.sh
 * makes several per run, and the bats suite hundreds). Each run is a new process, exactly as a user runs it;
 * the medians are over RUNS runs after one warm-up run (which builds the CLI bundle if the
 * sources changed). Peak memory is the synth process's VmHWM. Not a timed test: it prints.
 * The fleet benchmark (bench/fleet.ts) runs after it.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { measure, median, REPO_ROOT } from './measure.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function time(label: string, cmd: string, args: string[]): void {
  spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: 'ignore' }); // warm-up
  const walls: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = measure(cmd, args);
    walls.push(r.wallMs);
    if (r.status !== 0) throw new Error(`${label}: exit ${r.status}`);
    if (r.rssMiB !== undefined) rss.push(r.rssMiB);
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
