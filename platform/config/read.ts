/**
 * Reading and parsing platform.yaml defensively: the file may be anything a user (or a
 * mistyped `--config`) points at, so every way it can be hostile ends in a `ConfigError`
 * (exit 2) with a one-line reason, never a hang, a crash or a flood of output.
 *
 * - only regular files are read (devices, FIFOs, sockets and directories are refused before
 *   anything is read), with a size cap, by a bounded read;
 * - the bytes must be UTF-8 (a BOM is dropped; UTF-16 is named) with no control characters;
 * - one YAML document, a map at the top, keys that are names, no tags beyond the plain ones, nesting at most
 *   `MAX_CONFIG_DEPTH` levels, and aliases limited to `MAX_ALIAS_COUNT` expansions.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, Lexer, parseDocument, type Document } from 'yaml';
import { ConfigError, type ConfigProblem } from './errors.js';

/** The largest config file read (bytes). platform.yaml is a few kilobytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Deepest nesting of maps and lists accepted. platform.yaml needs about five. */
export const MAX_CONFIG_DEPTH = 64;
/** Alias (`*name`) expansions accepted, against "billion laughs" files. */
export const MAX_ALIAS_COUNT = 100;

const MIB = (n: number) => `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;

function fail(file: string, message: string, path = '(root)'): never {
  throw new ConfigError(file, [{ path, message }]);
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function readErrorMessage(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return 'the file does not exist; check the path';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied: the file cannot be read; check its permissions';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory; check the path';
    case 'ELOOP':
      return 'too many symbolic links (a symlink loop?); point at the file itself';
    case 'ENAMETOOLONG':
      return 'the path is too long; check it';
    case 'EISDIR':
      return 'is a directory, not a file; point at the platform.yaml inside it';
    default:
      return `cannot read the file (${e.code ?? e.message})`;
  }
}

/**
 * Reads a config file: a regular file (symlinks followed) of at most `MAX_CONFIG_BYTES`,
 * decoded as UTF-8. Throws `ConfigError` for anything else; never blocks on a FIFO or a device.
 */
export async function readConfigFile(file: string): Promise<string> {
  let st: Stats;
  try {
    st = await stat(file);
  } catch (e) {
    fail(file, readErrorMessage(e as NodeJS.ErrnoException));
  }
  const refuse = (s: Stats) => {
    if (s.isDirectory()) fail(file, 'is a directory, not a file; point at the platform.yaml inside it');
    if (!s.isFile()) fail(file, `is ${kindOf(s)}, not a regular file; only regular files are read as config`);
    if (s.size > MAX_CONFIG_BYTES) {
      fail(file, `the file is ${s.size} bytes, larger than the ${MIB(MAX_CONFIG_BYTES)} limit for a config file; is it the right file?`);
    }
  };
  refuse(st);
  let handle;
  try {
    // O_NONBLOCK: should the path have become a FIFO since the stat, opening it does not wait for a writer.
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    fail(file, readErrorMessage(e as NodeJS.ErrnoException));
  }
  let bytes: Buffer;
  try {
    refuse(await handle.stat());
    // One byte more than the cap, to notice a file that grew since the stat.
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_CONFIG_BYTES) fail(file, `the file is larger than the ${MIB(MAX_CONFIG_BYTES)} limit for a config file; is it the right file?`);
    }
    bytes = buffer.subarray(0, length);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    fail(file, readErrorMessage(e as NodeJS.ErrnoException));
  } finally {
    await handle.close().catch(() => undefined);
  }
  return decodeConfig(file, bytes);
}

/** UTF-8 bytes to text; a BOM is dropped. Throws `ConfigError` naming the first bad byte's line. */
export function decodeConfig(file: string, bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    fail(file, 'the file is UTF-16 encoded; save it as UTF-8');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    const at = lossy.indexOf('\uFFFD');
    const line = lossy.slice(0, Math.max(at, 0)).split('\n').length;
    fail(file, `not valid UTF-8 (is it a binary file?); save it as UTF-8 text`, `line ${line}`);
  }
}

// YAML allows tab, LF, CR and printable characters; anything else is a binary file or a paste accident.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/;

function lineCol(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return `line ${line}, column ${index - before.lastIndexOf('\n')}`;
}

function describeNode(v: unknown): string {
  if (isMap(v)) return 'a map';
  if (isSeq(v)) return 'a list';
  if (isScalar(v)) {
    const x = v.value;
    if (x === null || x === undefined) return 'null';
    if (typeof x === 'string') return 'a string';
    if (typeof x === 'number' || typeof x === 'bigint') return 'a number';
    if (typeof x === 'boolean') return 'a boolean';
  }
  return 'not a map';
}

/** Deepest `[`/`{` nesting, from the lexer's tokens (cheap; before the parser builds anything). */
function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') max = Math.max(max, ++depth);
    else if ((token === ']' || token === '}') && depth > 0) depth--;
  }
  return max;
}

const YAML_HINTS: Partial<Record<string, string>> = {
  MULTIPLE_DOCS: 'the file holds more than one YAML document (a second `---`); keep exactly one',
  DUPLICATE_KEY: 'the same key appears twice in one map; keep one of them',
  TAB_AS_INDENT: 'tabs are not allowed for indentation in YAML; indent with spaces',
  RESOURCE_EXHAUSTION: `nested too deeply (at most ${MAX_CONFIG_DEPTH} levels)`,
};

function yamlProblems(doc: Document, text: string): ConfigProblem[] {
  // Every duplicate key is its own mistake; a syntax error usually cascades into more: the first is the one to fix.
  const firstOther = doc.errors.find((e) => e.code !== 'DUPLICATE_KEY');
  const errors = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY' || e === firstOther);
  return errors.map((e) => {
    const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const at = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : e.pos ? lineCol(text, e.pos[0]) : '(root)';
    return { path: at, message: `not valid YAML: ${YAML_HINTS[e.code] ?? first}` };
  });
}

/** Tags that give plain JSON data (`!!str 123` is a fair way to write a string). */
const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/** Nesting depth, key kinds and tags, walked without recursion. */
function structureProblems(doc: Document, text: string, kind: ConfigFileKind): ConfigProblem[] {
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 1 }];
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    const tag = (node as { tag?: string } | null)?.tag;
    if (tag !== undefined && !PLAIN_TAGS.has(tag)) {
      const range = (node as { range?: [number, number, number] }).range;
      const shown = tag.replace(/^tag:yaml\.org,2002:/, '!!');
      return [{ path: range ? lineCol(text, range[0]) : '(root)', message: `the tag ${shown} is not supported; ${kind.name} takes plain strings, numbers, booleans, lists and maps` }];
    }
    if (isMap(node) || isSeq(node)) {
      const where = node.range ? lineCol(text, node.range[0]) : '(root)';
      if (depth > MAX_CONFIG_DEPTH) return [{ path: where, message: `nested too deeply (more than ${MAX_CONFIG_DEPTH} levels of maps and lists); ${kind.name} needs only a few` }];
      for (const item of node.items as unknown[]) {
        if (isPair(item)) {
          if (item.key !== null && !isScalar(item.key)) {
            const key = item.key as { range?: [number, number, number] };
            return [{ path: key.range ? lineCol(text, key.range[0]) : where, message: `a key must be a name, not ${describeNode(item.key)}` }];
          }
          stack.push({ node: item.value, depth: depth + 1 });
        } else stack.push({ node: item, depth: depth + 1 });
      }
    }
  }
  return [];
}

/**
 * platform.yaml text to plain data: one YAML document whose top level is a map. Throws
 * `ConfigError` (with line and column where known) for anything else.
 */
export function parseConfigText(text: string, file: string): Record<string, unknown> {
  return parseConfigDocument(text, file).data;
}

/** What kind of config file is parsed: named in the messages about its shape. */
export interface ConfigFileKind {
  /** The file as messages name it, e.g. `platform.yaml`. */
  readonly name: string;
  /** Its top-level keys, as a hint, e.g. `site:, git:, cluster:, nodes:, …`. */
  readonly keys: string;
  /** What an empty file lacks, and where that is documented. */
  readonly needs: string;
}

/** platform.yaml (and a fleet's files, which share its shape). */
export const PLATFORM_FILE_KIND: ConfigFileKind = {
  name: 'platform.yaml',
  keys: 'site:, git:, cluster:, nodes:, …',
  needs: 'site, git, cluster and nodes (see README "Config reference")',
};

/**
 * As {@link parseConfigText}, with the parsed document too (for the source spelling of values).
 * `kind` names the file in the messages about its shape. Default: platform.yaml.
 */
export function parseConfigDocument(text: string, file: string, kind: ConfigFileKind = PLATFORM_FILE_KIND): { data: Record<string, unknown>; doc: Document } {
  if (text.length > MAX_CONFIG_BYTES) fail(file, `the file is ${text.length} characters, larger than the ${MIB(MAX_CONFIG_BYTES)} limit for a config file`);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const control = CONTROL.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    fail(file, `control character U+${code} is not allowed in YAML (is it a binary file?); remove it`, lineCol(text, control.index));
  }
  if (flowDepth(text) > MAX_CONFIG_DEPTH) fail(file, `nested too deeply (more than ${MAX_CONFIG_DEPTH} levels of [ ] and { }); ${kind.name} needs only a few`);
  let doc: Document;
  try {
    doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, logLevel: 'error' });
  } catch (e) {
    fail(file, `not valid YAML: ${String((e as Error).message).split('\n')[0]}`);
  }
  if (doc.errors.length > 0) throw new ConfigError(file, yamlProblems(doc, text));
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    fail(file, `the file is empty (or only comments); it needs at least ${kind.needs}`);
  }
  if (!isMap(doc.contents)) {
    fail(file, `the top level is ${describeNode(doc.contents)}; ${kind.name} must be a map of settings (${kind.keys})`);
  }
  const structure = structureProblems(doc, text, kind);
  if (structure.length) throw new ConfigError(file, structure);
  try {
    return { data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>, doc };
  } catch (e) {
    const message = String((e as Error).message);
    if (/alias count/i.test(message)) {
      fail(file, `too many alias expansions (*name): aliases are limited to ${MAX_ALIAS_COUNT}, against files that expand to gigabytes; write the values out instead of aliasing them`);
    }
    fail(file, `not valid YAML: ${message.split('\n')[0]}`);
  }
}
