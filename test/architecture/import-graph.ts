/**
 * A small import-graph scanner for the architecture test (issue 13).
 *
 * Why not dependency-cruiser / madge / dpdm: they pull in a TypeScript compiler (the project is on
 * TypeScript 7, whose native compiler has no JS API to hand them) or their own parser stack, and the
 * rules here need only the relative import statements of our own sources. This file does exactly
 * that: it masks comments, string contents, template text and regular-expression literals (so a
 * commented-out or quoted `import` is never read), finds the import/export statements, resolves
 * relative specifiers (`./x.js` → `./x.ts`), and checks the rules. The scanner is pure (sources in,
 * findings out) so test/architecture/import-graph.test.ts proves it on a fixture graph.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

export type ImportKind = 'import' | 'side-effect' | 'export-from' | 'dynamic';

/** One import/export statement found in a file. */
export interface ImportStatement {
  readonly kind: ImportKind;
  readonly specifier: string;
  /** 1-based line of the statement's first character. */
  readonly line: number;
  /** Erased at compile time: `import type`, `export type … from`, every named binding `type`-prefixed, or `import('…')` in a type position. */
  readonly typeOnly: boolean;
}

/** A resolved edge between two repository files (paths are repo-relative, `/`-separated). */
export interface ImportEdge extends ImportStatement {
  readonly from: string;
  readonly to: string;
}

export interface ImportGraph {
  /** Scanned files, sorted. */
  readonly files: readonly string[];
  /** Edges to repository files (relative specifiers that resolved), in file then line order. */
  readonly edges: readonly ImportEdge[];
  /** Relative specifiers that name no file. */
  readonly unresolved: readonly (ImportStatement & { readonly from: string })[];
}

const KEYWORDS_BEFORE_REGEX = new Set([
  'return', 'typeof', 'instanceof', 'case', 'of', 'in', 'void', 'delete', 'throw', 'new', 'else', 'do', 'yield', 'await',
]);

/**
 * The source with comments, regular-expression literals, string contents and template text
 * replaced by filler of the same length (newlines kept, so offsets and line numbers still hold).
 * Quote characters stay, so `'./x.js'` becomes `'xxxxxx'` and the specifier is read back from the
 * original text at the same offsets.
 */
export function maskSource(src: string): string {
  const out = src.split('');
  const blank = (from: number, to: number, fill: string): void => {
    for (let j = from; j < to; j++) if (out[j] !== '\n' && out[j] !== '\r') out[j] = fill;
  };
  let i = 0;
  if (src.startsWith('#!')) {
    const eol = src.indexOf('\n');
    i = eol < 0 ? src.length : eol;
    blank(0, i, ' ');
  }
  let last = ''; // last significant token in code: a word, or one punctuation character
  let depth = 0; // brace depth in code
  const templateDepths: number[] = []; // brace depth at each open `${`

  // Template text from i (just after a backtick or a closing `}` of `${…}`) to the closing backtick or the next `${`.
  const templateText = (): void => {
    const start = i;
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') i += 2;
      else if (c === '`') {
        blank(start, i, 'x');
        i++;
        last = 'str';
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        blank(start, i, 'x');
        i += 2;
        templateDepths.push(depth);
        depth++;
        last = '{';
        return;
      } else i++;
    }
    blank(start, src.length, 'x');
  };

  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (c === '/' && n === '/') {
      const eol = src.indexOf('\n', i);
      const stop = eol < 0 ? src.length : eol;
      blank(i, stop, ' ');
      i = stop;
    } else if (c === '/' && n === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      blank(i, stop, ' ');
      i = stop;
    } else if (c === "'" || c === '"') {
      const start = ++i;
      while (i < src.length && src[i] !== c && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
      blank(start, Math.min(i, src.length), 'x');
      i++;
      last = 'str';
    } else if (c === '`') {
      i++;
      templateText();
    } else if (c === '/' && regexAllowedAfter(last)) {
      // A regular-expression literal: body up to an unescaped `/` outside a character class.
      let j = i + 1;
      let inClass = false;
      for (; j < src.length && src[j] !== '\n'; j++) {
        const r = src[j];
        if (r === '\\') j++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
      }
      if (src[j] !== '/') {
        // Not a regex after all (no closing slash on the line): treat as an operator.
        last = '/';
        i++;
        continue;
      }
      blank(i + 1, j, ' ');
      i = j + 1;
      while (i < src.length && /[a-z]/i.test(src[i]!)) i++;
      last = 'regex';
    } else if (/[\w$]/.test(c)) {
      let j = i;
      while (j < src.length && /[\w$]/.test(src[j]!)) j++;
      last = src.slice(i, j);
      i = j;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === depth) {
          templateDepths.pop();
          i++;
          templateText();
          continue;
        }
      }
      last = c;
      i++;
    }
  }
  return out.join('');
}

