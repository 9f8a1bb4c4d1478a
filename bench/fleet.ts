/**
 * The fleet benchmark (issue 16), part of `npm run bench` (alone: `npm run bench:fleet`).
 * Not a timed test: it prints medians and compares them with the issue's goals.
 *
 * For each size (default 1, 10, 100 and 1000 sites) it generates a fleet (bench/fleet-gen.ts)
 * in a temp folder and runs `node bin/edge-idp.mjs synth --root <folder>` as a new process:
 * - full synth: synth/ removed before every run; wall time and peak RSS (VmHWM, as
 *   bench/synth.ts measures it), medians over the runs;
 * - re-synth with nothing changed: the same, synth/ kept; counts the files written (a file
 *   counts when it is new, gone, or its inode, size or mtime changed);
 * - one site changed (its domain): counts the files written and the site folders they are in.
 *
 * Goals from the issue: 100 sites in at most 15x the one-site time; 1000 sites under 1.5 GiB
 * peak RSS; cost linear or better; unchanged sites' files not rewritten.
 *
 * Environment: BENCH_FLEET_SIZES (default `1,10,100,1000`), BENCH_FLEET_RUNS (runs per size
 * below 1000, default 5), BENCH_FLEET_RUNS_LARGE (runs per size of 1000 and more, default 2).
 * A quick run: `BENCH_FLEET_SIZES=1,10 BENCH_FLEET_RUNS=1 npm run -s bench:fleet`.
 *
 * When `edge-idp synth` cannot synthesize a generated fleet (no fleet loader in this build), it
 * says so and exits 1: it never prints numbers for something that did not synthesize the fleet.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { generateFleet, type GeneratedFleet } from './fleet-gen.js';
import { measure, median, type Measured } from './measure.js';

const GIB = 1024 ** 3;
const GOALS = { ratio100: 15, rss1000Bytes: 1.5 * GIB };

function envList(name: string, fallback: string): number[] {
  const raw = process.env[name] ?? fallback;
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`${name}: expected positive integers separated by commas, not '${raw}'`);
  return values;
}
const SIZES = envList('BENCH_FLEET_SIZES', '1,10,100,1000');
const [RUNS] = envList('BENCH_FLEET_RUNS', '5');
const [RUNS_LARGE] = envList('BENCH_FLEET_RUNS_LARGE', '2');
const runsFor = (size: number) => (size >= 1000 ? RUNS_LARGE! : RUNS!);

/** Every file under `dir`: relative path → identity (inode, size, mtime). */
function fileIdentities(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else {
        const s = statSync(path);
        out.set(relative(dir, path), `${s.ino}:${s.size}:${s.mtimeMs}`);
      }
    }
  };
  try {
    walk(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return out;
}

function bytesUnder(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else total += statSync(path).size;
    }
  };
  walk(dir);
  return total;
}

/** Files new, gone or rewritten between two listings. */
function written(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [path, id] of after) if (before.get(path) !== id) out.push(path);
  for (const path of before.keys()) if (!after.has(path)) out.push(path);
  return out;
}

function synth(fleet: GeneratedFleet): Measured {
  return measure(process.execPath, ['bin/edge-idp.mjs', 'synth', '--root', fleet.root]);
}

class CannotSynthesize extends Error {}

function ok(label: string, r: Measured): Measured {
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(0, 6).join('\n  ');
    throw new CannotSynthesize(`${label}: edge-idp synth exited ${r.status}:\n  ${why}`);
  }
  return r;
}

const ms = (x: number) => `${x.toFixed(0)} ms`;
const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(bytes < 10 * 1024 ** 2 ? 2 : 0)} MiB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

interface SizeResult {
  readonly size: number;
  readonly runs: number;
  readonly wall: number;
  readonly wallMin: number;
  readonly wallMax: number;
  /** Peak RSS, bytes (median). */
  readonly rss: number;
  readonly synthBytes: number;
  readonly files: number;
  readonly resynth: { readonly wall: number; readonly rss: number; readonly written: number };
  readonly oneChanged: { readonly wall: number; readonly written: number; readonly folders: readonly string[]; readonly site: string };
}

