/**
 * The air-gap inventory: charts and git sources from the build, images from rendered charts
 * (hand-made objects here, and the fixture charts through real helm), the fingerprint that
 * says which inputs the images came from, and the mirror list.
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { resources, type PlatformComponent } from '../../platform/model/component.js';
import type { SiteBuild } from '../../platform/synth/build.js';
import { GENERATED_HEADER } from '../../platform/synth/files.js';
import {
  buildInventory,
  chartInventory,
  fingerprint,
  inventoryFile,
  inventoryYaml,
  mergeWithPrevious,
  mirrorList,
  parseInventory,
  type InventoryInput,
} from '../../platform/render/inventory.js';
import type { K8sObject } from '../../platform/render/render.js';
import { renderSite, type SiteRenderResult } from '../../platform/render/site.js';
import { CHARTS, describeWithHelm, makeComponent } from './helpers.js';

// A SiteBuild is what synth passes: it must fit the input type as is.
const _buildFits: InventoryInput = undefined as unknown as SiteBuild;
void _buildFits;

const small = resources('50m', '64Mi', '128Mi');
const REPO = 'https://charts.example.test';
const OCI = 'oci://registry.example.test/charts';

function agent(version = '3.0.1', values: Record<string, unknown> = {}): PlatformComponent {
  return makeComponent('agent', {
    namespace: 'edge-agent',
    tier: 'core',
    source: { type: 'helm', repoURL: REPO, chart: 'agent', version },
    values,
    parts: [
      {
        name: 'agent',
        kind: 'DaemonSet',
        path: ['agent'],
        nodeAgent: true,
        resources: small,
        extraContainers: [{ name: 'prepare', resourcesKey: ['agent', 'initResources'], resources: small }],
      },
      { name: 'setup', kind: 'Job', path: ['setup'], resources: small },
    ],
  });
}

const good = (): PlatformComponent =>
  makeComponent('good', {
    namespace: 'edge-good',
    tier: 'critical',
    source: { type: 'helm', repoURL: REPO, chart: 'good', version: '1.2.3' },
    parts: [{ name: 'server', kind: 'Deployment', path: [], resources: small }],
  });

const monitoring = (): PlatformComponent =>
  makeComponent('monitoring', {
    namespace: 'monitoring',
    tier: 'critical',
    source: { type: 'helm', repoURL: OCI, chart: 'stack', version: '70.0.0' },
    parts: [],
  });

const gitCrds = (name: string, repoURL: string, path: string, rev: string): PlatformComponent =>
  makeComponent(name, {
    layer: '00-core',
    namespace: 'kube-system',
    tier: 'core',
    source: { type: 'git', repoURL, path, targetRevision: rev },
    parts: [],
  });

const vaultLike = (): PlatformComponent => makeComponent('vault-extras', { namespace: 'vault', tier: 'important', parts: [] });

function site(components: readonly PlatformComponent[], extra?: ReadonlyMap<string, readonly unknown[]>): InventoryInput {
  return {
    config: { site: { name: 'test-site' }, cluster: { kubernetesVersion: '1.31' } },
    components,
    ...(extra ? { resources: extra } : {}),
  };
}

const podSpec = (containers: Record<string, unknown>[], initContainers?: Record<string, unknown>[]) => ({
  containers,
  ...(initContainers ? { initContainers } : {}),
});

/** What a render of each component "returned": hand-made objects covering every pod-template shape. */
const objectsOf: Record<string, K8sObject[]> = {
  agent: [
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent-agent' },
      spec: { template: { spec: podSpec([{ name: 'agent', image: 'reg.test/agent:3.0.1' }], [{ name: 'prepare', image: 'reg.test/init@sha256:' + '1'.repeat(64) }]) } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'agent-setup', annotations: { 'helm.sh/hook': 'pre-install' } },
      spec: { template: { spec: podSpec([{ name: 'setup', image: 'reg.test/setup:3.0.1' }]) } },
    },
  ],
  good: [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'good-config' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'good-server' },
      spec: { template: { spec: podSpec([{ name: 'server', image: 'reg.test/good:1.0.0' }]) } },
    },
  ],
  monitoring: [
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cleanup' },
      spec: { jobTemplate: { spec: { template: { spec: podSpec([{ name: 'c', image: 'reg.test/cleanup:1.0' }]) } } } },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      metadata: { name: 'prom' },
      spec: { image: 'quay.test/prometheus/prometheus:v3.0.0', containers: [{ name: 'config-reloader' }] },
    },
    // The same image twice across components: listed once.
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'dup' },
      spec: { template: { spec: podSpec([{ name: 'x', image: 'reg.test/good:1.0.0' }]) } },
    },
  ],
};