function regexAllowedAfter(last: string): boolean {
  if (last === '') return true;
  if (last === 'str' || last === 'regex') return false;
  if (/^[\w$]+$/.test(last)) return KEYWORDS_BEFORE_REGEX.has(last);
  return !')]}'.includes(last);
}

// A quoted specifier; its text is read back from the original source at the group's offsets.
const QUOTED = String.raw`(?<q>['"])(?<spec>[^'"\n]*)\k<q>`;

// All patterns run on masked source; `(?<![\w$.])` keeps `x.import(` and `reimport` out.
const STATIC_IMPORT = new RegExp(String.raw`(?<![\w$.])import\s+(type\s+)?([\w$*{][^;'"()]*?)\s*from\s*` + QUOTED, 'dg');
const SIDE_EFFECT_IMPORT = new RegExp(String.raw`(?<![\w$.])import\s*` + QUOTED, 'dg');
const EXPORT_FROM = new RegExp(String.raw`(?<![\w$.])export\s+(type\s+)?(\*(?:\s*as\s+[\w$]+)?|\{[^}]*\})\s*from\s*` + QUOTED, 'dg');
const DYNAMIC_IMPORT = new RegExp(String.raw`(?<![\w$.])import\s*\(\s*` + QUOTED + String.raw`\s*\)`, 'dg');
const LOCAL_EXPORT_LIST = /(?<![\w$.])export\s+(?:type\s+)?\{[^}]*\}/g;

/** `{ type A, type B as C }` → true; a default binding, a namespace or any value binding → false. */
function allBindingsTypeOnly(clause: string): boolean {
  const trimmed = clause.trim();
  if (!trimmed.startsWith('{')) return false;
  const names = trimmed.slice(1, trimmed.lastIndexOf('}')).split(',').map((s) => s.trim()).filter((s) => s !== '');
  return names.length > 0 && names.every((s) => /^type\s+[\w$]/.test(s));
}

function lineAt(src: string, index: number): number {
  let line = 1;
  for (let j = 0; j < index; j++) if (src.charCodeAt(j) === 10) line++;
  return line;
}

/** Every import/export statement of one source file, in source order. */
export function scanImports(src: string): ImportStatement[] {
  const masked = maskSource(src);
  const found: ImportStatement[] = [];
  const specifierOf = (m: RegExpExecArray): string => {
    const [start, end] = m.indices!.groups!['spec']!;
    return src.slice(start, end);
  };
  const add = (m: RegExpExecArray, kind: ImportKind, typeOnly: boolean): void => {
    found.push({ kind, specifier: specifierOf(m), line: lineAt(src, m.index), typeOnly });
  };
  for (const m of masked.matchAll(STATIC_IMPORT)) add(m, 'import', m[1] !== undefined || allBindingsTypeOnly(m[2]!));
  for (const m of masked.matchAll(SIDE_EFFECT_IMPORT)) add(m, 'side-effect', false);
  for (const m of masked.matchAll(EXPORT_FROM)) add(m, 'export-from', m[1] !== undefined || allBindingsTypeOnly(m[2]!));
  for (const m of masked.matchAll(DYNAMIC_IMPORT)) {
    // `typeof import('./x.js')` and `import('./x.js').Foo` are type positions; `.then/.catch/.finally` are runtime.
    const before = masked.slice(0, m.index).trimEnd();
    const after = masked.slice(m.index + m[0].length);
    const member = /^\s*\.\s*([\w$]+)/.exec(after)?.[1];
    const typeOnly = /(?<![\w$.])typeof$/.test(before) || (member !== undefined && !['then', 'catch', 'finally'].includes(member));
    add(m, 'dynamic', typeOnly);
  }
  return found.sort((a, b) => a.line - b.line);
}

/**
 * What an `index.ts` holds besides re-exports: each remaining top-level statement's first line
 * (trimmed), with its line number. Allowed: `export … from`, `export { … }` lists and imports.
 */
