#!/usr/bin/env node
// Launcher for the `edge-idp` CLI. The CLI is TypeScript; running it through a TypeScript
// loader or a full `tsc` build costs more than the synth itself, so the launcher bundles the
// sources with esbuild into dist/edge-idp.mjs (about 50 ms) whenever a source file is newer
// than the bundle, then runs the bundle. Type checking is `npm run typecheck` (part of `npm test`).
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bundle = join(root, 'dist', 'edge-idp.mjs');
const SOURCE_DIRS = ['platform', 'layers', 'policies'];

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

if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSourceMtime()) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    process.stderr.write('edge-idp: the CLI bundle is missing or stale and esbuild is not installed: run `npm ci`\n');
    process.exit(6);
  }
  // Build beside the bundle and rename, so a concurrent run never imports a half-written file.
  const staging = `${bundle}.${process.pid}.tmp`;
  await esbuild.build({
    entryPoints: [join(root, 'platform', 'cli', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: staging,
    logLevel: 'error',
  });
  renameSync(staging, bundle);
}

await import(pathToFileURL(bundle).href);
