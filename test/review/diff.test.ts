import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeIdpError, EXIT_CODES } from '../../platform/config/errors.js';
import type { SiteBuild } from '../../platform/synth/build.js';
import { platformRequests } from '../../platform/synth/summary.js';
import { compareSynth, diffSynth, factsFromBuild, factsFromReadme, NO_CHANGES, renderSynthDiff, type SynthDiff } from '../../platform/review/index.js';
import { cleanupRepos, cloneRepo, committedRepo, copyRepo, initRepo, tempDir, type ScratchRepo } from './repo.js';
import { CATALOG } from '../../layers/catalog.js';

let base: ScratchRepo;
let baseBuild: SiteBuild;

beforeAll(async () => {
  ({ repo: base, build: baseBuild } = await committedRepo());
});
afterAll(cleanupRepos);

/** A scenario: copy the committed repository, edit platform.yaml, diff the working tree. */
async function scenario(edit: (repo: ScratchRepo) => void): Promise<{ repo: ScratchRepo; diff: SynthDiff; markdown: string }> {
  const repo = copyRepo(base);
  edit(repo);
  const diff = await diffSynth({ catalog: CATALOG, repoRoot: repo.dir });
  return { repo, diff, markdown: renderSynthDiff(diff) };
}

const setComponents = (yaml: string) => (repo: ScratchRepo) => repo.editConfig(/^components: \{\}$/m, `components:\n${yaml}`);

