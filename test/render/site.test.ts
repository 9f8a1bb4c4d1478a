/**
 * Rendering a whole site: real helm renders fixture charts (through a charts directory, as
 * offline mode does with the platform's real charts), failures are captured per component,
 * and the rendered mode writes one file per object.
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../platform/config/errors.js';
import { resources, type PlatformComponent } from '../../platform/model/component.js';
import type { SiteBuild } from '../../platform/synth/build.js';
import { GENERATED_HEADER } from '../../platform/synth/files.js';
import { ChartResolutionError, type K8sObject } from '../../platform/render/render.js';
import {
  formatSiteRenderReport,
  renderedDir,
  renderedManifestFiles,
  RenderedManifestsError,
  renderSite,
  siteRenderOk,
  siteRenderTotals,
  type SiteRenderInput,
  type SiteRenderResult,
} from '../../platform/render/site.js';
import { CHARTS, describeWithHelm, makeComponent } from './helpers.js';

// A SiteBuild is what the CLI passes: it must fit the input type as is.
const _buildFits: SiteRenderInput = undefined as unknown as SiteBuild;
void _buildFits;

const small = resources('50m', '64Mi', '128Mi');
const REPO = 'https://charts.example.test';

const good = (): PlatformComponent =>
  makeComponent('good', {
    namespace: 'edge-good',
    tier: 'critical',
    source: { type: 'helm', repoURL: REPO, chart: 'good', version: '1.2.3' },
    parts: [{ name: 'server', kind: 'Deployment', path: [], resources: small }],
  });

const leaky = (): PlatformComponent =>
  makeComponent('leaky', {
    layer: '02-engines',
    namespace: 'edge-leaky',
    tier: 'critical',
    releaseName: 'drip',
    source: { type: 'helm', repoURL: REPO, chart: 'leaky', version: '0.4.0' },
    parts: [
      { name: 'controller', kind: 'Deployment', path: ['controller'], resources: small },
      { name: 'cache', kind: 'Deployment', path: ['cache'], resources: small },
    ],
  });

const missing = (): PlatformComponent =>
  makeComponent('missing', {
    namespace: 'edge-missing',
    tier: 'important',
    source: { type: 'helm', repoURL: REPO, chart: 'not-there', version: '0.0.1' },
    parts: [],
  });

const crds = (): PlatformComponent =>
  makeComponent('crds', {
    layer: '00-core',
    namespace: 'kube-system',
    tier: 'core',
    source: { type: 'git', repoURL: 'https://git.example.test/crds.git', path: 'crds', targetRevision: 'v1.0.0' },
    parts: [],
  });

function site(components: readonly PlatformComponent[]): SiteRenderInput<PlatformComponent> {
  return { config: { site: { name: 'test-site' }, cluster: { kubernetesVersion: '1.31' } }, components };
}

describeWithHelm('renderSite with the fixture charts (real helm, charts dir)', (helm) => {
  const build = site([crds(), good(), missing(), leaky()]);
  const rendered = renderSite(build, { helm, chartsDir: CHARTS, concurrency: 3 });

  it('renders every Helm component, in build order, skipping git sources', async () => {
    const results = await rendered;
    expect(results.map((r) => r.component.componentName)).toEqual(['good', 'missing', 'leaky']);
  });

  it('a compliant component: objects rendered with its release, namespace and the site Kubernetes version', async () => {
    const r = (await rendered)[0]!;
    expect(r.error).toBeUndefined();
    expect(r.report).toMatchObject({ component: 'good', partsFound: 1, partsCompliant: 1, ok: true });
    const cm = r.objects!.find((o) => o.kind === 'ConfigMap')!;
    expect(cm.metadata).toMatchObject({ name: 'good-config', namespace: 'edge-good' });
    expect((cm as K8sObject & { data: Record<string, string> }).data.kubeVersion).toBe('v1.31.0');
  });

  it('a leaky component: its miss is reported with the fix key', async () => {
    const r = (await rendered)[2]!;
    expect(r.error).toBeUndefined();
    // The component's release name, not its component name, names the objects.
    expect(r.objects!.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual(['Deployment/drip-cache', 'Deployment/drip-controller']);
    expect(r.report).toMatchObject({ partsFound: 2, partsCompliant: 1, ok: false });
    expect(r.report!.misses.map((m) => [m.object, m.rule, m.fixKey])).toEqual([['Deployment/drip-cache', 'priorityClassName', 'cache.priorityClassName']]);
  });

  it('a missing chart is captured on its own result, and does not hide the others', async () => {
    const r = (await rendered)[1]!;
    expect(r.objects).toBeUndefined();
    expect(r.report).toBeUndefined();
    expect(r.error).toBeInstanceOf(ChartResolutionError);
    expect(r.error!.message).toContain('chart not-there 0.0.1 is not in EDGE_IDP_CHARTS_DIR directory');
  });

  it('the report: per component parts and misses with fix keys, the failure, and totals', async () => {
    const results = await rendered;
    const text = formatSiteRenderReport(results);
    const lines = text.split('\n');
    expect(lines[0]).toBe('✓ good (good 1.2.3, namespace edge-good): 1/1 pod templates compliant');
    expect(lines[1]).toMatch(/^✗ missing \(not-there 0\.0\.1, namespace edge-missing\): render failed: ChartResolutionError: chart not-there 0\.0\.1 is not in/);
    expect(text).toContain('✗ leaky (leaky 0.4.0, namespace edge-leaky): 1/2 pod templates compliant, 1 miss');
    expect(text).toContain('  - Deployment/drip-cache [priorityClassName] fix key: cache.priorityClassName');
    expect(lines.at(-1)).toBe('FAILED: 2/3 Helm components rendered (1 failed), 1/2 compliant; 2/3 pod templates compliant, 1 miss');
    expect(siteRenderOk(results)).toBe(false);
    expect(siteRenderTotals(results)).toEqual({
      components: 3,
      rendered: 2,
      failed: 1,
      compliantComponents: 1,
      partsFound: 3,
      partsCompliant: 2,
      misses: 1,
      unrenderedParts: 0,
    });
  });

  it('ok when every component renders compliant; results do not depend on concurrency', async () => {
    const one = await renderSite(site([good()]), { helm, chartsDir: CHARTS, concurrency: 1 });
    expect(siteRenderOk(one)).toBe(true);
    expect(formatSiteRenderReport(one).split('\n').at(-1)).toBe('ok: 1/1 Helm components rendered, 1/1 compliant; 1/1 pod templates compliant, 0 misses');
    const serial = await renderSite(build, { helm, chartsDir: CHARTS, concurrency: 1 });
    const strip = (rs: readonly SiteRenderResult[]) => rs.map((r) => ({ name: r.component.componentName, objects: r.objects, report: r.report, error: r.error?.message }));
    expect(strip(serial)).toEqual(strip(await rendered));
  });

  it('rendered mode: one file per object under rendered/, with the generated header', async () => {
    const results = await rendered;
    const ok = site([crds(), good(), leaky()]);
    const files = renderedManifestFiles(ok, results.filter((r) => r.component.componentName !== 'missing'));
    expect([...files.keys()]).toEqual([
      'synth/test-site/layers/01-services/good/rendered/configmap-good-config.yaml',
      'synth/test-site/layers/01-services/good/rendered/deployment-good-server.yaml',
      'synth/test-site/layers/02-engines/leaky/rendered/deployment-drip-cache.yaml',
      'synth/test-site/layers/02-engines/leaky/rendered/deployment-drip-controller.yaml',
    ]);
    const content = files.get('synth/test-site/layers/01-services/good/rendered/deployment-good-server.yaml')!;
    expect(content.startsWith(`# ${GENERATED_HEADER}\n`)).toBe(true);
    expect(parse(content)).toEqual(results[0]!.objects!.find((o) => o.kind === 'Deployment'));
    // Deterministic: same renders, same bytes.
    expect([...renderedManifestFiles(ok, results.filter((r) => r.error === undefined))]).toEqual([...files]);
  });

  it('rendered mode refuses a site with a component that did not render', async () => {
    const err = (() => {
      try {
        renderedManifestFiles(build, [] as SiteRenderResult[]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(RenderedManifestsError);
    try {
      renderedManifestFiles(build, await rendered);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RenderedManifestsError);
      expect((e as RenderedManifestsError).failures.map((f) => f.component)).toEqual(['missing']);
      expect((e as RenderedManifestsError).exitCode).toBe(EXIT_CODES.tool);
      expect((e as Error).message).toContain('missing: chart not-there 0.0.1 is not in');
    }
  });
});

describe('renderSite without Helm components', () => {
  it('returns nothing and needs no helm', async () => {
    await expect(renderSite(site([crds()]), { helm: '/nonexistent/helm' })).resolves.toEqual([]);
  });
});

describe('renderedManifestFiles naming (no helm)', () => {
  const obj = (kind: string, name: string, namespace?: string, apiVersion = 'v1'): K8sObject => ({
    apiVersion,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
  });

  it('adds the namespace on a clash, then the API group, and makes names file-safe', () => {
    const c = good();
    const results: SiteRenderResult[] = [
      {
        component: c,
        objects: [
          obj('ConfigMap', 'x', 'a'),
          obj('ConfigMap', 'x', 'b'),
          obj('ClusterRole', 'system:edge', undefined, 'rbac.authorization.k8s.io/v1'),
          obj('Certificate', 'tls', 'edge-good', 'cert-manager.io/v1'),
          obj('Certificate', 'tls', 'edge-good', 'example.io/v1'),
        ],
      },
    ];
    const dir = renderedDir('test-site', '01-services', 'good');
    expect([...renderedManifestFiles(site([c]), results).keys()]).toEqual([
      `${dir}/certificate-tls-edge-good-cert-manager.io.yaml`,
      `${dir}/certificate-tls-edge-good-example.io.yaml`,
      `${dir}/clusterrole-system_edge.yaml`,
      `${dir}/configmap-x-a.yaml`,
      `${dir}/configmap-x-b.yaml`,
    ]);
  });

  it('refuses two objects that would share a file', () => {
    const c = good();
    expect(() => renderedManifestFiles(site([c]), [{ component: c, objects: [obj('ConfigMap', 'x'), obj('ConfigMap', 'x')] }])).toThrow(
      /component 'good': two rendered objects would be written to .*\/configmap-x\.yaml/,
    );
  });
});

describe('formatSiteRenderReport (no helm)', () => {
  it('indents a multi-line error under its component', () => {
    const error = new Error('helm template failed: first line\nsecond line');
    const text = formatSiteRenderReport([{ component: missing(), error }]);
    expect(text.split('\n')).toEqual([
      '✗ missing (not-there 0.0.1, namespace edge-missing): render failed: Error: helm template failed: first line',
      '    second line',
      'FAILED: 0/1 Helm components rendered (1 failed), 0/0 compliant; 0/0 pod templates compliant, 0 misses',
    ]);
    expect(siteRenderOk([])).toBe(true);
  });
});
