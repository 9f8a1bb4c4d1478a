import { cpSync, mkdtempSync, readFileSync, statSync, writeFileSync, existsSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDrift, synthesize } from '../../platform/synth/synthesize.js';
import { formatDrift } from '../../platform/synth/drift.js';
import { listFiles } from '../../platform/synth/write.js';
import { ConfigError } from '../../platform/config/errors.js';
import { GENERATED_HEADER } from '../../platform/synth/files.js';
import { REPO_ROOT, buildTestSite } from '../helpers/site.js';
import { CATALOG } from '../../layers/catalog.js';

const dirs: string[] = [];
/** A scratch repository holding only platform.yaml. */
function scratchRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-idp-synth-'));
  dirs.push(dir);
  cpSync(join(REPO_ROOT, 'platform.yaml'), join(dir, 'platform.yaml'));
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('synth', () => {
  it('is deterministic: two builds give byte-identical files', async () => {
    const a = await buildTestSite();
    const b = await buildTestSite();
    expect([...a.files.keys()]).toEqual([...b.files.keys()]);
    for (const [path, content] of a.files) expect(b.files.get(path), path).toBe(content);
  });

  it('marks every generated file as generated', async () => {
    const { files } = await buildTestSite();
    for (const [path, content] of files) expect(content.includes(GENERATED_HEADER), path).toBe(true);
  });

  it('writes, then leaves unchanged files untouched and reports it', async () => {
    const repo = scratchRepo();
    const first = await synthesize({ catalog: CATALOG, repoRoot: repo });
    // The site's files and the index.
    expect(first.report.written).toEqual([...first.build.files.keys(), 'synth/README.md'].sort());
    const probe = join(repo, [...first.build.files.keys()][0]!);
    const old = new Date('2020-01-01T00:00:00Z');
    utimesSync(probe, old, old);
    const second = await synthesize({ catalog: CATALOG, repoRoot: repo });
    expect(second.report).toEqual({ written: [], unchanged: first.build.files.size + 1, removed: [], handMade: [] });
    expect(statSync(probe).mtime.toISOString()).toBe(old.toISOString());
  });

  it('removes stale generated files and empty folders', async () => {
    const repo = scratchRepo();
    await synthesize({ catalog: CATALOG, repoRoot: repo });
    const stale = join(repo, 'synth', 'edge-01', 'layers', '09-gone', 'x', 'values.yaml');
    cpSync(join(repo, 'platform.yaml'), stale, { recursive: true });
    const { report } = await synthesize({ catalog: CATALOG, repoRoot: repo });
    expect(report.removed).toEqual(['synth/edge-01/layers/09-gone/x/values.yaml']);
    expect(existsSync(join(repo, 'synth', 'edge-01', 'layers', '09-gone'))).toBe(false);
  });

  it('leaves synth/ untouched on bad config', async () => {
    const repo = scratchRepo();
    await synthesize({ catalog: CATALOG, repoRoot: repo });
    const before = await listFiles(repo);
    const snapshot = before.map((p) => readFileSync(join(repo, p), 'utf8'));
    writeFileSync(join(repo, 'platform.yaml'), readFileSync(join(repo, 'platform.yaml'), 'utf8').replace('role: worker', 'role: master'));
    await expect(synthesize({ catalog: CATALOG, repoRoot: repo })).rejects.toBeInstanceOf(ConfigError);
    expect(await listFiles(repo)).toEqual(before);
    expect(before.map((p) => readFileSync(join(repo, p), 'utf8'))).toEqual(snapshot);
    expect((await listFiles(repo, '.')).filter((p) => p.startsWith('.synth-tmp'))).toEqual([]);
  });

  it('detects drift: a hand-edited generated file is named with a diff', async () => {
    const repo = scratchRepo();
    await synthesize({ catalog: CATALOG, repoRoot: repo });
    expect((await checkDrift({ catalog: CATALOG, repoRoot: repo })).drifts).toEqual([]);
    const edited = 'synth/edge-01/layers/00-core/cilium/values.yaml';
    writeFileSync(join(repo, edited), readFileSync(join(repo, edited), 'utf8').replace('kubeProxyReplacement: true', 'kubeProxyReplacement: false'));
    const { drifts } = await checkDrift({ catalog: CATALOG, repoRoot: repo });
    expect(drifts.map((d) => [d.status, d.path])).toEqual([['changed', edited]]);
    const text = formatDrift(drifts);
    expect(text).toContain(edited);
    expect(text).toContain('-kubeProxyReplacement: false');
    expect(text).toContain('+kubeProxyReplacement: true');
  });

  it('detects missing and stale files in the site folder; leaves what synth does not own alone', async () => {
    const repo = scratchRepo();
    await synthesize({ catalog: CATALOG, repoRoot: repo });
    const victim = 'synth/edge-01/root/priorityclass-edge-idp-core.yaml';
    rmSync(join(repo, victim));
    writeFileSync(join(repo, 'synth', 'edge-01', 'extra.yaml'), 'x: 1\n');
    writeFileSync(join(repo, 'synth', 'notes.md'), 'mine\n');
    const { drifts } = await checkDrift({ catalog: CATALOG, repoRoot: repo });
    expect(drifts.map((d) => [d.status, d.path])).toEqual([
      ['stale', 'synth/edge-01/extra.yaml'],
      ['missing', victim],
    ]);
    // A synth puts the site folder right and keeps the file it does not own.
    const { report } = await synthesize({ catalog: CATALOG, repoRoot: repo });
    expect(report.removed).toEqual(['synth/edge-01/extra.yaml']);
    expect(report.handMade).toEqual(['synth/edge-01/extra.yaml']);
    expect(readFileSync(join(repo, 'synth', 'notes.md'), 'utf8')).toBe('mine\n');
    expect((await checkDrift({ catalog: CATALOG, repoRoot: repo })).drifts).toEqual([]);
  });

  it('the committed synth/ matches a fresh synth of the committed platform.yaml', async () => {
    const { drifts } = await checkDrift({ catalog: CATALOG, repoRoot: REPO_ROOT });
    expect(drifts, formatDrift(drifts)).toEqual([]);
  });
});
