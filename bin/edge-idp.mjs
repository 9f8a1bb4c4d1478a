#!/usr/bin/env node
// Launcher for the `edge-idp` CLI. The CLI is TypeScript; running it through a TypeScript
// loader or a full `tsc` build costs more than the synth itself, so the launcher bundles the
// sources with esbuild into dist/ (about 50 ms) whenever a source file is newer than a bundle,
// then runs the bundle. Two bundles, built together: dist/edge-idp.mjs (every command) and
// dist/edge-idp-bootstrap.mjs (`edge-idp bootstrap …` alone, which bootstrap.sh calls several
// times per run: it loads no cdk8s and no catalog, so it starts several times faster).
// Type checking is `npm run typecheck` (part of `npm test`).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const SOURCE_DIRS = ['platform', 'layers', 'policies'];
/** Bundle name (dist/NAME.mjs) → its entry point. */
const BUNDLES = {
  'edge-idp': join(root, 'platform', 'cli', 'main.ts'),
  'edge-idp-bootstrap': join(root, 'platform', 'cli', 'bootstrap-main.ts'),
};
const bundlePath = (name) => join(dist, `${name}.mjs`);

function newestSourceMtime() {
  let newest = statSync(join(root, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) walk(join(root, dir));
  return newest;
}

/** The oldest bundle's mtime; 0 when one is missing. */
function oldestBundleMtime() {
  let oldest = Infinity;
  for (const name of Object.keys(BUNDLES)) {
    try {
      oldest = Math.min(oldest, statSync(bundlePath(name)).mtimeMs);
    } catch {
      return 0;
    }
  }
  return oldest;
}

if (oldestBundleMtime() < newestSourceMtime()) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    process.stderr.write('edge-idp: the CLI bundle is missing or stale and esbuild is not installed: run `npm ci`\n');
    process.exit(6);
  }
  // Build both beside the bundles and rename, so a concurrent run never imports a half-written file.
  const staging = join(dist, `.build.${process.pid}.tmp`);
  mkdirSync(staging, { recursive: true });
  try {
    await esbuild.build({
      entryPoints: Object.entries(BUNDLES).map(([out, entry]) => ({ in: entry, out })),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outdir: staging,
      outExtension: { '.js': '.mjs' },
      logLevel: 'error',
    });
    for (const name of Object.keys(BUNDLES)) renameSync(join(staging, `${name}.mjs`), bundlePath(name));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

await import(pathToFileURL(bundlePath(process.argv[2] === 'bootstrap' ? 'edge-idp-bootstrap' : 'edge-idp')).href);