export function nonReexportStatements(src: string): { line: number; text: string }[] {
  let masked = maskSource(src);
  for (const pattern of [EXPORT_FROM, STATIC_IMPORT, SIDE_EFFECT_IMPORT, LOCAL_EXPORT_LIST]) {
    masked = masked.replace(pattern, (m) => m.replace(/[^\n]/g, ' '));
  }
  const rest: { line: number; text: string }[] = [];
  const lines = masked.split('\n');
  const original = src.split('\n');
  let inStatement = false;
  lines.forEach((text, index) => {
    const code = text.replace(/;/g, ' ').trim();
    if (code === '') return;
    // Report a statement once, at its first line; continuation lines (deeper indent or a closer) are skipped.
    const continuation = inStatement && (/^\s/.test(text) || /^[)\]}]/.test(code));
    if (!continuation) rest.push({ line: index + 1, text: original[index]!.trim() });
    inStatement = true;
  });
  return rest;
}

/** The repository file a relative specifier names, or undefined for a package (bare) specifier or no such file. */
export function resolveSpecifier(from: string, specifier: string, exists: (path: string) => boolean): string | undefined | null {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return null; // a package or node: builtin
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates: string[] = [];
  const swap: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'], '.jsx': ['.tsx'] };
  const ext = posix.extname(target);
  for (const alt of swap[ext] ?? []) candidates.push(target.slice(0, -ext.length) + alt);
  candidates.push(target);
  if (ext === '') candidates.push(`${target}.ts`, `${target}/index.ts`);
  return candidates.find(exists);
}

/** Scan a set of sources (repo-relative path → text) into a graph. `exists` answers for files outside the set. */
export function buildGraph(sources: ReadonlyMap<string, string>, exists: (path: string) => boolean = () => false): ImportGraph {
  const files = [...sources.keys()].sort();
  const edges: ImportEdge[] = [];
  const unresolved: (ImportStatement & { from: string })[] = [];
  for (const from of files) {
    for (const statement of scanImports(sources.get(from)!)) {
      const to = resolveSpecifier(from, statement.specifier, (p) => sources.has(p) || exists(p));
      if (to === null) continue;
      if (to === undefined) unresolved.push({ ...statement, from });
      else edges.push({ ...statement, from, to });
    }
  }
  return { files, edges, unresolved };
}

const SOURCE_EXTENSIONS = /\.(ts|mts|cts|tsx|js|mjs|cjs)$/;

/** Read every source file under the given repo-relative roots (node_modules and dist skipped). */
export function readSources(repoRoot: string, roots: readonly string[]): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(repoRoot, rel), { withFileTypes: true })) {
      const path = posix.join(rel, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist' && !entry.name.startsWith('.')) walk(path);
      } else if (SOURCE_EXTENSIONS.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        sources.set(path, readFileSync(join(repoRoot, path), 'utf8'));
      }
    }
  };
  for (const root of roots) if (existsSync(join(repoRoot, root))) walk(root);
  return sources;
}

// ---------------------------------------------------------------------------------------------
// Rules

/** How an edge is written in a message: `platform/synth/build.ts:11 import type '../x.js' (→ x.ts)`. */
export function describeEdge(edge: ImportEdge): string {
  const how = edge.kind === 'dynamic' ? 'import(…)' : edge.kind === 'export-from' ? 'export … from' : 'import';
  return `${edge.from}:${edge.line} ${how}${edge.typeOnly ? ' (type-only)' : ''} '${edge.specifier}' (→ ${edge.to})`;
}

export const RULE_A = 'rule (a): platform/ must not import layers/ (runtime or type-only); only the CLI entry platform/cli/ hands the catalog in';
export const RULE_B = 'rule (b): a layer must not import a higher layer (00-core < 01-services < 02-engines < 03-apps; only layers/catalog.ts may import all)';
export const RULE_C = 'rule (c): no import cycles, type-only imports included';
export const RULE_D = 'rule (d): index.ts files only re-export (no declarations or other statements)';

/** Rule (a). */
export function platformImportsLayers(graph: ImportGraph): string[] {
  return graph.edges
    .filter((e) => e.from.startsWith('platform/') && !e.from.startsWith('platform/cli/') && e.to.startsWith('layers/'))
    .map((e) => `${describeEdge(e)}: ${RULE_A}`);
}

