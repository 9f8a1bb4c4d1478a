/**
 * `rendered: true`: synth renders every chart and commits the objects; the Applications read
 * them as a directory and the projects list no chart repository. Uses the fixture chart
 * `good` through EDGE_IDP_CHARTS_DIR and a small catalog, with the real helm.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defineComponent } from '../../platform/model/definition.js';
import { PlatformComponent, resources } from '../../platform/model/component.js';
import { CATALOG as PLATFORM_CATALOG } from '../../layers/catalog.js';
import { synthesize } from '../../platform/synth/synthesize.js';
import { REPO_ROOT } from '../helpers/site.js';
import { CHARTS, describeWithHelm } from './helpers.js';

const GOOD = defineComponent({
  file: import.meta.url,
  name: 'good',
  layer: '03-apps',
  tier: 'important',
  description: 'fixture chart',
  defaultEnabled: true,
  build: (scope, ctx) =>
    new PlatformComponent(scope, ctx, {
      namespace: 'good',
      source: { type: 'helm', repoURL: 'https://charts.example.invalid', chart: 'good', version: '1.2.3' },
      namespacedKinds: [{ group: 'apps', kind: 'Deployment' }],
      parts: [{ name: 'server', kind: 'Deployment', path: [], resources: resources('10m', '16Mi', '32Mi') }],
    }),
});
// Cilium's chart is not a fixture: the core layer minus Cilium (and the network policies it
// enforces), plus the fixture.
const CATALOG = [
  ...PLATFORM_CATALOG.filter((c) => c.layer === '00-core' && c.name !== 'cilium' && c.name !== 'network-policies').map((c) => ({ ...c, required: false })),
  GOOD,
];

const repo = mkdtempSync(join(tmpdir(), 'edge-idp-rendered-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describeWithHelm('rendered: true', () => {
  it('commits the rendered chart and points the Application at it', async () => {
    cpSync(join(REPO_ROOT, 'platform.yaml'), join(repo, 'platform.yaml'));
    writeFileSync(join(repo, 'platform.yaml'), `${readFileSync(join(repo, 'platform.yaml'), 'utf8')}\nrendered: true\n`);
    const previous = process.env.EDGE_IDP_CHARTS_DIR;
    process.env.EDGE_IDP_CHARTS_DIR = CHARTS;
    try {
      const { build } = await synthesize({ repoRoot: repo, catalog: CATALOG });
      const dir = 'synth/edge-01/layers/03-apps/good/rendered';
      const rendered = [...build.files.keys()].filter((p) => p.startsWith(dir)).sort();
      expect(rendered).toEqual([`${dir}/configmap-good-config.yaml`, `${dir}/deployment-good-server.yaml`]);
      const deployment = parse(readFileSync(join(repo, `${dir}/deployment-good-server.yaml`), 'utf8'));
      expect(deployment.spec.template.spec.priorityClassName).toBe('edge-idp-important');

      const appSet = parse(readFileSync(join(repo, 'synth/edge-01/root/applicationset-edge-idp-apps.yaml'), 'utf8'));
      const element = appSet.spec.generators[0].list.elements.find((e: { name: string }) => e.name === 'good');
      expect(element.sources).toEqual([{ repoURL: 'https://github.com/example/edge-idp.git', targetRevision: 'main', path: dir }]);
      const project = parse(readFileSync(join(repo, 'synth/edge-01/root/appproject-edge-idp-apps.yaml'), 'utf8'));
      expect(project.spec.sourceRepos).toEqual(['https://github.com/example/edge-idp.git']);

      const inventory = parse(readFileSync(join(repo, 'synth/edge-01/inventory.yaml'), 'utf8'));
      expect(inventory.stale ?? false).toBe(false);
      expect(inventory.images).toContain('registry.example.test/good/server:1.0.0');
    } finally {
      if (previous === undefined) delete process.env.EDGE_IDP_CHARTS_DIR;
      else process.env.EDGE_IDP_CHARTS_DIR = previous;
    }
  });
});
