/**
 * Hostile input, through the real CLI: whatever `--config` points at, `edge-idp synth` ends with
 * exit 2 and a short, one-line reason (no stack trace, no hang, no flood on stderr), and synth/
 * is left exactly as it was.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareText } from '../../platform/model/order.js';
import { REPO_ROOT } from '../helpers/site.js';

const repo = mkdtempSync(join(tmpdir(), 'edge-idp-hostile-'));
const cases = join(repo, 'cases');
const base = readFileSync(join(REPO_ROOT, 'platform.yaml'), 'utf8');
let socketServer: Server | undefined;

function cli(args: string[], opts: { uid?: number; gid?: number } = {}) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'edge-idp.mjs'), ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    ...opts,
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr, error: r.error };
}

/** A hash of every file under synth/ (paths and contents). */
function synthHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareText(a.name, b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(`${relative(repo, path)}\0`).update(readFileSync(path)).update('\0');
    }
  };
  walk(join(repo, 'synth'));
  return hash.digest('hex');
}

/** A deterministic pseudo-random byte string. */
function garbage(size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = 0x2545f491;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function billionLaughs(): string {
  const lines = ['lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < 10; i++) lines.push(`lol${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  return `${base}\n${lines.join('\n')}\n`;
}

function deepBlock(levels: number): string {
  let s = '';
  for (let i = 0; i < levels; i++) s += `${' '.repeat(i)}k:\n`;
  return s;
}

interface HostileCase {
  readonly name: string;
  /** The file's content, written to cases/<name>.yaml … */
  readonly content?: string | Buffer;
  /** … or a path made by the test (a device, a FIFO, a directory…). */
  readonly path?: () => string;
  /** Run the CLI as another user (the permission case when the tests run as root). */
  readonly asNobody?: boolean;
  /** The reason, on stderr. */
  readonly message: RegExp;
}

const HOSTILE: readonly HostileCase[] = [
  // Empty and wrong top level
  { name: 'empty file', content: '', message: /the file is empty/ },
  { name: 'only whitespace', content: '   \n\n   \n', message: /the file is empty/ },
  { name: 'only comments', content: '# nothing here\n# at all\n', message: /the file is empty/ },
  { name: 'explicit null document', content: '~\n', message: /the file is empty/ },
  { name: 'top-level list', content: '- site\n- git\n', message: /the top level is a list; platform.yaml must be a map/ },
  { name: 'top-level string', content: 'hello world\n', message: /the top level is a string/ },
  { name: 'top-level number', content: '42\n', message: /the top level is a number/ },
  { name: 'top-level boolean', content: 'true\n', message: /the top level is a boolean/ },
  // Not text
  { name: 'binary garbage', content: garbage(64 * 1024), message: /not valid UTF-8|control character/ },
  { name: 'NUL byte in a value', content: base.replace('name: edge-01', 'name: edge\0-01'), message: /line 3, column \d+: control character U\+0000/ },
  { name: 'invalid UTF-8', content: Buffer.concat([Buffer.from(base.replace('owner: platform-team', 'owner: ')), Buffer.from([0xc3, 0x28, 0x0a])]), message: /not valid UTF-8/ },
  { name: 'UTF-16 with BOM', content: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(base, 'utf16le')]), message: /UTF-16 encoded; save it as UTF-8/ },
  // Broken YAML
  { name: 'duplicate top-level key', content: `${base}\nsite:\n  name: other\n`, message: /line \d+, column \d+: not valid YAML: the same key appears twice/ },
  { name: 'duplicate nested key', content: base.replace('  name: edge-01\n', '  name: edge-01\n  name: edge-02\n'), message: /line 4, column 3: not valid YAML: the same key appears twice/ },
  { name: 'tab indentation', content: base.replace('  name: edge-01', '\tname: edge-01'), message: /: line 3, column 1: not valid YAML: tabs are not allowed for indentation in YAML; indent with spaces\n$/ },
  { name: 'multi-document file', content: `${base}---\n${base}`, message: /more than one YAML document/ },
  { name: 'unclosed flow list', content: 'site: [unclosed\n', message: /not valid YAML/ },
  { name: 'alias to a missing anchor', content: `${base}\nextra: *nowhere\n`, message: /not valid YAML|alias/i },
  { name: 'complex (list) key', content: `${base}\n? [a, b]\n: c\n`, message: /a key must be a name, not a list/ },
  // Resource exhaustion
  { name: 'billion laughs (alias bomb)', content: billionLaughs(), message: /aliases are limited to 100.*write the values out/ },
  { name: 'deeply nested flow lists', content: `${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, message: /nested too deeply/ },
  { name: 'deeply nested, unclosed', content: '{'.repeat(500_000), message: /nested too deeply/ },
  { name: 'deeply nested block maps', content: deepBlock(1000), message: /nested too deeply/ },
  { name: 'file over the size cap', content: `${base}${'#'.repeat(2 * 1024 * 1024)}\n`, message: /larger than the 1 MiB limit/ },
  { name: 'one huge value (900 kB)', content: base.replace('name: edge-01', `name: ${'x'.repeat(900_000)}`), message: /site\.name: 'x{200}… \(899800 more characters\)'/ },
  { name: 'one huge key (500 kB)', content: `${base}\n? ${'k'.repeat(500_000)}\n: 1\n`, message: /more characters/ },
  { name: 'thousands of problems', content: `${base.replace(/nodes:[\s\S]*?\n\ncomponents/, `nodes:\n${'  - bogus\n'.repeat(20_000)}\ncomponents`)}`, message: /20001 problems|more problems/ },
  { name: 'terminal escape sequences in a value', content: base.replace('name: edge-01', 'name: "\\e[2J\\e[31mowned\\u202E"'), message: /\\u001B\[2J/ },
  // Numbers and types
  { name: 'huge number', content: base.replace('port: 6443', 'port: 1e400'), message: /cluster\.apiServer\.port/ },
  { name: 'huge integer', content: base.replace('port: 6443', 'port: 99999999999999999999999999'), message: /cluster\.apiServer\.port/ },
  { name: 'NaN', content: base.replace('port: 6443', 'port: .nan'), message: /cluster\.apiServer\.port/ },
  { name: 'binary tag', content: base.replace('name: edge-01', 'name: !!binary aGVsbG8='), message: /line 3, column \d+: the tag !!binary is not supported/ },
  { name: 'unknown tag', content: base.replace('name: edge-01', 'name: !!js/function "process.exit()"'), message: /the tag !!js\/function is not supported/ },
  { name: 'set tag', content: base.replace('components: {}', 'components: !!set {a, b}'), message: /the tag !!set is not supported/ },
  { name: '__proto__ key', content: `${base}\n__proto__:\n  polluted: true\n`, message: /unknown key '__proto__'/ },
  // Encoding variants that still carry a config error: the error is found at the right place
  { name: 'BOM, then a bad value', content: `\uFEFF${base.replace('port: 6443', 'port: https')}`, message: /cluster\.apiServer\.port: 'https' is a string, expected integer/ },
  { name: 'CRLF, then a bad value', content: base.replace('port: 6443', 'port: https').replace(/\n/g, '\r\n'), message: /cluster\.apiServer\.port: 'https' is a string, expected integer/ },
  // Not a regular file
  { name: '/dev/zero', path: () => '/dev/zero', message: /is a character device, not a regular file/ },
  { name: '/dev/null', path: () => '/dev/null', message: /is a character device, not a regular file/ },
  { name: 'symlink to /dev/zero', path: () => link('zero-link', '/dev/zero'), message: /is a character device, not a regular file/ },
  { name: 'FIFO', path: () => fifo(), message: /is a FIFO \(named pipe\), not a regular file/ },
  { name: 'socket', path: () => join(cases, 'sock'), message: /is a socket, not a regular file/ },
  { name: 'directory', path: () => cases, message: /is a directory, not a file/ },
  { name: 'missing file', path: () => join(cases, 'nope.yaml'), message: /the file does not exist/ },
  { name: 'path through a file', path: () => join(cases, 'plain.yaml', 'child.yaml'), message: /a part of the path is a file, not a directory/ },
  { name: 'symlink loop', path: () => link('loop-a', join(cases, 'loop-b'), () => link('loop-b', join(cases, 'loop-a'))), message: /symlink loop/ },
  { name: 'no read permission', path: () => unreadable(), asNobody: true, message: /permission denied/ },
];

function link(name: string, target: string, also?: () => void): string {
  const path = join(cases, name);
  symlinkSync(target, path);
  also?.();
  return path;
}

function fifo(): string {
  const path = join(cases, 'fifo');
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
  return path;
}

function unreadable(): string {
  const path = join(cases, 'unreadable.yaml');
  writeFileSync(path, base);
  chmodSync(path, 0o000);
  return path;
}

const runAsRoot = process.getuid?.() === 0;
/**
 * Root ignores file modes, so the permission case runs the CLI as nobody; that needs the checkout
 * to be reachable by nobody (a clone under a 0700 temporary folder is not). Said, not hidden.
 */
const nobodyCanRun = !runAsRoot || cli(['help'], { uid: 65534, gid: 65534 }).code === 0;

beforeAll(async () => {
  cpSync(join(REPO_ROOT, 'platform.yaml'), join(repo, 'platform.yaml'));
  mkdirSync(cases);
  writeFileSync(join(cases, 'plain.yaml'), base);
  const r = cli(['synth', '--root', repo]);
  if (r.code !== 0) throw new Error(`synth of the committed config failed: ${r.err}`);
  socketServer = createServer();
  await new Promise<void>((done) => socketServer!.listen(join(cases, 'sock'), done));
  // The permission case runs the CLI as `nobody`: it must be able to reach the repository and the temp root.
  if (runAsRoot) chmodSync(repo, 0o755);
}, 120_000);

afterAll(async () => {
  await new Promise<void>((done) => (socketServer ? socketServer.close(() => done()) : done()));
  rmSync(repo, { recursive: true, force: true });
});

describe('hostile config input: exit 2, one short line, no stack trace, synth/ untouched', () => {
  let before: string;
  beforeAll(() => {
    before = synthHash();
  });

  it.each(HOSTILE.filter((c) => nobodyCanRun || !c.asNobody).map((c) => [c.name, c] as const))('%s', (_, c) => {
    let file: string;
    if (c.path) file = c.path();
    else {
      file = join(cases, `${c.name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
      writeFileSync(file, c.content!);
    }
    const nobody = c.asNobody && runAsRoot ? { uid: 65534, gid: 65534 } : {};
    const r = cli(['synth', '--root', repo, '--config', file], nobody);
    expect(r.error, 'the CLI did not finish (hang?)').toBeUndefined();
    expect(r.signal).toBeNull();
    expect(r.code, r.err.slice(0, 2000)).toBe(2);
    expect(r.err).toMatch(c.message);
    expect(r.err).not.toMatch(/^\s+at /m);
    expect(r.err).not.toContain('internal error');
    expect(Buffer.byteLength(r.err)).toBeLessThan(4096);
    // eslint-disable-next-line no-control-regex
    expect(r.err).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F\u202E]/);
    expect(r.out).toBe('');
    expect(synthHash()).toBe(before);
  });

  it.skipIf(nobodyCanRun)('no read permission: not run here, user nobody cannot reach this checkout (it runs where it can)', () => {});

  it('one problem is one line: the command, the file, where and what', () => {
    const file = join(cases, 'one-line.yaml');
    writeFileSync(file, '- a\n');
    const r = cli(['synth', '--root', repo, '--config', file]);
    expect(r.err.trimEnd().split('\n')).toEqual([
      `edge-idp synth: ${file}: the top level is a list; platform.yaml must be a map of settings (site:, git:, cluster:, nodes:, …)`,
    ]);
  });
});

describe('encoding variants of a valid config are accepted', () => {
  it.each([
    ['a BOM', `\uFEFF${base}`],
    ['CRLF line ends', base.replace(/\n/g, '\r\n')],
    ['a BOM and CRLF', `\uFEFF${base.replace(/\n/g, '\r\n')}`],
  ])('%s: same synth/ as the plain file', (_, content) => {
    const before = synthHash();
    // The repository's own config file in the variant (synth/README.md names the file a site comes from).
    const file = join(repo, 'platform.yaml');
    writeFileSync(file, content);
    try {
      const r = cli(['synth', '--root', repo]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/synth\/: (up to date|0 written, 0 removed)/);
      expect(synthHash()).toBe(before);
    } finally {
      writeFileSync(file, base);
    }
  });
});