/** The layer rank of a file under layers/: 0 for 00-core … 3 for 03-apps; catalog.ts is above them all. */
export function layerRank(path: string): number | undefined {
  if (path === 'layers/catalog.ts') return Number.POSITIVE_INFINITY;
  const m = /^layers\/(\d+)-[^/]+\//.exec(path);
  return m ? Number(m[1]) : undefined;
}

/** Rule (b). */
export function layerOrderViolations(graph: ImportGraph): string[] {
  return graph.edges
    .filter((e) => {
      const from = layerRank(e.from);
      const to = layerRank(e.to);
      return from !== undefined && to !== undefined && to > from;
    })
    .map((e) => `${describeEdge(e)}: ${RULE_B}`);
}

/**
 * Rule (c). Cycles among the files, found per strongly connected component: for each edge u → v
 * inside a component, the shortest path back v → … → u closes a cycle. Every edge that lies on any
 * cycle therefore shows up in at least one reported cycle (each rotated to start at its smallest
 * file, duplicates dropped). Each cycle is a path `a → b → a`.
 */
export function findCycles(graph: Pick<ImportGraph, 'edges'>): string[][] {
  const next = new Map<string, string[]>();
  for (const e of graph.edges) {
    const list = next.get(e.from) ?? [];
    if (!list.includes(e.to)) list.push(e.to);
    next.set(e.from, list);
  }
  const nodes = [...new Set(graph.edges.flatMap((e) => [e.from, e.to]))].sort();
  for (const list of next.values()) list.sort();

  // Tarjan's strongly connected components (iterative, so deep graphs cannot overflow the stack).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const component = new Map<string, number>();
  let counter = 0;
  let components = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; child: number }[] = [{ node: root, child: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const children = next.get(frame.node) ?? [];
      if (frame.child < children.length) {
        const child = children[frame.child++]!;
        if (!index.has(child)) {
          index.set(child, counter);
          low.set(child, counter++);
          stack.push(child);
          onStack.add(child);
          work.push({ node: child, child: 0 });
        } else if (onStack.has(child)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(child)!));
        }
      } else {
        work.pop();
        const parent = work[work.length - 1];
        if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
        if (low.get(frame.node) === index.get(frame.node)) {
          let member: string;
          do {
            member = stack.pop()!;
            onStack.delete(member);
            component.set(member, components);
          } while (member !== frame.node);
          components++;
        }
      }
    }
  }

  const shortestPath = (from: string, to: string, scc: number): string[] => {
    const previous = new Map<string, string>([[from, from]]);
    const queue = [from];
    while (queue.length > 0) {
      const node = queue.shift()!;
      if (node === to) break;
      for (const child of next.get(node) ?? []) {
        if (component.get(child) !== scc || previous.has(child)) continue;
        previous.set(child, node);
        queue.push(child);
      }
    }
    const path = [to];
    while (path[0] !== from) path.unshift(previous.get(path[0]!)!);
    return path;
  };

  const cycles = new Map<string, string[]>();
  for (const [from, children] of next) {
    for (const to of children) {
      const scc = component.get(from);
      if (scc === undefined || component.get(to) !== scc) continue;
      const ring = from === to ? [from] : [from, ...shortestPath(to, from, scc).slice(0, -1)];
      const start = ring.indexOf([...ring].sort()[0]!);
      const rotated = [...ring.slice(start), ...ring.slice(0, start)];
      const cycle = [...rotated, rotated[0]!];
      cycles.set(cycle.join(' → '), cycle);
    }
  }
  return [...cycles.keys()].sort().map((key) => cycles.get(key)!);
}

/** Rule (c) messages: the cycle as a path, then the import behind each step. */
export function cycleViolations(graph: ImportGraph): string[] {
  return findCycles(graph).map((cycle) => {
    const steps = cycle.slice(0, -1).map((from, i) => describeEdge(graph.edges.find((e) => e.from === from && e.to === cycle[i + 1])!));
    return `${cycle.join(' → ')}: ${RULE_C} [${steps.join('; ')}]`;
  });
}

/** Rule (d). */
export function indexDeclarationViolations(sources: ReadonlyMap<string, string>): string[] {
  return [...sources.keys()]
    .filter((path) => posix.basename(path) === 'index.ts')
    .sort()
    .flatMap((path) => nonReexportStatements(sources.get(path)!).map((s) => `${path}:${s.line} \`${s.text}\`: ${RULE_D}`));
}
