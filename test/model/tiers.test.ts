/** docs/design.md#d4-tiers-reach-every-pod: a component's tier reaches every pod-bearing part through the chart's real keys. */
import { describe, expect, it } from 'vitest';
import { TIERS, TIER_LIST, TOLERATE_EVERYTHING, PREFER_WORKERS_AFFINITY, schedulingFor, compareTiers } from '../../platform/model/tiers.js';
import { REQUIRED_NAMESPACE_LABELS, POD_SECURITY_LABELS, LABELS } from '../../platform/model/labels.js';
import { getPath } from '../../platform/model/values.js';
import { acceptsDefaultPriorityClass } from '../../platform/model/component.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';
import { buildTestSite } from '../helpers/site.js';

describe('tier model', () => {
  it('derives one PriorityClass per tier, exactly one global default (application workloads)', async () => {
    const { rootObjects } = await buildTestSite();
    const classes = rootObjects.filter((o) => o.kind === 'PriorityClass') as any[];
    expect(classes.map((c) => c.metadata.name)).toEqual(TIER_LIST.map((t) => t.priorityClassName));
    expect(classes.filter((c) => c.globalDefault).map((c) => c.metadata.name)).toEqual([TIERS.workloads.priorityClassName]);
    for (const c of classes) expect(typeof c.description).toBe('string');
    const values = classes.map((c) => c.value as number);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
    expect(Math.max(...values)).toBeLessThan(1_000_000_000);
  });

  it('lifeboat tiers tolerate the control-plane taint and prefer workers; node agents tolerate everything', () => {
    for (const t of TIER_LIST) {
      const s = schedulingFor(t.name);
      expect(s.priorityClassName).toBe(t.priorityClassName);
      if (t.lifeboat) {
        expect(s.tolerations).toEqual([{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }]);
        expect(s.affinity).toEqual(PREFER_WORKERS_AFFINITY);
      } else {
        expect(s.tolerations).toEqual([]);
      }
      expect(schedulingFor(t.name, { nodeAgent: true }).tolerations).toEqual(TOLERATE_EVERYTHING);
    }
    expect(compareTiers('core', 'workloads')).toBeLessThan(0);
  });
});

describe('every pod-bearing part of every component carries its tier', async () => {
  const build = await buildAllEnabled();
  const parts = build.components.flatMap((c) => c.parts.map((p) => ({ c, p })));

  it('has pod-bearing parts to check', () => {
    expect(parts.length).toBeGreaterThan(0);
  });

  it.each(parts.map(({ c, p }) => [`${c.componentName}/${p.name}`, c, p] as const))('%s', (_label, c, p) => {
    if (p.manifest) {
      // One of the component's own manifests: the settings are in its pod template.
      const o = build.resources.get(c.componentName)!.find((x) => x.kind === p.manifest!.kind && x.metadata.name === p.manifest!.name) as any;
      expect(o, `${p.manifest.kind}/${p.manifest.name} among ${c.componentName}'s resources`).toBeDefined();
      const pod = o.spec.template.spec;
      expect(pod.priorityClassName).toBe(TIERS[c.tier].priorityClassName);
      expect(pod.tolerations ?? []).toEqual(schedulingFor(c.tier, { nodeAgent: p.nodeAgent ?? false }).tolerations);
      for (const container of pod.containers) {
        expect(container.resources.requests.cpu, container.name).toBeDefined();
        expect(container.resources.limits.memory, container.name).toBeDefined();
      }
      return;
    }
    const values = c.values;
    const k = p.keyPaths;
    const tier = TIERS[c.tier];
    if (k.priorityClassName === null) {
      // Only where the chart has no key, said in a note, and only for parts the cluster default
      // (the workloads class) suits: run-to-completion hooks, or a workloads-tier part.
      expect(acceptsDefaultPriorityClass(p), 'only workloads-tier parts, with a note, may go without').toBe(true);
    } else {
      expect(getPath(values, k.priorityClassName)).toBe(tier.priorityClassName);
    }
    if (k.tolerations === null) {
      expect(p.note, 'a part without a tolerations key must say why').toBeTruthy();
      expect(schedulingFor(c.tier, { nodeAgent: p.nodeAgent ?? false }).tolerations.length === 0 || p.kind === 'Job' || p.kind === 'CronJob').toBe(true);
    } else {
      // The tier's tolerations, added to the chart's own defaults (never replacing them).
      expect(getPath(values, k.tolerations)).toEqual(p.tolerations);
      expect(p.tolerations).toEqual(expect.arrayContaining([...schedulingFor(c.tier, { nodeAgent: p.nodeAgent ?? false }).tolerations]));
    }
    if (tier.lifeboat && !p.nodeAgent && k.affinity) {
      expect(getPath(values, [...k.affinity, 'nodeAffinity'])).toEqual(PREFER_WORKERS_AFFINITY.nodeAffinity);
    }
    if (k.resources === null) {
      // Parts that are our own manifests (not chart pods) carry their settings in the manifest.
      expect(p.note, 'a part without a resources key must say where its resources are').toBeTruthy();
      return;
    }
    const res = getPath(values, k.resources) as any;
    expect(res.requests.cpu).toMatch(/^\d+m?$/);
    expect(res.requests.memory).toMatch(/^\d+(Mi|Gi)$/);
    expect(res.limits.memory).toMatch(/^\d+(Mi|Gi)$/);
    for (const extra of p.extraContainers ?? []) {
      const r = getPath(values, extra.resourcesKey) as any;
      expect(r.requests.cpu, extra.name).toBeDefined();
      expect(r.limits.memory, extra.name).toBeDefined();
    }
    if (k.replicas) expect(getPath(values, k.replicas)).toBe(p.replicas);
  });
});

describe('namespaces', async () => {
  const build = await buildAllEnabled();
  const namespaces = [...build.resources.values()].flat().filter((o) => o.kind === 'Namespace') as any[];

  it('every platform namespace carries the required and Pod Security labels', () => {
    expect(namespaces.length).toBeGreaterThan(0);
    for (const ns of namespaces) {
      for (const key of REQUIRED_NAMESPACE_LABELS) expect(ns.metadata.labels[key], `${ns.metadata.name}: ${key}`).toBeTruthy();
      expect(Object.keys(TIERS)).toContain(ns.metadata.labels[LABELS.tier]);
      expect(['privileged', 'baseline', 'restricted']).toContain(ns.metadata.labels[POD_SECURITY_LABELS.enforce]);
    }
  });

  it('a namespace gets the tier of the components in it', () => {
    for (const c of build.components) {
      const ns = namespaces.find((n) => n.metadata.name === c.targetNamespace);
      if (ns) expect(ns.metadata.labels[LABELS.tier], c.componentName).toBe(c.tier);
    }
  });
});
