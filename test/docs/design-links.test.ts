/**
 * Source comments, tests and the README point at docs/design.md by anchor: every anchor must
 * be a heading there, and nothing may point at the old design brief outside the repository.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/site.js';

const DESIGN = join(REPO_ROOT, 'docs', 'design.md');

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : files(path);
    return /\.(ts|mjs|md)$/.test(e.name) ? [path] : [];
  });
}

const SOURCES = [...['platform', 'layers', 'policies', 'test', 'bench', 'bin', 'docs'].flatMap((d) => files(join(REPO_ROOT, d))), join(REPO_ROOT, 'README.md')];

describe('docs/design.md', () => {
  const anchors = new Set(
    readFileSync(DESIGN, 'utf8')
      .split('\n')
      .flatMap((line) => (line.startsWith('## ') ? [anchorOf(line.slice(3))] : [])),
  );

  it('every link to a design decision names a heading that exists', () => {
    const links = SOURCES.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/design\.md#([a-z0-9_-]+)/g)].map((m) => ({ at: relative(REPO_ROOT, file), anchor: m[1]! })),
    );
    expect(links.length).toBeGreaterThan(10);
    expect(links.filter((l) => !anchors.has(l.anchor))).toEqual([]);
  });

  it('nothing points at the design brief outside the repository', () => {
    const self = join(REPO_ROOT, 'test', 'docs', 'design-links.test.ts');
    const stale = SOURCES.filter((file) => file !== self && /DESIGN decision|DESIGN\.md/.test(readFileSync(file, 'utf8'))).map((f) => relative(REPO_ROOT, f));
    expect(stale).toEqual([]);
  });
});