function results(components: readonly PlatformComponent[], fail: readonly string[] = []): SiteRenderResult[] {
  return components
    .filter((c) => c.isHelm)
    .map((component) =>
      fail.includes(component.componentName)
        ? { component, error: new Error(`chart of ${component.componentName} unreachable`) }
        : { component, objects: objectsOf[component.componentName] ?? [] },
    );
}

const all = (): PlatformComponent[] => [
  gitCrds('gateway-api', 'https://github.com/kubernetes-sigs/gateway-api.git', 'config/crd/standard', 'v1.6.1'),
  monitoring(),
  agent(),
  good(),
  gitCrds('prom-crds', 'https://github.com/prometheus-operator/prometheus-operator.git', 'example/prometheus-operator-crd', 'v0.93.1'),
];

describe('chartInventory and the document', () => {
  it('lists every chart and git source from the build, sorted and unique', () => {
    const doc = buildInventory(site(all()), results(all()));
    expect(doc.charts).toEqual([
      { repoURL: REPO, chart: 'agent', version: '3.0.1' },
      { repoURL: REPO, chart: 'good', version: '1.2.3' },
      { repoURL: OCI, chart: 'stack', version: '70.0.0' },
    ]);
    expect(doc.gitSources).toEqual([
      { repoURL: 'https://github.com/kubernetes-sigs/gateway-api.git', path: 'config/crd/standard', revision: 'v1.6.1' },
      { repoURL: 'https://github.com/prometheus-operator/prometheus-operator.git', path: 'example/prometheus-operator-crd', revision: 'v0.93.1' },
    ]);
    // Two components on one chart: listed once.
    expect(chartInventory(site([agent(), makeComponent('agent2', { namespace: 'x', tier: 'core', source: agent().source!, parts: [] })]))).toHaveLength(1);
  });

  it('lists images from init containers, hook Jobs, CronJobs and Prometheus spec.image, sorted and unique', () => {
    const doc = buildInventory(site(all()), results(all()));
    expect(doc.images).toEqual([
      'quay.test/prometheus/prometheus:v3.0.0',
      'reg.test/agent:3.0.1',
      'reg.test/cleanup:1.0',
      'reg.test/good:1.0.0',
      `reg.test/init@sha256:${'1'.repeat(64)}`,
      'reg.test/setup:3.0.1',
    ]);
    expect(doc.stale).toBeUndefined();
    expect(doc.staleReason).toBeUndefined();
    expect(doc.renderedFrom!.fingerprint).toBe(fingerprint(site(all())));
    expect(Object.keys(doc.renderedFrom!.components)).toEqual(['agent', 'good', 'monitoring']);
    expect(doc.renderedFrom!.components.agent).toMatchObject({ chart: 'agent@3.0.1', images: ['reg.test/agent:3.0.1', `reg.test/init@sha256:${'1'.repeat(64)}`, 'reg.test/setup:3.0.1'] });
  });

  it("adds the images of synth's own extra resources", () => {
    const extra = new Map<string, unknown[]>([
      ['vault-extras', [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'unsealer' }, spec: { template: { spec: podSpec([{ name: 'u', image: 'reg.test/vault:1.19.0' }]) } } }]],
    ]);
    const comps = [good(), vaultLike()];
    const doc = buildInventory(site(comps, extra), results(comps));
    expect(doc.images).toEqual(['reg.test/good:1.0.0', 'reg.test/vault:1.19.0']);
    // Always current, also when the chart images are carried over.
    expect(mergeWithPrevious(site(comps, extra), undefined).images).toEqual(['reg.test/vault:1.19.0']);
  });

  it('is deterministic: sorted keys, same bytes whatever the component order, no timestamps', () => {
    const a = inventoryYaml(buildInventory(site(all()), results(all())));
    const reversed = all().reverse();
    const b = inventoryYaml(buildInventory(site(reversed), results(reversed).reverse()));
    expect(b).toBe(a);
    expect(a.startsWith(`# ${GENERATED_HEADER}\n`)).toBe(true);
    const parsed = parse(a) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['charts', 'gitSources', 'images', 'renderedFrom']);
    expect(Object.keys((parsed.charts as object[])[0]!)).toEqual(['chart', 'repoURL', 'version']);
    expect(a).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(inventoryFile('test-site')).toBe('synth/test-site/inventory.yaml');
  });

  it('the fingerprint follows chart versions and values, not component order', () => {
    const base = fingerprint(site([agent(), good()]));
    expect(fingerprint(site([good(), agent()]))).toBe(base);
    expect(fingerprint(site([agent('3.0.2'), good()]))).not.toBe(base);
    expect(fingerprint(site([agent('3.0.1', { extra: true }), good()]))).not.toBe(base);
    expect(base).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('mergeWithPrevious (plain synth)', () => {
  const committed = () => inventoryYaml(buildInventory(site(all()), results(all())));

  it('same inputs: the committed file comes back byte-identical (the drift check holds)', () => {
    expect(inventoryYaml(mergeWithPrevious(site(all()), committed()))).toBe(committed());
  });

  it('a chart version bump changes charts at once and marks the carried images stale', () => {
    const bumped = all().map((c) => (c.componentName === 'agent' ? agent('3.0.2') : c));
    const doc = mergeWithPrevious(site(bumped), committed());
    expect(doc.charts).toContainEqual({ repoURL: REPO, chart: 'agent', version: '3.0.2' });
    expect(doc.charts).not.toContainEqual({ repoURL: REPO, chart: 'agent', version: '3.0.1' });
    expect(doc.images).toEqual(parseInventory(committed()).doc!.images);
    expect(doc.stale).toBe(true);
    expect(doc.staleReason).toContain('agent agent@3.0.1 -> agent@3.0.2');
    expect(doc.staleReason).toContain('edge-idp inventory');
    // Stable: merging again with the stale file gives the same bytes.
    const once = inventoryYaml(doc);
    expect(inventoryYaml(mergeWithPrevious(site(bumped), once))).toBe(once);
    // Re-rendering clears it.
    expect(buildInventory(site(bumped), results(bumped)).stale).toBeUndefined();
  });

  it('a values change, an added and a removed component are named', () => {
    const changed = [monitoring(), agent('3.0.1', { agent: { extra: 1 } }), makeComponent('new', { namespace: 'n', tier: 'important', source: { type: 'helm', repoURL: REPO, chart: 'new', version: '1.0.0' }, parts: [] })];
    const doc = mergeWithPrevious(site(changed), committed());
    expect(doc.staleReason).toContain('agent (agent@3.0.1) inputs changed');
    expect(doc.staleReason).toContain('new (new@1.0.0) not rendered');
    expect(doc.staleReason).toContain('no longer deployed: good');
  });

  it('no previous file: no images, stale, and what to run', () => {
    const doc = mergeWithPrevious(site(all()), undefined);
    expect(doc.images).toEqual([]);
    expect(doc.stale).toBe(true);
    expect(doc.staleReason).toMatch(/^no chart images rendered yet; run `edge-idp inventory`/);
    expect(doc.charts).toHaveLength(3);
  });

  it('an unreadable previous file is reported, never thrown', () => {
    for (const text of ['{{{ not yaml', '- a list\n', 'images: 3\n']) {
      const doc = mergeWithPrevious(site(all()), text);
      expect(doc.stale).toBe(true);
      expect(doc.staleReason).toContain('the previous inventory could not be read');
    }
  });

  it('a site without Helm components is never stale', () => {
    const gitOnly = all().filter((c) => !c.isHelm);
    expect(mergeWithPrevious(site(gitOnly), undefined)).toEqual({ charts: [], gitSources: expect.any(Array), images: [] });
  });
});

describe('buildInventory with render failures', () => {
  const previous = () => inventoryYaml(buildInventory(site(all()), results(all())));

  it('a failed component keeps its previous images; same inputs, so not stale', () => {
    const doc = buildInventory(site(all()), results(all(), ['monitoring']), previous());
    expect(doc.images).toContain('quay.test/prometheus/prometheus:v3.0.0');
    expect(doc.stale).toBeUndefined();
  });

  it('a failed component whose inputs changed keeps its old images, stale and named', () => {
    const bumped = all().map((c) => (c.componentName === 'agent' ? agent('3.0.2') : c));
    const doc = buildInventory(site(bumped), results(bumped, ['agent']), previous());
    expect(doc.images).toContain('reg.test/setup:3.0.1');
    expect(doc.stale).toBe(true);
    expect(doc.staleReason).toContain('agent agent@3.0.1 -> agent@3.0.2');
    // Synth afterwards agrees byte for byte.
    expect(inventoryYaml(mergeWithPrevious(site(bumped), inventoryYaml(doc)))).toBe(inventoryYaml(doc));
  });

  it('a failed component without a previous inventory has no images and is named', () => {
    const doc = buildInventory(site(all()), results(all(), ['good']));
    expect(doc.renderedFrom!.components.good).toBeUndefined();
    expect(doc.staleReason).toContain('good (good@1.2.3) not rendered');
  });
});

describe('mirrorList', () => {
  const doc = () => buildInventory(site(all()), results(all()));

  it('text: one artifact per line, sorted', () => {
    const text = mirrorList(doc(), 'text');
    expect(text).toBe(
      [
        `chart ${REPO} agent 3.0.1`,
        `chart ${REPO} good 1.2.3`,
        `chart ${OCI} stack 70.0.0`,
        'git https://github.com/kubernetes-sigs/gateway-api.git config/crd/standard v1.6.1',
        'git https://github.com/prometheus-operator/prometheus-operator.git example/prometheus-operator-crd v0.93.1',
        'image quay.test/prometheus/prometheus:v3.0.0',
        'image reg.test/agent:3.0.1',
        'image reg.test/cleanup:1.0',
        'image reg.test/good:1.0.0',
        `image reg.test/init@sha256:${'1'.repeat(64)}`,
        'image reg.test/setup:3.0.1',
        '',
      ].join('\n'),
    );
  });

  it('json: charts, git sources, images and the stale flag', () => {
    const parsed = JSON.parse(mirrorList(doc(), 'json')) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['charts', 'gitSources', 'images', 'stale']);
    expect(parsed.stale).toBe(false);
    expect(parsed.images).toEqual(doc().images);
    expect(parsed.charts).toEqual(doc().charts);
    const stale = JSON.parse(mirrorList(mergeWithPrevious(site(all()), undefined), 'json')) as Record<string, unknown>;
    expect(stale).toMatchObject({ stale: true, images: [] });
    expect(stale.staleReason).toContain('no chart images rendered yet');
  });
});

describeWithHelm('inventory from real renders of the fixture charts', (helm) => {
  it('holds the DaemonSet init container and the hook Job images; a missing chart keeps its previous images', async () => {
    const missing = makeComponent('missing', {
      namespace: 'edge-missing',
      tier: 'important',
      source: { type: 'helm', repoURL: REPO, chart: 'not-there', version: '0.0.1' },
      parts: [],
    });
    const build = site([agent(), good(), missing]);
    const rendered = await renderSite(build, { helm, chartsDir: CHARTS });
    const previous = inventoryYaml({
      charts: [],
      gitSources: [],
      images: ['reg.test/missing:0.0.1'],
      renderedFrom: {
        fingerprint: 'sha256:old',
        components: { missing: { chart: 'not-there@0.0.1', fingerprint: 'sha256:old-missing', images: ['reg.test/missing:0.0.1'] } },
      },
    });
    const doc = buildInventory(build, rendered, previous);
    expect(doc.images).toEqual([
      'reg.test/missing:0.0.1',
      'registry.example.test/agent/init@sha256:0000000000000000000000000000000000000000000000000000000000000001',
      'registry.example.test/agent/node-agent:3.0.1',
      'registry.example.test/agent/setup:3.0.1',
      'registry.example.test/good/server:1.0.0',
    ]);
    expect(doc.stale).toBe(true);
    expect(doc.staleReason).toContain('missing (not-there@0.0.1) inputs changed');
  });
});

describe('image references for a mirror', () => {
  it('are fully qualified the way the runtime resolves them', async () => {
    const { qualifyImage } = await import('../../platform/render/inventory.js');
    expect(qualifyImage('hashicorp/vault:2.0.4')).toBe('docker.io/hashicorp/vault:2.0.4');
    expect(qualifyImage('redis:8.2.3-alpine')).toBe('docker.io/library/redis:8.2.3-alpine');
    expect(qualifyImage('quay.io/cilium/cilium:v1.20.0@sha256:abc')).toBe('quay.io/cilium/cilium:v1.20.0@sha256:abc');
    expect(qualifyImage('localhost/x:1')).toBe('localhost/x:1');
    expect(qualifyImage('registry:5000/team/app:1')).toBe('registry:5000/team/app:1');
  });
});
