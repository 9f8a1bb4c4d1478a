/** The CLI end to end, as a user runs it: exit codes, messages, and synth/ left alone on failure. */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFiles } from '../../platform/synth/write.js';
import { REPO_ROOT } from '../helpers/site.js';

const repo = mkdtempSync(join(tmpdir(), 'edge-idp-cli-'));
cpSync(join(REPO_ROOT, 'platform.yaml'), join(repo, 'platform.yaml'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

function cli(...args: string[]) {
  return cliIn(process.cwd(), ...args, '--root', repo);
}

function cliIn(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'edge-idp.mjs'), ...args], { encoding: 'utf8', cwd, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function editConfig(edit: (text: string) => string): () => void {
  const file = join(repo, 'platform.yaml');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, edit(original));
  return () => writeFileSync(file, original);
}

describe('edge-idp CLI', () => {
  it('synth writes synth/ and prints a summary with total requests and the capacity verdict', () => {
    const r = cli('synth');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^site edge-01: \d+ components, \d+ objects, \d+ files$/m);
    expect(r.out).toMatch(/^requests \(steady state, DaemonSets x nodes\): cpu \S+, memory .+$/m);
    expect(r.out).toMatch(/^capacity: passes/m);
    expect(cli('synth').out).toMatch(/synth\/: up to date/);
  });

  it('bad config: exit 2, one line per problem, synth/ untouched', async () => {
    cli('synth');
    const before = await listFiles(repo);
    const restore = editConfig((t) => t.replace('podCIDR: 10.42.0.0/16', 'podCIDR: 10.42.0.0/99').replace('role: worker', 'role: boss'));
    try {
      const r = cli('synth');
      expect(r.code).toBe(2);
      expect(r.err).toContain("cluster.podCIDR: '10.42.0.0/99' is not valid: expected an IPv4 CIDR");
      expect(r.err).toContain("nodes[1].role: 'boss' is not allowed; allowed: 'control-plane', 'worker'");
      expect(await listFiles(repo)).toEqual(before);
    } finally {
      restore();
    }
  });

  it('capacity shortfall: exit 3 naming the components, synth/ untouched; warn mode writes', async () => {
    cli('synth');
    const before = await listFiles(repo);
    const restore = editConfig((t) => t.replace(/memory: 8Gi/g, 'memory: 1Gi'));
    try {
      const r = cli('synth');
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/does not fit the nodes/);
      expect(r.err).toMatch(/Green/);
      expect(await listFiles(repo)).toEqual(before);
      expect(cli('plan').code).toBe(3);
    } finally {
      restore();
    }
    const restoreWarn = editConfig((t) => `${t.replace(/memory: 8Gi/g, 'memory: 1Gi')}\ncapacity:\n  onShortfall: warn\n`);
    try {
      const r = cli('synth');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/capacity: FAILS/);
    } finally {
      restoreWarn();
      cli('synth');
    }
  });

  it('check: exit 4 naming the hand-edited file', () => {
    cli('synth');
    const file = join(repo, 'synth', 'edge-01', 'root', 'priorityclass-edge-idp-core.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('value: 900000000', 'value: 1'));
    const r = cli('check');
    expect(r.code).toBe(4);
    expect(r.err).toContain('changed synth/edge-01/root/priorityclass-edge-idp-core.yaml');
    cli('synth');
    expect(cli('check').code).toBe(0);
  });

  it('plan prints every scenario and the disclaimer', () => {
    const r = cli('plan');
    expect(r.code).toBe(0);
    for (const s of ['Green: all nodes up', 'Yellow: edge-w-1 down', 'Yellow: edge-w-2 down', 'Red: all workers down']) expect(r.out).toContain(s);
    expect(r.out).toMatch(/not the Kubernetes scheduler/);
  });

  it('usage errors: exit 64 with the usage of the command', () => {
    expect(cli('frobnicate').code).toBe(64);
    const r = cli('synth', '--colour');
    expect(r.code).toBe(64);
    expect(r.err).toMatch(/^edge-idp synth: unknown option '--colour'\n\nusage: edge-idp synth \[options\]\n/);
    expect(r.err).toContain('--config FILE');
    expect(cli('plan', 'extra').err).toMatch(/unexpected argument 'extra'/);
  });

  it.each(['synth', 'check', 'plan', 'render', 'inventory', 'diff', 'propose', 'docs'])('%s --help: its usage and options, exit 0', (name) => {
    for (const flag of ['--help', '-h']) {
      const r = cli(name, flag);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(new RegExp(`^usage: edge-idp ${name} \\[options\\]\n`));
      expect(r.out).toContain('--root DIR');
      expect(r.out).toContain('-h, --help');
      if (name !== 'docs') {
        expect(r.out).toMatch(/--config FILE +a one-site config file \(default: fleet\.yaml with sites\/, else platform\.yaml, in the --root directory\); a relative path is relative to the current directory/);
      }
      // Every command that builds sites takes --site, repeatable.
      if (!['docs', 'propose'].includes(name)) expect(r.out).toMatch(/--site NAME +only this site of the fleet \(default: every site\) \(repeatable\)/);
    }
    expect(cliIn(repo, 'help', name).out).toBe(cli(name, '--help').out);
  });

  describe('--config: absolute stays absolute, relative is relative to the current directory', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'edge-idp-cli-cwd-'));
    afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));
    const badConfig = () => readFileSync(join(repo, 'platform.yaml'), 'utf8').replace('port: 6443', 'port: https');

    it('an absolute --config is read where it is, not under --root', () => {
      const file = join(elsewhere, 'abs.yaml');
      writeFileSync(file, badConfig());
      const r = cliIn(REPO_ROOT, 'plan', '--root', repo, '--config', file);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${file}: cluster.apiServer.port: 'https' is a string, expected integer`);
      writeFileSync(file, readFileSync(join(repo, 'platform.yaml')));
      expect(cliIn(REPO_ROOT, 'plan', '--root', repo, '--config', file).code).toBe(0);
    });

    it('a relative --config is relative to the current directory, not to --root', () => {
      writeFileSync(join(elsewhere, 'rel.yaml'), badConfig());
      const r = cliIn(elsewhere, 'plan', '--root', repo, '--config', 'rel.yaml');
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${join(elsewhere, 'rel.yaml')}: cluster.apiServer.port`);
      // platform.yaml exists under --root, but not in the current directory.
      const missing = cliIn(elsewhere, 'plan', '--root', repo, '--config', 'platform.yaml');
      expect(missing.code).toBe(2);
      expect(missing.err).toContain(`${join(elsewhere, 'platform.yaml')}: the file does not exist`);
      // A relative --root is relative to the current directory too; without --config, platform.yaml in the root.
      expect(cliIn(join(repo, '..'), 'plan', '--root', relative(join(repo, '..'), repo)).code).toBe(0);
      expect(cliIn(repo, 'plan', '--config', 'platform.yaml').code).toBe(0);
    });
  });
});
