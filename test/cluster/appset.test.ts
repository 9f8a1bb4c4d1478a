/**
 * Every ApplicationSet element, generated the way ArgoCD's ApplicationSet controller does
 * (issue "Converge for real", item 3): Go text/template with ArgoCD's sprig function map and
 * `missingkey=error`, then the templatePatch applied as a strategic merge patch onto ArgoCD's
 * own Application type. tools/appset-render does that with ArgoCD v3.4.4's API types and the
 * same libraries at the same versions (its golden files are ArgoCD's real GenerateApplications
 * output; see tools/appset-render/README.md).
 */
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES_FINALIZER } from '../../platform/argocd/constants.js';
import { REPO_ROOT, run, SITE_DIR, summary } from './common.js';

const TOOL_DIR = join(REPO_ROOT, 'tools', 'appset-render');
let bin = '';
const work = mkdtempSync(join(tmpdir(), 'edge-idp-appset-'));

interface Element {
  name: string;
  namespace: string;
  layer: string;
  sources: unknown[];
  prune: boolean;
  cascadeDelete: boolean;
  syncOptions: string[];
  ignoreDifferences: unknown[];
}

async function render(file: string): Promise<{ code: number; apps: any[]; stderr: string }> {
  const r = await run(bin, [file], { timeoutMs: 60_000 });
  return { code: r.code, apps: r.code === 0 ? (JSON.parse(r.stdout) as any[]) : [], stderr: r.stderr };
}

const appSets = readdirSync(join(SITE_DIR, 'root'))
  .filter((f) => f.startsWith('applicationset-'))
  .sort();

describe("ApplicationSets generate the Applications ArgoCD would (ArgoCD's templating and strategic merge)", () => {
  beforeAll(async () => {
    const r = await run('bash', [join(TOOL_DIR, 'build.sh')], { timeoutMs: 1_500_000 });
    if (r.code !== 0) throw new Error(`building tools/appset-render failed (run: bash tools/appset-render/build.sh):\n${r.stderr.slice(-2000)}`);
    bin = r.stdout.trim().split('\n').pop()!;
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the tool reproduces the golden outputs of ArgoCD v3.4.4 GenerateApplications', async () => {
    const fixtures = readdirSync(join(TOOL_DIR, 'testdata')).filter((f) => f.endsWith('.yaml'));
    expect(fixtures.length).toBeGreaterThan(0);
    for (const f of fixtures) {
      // The fixture on stdin, as the Go test feeds it; the golden file is exit code, stderr, stdout.
      const r = await run(bin, [], { timeoutMs: 60_000, input: readFileSync(join(TOOL_DIR, 'testdata', f), 'utf8') });
      const golden = readFileSync(join(TOOL_DIR, 'testdata', f.replace(/\.yaml$/, '.golden')), 'utf8');
      expect(`exit ${r.code}\n--- stderr\n${r.stderr}--- stdout\n${r.stdout}`, f).toBe(golden);
    }
  });

  it.each(appSets)('%s: every element becomes its Application, named, with its sources, prune and finalizer', async (file) => {
    const set = parse(readFileSync(join(SITE_DIR, 'root', file), 'utf8'));
    const elements = set.spec.generators.flatMap((g: any) => g.list?.elements ?? []) as Element[];
    const { code, apps, stderr } = await render(join(SITE_DIR, 'root', file));
    expect(code, stderr).toBe(0);
    expect(apps.map((a) => a.metadata.name)).toEqual(elements.map((e) => e.name));
    for (const [i, e] of elements.entries()) {
      const a = apps[i];
      expect(a.metadata.namespace).toBe(set.metadata.namespace);
      expect(a.metadata.labels?.['app.kubernetes.io/component'], e.name).toBe(e.name);
      expect(a.spec.destination.namespace, e.name).toBe(e.namespace);
      expect(a.spec.sources, e.name).toEqual(e.sources);
      expect(a.spec.syncPolicy.automated.prune, e.name).toBe(e.prune);
      expect(a.spec.syncPolicy.automated.selfHeal, e.name).toBe(true);
      expect(a.spec.syncPolicy.syncOptions, e.name).toEqual(e.syncOptions);
      expect(a.spec.syncPolicy.retry.limit, e.name).toBe(-1);
      expect(a.metadata.finalizers ?? [], e.name).toEqual(e.cascadeDelete ? [RESOURCES_FINALIZER] : []);
      expect(a.spec.ignoreDifferences ?? [], e.name).toEqual(e.ignoreDifferences);
    }
    summary('ApplicationSet ' + set.metadata.name, [`${apps.length} Applications generated as ArgoCD would, names and policies as declared`]);
  });

  it('catches the defect it guards: a patch that renders `metadata:` alone deletes the Application name', async () => {
    const file = appSets.find((f) => f.includes('core'))!;
    const set = parse(readFileSync(join(SITE_DIR, 'root', file), 'utf8'));
    // The patch as it was before the fix.
    set.spec.templatePatch = `metadata:\n{{- if .cascadeDelete }}\n  finalizers:\n    - ${RESOURCES_FINALIZER}\n{{- end }}\n` + set.spec.templatePatch.replace(/^[\s\S]*?(?=spec:)/, '');
    const old = join(work, 'old-core.yaml');
    writeFileSync(old, stringify(set));
    const { code, apps } = await render(old);
    expect(code).toBe(0);
    const nameless = apps.filter((a) => !a.metadata.name).length;
    const withoutCascade = (set.spec.generators[0].list.elements as Element[]).filter((e) => !e.cascadeDelete).length;
    expect(withoutCascade).toBeGreaterThan(0);
    expect(nameless).toBe(withoutCascade);
  });
});
