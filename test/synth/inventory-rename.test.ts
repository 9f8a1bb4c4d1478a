/**
 * Renaming the site moves synth/<old>/ to synth/<new>/. The image list of the air-gap inventory
 * (only `edge-idp inventory` can render it) is carried over from the old folder, stale when the
 * render inputs moved, and the summary says so; the next synth and the drift check agree.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inventoryFile, parseInventory } from '../../platform/render/inventory.js';
import { formatSummary } from '../../platform/synth/summary.js';
import { checkDrift, synthesize } from '../../platform/synth/synthesize.js';
import { listFiles } from '../../platform/synth/write.js';
import { REPO_ROOT } from '../helpers/site.js';
import { cleanupRepos, tempDir } from '../review/repo.js';
import { CATALOG } from '../../layers/catalog.js';

afterAll(cleanupRepos);

const OLD = inventoryFile('edge-01');
const NEW = inventoryFile('edge-99');

/** A root with this repository's platform.yaml and committed synth/ (its inventory holds rendered images). */
function siteCopy(): string {
  const dir = tempDir('edge-idp-rename-');
  cpSync(join(REPO_ROOT, 'platform.yaml'), join(dir, 'platform.yaml'));
  cpSync(join(REPO_ROOT, 'synth'), join(dir, 'synth'), { recursive: true });
  return dir;
}

function rename(dir: string): void {
  const file = join(dir, 'platform.yaml');
  const text = readFileSync(file, 'utf8');
  expect(text).toMatch(/^ {2}name: edge-01$/m);
  writeFileSync(file, text.replace(/^ {2}name: edge-01$/m, '  name: edge-99'));
}

describe('site rename and the inventory', () => {
  it('keeps the image list, says so in the summary, and the next synth writes the same bytes', async () => {
    const dir = siteCopy();
    const before = parseInventory(readFileSync(join(dir, OLD), 'utf8')).doc!;
    expect(before.images.length).toBeGreaterThan(10);
    rename(dir);

    const { build, report } = await synthesize({ catalog: CATALOG, repoRoot: dir });
    expect(build.inventoryCarriedFrom).toBe(OLD);
    const after = parseInventory(readFileSync(join(dir, NEW), 'utf8')).doc!;
    expect(after.images).toEqual(before.images);
    expect(after.renderedFrom).toEqual(before.renderedFrom);
    // The old folder is gone; nothing else of the old site is left.
    expect((await listFiles(dir)).filter((p) => p.startsWith('synth/edge-01/'))).toEqual([]);
    const summary = formatSummary(build, report);
    expect(summary).toContain(`inventory: ${NEW} did not exist (site renamed?): ${after.images.length} image(s) carried over from ${OLD}`);
    expect(summary).toContain(after.stale ? 'marked stale until `edge-idp inventory`' : 'so they are current');

    const again = await synthesize({ catalog: CATALOG, repoRoot: dir });
    expect(again.report.written).toEqual([]);
    expect(again.build.inventoryCarriedFrom).toBeUndefined();
    expect(formatSummary(again.build, again.report)).not.toContain('carried over');
    expect((await checkDrift({ catalog: CATALOG, repoRoot: dir })).drifts).toEqual([]);
  });

  it('marks the carried images stale, with the reason, when the rename changed their render inputs', async () => {
    const dir = siteCopy();
    rename(dir);
    // A values change that certainly reaches a chart: the domain.
    const file = join(dir, 'platform.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^( {2}domain: )\S+$/m, '$1renamed.example.com'));
    await synthesize({ catalog: CATALOG, repoRoot: dir });
    const doc = parseInventory(readFileSync(join(dir, NEW), 'utf8')).doc!;
    expect(doc.images.length).toBeGreaterThan(10);
    expect(doc.stale).toBe(true);
    expect(doc.staleReason).toMatch(/inputs changed/);
    expect(doc.staleReason).toContain('edge-idp inventory');
  });

  it('carries from the folder the rename removes, not from a folder synth did not write', async () => {
    const dir = siteCopy();
    mkdirSync(join(dir, 'synth', 'edge-02'));
    cpSync(join(dir, OLD), join(dir, inventoryFile('edge-02')));
    rename(dir);
    const { build, removedSites } = await synthesize({ catalog: CATALOG, repoRoot: dir });
    expect(removedSites).toEqual(['edge-01']);
    expect(build.inventoryCarriedFrom).toBe(OLD);
    // Not in the index (synth never wrote it): left alone.
    expect(readFileSync(join(dir, inventoryFile('edge-02')), 'utf8')).toBe(readFileSync(join(REPO_ROOT, OLD), 'utf8'));
  });

  it('does not guess between several removed sites', async () => {
    const dir = siteCopy();
    // The index says edge-02 came from platform.yaml too (an earlier name of the site, say).
    mkdirSync(join(dir, 'synth', 'edge-02'));
    cpSync(join(dir, OLD), join(dir, inventoryFile('edge-02')));
    const index = join(dir, 'synth', 'README.md');
    const row = readFileSync(index, 'utf8').split('\n').find((l) => l.startsWith('| [edge-01](edge-01/README.md)'))!;
    writeFileSync(index, readFileSync(index, 'utf8').replace(row, `${row}\n${row.replaceAll('edge-01', 'edge-02')}`));
    rename(dir);
    const { build, removedSites } = await synthesize({ catalog: CATALOG, repoRoot: dir });
    expect(removedSites).toEqual(['edge-01', 'edge-02']);
    expect(build.inventoryCarriedFrom).toBeUndefined();
    expect(parseInventory(build.files.get(NEW)!).doc!.staleReason).toMatch(/no chart images rendered yet/);
    expect((await listFiles(dir)).filter((p) => !p.startsWith('synth/edge-99/'))).toEqual(['synth/README.md']);
  });
});
