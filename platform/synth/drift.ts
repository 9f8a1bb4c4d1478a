/** Compares a fresh synth (in memory) with the synth/ committed on disk. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { listFiles } from './write.js';

export interface Drift {
  readonly path: string;
  /** `missing`: a fresh synth makes it, disk lacks it; `stale`: on disk, no longer generated. */
  readonly status: 'missing' | 'stale' | 'changed';
  /** Unified diff (committed → fresh) for changed files. */
  readonly diff?: string;
}

export async function findDrift(repoRoot: string, files: ReadonlyMap<string, string>): Promise<Drift[]> {
  const onDisk = new Set(await listFiles(repoRoot));
  const drifts: Drift[] = [];
  for (const path of [...new Set([...files.keys(), ...onDisk])].sort()) {
    const fresh = files.get(path);
    if (fresh === undefined) {
      drifts.push({ path, status: 'stale' });
      continue;
    }
    if (!onDisk.has(path)) {
      drifts.push({ path, status: 'missing' });
      continue;
    }
    const committed = await readFile(join(repoRoot, path), 'utf8');
    if (committed !== fresh) {
      drifts.push({ path, status: 'changed', diff: createTwoFilesPatch(`${path} (on disk)`, `${path} (fresh synth)`, committed, fresh, '', '', { context: 2 }) });
    }
  }
  return drifts;
}

/** A readable report; long diffs are cut so the file list stays visible. */
export function formatDrift(drifts: readonly Drift[], maxDiffLines = 40): string {
  const lines = [`synth/ is out of date: ${drifts.length} file(s) differ from a fresh synth. Run \`npm run synth\` and commit synth/ with the source change.`];
  for (const d of drifts) {
    lines.push(`  ${d.status.padEnd(7)} ${d.path}`);
  }
  for (const d of drifts.filter((x) => x.diff)) {
    const diffLines = d.diff!.split('\n');
    lines.push('', ...diffLines.slice(0, maxDiffLines));
    if (diffLines.length > maxDiffLines) lines.push(`  … ${diffLines.length - maxDiffLines} more diff lines`);
  }
  return lines.join('\n');
}
