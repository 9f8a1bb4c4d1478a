/**
 * The rendered network check (`platform/render/network-check.ts`) on hand-made objects: the pod
 * labels, Services and ports a component declares for its network policies must be what its
 * chart renders. On the real charts it runs in `edge-idp render` (test/render/rendered-check.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { networkMisses, type NetworkCheckable } from '../../platform/render/network-check.js';
import type { K8sObject } from '../../platform/render/render.js';

const deployment = (name: string, labels: Record<string, string>, ports: { name?: string; containerPort: number }[], extra: Record<string, unknown> = {}): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'web' },
  spec: { template: { metadata: { labels }, spec: { ...extra, containers: [{ name: 'main', ports }] } } },
});
const svc = (name: string, selector: Record<string, string>, ports: { port: number; targetPort?: number | string }[]): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'web' },
  spec: { selector, ports },
});

const component: NetworkCheckable = {
  componentName: 'web',
  targetNamespace: 'web',
  network: {
    pods: { server: { labels: { app: 'web' } } },
    services: { web: { pods: 'server', ports: [[80, 8080]] } },
    metrics: [{ pods: 'server', port: 9090 }],
  },
};
const good = [deployment('web', { app: 'web', 'helm.sh/chart': 'web-1' }, [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }]), svc('web', { app: 'web' }, [{ port: 80, targetPort: 'http' }])];
const messages = (c: NetworkCheckable, objects: readonly K8sObject[], own: readonly K8sObject[] = []) => networkMisses(c, objects, own).map((m) => m.message);

describe('the rendered network check', () => {
  it('passes when labels, Services, ports and metrics are what the chart renders', () => {
    expect(messages(component, good)).toEqual([]);
  });

  it('reports a pod template no group selects (its pods would get no flow)', () => {
    expect(messages(component, [...good, deployment('extra', { app: 'extra' }, [])]).join('\n')).toMatch(
      /Deployment\/extra: its pods \(app=extra\) match no network\.pods group of component 'web': in a default-deny namespace they would get no flow/,
    );
  });

  it('reports a pod template two groups select', () => {
    const two = { ...component, network: { ...component.network!, pods: { server: { labels: { app: 'web' } }, all: { labels: { 'helm.sh/chart': 'web-1' } } } } };
    expect(messages(two, good).join('\n')).toMatch(/Deployment\/web: its pods match several network\.pods groups of component 'web' \(server, all\)/);
  });

  it('reports a group whose labels match no pod, and a host-network mismatch', () => {
    const wrong = { ...component, network: { ...component.network!, pods: { server: { labels: { app: 'web' }, hostNetwork: true }, worker: { labels: { app: 'worker' } } } } };
    const out = messages(wrong, good).join('\n');
    expect(out).toMatch(/network\.pods\.worker: its labels \(app=worker\) match no pod template component 'web' renders or makes/);
    expect(out).toMatch(/network\.pods\.server says hostNetwork true, the pod template says false/);
  });

  it('finds the pods of the component\'s own manifests, and ignores helm test pods', () => {
    const own = { ...component, network: { ...component.network!, pods: { ...component.network!.pods, job: { labels: { app: 'job' } } } } };
    expect(messages(own, good).join('\n')).toMatch(/network\.pods\.job/);
    expect(messages(own, good, [deployment('job', { app: 'job' }, [])])).toEqual([]);
    const testPod: K8sObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 't', namespace: 'web', annotations: { 'helm.sh/hook': 'test' }, labels: { x: 'y' } }, spec: {} };
    expect(messages(component, [...good, testPod])).toEqual([]);
  });

  it('reports a Service that is missing, selects other pods, lacks a port or maps it elsewhere', () => {
    expect(messages(component, [good[0]!]).join('\n')).toMatch(/Service\/web: declared in network\.services of component 'web' but not rendered/);
    expect(messages(component, [good[0]!, svc('web', { app: 'other' }, [{ port: 80, targetPort: 'http' }])]).join('\n')).toMatch(
      /Service\/web: its selector \(app=other\) does not select the pods of network\.pods\.server/,
    );
    expect(messages(component, [good[0]!, svc('web', { app: 'web' }, [{ port: 81, targetPort: 'http' }])]).join('\n')).toMatch(/Service\/web: has no port 80 \(it has 81\)/);
    expect(messages(component, [good[0]!, svc('web', { app: 'web' }, [{ port: 80, targetPort: 'metrics' }])]).join('\n')).toMatch(
      /Service\/web: port 80 goes to 'metrics' \(9090\), not to the declared pod port 8080/,
    );
    expect(messages(component, [good[0]!, svc('web', { app: 'web' }, [{ port: 80, targetPort: 8081 }])]).join('\n')).toMatch(/port 80 goes to pod port 8081, not to the declared pod port 8080/);
  });

  it('accepts a Service that selects a subset of the group by a label the pods get at run time (Vault\'s vault-active)', () => {
    expect(messages(component, [good[0]!, svc('web', { app: 'web', active: 'true' }, [{ port: 80, targetPort: 8080 }])])).toEqual([]);
  });

  it('reports a metrics port no container of the group declares', () => {
    const m = { ...component, network: { ...component.network!, metrics: [{ pods: 'server', port: 9100 }] } };
    expect(messages(m, good).join('\n')).toMatch(/network\.pods\.server: metrics port 9100 is no container port of its pods \(8080, 9090\)/);
    const scraped = { ...component, scrapeTargets: [{ name: 'web', selector: { app: 'web' }, port: 'metrics', pods: 'server', podPort: 9999 }] };
    expect(messages(scraped, good).join('\n')).toMatch(/metrics port 9999 is no container port/);
  });

  it('proves the labels of pods a controller makes at run time through a Service selecting them', () => {
    const runtime: NetworkCheckable = { componentName: 'mon', targetNamespace: 'web', network: { pods: { prom: { labels: { app: 'prom' }, createdAtRuntime: true } } } };
    expect(messages(runtime, [svc('prom', { app: 'prom' }, [{ port: 9090 }])])).toEqual([]);
    expect(messages(runtime, [svc('prom', { app: 'prometheus' }, [{ port: 9090 }])]).join('\n')).toMatch(
      /network\.pods\.prom: made at run time, so a Service of component 'mon' must select pods by all of its labels \(app=prom\), and none does/,
    );
  });
});