function benchSize(size: number): SizeResult {
  const root = mkdtempSync(join(tmpdir(), `edge-idp-fleet-${size}-`));
  try {
    const fleet = generateFleet(root, size);
    const synthDir = join(root, 'synth');
    const runs = runsFor(size);
    // Warm-up (builds the CLI bundle when stale) and the proof that the fleet synthesizes.
    ok(`${size} sites, first run`, synth(fleet));
    const missing = fleet.sites.filter((s) => !statSync(join(synthDir, s), { throwIfNoEntry: false })?.isDirectory());
    if (missing.length) {
      throw new CannotSynthesize(
        `${size} sites: edge-idp synth exited 0 but wrote no synth/<site>/ for ${missing.length} of ${size} sites (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`,
      );
    }
    const full: Measured[] = [];
    for (let i = 0; i < runs; i++) {
      rmSync(synthDir, { recursive: true, force: true });
      full.push(ok(`${size} sites, full synth`, synth(fleet)));
    }
    const files = fileIdentities(synthDir);
    const synthBytes = bytesUnder(synthDir);

    // Nothing changed: nothing may be written.
    const again: Measured[] = [];
    let writtenAgain = 0;
    for (let i = 0; i < runs; i++) {
      const before = fileIdentities(synthDir);
      again.push(ok(`${size} sites, re-synth`, synth(fleet)));
      writtenAgain = Math.max(writtenAgain, written(before, fileIdentities(synthDir)).length);
    }

    // One site changed: only its folder (and the fleet index) may be written.
    const site = fleet.sites[Math.floor(size / 2)]!;
    const file = join(root, fleet.siteFile(site));
    writeFileSync(file, readFileSync(file, 'utf8').replace(`${site}.edge.example.com`, `${site}.edge.example.org`));
    const before = fileIdentities(synthDir);
    const changed = ok(`${size} sites, one site changed`, synth(fleet));
    const paths = written(before, fileIdentities(synthDir));
    const folders = [...new Set(paths.map((p) => (p.includes(sep) ? p.split(sep)[0]! : p)))].sort();

    const walls = full.map((r) => r.wallMs);
    const rss = (rs: Measured[]) => median(rs.map((r) => (r.rssMiB ?? NaN) * 1024 ** 2));
    return {
      size,
      runs,
      wall: median(walls),
      wallMin: Math.min(...walls),
      wallMax: Math.max(...walls),
      rss: rss(full),
      synthBytes,
      files: files.size,
      resynth: { wall: median(again.map((r) => r.wallMs)), rss: rss(again), written: writtenAgain },
      oneChanged: { wall: changed.wallMs, written: paths.length, folders, site },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function report(results: readonly SizeResult[]): void {
  const one = results.find((r) => r.size === 1);
  const header = ['sites', 'runs', 'wall (median)', 'min–max', 'x 1 site', 'ms/site', 'peak RSS', 'RSS/site', 'synth/', 'synth/ per site', 'files'];
  const rows = results.map((r) => [
    String(r.size),
    String(r.runs),
    ms(r.wall),
    `${r.wallMin.toFixed(0)}–${r.wallMax.toFixed(0)}`,
    one ? `${(r.wall / one.wall).toFixed(1)}x` : '—',
    one && r.size > 1 ? ((r.wall - one.wall) / (r.size - 1)).toFixed(0) : '—',
    mib(r.rss),
    one && r.size > 1 ? kib((r.rss - one.rss) / (r.size - 1)) : '—',
    mib(r.synthBytes),
    kib(r.synthBytes / r.size),
    String(r.files),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(`\nfull synth (synth/ removed before each run); ms/site and RSS/site: the growth per site over one site`);
  console.log(line(header));
  for (const row of rows) console.log(line(row));

  console.log('\nre-synth, nothing changed (unchanged files must not be rewritten)');
  for (const r of results) {
    console.log(`${String(r.size).padStart(5)} sites  ${ms(r.resynth.wall).padStart(9)}  peak RSS ${mib(r.resynth.rss).padStart(9)}  files written: ${r.resynth.written} of ${r.files}${r.resynth.written === 0 ? '' : '  <- REWRITES UNCHANGED FILES'}`);
  }
  console.log('\nre-synth, one site changed (its domain)');
  for (const r of results) {
    const { folders, site, written: count } = r.oneChanged;
    const others = folders.filter((f) => f !== site && f !== 'README.md');
    const where = folders.length > 6 ? `${folders.slice(0, 6).join(', ')}, … (${folders.length} in all)` : folders.join(', ');
    console.log(
      `${String(r.size).padStart(5)} sites  ${ms(r.oneChanged.wall).padStart(9)}  files written: ${count}${count ? ` in ${where}` : ''}` +
        (others.length ? `  <- ALSO REWROTE ${others.length} other site folder${others.length === 1 ? '' : 's'}` : '') +
        (count === 0 ? `  <- NOTHING WRITTEN: ${site}'s new domain did not reach synth/` : ''),
    );
  }

  console.log('\ngoals (issue 16)');
  const r100 = results.find((r) => r.size === 100);
  const r1000 = results.find((r) => r.size === 1000);
  if (one && r100) {
    const ratio = r100.wall / one.wall;
    console.log(`  100 sites in at most ${GOALS.ratio100}x the one-site time: ${ratio.toFixed(1)}x (${ms(r100.wall)} / ${ms(one.wall)})  ${ratio <= GOALS.ratio100 ? 'met' : 'MISSED'}`);
  } else console.log('  100 sites vs one site: not measured (needs sizes 1 and 100)');
  if (r1000) {
    console.log(`  1000 sites under 1.5 GiB peak RSS: ${(r1000.rss / GIB).toFixed(2)} GiB  ${r1000.rss < GOALS.rss1000Bytes ? 'met' : 'MISSED'}`);
  } else console.log('  1000 sites peak RSS: not measured (needs size 1000)');
  const unchangedOk = results.every((r) => r.resynth.written === 0);
  console.log(`  unchanged sites' files not rewritten: ${unchangedOk ? 'met' : 'MISSED'} (nothing changed: ${results.map((r) => r.resynth.written).join(', ')} files written)`);
  const onlyChanged = results.every((r) => r.oneChanged.written > 0 && r.oneChanged.folders.every((f) => f === r.oneChanged.site || f === 'README.md'));
  console.log(`  one site changed rewrites only its folder (and synth/README.md): ${onlyChanged ? 'met' : 'MISSED'}`);
}

console.log(
  `\nedge-idp fleet benchmark: sizes ${SIZES.join(', ')}; ${RUNS} cold runs each (${RUNS_LARGE} from 1000 sites); ` +
    `${cpus().length} CPUs, node ${process.version}`,
);
const results: SizeResult[] = [];
try {
  for (const size of SIZES) {
    const started = Date.now();
    results.push(benchSize(size));
    console.log(`  ${size} sites measured in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
} catch (e) {
  if (!(e instanceof CannotSynthesize)) throw e;
  console.error(
    `\nfleet benchmark: not measured. ${e.message}\n` +
      'The generated fleet is fleet.yaml + sites/<name>.yaml (issue 16); this build of edge-idp cannot synthesize it, ' +
      'so there are no numbers to show.',
  );
  process.exitCode = 1;
}
if (results.length === SIZES.length) report(results);
