import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHARTS_DIR_ENV_VAR,
  ChartResolutionError,
  HelmRenderError,
  parseRenderedYaml,
  RenderedYamlError,
  renderChart,
  resolveOfflineChart,
} from '../../platform/render/render.js';
import { CHARTS, describeWithHelm, KUBE_VERSION } from './helpers.js';

describe('parseRenderedYaml', () => {
  it('drops empty and comment-only documents and keeps order', () => {
    const text = [
      '---',
      '# Source: x/templates/empty.yaml',
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: a}',
      '---',
      '',
      '---',
      'apiVersion: v1',
      'kind: Secret',
      'metadata: {name: b}',
    ].join('\n');
    expect(parseRenderedYaml(text).map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(['ConfigMap/a', 'Secret/b']);
  });

  it('returns nothing for empty output', () => {
    expect(parseRenderedYaml('')).toEqual([]);
    expect(parseRenderedYaml('---\n# only a comment\n')).toEqual([]);
  });

  it('flattens v1 Lists', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n';
    expect(parseRenderedYaml(text).map((o) => o.metadata?.name)).toEqual(['a', 'b']);
  });

  it('refuses a document that is not an object with a kind', () => {
    expect(() => parseRenderedYaml('just a string\n')).toThrow(RenderedYamlError);
    expect(() => parseRenderedYaml('kind: [unclosed\n')).toThrow(/document #1 is not valid YAML/);
  });
});

describe('resolveOfflineChart', () => {
  let dir: string;
  const src = (version: string) => ({ repoURL: 'https://charts.example.test', chart: 'good', version });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edge-idp-charts-'));
    await cp(join(CHARTS, 'good'), join(dir, 'good'), { recursive: true });
    await cp(join(CHARTS, 'good'), join(dir, 'good-9.9.9'), { recursive: true });
    const chartYaml = join(dir, 'good-9.9.9', 'Chart.yaml');
    await writeFile(chartYaml, (await readFile(chartYaml, 'utf8')).replace('version: 1.2.3', 'version: 9.9.9'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds <chart>/ when its Chart.yaml has the pinned version', async () => {
    await expect(resolveOfflineChart(dir, src('1.2.3'))).resolves.toBe(join(dir, 'good'));
  });

  it('prefers <chart>-<version>/', async () => {
    await expect(resolveOfflineChart(dir, src('9.9.9'))).resolves.toBe(join(dir, 'good-9.9.9'));
  });

  it('refuses a version mismatch, naming both versions and the fix', async () => {
    const err = await resolveOfflineChart(dir, src('1.2.4')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChartResolutionError);
    expect((err as Error).message).toContain('is version 1.2.3, but the component pins good 1.2.4');
    expect((err as Error).message).toContain('helm pull good --repo https://charts.example.test --version 1.2.4 --untar');
  });

  it('says where it looked when the chart is absent', async () => {
    const err = await resolveOfflineChart(dir, { ...src('1.0.0'), chart: 'missing' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChartResolutionError);
    expect((err as Error).message).toContain(join(dir, 'missing-1.0.0'));
    expect((err as Error).message).toContain(CHARTS_DIR_ENV_VAR);
  });
});

describeWithHelm('renderChart (real helm)', (helm) => {
  const base = { helm, releaseName: 'rel', namespace: 'edge-test', kubeVersion: KUBE_VERSION };

  it('renders a local chart with the given values', async () => {
    const objects = await renderChart({
      ...base,
      chartDir: join(CHARTS, 'good'),
      values: { priorityClassName: 'edge-idp-critical', image: { tag: '1.0.1' } },
    });
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(['ConfigMap/rel-config', 'Deployment/rel-server']);
    const deploy = objects.find((o) => o.kind === 'Deployment')!;
    expect(deploy.metadata?.namespace).toBe('edge-test');
    expect(JSON.stringify(deploy)).toContain('"priorityClassName":"edge-idp-critical"');
    expect(JSON.stringify(deploy)).toContain('registry.example.test/good/server:1.0.1');
    // --kube-version reaches the chart.
    const cm = objects.find((o) => o.kind === 'ConfigMap')! as { data?: Record<string, string> };
    expect(cm.data?.kubeVersion).toBe('v1.31.0');
  });

  it('includes helm hooks', async () => {
    const objects = await renderChart({ ...base, chartDir: join(CHARTS, 'agent'), values: {} });
    const job = objects.find((o) => o.kind === 'Job');
    expect(job?.metadata?.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
  });

  it('renders a repository chart from EDGE_IDP_CHARTS_DIR offline', async () => {
    const objects = await renderChart({
      ...base,
      chart: { repoURL: 'https://charts.example.test', chart: 'leaky', version: '0.4.0' },
      values: {},
      env: { ...process.env, [CHARTS_DIR_ENV_VAR]: CHARTS },
    });
    expect(objects.map((o) => o.metadata?.name)).toEqual(['rel-cache', 'rel-controller']);
  });

  it('refuses a version the offline directory does not have', async () => {
    const p = renderChart({
      ...base,
      chart: { repoURL: 'https://charts.example.test', chart: 'leaky', version: '0.5.0' },
      chartsDir: CHARTS,
      values: {},
    });
    await expect(p).rejects.toThrow(ChartResolutionError);
    await expect(p).rejects.toThrow(/is version 0.4.0, but the component pins leaky 0.5.0/);
  });

  it("reports helm's own error when a chart does not render", async () => {
    const err = await renderChart({ ...base, chartDir: join(CHARTS, 'no-such-chart'), values: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmRenderError);
    expect((err as Error).message).toMatch(/helm template of .*no-such-chart \(release 'rel', namespace 'edge-test'\) failed: .+/);
  });

  it('asks for exactly one chart source', async () => {
    await expect(renderChart({ ...base, values: {} })).rejects.toThrow(/exactly one of `chartDir`/);
  });
});
