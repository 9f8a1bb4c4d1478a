/** The rendered check on hand-written objects: no helm needed. */
import { describe, expect, it } from 'vitest';
import { resources } from '../../platform/model/component.js';
import { CLUSTER_SCOPED_KINDS } from '../../platform/model/kinds.js';
import {
  checkRendered,
  collectImages,
  findPodTemplates,
} from '../../platform/render/check.js';
import type { K8sObject } from '../../platform/render/render.js';
import { makeComponent } from './helpers.js';

const small = resources('50m', '64Mi', '128Mi');
const okResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } };
const cpTolerations = [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }];

/** A pod spec that satisfies the `critical` tier. */
function podSpec(overrides: Record<string, unknown> = {}, image = 'example.test/app:1.0'): Record<string, unknown> {
  return {
    priorityClassName: 'edge-idp-critical',
    tolerations: cpTolerations,
    containers: [{ name: 'main', image, resources: okResources }],
    ...overrides,
  };
}

const workload = (kind: string, name: string, spec: Record<string, unknown>, ns?: string): K8sObject => {
  const meta = { name, ...(ns ? { namespace: ns } : {}) };
  if (kind === 'Pod') return { apiVersion: 'v1', kind, metadata: meta, spec };
  if (kind === 'CronJob') return { apiVersion: 'batch/v1', kind, metadata: meta, spec: { jobTemplate: { spec: { template: { spec } } } } };
  return { apiVersion: 'apps/v1', kind, metadata: meta, spec: { template: { spec } } };
};

describe('findPodTemplates', () => {
  it('finds every pod-bearing kind, including CronJob, Pod and the prometheus-operator kinds', () => {
    const objects: K8sObject[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } },
      ...['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'].map((k) => workload(k, k.toLowerCase(), podSpec())),
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'prom' }, spec: { priorityClassName: 'x' } },
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'Alertmanager', metadata: { name: 'am' }, spec: {} },
      // Same kind name in another API group: not a prometheus-operator object.
      { apiVersion: 'example.test/v1', kind: 'Prometheus', metadata: { name: 'other' }, spec: {} },
    ];
    const found = findPodTemplates(objects);
    expect(found.map((t) => t.ref)).toEqual([
      'Deployment/deployment',
      'StatefulSet/statefulset',
      'DaemonSet/daemonset',
      'ReplicaSet/replicaset',
      'Job/job',
      'CronJob/cronjob',
      'Pod/pod',
      'Prometheus/prom',
      'Alertmanager/am',
    ]);
    expect(found.find((t) => t.kind === 'CronJob')?.spec.priorityClassName).toBe('edge-idp-critical');
    expect(found.filter((t) => t.operatorManaged).map((t) => t.name)).toEqual(['prom', 'am']);
  });
});

