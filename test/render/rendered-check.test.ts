/**
 * The rendered check end to end: real helm renders the fixture charts with the values the real
 * component model generates, and the check reads the result.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { resources, type PlatformComponent } from '../../platform/model/component.js';
import { checkRendered, collectImages, formatCheckReport } from '../../platform/render/check.js';
import type { HelmBinary } from '../../platform/render/helm.js';
import { renderChart, type K8sObject } from '../../platform/render/render.js';
import { CHARTS, describeWithHelm, KUBE_VERSION, makeComponent } from './helpers.js';

const small = resources('50m', '64Mi', '128Mi');

const good = (): PlatformComponent =>
  makeComponent('good', {
    namespace: 'edge-good',
    tier: 'critical',
    parts: [{ name: 'server', kind: 'Deployment', path: [], resources: small }],
  });

const leaky = (): PlatformComponent =>
  makeComponent('leaky', {
    namespace: 'edge-leaky',
    tier: 'critical',
    parts: [
      { name: 'controller', kind: 'Deployment', path: ['controller'], resources: small },
      { name: 'cache', kind: 'Deployment', path: ['cache'], resources: small },
    ],
  });

const agent = (opts: { declareInit?: boolean; setupHasNoPriorityKey?: 'documented' | 'undocumented' } = {}): PlatformComponent =>
  makeComponent('agent', {
    namespace: 'edge-agent',
    tier: 'core',
    parts: [
      {
        name: 'agent',
        kind: 'DaemonSet',
        path: ['agent'],
        nodeAgent: true,
        resources: small,
        ...(opts.declareInit === false
          ? {}
          : { extraContainers: [{ name: 'prepare', resourcesKey: ['agent', 'initResources'], resources: resources('10m', '16Mi', '32Mi') }] }),
      },
      {
        name: 'setup',
        kind: 'Job',
        path: ['setup'],
        resources: small,
        ...(opts.setupHasNoPriorityKey === 'documented'
          ? { keys: { priorityClassName: null }, note: 'test: pretend the chart has no key for it' }
          : opts.setupHasNoPriorityKey === 'undocumented'
            ? { keys: { priorityClassName: null } }
            : {}),
      },
    ],
  });

async function render(helm: HelmBinary, c: PlatformComponent, chart: string, namespace = c.targetNamespace): Promise<K8sObject[]> {
  return renderChart({
    helm,
    chartDir: join(CHARTS, chart),
    releaseName: c.releaseName,
    namespace,
    kubeVersion: KUBE_VERSION,
    values: c.values,
  });
}

describeWithHelm('rendered check of the fixture charts (real helm)', (helm) => {
  it('good: every part found and compliant', async () => {
    const c = good();
    const report = checkRendered(c, await render(helm, c, 'good'));
    expect(report.misses).toEqual([]);
    expect(report).toMatchObject({ component: 'good', partsFound: 1, partsCompliant: 1, ok: true, unrenderedParts: [] });
    expect(report.workloads).toEqual([
      { object: 'Deployment/good-server', kind: 'Deployment', name: 'good-server', part: 'server', hook: null, compliant: true, misses: [] },
    ]);
    expect(formatCheckReport(report)).toBe('good (namespace edge-good): 1/1 pod templates compliant');
  });

  it("leaky: the cache Deployment's missing priorityClassName is found, naming the object and the key", async () => {
    const c = leaky();
    const report = checkRendered(c, await render(helm, c, 'leaky'));
    expect(report).toMatchObject({ partsFound: 2, partsCompliant: 1, ok: false });
    expect(report.misses).toHaveLength(1);
    const miss = report.misses[0]!;
    expect(miss).toMatchObject({
      object: 'Deployment/leaky-cache',
      rule: 'priorityClassName',
      part: 'cache',
      fixKey: 'cache.priorityClassName',
      fixPath: ['cache', 'priorityClassName'],
    });
    expect(miss.message).toContain('Deployment/leaky-cache');
    expect(miss.message).toContain("priorityClassName is not set, expected 'edge-idp-critical'");
    // The values already set the key: the message must say the chart ignores it, not "set it".
    expect(miss.message).toContain('values key cache.priorityClassName is already set, but the chart does not apply it');
    expect(report.workloads.find((w) => w.part === 'controller')?.compliant).toBe(true);
  });

  it('leaky: without the values, the fix is to set the key', async () => {
    const c = leaky();
    // Render with the chart defaults: nothing set, so every setting is missing on both parts.
    const objects = await renderChart({ helm, chartDir: join(CHARTS, 'leaky'), releaseName: 'leaky', namespace: 'edge-leaky', kubeVersion: KUBE_VERSION, values: {} });
    const report = checkRendered({ componentName: c.componentName, targetNamespace: c.targetNamespace, tier: c.tier, parts: c.parts }, objects);
    const controllerMisses = report.misses.filter((m) => m.part === 'controller').map((m) => [m.rule, m.fixKey]);
    expect(controllerMisses).toEqual([
      ['priorityClassName', 'controller.priorityClassName'],
      ['tolerations', 'controller.tolerations'],
      ['resources', 'controller.resources'],
    ]);
    expect(report.misses.find((m) => m.rule === 'resources' && m.part === 'cache')?.message).toContain(
      "container 'cache' lacks resources requests.cpu, requests.memory, limits.memory; fix: set values key cache.resources",
    );
  });

  it("agent: the DaemonSet and the hook Job are both found and checked", async () => {
    const c = agent();
    const report = checkRendered(c, await render(helm, c, 'agent'));
    expect(report.workloads.map((w) => [w.object, w.part, w.hook, w.compliant])).toEqual([
      ['DaemonSet/agent-agent', 'agent', null, true],
      ['Job/agent-setup', 'setup', 'pre-install,pre-upgrade', true],
    ]);
    expect(report).toMatchObject({ partsFound: 2, partsCompliant: 2, ok: true });
  });

  it('agent: a core-tier hook Job without a priority key is a miss, even when the part says why (it would run untiered)', async () => {
    const documented = agent({ setupHasNoPriorityKey: 'documented' });
    expect(checkRendered(documented, await render(helm, documented, 'agent')).misses.map((m) => [m.object, m.rule])).toEqual([
      ['Job/agent-setup', 'priorityClassName'],
    ]);
    const c = agent({ setupHasNoPriorityKey: 'undocumented' });
    const report = checkRendered(c, await render(helm, c, 'agent'));
    expect(report.misses).toHaveLength(1);
    expect(report.misses[0]).toMatchObject({ object: 'Job/agent-setup', rule: 'priorityClassName', fixKey: null });
    expect(report.misses[0]!.message).toContain("expected 'edge-idp-core'");
    expect(report.misses[0]!.message).toContain('no value key is declared for it');
  });

  it("agent: an init container without declared resources is named, with how to declare it", async () => {
    const c = agent({ declareInit: false });
    const report = checkRendered(c, await render(helm, c, 'agent'));
    expect(report.misses.map((m) => [m.object, m.rule, m.container])).toEqual([['DaemonSet/agent-agent', 'resources', 'prepare']]);
    expect(report.misses[0]!.message).toContain("declare init container 'prepare' in part 'agent' extraContainers");
  });

  it('objects rendered into another namespace are misses', async () => {
    const c = good();
    const report = checkRendered(c, await render(helm, c, 'good', 'somewhere-else'));
    expect(report.misses.map((m) => [m.object, m.rule])).toEqual([
      ['ConfigMap/good-config', 'namespace'],
      ['Deployment/good-server', 'namespace'],
    ]);
    expect(report.misses[0]!.message).toContain("namespace is 'somewhere-else', but component 'good' deploys to 'edge-good'");
    expect(report.partsCompliant).toBe(0);
  });

  it('collects images sorted, unique and deterministic', async () => {
    const all = async (): Promise<K8sObject[]> => [
      ...(await render(helm, agent(), 'agent')),
      ...(await render(helm, leaky(), 'leaky')),
      ...(await render(helm, good(), 'good')),
    ];
    const first = collectImages(await all());
    expect(first).toEqual([
      'registry.example.test/agent/init@sha256:0000000000000000000000000000000000000000000000000000000000000001',
      'registry.example.test/agent/node-agent:3.0.1',
      'registry.example.test/agent/setup:3.0.1',
      'registry.example.test/good/server:1.0.0',
      'registry.example.test/leaky/app:2.0.0',
    ]);
    // Same input in another order: same inventory.
    expect(collectImages((await all()).reverse())).toEqual(first);
  });
});
