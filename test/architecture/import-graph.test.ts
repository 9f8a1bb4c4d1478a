/**
 * The import-graph scanner on a fixture graph: proves it finds what test/architecture/imports.test.ts
 * relies on (type-only and dynamic edges, cycles through them, each rule's violations) and is not
 * fooled by comments, strings, templates or regular expressions that merely mention an import.
 */
import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  cycleViolations,
  findCycles,
  indexDeclarationViolations,
  layerOrderViolations,
  maskSource,
  platformImportsLayers,
  RULE_A,
  RULE_B,
  RULE_C,
  RULE_D,
  scanImports,
} from './import-graph.js';

const fixture = (files: Record<string, string>) => new Map(Object.entries(files));

describe('scanImports', () => {
  it('finds every statement form with its kind, line and whether it is erased at compile time', () => {
    const src = [
      "import { a } from './a.js';", // 1
      "import type { B } from './b.js';", // 2
      "import { type C, type D as E } from './c.js';", // 3
      "import F, { type G } from './f.js';", // 4
      "import * as ns from './ns.js';", // 5
      "import './side.js';", // 6
      "export * from './star.js';", // 7
      "export * as nsx from './star-ns.js';", // 8
      "export type { H } from './h.js';", // 9
      "export { i, type J } from './i.js';", // 10
      'import {', // 11
      '  k,', // 12
      '  l,', // 13
      "} from './multi.js';", // 14
      "const m = await import('./dyn.js');", // 15
      "type N = typeof import('./typeof.js');", // 16
      "type O = import('./type-position.js').O;", // 17
      "void import('./then.js').then((x) => x);", // 18
      "import { p } from 'node:fs';", // 19
    ].join('\n');
    expect(scanImports(src).map((s) => [s.line, s.kind, s.specifier, s.typeOnly])).toEqual([
      [1, 'import', './a.js', false],
      [2, 'import', './b.js', true],
      [3, 'import', './c.js', true],
      [4, 'import', './f.js', false],
      [5, 'import', './ns.js', false],
      [6, 'side-effect', './side.js', false],
      [7, 'export-from', './star.js', false],
      [8, 'export-from', './star-ns.js', false],
      [9, 'export-from', './h.js', true],
      [10, 'export-from', './i.js', false],
      [11, 'import', './multi.js', false],
      [15, 'dynamic', './dyn.js', false],
      [16, 'dynamic', './typeof.js', true],
      [17, 'dynamic', './type-position.js', true],
      [18, 'dynamic', './then.js', false],
      [19, 'import', 'node:fs', false],
    ]);
  });

  it('ignores imports that only appear in comments, strings, templates and regular expressions', () => {
    const src = [
      "// import { x } from './comment.js';",
      "/* export * from './block.js'; */",
      "const s = \"import { y } from './string.js'\";",
      "const t = `import z from './template.js' ${ident} import('./template-dyn.js')`;",
      "const r = /import '|from \"/;",
      "const u = a / b; import { real } from './real.js';",
      "const v = `${`nested ${'x'}`}`; export { w } from './after-template.js';",
    ].join('\n');
    expect(scanImports(src).map((s) => s.specifier)).toEqual(['./real.js', './after-template.js']);
  });

  it('masks without moving anything: same length, same line breaks', () => {
    const src = "a('x'); // c\n/* d\n e */ b(`t${1}`)\n";
    const masked = maskSource(src);
    expect(masked).toHaveLength(src.length);
    expect(masked.split('\n').length).toBe(src.split('\n').length);
  });
});

describe('buildGraph', () => {
  it('resolves .js specifiers to .ts files, extensionless ones to .ts or index.ts, and lists what does not resolve', () => {
    const graph = buildGraph(
      fixture({
        'platform/a.ts': "import { b } from './b.js';\nimport { c } from './c';\nimport { d } from './d';\nimport { e } from './missing.js';\nimport { j } from '../data.json';",
        'platform/b.ts': 'export const b = 1;',
        'platform/c.ts': 'export const c = 1;',
        'platform/d/index.ts': "export * from './x.js';",
        'platform/d/x.ts': 'export const d = 1;',
      }),
      (path) => path === 'data.json',
    );
    expect(graph.edges.map((e) => `${e.from} → ${e.to}`)).toEqual([
      'platform/a.ts → platform/b.ts',
      'platform/a.ts → platform/c.ts',
      'platform/a.ts → platform/d/index.ts',
      'platform/a.ts → data.json',
      'platform/d/index.ts → platform/d/x.ts',
    ]);
    expect(graph.unresolved.map((u) => `${u.from}:${u.line} ${u.specifier}`)).toEqual(['platform/a.ts:4 ./missing.js']);
  });
});