describe('checkRendered', () => {
  const component = makeComponent('demo', {
    namespace: 'edge-demo',
    tier: 'critical',
    parts: [
      { name: 'server', kind: 'Deployment', path: ['server'], resources: small },
      { name: 'repo-server', kind: 'Deployment', path: ['repoServer'], resources: small },
      { name: 'controller', kind: 'StatefulSet', path: ['controller'], resources: small },
      { name: 'prometheus', kind: 'Prometheus', path: ['prometheus', 'prometheusSpec'], resources: small },
      { name: 'backup', kind: 'CronJob', path: ['backup'], resources: small },
    ],
  });

  it('matches by kind and the longest contained part name, then pairs one leftover per kind', () => {
    const report = checkRendered(component, [
      workload('Deployment', 'demo-server', podSpec()),
      workload('Deployment', 'demo-repo-server', podSpec()),
      // Named after the release only: the one leftover StatefulSet pairs with the one leftover part.
      workload('StatefulSet', 'demo', podSpec()),
      workload('CronJob', 'demo-backup', podSpec()),
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'Prometheus',
        metadata: { name: 'demo-prometheus' },
        spec: { priorityClassName: 'edge-idp-critical', tolerations: cpTolerations, resources: okResources, image: 'quay.io/prometheus/prometheus:v3.0.0' },
      },
    ]);
    expect(report.workloads.map((w) => [w.object, w.part])).toEqual([
      ['CronJob/demo-backup', 'backup'],
      ['Deployment/demo-repo-server', 'repo-server'],
      ['Deployment/demo-server', 'server'],
      ['Prometheus/demo-prometheus', 'prometheus'],
      ['StatefulSet/demo', 'controller'],
    ]);
    expect(report).toMatchObject({ ok: true, partsFound: 5, partsCompliant: 5, unrenderedParts: [] });
  });

  it('reports an undeclared workload, checked against the component tier', () => {
    const report = checkRendered(component, [workload('DaemonSet', 'demo-exporter', podSpec({ priorityClassName: undefined }))]);
    expect(report.misses.map((m) => [m.object, m.rule, m.part, m.fixKey])).toEqual([
      ['DaemonSet/demo-exporter', 'undeclared', null, null],
      ['DaemonSet/demo-exporter', 'priorityClassName', null, null],
    ]);
    expect(report.misses[0]!.message).toContain("matches no declared part of component 'demo'");
    expect(report.unrenderedParts).toEqual(['backup', 'controller', 'prometheus', 'repo-server', 'server']);
  });

  it("checks Prometheus/Alertmanager at spec.resources and names the part's key", () => {
    const report = checkRendered(component, [
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'Prometheus',
        metadata: { name: 'demo-prometheus' },
        spec: {
          priorityClassName: 'edge-idp-critical',
          tolerations: cpTolerations,
          resources: { requests: { memory: '1Gi' } },
          // A patch of the operator's own container: no image, so not an image miss.
          containers: [{ name: 'config-reloader', resources: {} }],
        },
      },
    ]);
    expect(report.misses.map((m) => [m.rule, m.fixKey])).toEqual([['resources', 'prometheus.prometheusSpec.resources']]);
    expect(report.misses[0]!.message).toContain('spec.resources lacks requests.cpu, limits.memory');
  });

  it('flags unpinned images per container, init containers included', () => {
    const report = checkRendered(component, [
      workload('Deployment', 'demo-server', podSpec({
        initContainers: [{ name: 'init', image: 'busybox', resources: okResources }],
      }, 'example.test/app:latest')),
    ]);
    expect(report.misses.map((m) => [m.rule, m.container])).toEqual([
      ['image', 'init'],
      ['image', 'main'],
    ]);
    expect(report.misses[1]!.message).toContain("image of 'main' is 'example.test/app:latest', not pinned");
  });

  it('accepts tolerations that cover the expected ones, refuses ones that do not', () => {
    const wide = checkRendered(component, [workload('Deployment', 'demo-server', podSpec({ tolerations: [{ operator: 'Exists' }] }))]);
    expect(wide.ok).toBe(true);
    const narrow = checkRendered(component, [
      workload('Deployment', 'demo-server', podSpec({ tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoExecute' }] })),
    ]);
    expect(narrow.misses.map((m) => [m.rule, m.fixKey])).toEqual([['tolerations', 'server.tolerations']]);
  });

  it('checks namespaces of every namespaced object, skipping cluster-scoped kinds', () => {
    const report = checkRendered(
      component,
      [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: 'kube-system' } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'implicit' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same', namespace: 'edge-demo' } },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cr', namespace: 'junk' } },
        { apiVersion: 'example.test/v1', kind: 'ClusterWidget', metadata: { name: 'w', namespace: 'junk' } },
      ],
      { clusterScopedKinds: ['ClusterWidget'] },
    );
    expect(report.misses.map((m) => [m.object, m.rule])).toEqual([['Service/svc', 'namespace']]);
    expect(CLUSTER_SCOPED_KINDS.has('CustomResourceDefinition')).toBe(true);
  });

  it('holds rendered namespaced kinds to the declared namespacedKinds, both ways (the AppProject allow-list)', () => {
    const declared = makeComponent('declared', { namespace: 'edge-demo', tier: 'critical', parts: [], namespacedKinds: [{ group: '', kind: 'Service' }, { group: 'batch', kind: 'CronJob' }] });
    const report = checkRendered(declared, [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'rb' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cr' } },
    ]);
    expect(report.misses.map((m) => [m.object, m.rule])).toEqual([
      ['<namespacedKinds batch/CronJob>', 'kind'],
      ['RoleBinding/rb', 'kind'],
    ]);
    expect(report.misses.find((m) => m.object === 'RoleBinding/rb')!.message).toMatch(
      /namespaced kind 'rbac\.authorization\.k8s\.io\/RoleBinding' is not in component 'declared''s namespacedKinds.*fix: add/,
    );
    expect(report.misses[0]!.message).toMatch(/lists 'batch\/CronJob', but the chart renders no such object; fix: remove it/);
    // Without a declaration (a CheckableComponent that does not say), kinds are not checked.
    expect(checkRendered(component, [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }]).misses).toEqual([]);
  });

  it('is deterministic whatever the input order', () => {
    const objects = [
      workload('Deployment', 'demo-server', podSpec({ priorityClassName: 'wrong' })),
      workload('StatefulSet', 'demo', podSpec({ containers: [{ name: 'c', image: 'x' }] })),
      workload('Deployment', 'demo-repo-server', podSpec({ tolerations: [] })),
    ];
    const a = checkRendered(component, objects);
    const b = checkRendered(component, [...objects].reverse());
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.misses.map((m) => `${m.object} ${m.rule}`)).toEqual([
      'Deployment/demo-repo-server tolerations',
      'Deployment/demo-server priorityClassName',
      'StatefulSet/demo resources',
      'StatefulSet/demo image',
    ]);
  });
});

describe('collectImages', () => {
  it('collects every container image and operator images, sorted and unique', () => {
    const images = collectImages([
      workload('Deployment', 'b', podSpec({ initContainers: [{ name: 'i', image: 'z.test/init:1' }] }, 'b.test/app:1')),
      workload('CronJob', 'c', podSpec({}, 'a.test/job:2')),
      workload('Pod', 'p', podSpec({ ephemeralContainers: [{ name: 'dbg', image: 'a.test/debug:1' }] }, 'b.test/app:1')),
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'Alertmanager',
        metadata: { name: 'am' },
        spec: { image: 'quay.io/prometheus/alertmanager:v0.28.0', containers: [{ name: 'sidecar', image: 'a.test/sidecar:3' }, { name: 'patch' }] },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { image: 'not/an:image' } },
    ]);
    expect(images).toEqual([
      'a.test/debug:1',
      'a.test/job:2',
      'a.test/sidecar:3',
      'b.test/app:1',
      'quay.io/prometheus/alertmanager:v0.28.0',
      'z.test/init:1',
    ]);
  });
});