describe('edge-idp diff', () => {
  it('prints exactly "No changes" for a clean tree and for an edit that changes nothing in synth/', async () => {
    const clean = await diffSynth({ catalog: CATALOG, repoRoot: base.dir });
    expect(clean.empty).toBe(true);
    expect(clean.base.ref).toBe('HEAD');
    expect(renderSynthDiff(clean)).toBe(NO_CHANGES);
    expect(NO_CHANGES).toBe('No changes');

    const { diff, markdown } = await scenario((repo) => repo.editConfig('site:\n', '# a comment changes nothing\nsite:\n'));
    expect(diff.empty).toBe(true);
    expect(markdown).toBe('No changes');
  });

  it('shows a chart version bump', async () => {
    const { diff, markdown } = await scenario(setComponents('  cilium:\n    version: 1.20.1\n'));
    expect(diff.versions).toEqual([
      {
        application: 'cilium',
        layer: '00-core',
        old: { type: 'chart', repoURL: 'https://helm.cilium.io/', name: 'cilium', revision: '1.20.0' },
        new: { type: 'chart', repoURL: 'https://helm.cilium.io/', name: 'cilium', revision: '1.20.1' },
      },
    ]);
    expect(diff.counts.versions).toBe(1);
    expect(diff.applications).toEqual([]);
    expect(markdown).toContain('### Chart versions');
    expect(markdown).toContain('| cilium | 00-core | chart `cilium` | `1.20.0` | `1.20.1` |');
    expect(markdown).toContain('1 chart version changed');
    // The ApplicationSet carries the version: a changed root object, not a changed Application list.
    expect(diff.root.map((o) => `${o.change} ${o.id}`)).toContain('changed ApplicationSet argocd/edge-idp-core');
  });

  it('lists the Applications of a component switched off as removed, with its objects, requests and namespace', async () => {
    const { diff, markdown } = await scenario(setComponents('  grafana:\n    enabled: false\n'));
    expect(diff.applications.filter((a) => a.change === 'removed').map((a) => a.name)).toEqual(['grafana']);
    expect(diff.applications.filter((a) => a.change === 'added')).toEqual([]);
    expect(diff.applications[0]).toMatchObject({ layer: '03-apps', old: { via: 'edge-idp-apps', namespace: 'grafana' } });

    const grafana = diff.layers.flatMap((l) => l.components).find((c) => c.component === 'grafana')!;
    expect(grafana).toMatchObject({ layer: '03-apps', change: 'removed', valuesFile: 'removed' });
    expect(grafana.objects.map((o) => `${o.change} ${o.id}`)).toEqual([
      'removed ExternalSecret grafana/grafana-admin',
      'removed Role monitoring/grafana-dashboards-reader',
      'removed RoleBinding monitoring/grafana-dashboards-reader',
    ]);
    expect(grafana.requests?.new).toBeUndefined();
    expect(diff.versions).toContainEqual(expect.objectContaining({ application: 'grafana', old: expect.objectContaining({ name: 'grafana' }) }));
    expect(diff.versions.find((v) => v.application === 'grafana')!.new).toBeUndefined();

    // The namespace and the gateway route go with it.
    const all = diff.layers.flatMap((l) => l.components).flatMap((c) => c.objects.map((o) => `${o.change} ${o.id}`));
    expect(all).toEqual(expect.arrayContaining(['removed Namespace grafana', 'removed HTTPRoute grafana/ui-grafana']));

    // Requests go down by exactly grafana's requests (the base numbers are exact: rebuilt and verified).
    expect(diff.requests.oldSource).toBe('rebuild');
    expect(diff.requests.approximate).toBe(false);
    expect(diff.requests.delta).toEqual({ cpuMillis: -grafana.requests!.old!.cpuMillis, memoryBytes: -grafana.requests!.old!.memoryBytes });
    expect(diff.requests.old).toEqual(platformRequests(baseBuild));

    expect(markdown).toContain('| disappears | `grafana` | 03-apps | ApplicationSet `edge-idp-apps` (wave 30) | grafana |');
    expect(markdown).toContain('**grafana** — removed');
    expect(markdown).toMatch(/\*\*1 Application removed · /);
    expect(markdown).toContain('### Capacity verdict\n\npasses (unchanged)');
  });

  it('shows a values change by its flattened key, old and new (arrays compared as wholes)', async () => {
    const { diff, markdown } = await scenario((repo) => repo.editConfig('podCIDR: 10.42.0.0/16', 'podCIDR: 10.50.0.0/16'));
    const cilium = diff.layers.find((l) => l.layer === '00-core')!.components.find((c) => c.component === 'cilium')!;
    expect(cilium.values).toContainEqual({
      path: 'ipam.operator.clusterPoolIPv4PodCIDRList',
      change: 'changed',
      old: ['10.42.0.0/16'],
      new: ['10.50.0.0/16'],
    });
    expect(diff.versions).toEqual([]);
    expect(diff.applications).toEqual([]);
    expect(markdown).toContain('`ipam.operator.clusterPoolIPv4PodCIDRList`: `["10.42.0.0/16"]` → `["10.50.0.0/16"]`');
  });

  it("falls back to the base's synth/<site>/README.md for requests when the base's synth/ does not come from the current code", async () => {
    const { diff, markdown } = await scenario((repo) => {
      // A base whose committed synth/ the current code does not reproduce (a hand edit stands in for older code).
      const values = 'synth/edge-01/layers/00-core/cilium/values.yaml';
      repo.write(values, `${repo.read(values)}# written by an older generator\n`);
      repo.git('commit', '--quiet', '-am', 'older synth/');
      repo.editConfig(/^components: \{\}$/m, 'components:\n  grafana:\n    enabled: false\n');
    });
    expect(diff.requests).toMatchObject({ oldSource: 'readme', approximate: true });
    expect(diff.requests.delta!.cpuMillis).toBe(-60);
    expect(diff.verdict).toEqual({ old: 'passes', new: 'passes' });
    expect(markdown).toContain("read back from the base's site README (`synth/<site>/README.md`");
    expect(markdown).toContain('| difference | ≈ -60m |');
  });

  it("compares a feature branch with its merge base on origin's default branch, and honours --base", async () => {
    const repo = cloneRepo(base);
    repo.git('checkout', '--quiet', '-b', 'feature');
    repo.editConfig('podCIDR: 10.42.0.0/16', 'podCIDR: 10.60.0.0/16');
    repo.git('commit', '--quiet', '-am', 'only the config, not synth/');
    const dir = repo.dir;

    const diff = await diffSynth({ catalog: CATALOG, repoRoot: dir });
    expect(diff.base).toMatchObject({ ref: 'origin/main', commit: base.git('rev-parse', 'HEAD') });
    expect(diff.base.reason).toContain('merge base');
    expect(diff.counts.values).toBeGreaterThan(0);

    // An explicit base that does not resolve is a usage error.
    const bad = await diffSynth({ catalog: CATALOG, repoRoot: dir, base: 'no-such-branch' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(EdgeIdpError);
    expect((bad as EdgeIdpError).exitCode).toBe(EXIT_CODES.usage);
    expect((bad as Error).message).toContain("'no-such-branch'");
  });

  it('compares with nothing in a repository without commits, and refuses a folder outside git', async () => {
    const fresh = initRepo();
    const diff = await diffSynth({ catalog: CATALOG, repoRoot: fresh.dir });
    expect(diff.base.commit).toBeUndefined();
    expect(diff.requests.oldSource).toBe('none');
    expect(diff.counts.objects.added).toBeGreaterThan(0);
    expect(diff.applications.every((a) => a.change === 'added')).toBe(true);
    expect(renderSynthDiff(diff)).toContain('Compared with nothing: the repository has no commits yet.');

    const outside = tempDir();
    cpSync(join(base.dir, 'platform.yaml'), join(outside, 'platform.yaml'));
    const err = await diffSynth({ catalog: CATALOG, repoRoot: outside }).catch((e: unknown) => e);
    // A temp folder may sit inside some checkout on odd machines; then it is simply not refused.
    if (err instanceof EdgeIdpError) expect(err.message).toContain('not inside a git repository');
  });
});

describe('compareSynth (no git, no build)', () => {
  const facts = () => factsFromBuild(baseBuild);

  it('reports tier changes: a namespace tier label and a priorityClassName in values', () => {
    const files = new Map(baseBuild.files);
    const ns = 'synth/edge-01/layers/00-core/namespaces/resources/namespace-grafana.yaml';
    files.set(ns, files.get(ns)!.replace('edge-idp.io/tier: important', 'edge-idp.io/tier: critical'));
    const values = 'synth/edge-01/layers/03-apps/grafana/values.yaml';
    expect(files.get(values)).toContain('priorityClassName: edge-idp-important');
    files.set(values, files.get(values)!.replace('priorityClassName: edge-idp-important', 'priorityClassName: edge-idp-critical'));

    const diff = compareSynth({ base: { ref: 'test', reason: 'test' }, oldFiles: baseBuild.files, newFiles: files, oldFacts: facts(), newFacts: facts() });
    expect(diff.tiers).toEqual(
      expect.arrayContaining([
        { layer: '00-core', component: 'namespaces', subject: 'namespace `grafana` label `edge-idp.io/tier`', old: 'important', new: 'critical' },
        expect.objectContaining({ layer: '03-apps', component: 'grafana', old: 'edge-idp-important', new: 'edge-idp-critical' }),
      ]),
    );
    const markdown = renderSynthDiff(diff);
    expect(markdown).toContain('### Tiers');
    expect(markdown).toContain('namespace `grafana` label `edge-idp.io/tier`: `important` → `critical`');
  });

  it('cuts long values and lists comment-only edits as other files', () => {
    const files = new Map(baseBuild.files);
    const values = 'synth/edge-01/layers/00-core/cilium/values.yaml';
    files.set(values, files.get(values)!.replace('k8sServiceHost: 192.168.10.10', `k8sServiceHost: ${'x'.repeat(200)}`));
    const readme = 'synth/edge-01/root/appproject-edge-idp-root.yaml';
    files.set(readme, `# an extra comment\n${files.get(readme)!}`);
    const diff = compareSynth({ base: { ref: 'test', reason: 'test' }, oldFiles: baseBuild.files, newFiles: files, oldFacts: facts(), newFacts: facts() });
    const markdown = renderSynthDiff(diff, { maxValueLength: 40 });
    expect(markdown).toContain(`\`k8sServiceHost\`: \`"192.168.10.10"\` → \`"${'x'.repeat(38)}…\``);
    expect(diff.otherFiles).toEqual([{ path: readme, change: 'changed', note: 'only comments or formatting changed' }]);
  });

  it('reads requests, tiers and the verdict back from synth/README.md (the fallback for the base)', () => {
    const readme = factsFromReadme(baseBuild.files.get('synth/edge-01/README.md')!)!;
    const exact = factsFromBuild(baseBuild);
    expect(readme.source).toBe('readme');
    expect(readme.exact).toBe(false);
    expect(readme.verdict).toBe(exact.verdict);
    expect([...readme.components.keys()]).toEqual([...exact.components.keys()]);
    for (const [name, c] of exact.components) expect(readme.components.get(name)?.tier, name).toBe(c.tier);
    expect(readme.total!.cpuMillis).toBe(exact.total!.cpuMillis);
    // Memory of 1 GiB and more is printed with two decimals: within 10 MiB per component.
    expect(Math.abs(readme.total!.memoryBytes - exact.total!.memoryBytes)).toBeLessThan(exact.components.size * 10 * 1024 ** 2);
    expect(factsFromReadme('# nothing here')).toBeUndefined();
  });
});
