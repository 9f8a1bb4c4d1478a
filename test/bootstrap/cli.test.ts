/** `edge-idp bootstrap …` as bootstrap.sh calls it: verdicts on stdout/stderr and bootstrap.sh's exit codes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/site.js';

const FIXTURES = join(REPO_ROOT, 'test', 'bootstrap', 'fixtures');
const ENV = 'synth/edge-lab/bootstrap/bootstrap.env';
const work = mkdtempSync(join(tmpdir(), 'edge-idp-bootstrap-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function edge(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'edge-idp.mjs'), 'bootstrap', ...args], {
    cwd: FIXTURES,
    encoding: 'utf8',
    timeout: 60_000,
    ...(input !== undefined ? { input } : {}),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const nodes = (f: string) => readFileSync(join(FIXTURES, 'nodes', f), 'utf8');

describe('edge-idp bootstrap', () => {
  it('preflight-nodes: 0 on a match, 5 on a mismatch (message, then what to inspect), 6 with the fixes', () => {
    expect(edge(['preflight-nodes', '--env', ENV], nodes('three-nodes.json')).code).toBe(0);

    const missing = edge(['preflight-nodes', '--env', ENV, '--context', 'lab'], nodes('two-nodes.json'));
    expect(missing.code).toBe(5);
    expect(missing.err.split('\n')[0]).toContain('Missing: edge-w-2.');
    expect(missing.err).toContain('inspect: kubectl --context lab get nodes -o wide');

    const fixes = join(work, 'fixes');
    const fix = edge(['preflight-nodes', '--env', ENV, '--fixes', fixes], nodes('k3s-unlabelled.json'));
    expect(fix.code).toBe(6);
    expect(fix.out).toContain('  kubectl label nodes edge-w-1 node-role.kubernetes.io/worker=true');
    expect(readFileSync(fixes, 'utf8')).toBe(
      'taint nodes edge-cp-1 node-role.kubernetes.io/control-plane:NoSchedule --overwrite\n' +
        'label nodes edge-w-1 node-role.kubernetes.io/worker=true\nlabel nodes edge-w-2 node-role.kubernetes.io/worker=true\n',
    );
  });

  it('bad input: exit 2 naming the problem; no --env; an unknown subcommand or option', () => {
    const bad = edge(['preflight-nodes', '--env', ENV], 'edge-cp-1|{}|');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("the nodes: not JSON");
    expect(edge(['preflight-nodes'], '').err).toContain('bootstrap preflight-nodes needs --env FILE');
    expect(edge(['frobnicate']).err).toContain("unknown subcommand 'frobnicate'");
    expect(edge(['frobnicate']).code).toBe(2);
    expect(edge(['layers', '--env', ENV, '--bogus']).code).toBe(2);
    expect(edge(['status', '--env', ENV, '--state', join(work, 'nowhere')]).err).toContain('basics.json not found');
  });

  it('status: one tsv line per step from the state folder', () => {
    const dir = join(work, 'state');
    rmSync(dir, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', dir]);
    for (const n of ['basics', 'gateway', 'cilium', 'argocd', 'root']) writeFileSync(join(dir, `${n}.json`), '');
    writeFileSync(join(dir, 'root.err'), 'Error from server (NotFound)');
    const r = edge(['status', '--env', ENV, '--state', dir, '--format', 'tsv']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n').map((l) => l.split('\t').slice(0, 2).join(' '))).toEqual(['basics apply', 'gateway apply', 'cilium apply', 'argocd apply', 'root apply']);
  });

  it('layers: 10 while not converged, 0 when it is', () => {
    const none = edge(['layers', '--env', ENV, '--format', 'tsv'], JSON.stringify({ kind: 'List', items: [] }));
    expect(none.code).toBe(10);
    expect(none.out).toContain('progress\t[layer 1/4] edge-idp-core: waiting for the ApplicationSet');
  });

  it('plan: the dry run', () => {
    const r = edge(['plan', '--env', ENV, '--context', 'lab']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('$ kubectl --context lab apply --server-side --field-manager=argocd-controller -f synth/edge-lab/root/appproject.yaml -f synth/edge-lab/root/application.yaml');
    expect(edge(['plan', '--env', ENV, '--timeout-seconds', '0']).err).toContain("--timeout-seconds must be a positive whole number of seconds, not '0'");
  });
});