describe('rules on a fixture graph', () => {
  const sources = fixture({
    // (a) platform → layers: runtime, type-only and dynamic all count; the CLI entry is exempt.
    'platform/synth/build.ts': "import { X } from '../../layers/00-core/x.js';\nimport { helper } from './helper.js';",
    'platform/synth/helper.ts': "import type { Y } from '../../layers/01-services/y.js';\nexport const helper = 1;",
    'platform/synth/lazy.ts': "export const load = () => import('../../layers/catalog.js');",
    'platform/cli/main.ts': "import { CATALOG } from '../../layers/catalog.js';",
    // (b) layer order: up is forbidden (type-only too), down and sideways are fine, the catalog sees all.
    'layers/00-core/x.ts': "import { Z } from '../02-engines/z.js';\nexport const X = 1;",
    'layers/01-services/y.ts': "import type { Z } from '../02-engines/z.js';\nimport { X } from '../00-core/x.js';\nexport type Y = 1;",
    'layers/02-engines/z.ts': "import { X } from '../00-core/x.js';\nimport { W } from './w.js';\nexport const Z = 1;",
    'layers/02-engines/w.ts': 'export const W = 1;',
    'layers/03-apps/app.ts': "import { CATALOG } from '../catalog.js';",
    'layers/catalog.ts': "import { X } from './00-core/x.js';\nimport { App } from './03-apps/app.js';\nexport const CATALOG = [];",
    // (c) cycles: a type-only one, one through a dynamic import, a three-file one sharing an edge with a two-file one.
    'platform/planner/a.ts': "import type { B } from './b.js';\nexport type A = B;",
    'platform/planner/b.ts': "import type { A } from './a.js';\nexport type B = 1;",
    'platform/review/c.ts': "export const c = async () => (await import('./d.js')).d;",
    'platform/review/d.ts': "import { c } from './c.js';\nexport const d = c;",
    'platform/render/p.ts': "import { q } from './q.js';\nexport const p = 1;",
    'platform/render/q.ts': "import { r } from './r.js';\nimport { p } from './p.js';\nexport const q = 1;",
    'platform/render/r.ts': "import { p } from './p.js';\nexport const r = 1;",
    // (d) index.ts: re-exports only.
    'platform/render/index.ts': "/** docs */\nexport * from './p.js';\nexport { q, type Q } from './q.js';\nimport { r } from './r.js';\nexport { r };",
    'layers/02-engines/index.ts': "export * from './z.js';\nexport const extra = [\n  1,\n];\nfunction helper() {\n  return 1;\n}\nexport interface Shape {\n  a: 1;\n}",
  });
  const graph = buildGraph(sources);

  it('(a) flags platform → layers imports of every kind, except from platform/cli/', () => {
    expect(platformImportsLayers(graph)).toEqual([
      `platform/synth/build.ts:1 import '../../layers/00-core/x.js' (→ layers/00-core/x.ts): ${RULE_A}`,
      `platform/synth/helper.ts:1 import (type-only) '../../layers/01-services/y.js' (→ layers/01-services/y.ts): ${RULE_A}`,
      `platform/synth/lazy.ts:1 import(…) '../../layers/catalog.js' (→ layers/catalog.ts): ${RULE_A}`,
    ]);
  });

  it('(b) flags a layer importing a higher layer or the catalog, type-only included', () => {
    expect(layerOrderViolations(graph)).toEqual([
      `layers/00-core/x.ts:1 import '../02-engines/z.js' (→ layers/02-engines/z.ts): ${RULE_B}`,
      `layers/01-services/y.ts:1 import (type-only) '../02-engines/z.js' (→ layers/02-engines/z.ts): ${RULE_B}`,
      `layers/03-apps/app.ts:1 import '../catalog.js' (→ layers/catalog.ts): ${RULE_B}`,
    ]);
  });

  it('(c) reports each cycle as a path, type-only and dynamic edges included', () => {
    expect(findCycles(graph).map((cycle) => cycle.join(' → '))).toEqual([
      'layers/00-core/x.ts → layers/02-engines/z.ts → layers/00-core/x.ts',
      'layers/03-apps/app.ts → layers/catalog.ts → layers/03-apps/app.ts',
      'platform/planner/a.ts → platform/planner/b.ts → platform/planner/a.ts',
      'platform/render/p.ts → platform/render/q.ts → platform/render/p.ts',
      'platform/render/p.ts → platform/render/q.ts → platform/render/r.ts → platform/render/p.ts',
      'platform/review/c.ts → platform/review/d.ts → platform/review/c.ts',
    ]);
    expect(cycleViolations(graph)).toContain(
      'platform/planner/a.ts → platform/planner/b.ts → platform/planner/a.ts: ' +
        `${RULE_C} [platform/planner/a.ts:1 import (type-only) './b.js' (→ platform/planner/b.ts); ` +
        "platform/planner/b.ts:1 import (type-only) './a.js' (→ platform/planner/a.ts)]",
    );
    expect(cycleViolations(graph)).toContain(
      'platform/review/c.ts → platform/review/d.ts → platform/review/c.ts: ' +
        `${RULE_C} [platform/review/c.ts:1 import(…) './d.js' (→ platform/review/d.ts); ` +
        "platform/review/d.ts:1 import './c.js' (→ platform/review/c.ts)]",
    );
  });

  it('(c) finds a self-import and nothing in an acyclic graph', () => {
    expect(findCycles(buildGraph(fixture({ 'a.ts': "import './a.js';" }))).map((c) => c.join(' → '))).toEqual(['a.ts → a.ts']);
    expect(findCycles(buildGraph(fixture({ 'a.ts': "import './b.js';", 'b.ts': "import './c.js';", 'c.ts': '' })))).toEqual([]);
  });

  it('(d) flags each declaration in an index.ts, once per statement, and accepts pure re-exports', () => {
    expect(indexDeclarationViolations(sources)).toEqual([
      `layers/02-engines/index.ts:2 \`export const extra = [\`: ${RULE_D}`,
      `layers/02-engines/index.ts:5 \`function helper() {\`: ${RULE_D}`,
      `layers/02-engines/index.ts:8 \`export interface Shape {\`: ${RULE_D}`,
    ]);
  });
});
