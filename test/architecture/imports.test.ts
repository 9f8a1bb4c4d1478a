/**
 * Architecture rules over the import graph of every source file in platform/, layers/, policies/,
 * bin/ and tools/ (issue 13). Each failure names the file and line, the import and the rule broken.
 * The scanner is test/architecture/import-graph.ts, proven on a fixture graph by import-graph.test.ts.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  cycleViolations,
  indexDeclarationViolations,
  layerOrderViolations,
  platformImportsLayers,
  readSources,
} from './import-graph.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROOTS = ['platform', 'layers', 'policies', 'bin', 'tools'];
const sources = readSources(REPO, ROOTS);
const graph = buildGraph(sources, (path) => existsSync(join(REPO, path)));

describe('import graph of platform/, layers/, policies/, bin/, tools/', () => {
  it('sees the sources and their imports (a scanner that saw nothing would pass every rule)', () => {
    for (const root of ['platform/', 'layers/', 'policies/']) {
      expect(graph.files.filter((f) => f.startsWith(root)).length, root).toBeGreaterThan(10);
      expect(graph.edges.filter((e) => e.from.startsWith(root)).length, root).toBeGreaterThan(10);
    }
    expect(graph.edges.some((e) => e.typeOnly)).toBe(true);
  });

  it('every relative import resolves to a file', () => {
    expect(graph.unresolved.map((u) => `${u.from}:${u.line} '${u.specifier}' names no file`)).toEqual([]);
  });

  it('(a) platform/ does not import layers/ (only platform/cli/ does)', () => {
    expect(platformImportsLayers(graph)).toEqual([]);
  });

  it('(b) no layer imports a higher layer', () => {
    expect(layerOrderViolations(graph)).toEqual([]);
  });

  it('(c) no import cycles, type-only ones included', () => {
    expect(cycleViolations(graph)).toEqual([]);
  });

  it('(d) index.ts files only re-export', () => {
    expect(indexDeclarationViolations(sources)).toEqual([]);
  });
});
