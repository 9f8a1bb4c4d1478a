/** Layer 00-core: Cilium, the Gateway API CRDs, the namespaces. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../platform/config/errors.js';
import { LB_POOL_NAME } from '../../layers/00-core/cilium.js';
import { GATEWAY_API_VERSION } from '../../layers/00-core/gateway-api.js';
import { syncOrder } from '../../platform/argocd/ordering.js';
import { ROOT_NAME } from '../../platform/argocd/constants.js';
import { buildTestSite } from '../helpers/site.js';

const site = await buildTestSite();
const cilium = site.components.find((c) => c.componentName === 'cilium')!;
const values = cilium.values as Record<string, any>;
const order = syncOrder(site.rootObjects as never, ROOT_NAME);

describe('Cilium', () => {
  it('replaces kube-proxy and talks to the API endpoint from the config', () => {
    expect(values.kubeProxyReplacement).toBe(true);
    expect(values.k8sServiceHost).toBe(site.config.cluster.apiServer.host);
    expect(values.k8sServicePort).toBe(site.config.cluster.apiServer.port);
    expect(values.ipam).toEqual({ mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: [site.config.cluster.podCIDR] } });
  });

  it('runs Hubble relay and UI, and serves the Gateway API with in-cluster Hubble certificates', () => {
    expect(values.hubble.relay.enabled).toBe(true);
    expect(values.hubble.ui.enabled).toBe(true);
    // `helm` would mint new certificates on every render: ArgoCD would never converge.
    expect(values.hubble.tls.auto.method).toBe('cronJob');
    expect(values.gatewayAPI.enabled).toBe(true);
    expect(values.envoy.enabled).toBe(true);
  });

  it('sizes the operator to the nodes: two on three nodes, one on a single node; more than the nodes is a config error', async () => {
    expect(values.operator.replicas).toBe(2);
    const single = await buildTestSite((c) => (c.nodes = [c.nodes[0]]));
    expect((single.components.find((c) => c.componentName === 'cilium')!.values as any).operator.replicas).toBe(1);
    const err = await buildTestSite((c) => (c.components = { cilium: { operatorReplicas: 4 } })).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/components\.cilium\.operatorReplicas: 4 is not allowed: use an integer from 1 to 3/);
  });

  it('gives LoadBalancer Services LAN addresses from the configured pool, announced over L2', () => {
    expect(values.l2announcements).toEqual({ enabled: true });
    const objects = site.resources.get('cilium')!;
    const pool = objects.find((o) => o.kind === 'CiliumLoadBalancerIPPool') as any;
    expect(pool.metadata.name).toBe(LB_POOL_NAME);
    expect(pool.spec.blocks).toEqual([{ cidr: site.config.cluster.loadBalancerPool }]);
    expect(objects.find((o) => o.kind === 'CiliumL2AnnouncementPolicy')).toMatchObject({ spec: { loadBalancerIPs: true } });
  });

  it('is never pruned nor cascade-deleted, and its layer keeps resources if the ApplicationSet goes', () => {
    const element = site.deliveries.find((d) => d.component.componentName === 'cilium')!.element;
    expect([element.prune, element.cascadeDelete]).toEqual([false, false]);
    const coreSet = site.rootObjects.find((o) => o.kind === 'ApplicationSet' && o.metadata.name === 'edge-idp-core') as any;
    expect(coreSet.spec.syncPolicy.preserveResourcesOnDeletion).toBe(true);
  });
});

describe('Cilium metrics', () => {
  it('are scraped through ServiceMonitors the monitoring stack makes (Cilium syncs before their CRD)', () => {
    expect(values.prometheus).toEqual({ enabled: true, metricsService: true });
    expect(values.operator.prometheus).toEqual({ enabled: true, metricsService: true });
    expect(values.hubble.metrics.enabled.length).toBeGreaterThan(0);
    const monitors = site.resources.get('prometheus-stack')!.filter((o) => o.kind === 'ServiceMonitor') as any[];
    expect(monitors.map((m) => [m.metadata.namespace, m.metadata.name, m.spec.endpoints[0].port])).toEqual(
      cilium.scrapeTargets.map((t) => ['kube-system', t.name, t.port]),
    );
    for (const m of monitors) expect(m.spec.namespaceSelector).toEqual({ matchNames: ['kube-system'] });
  });
});

describe('Gateway API CRDs', () => {
  it('come from the pinned standard channel, before the core layer (Cilium reads them at start)', () => {
    const app = order.applications.find((a) => a.name === 'gateway-api')!;
    expect(app.sources[0]).toMatchObject({ path: 'config/crd/standard', targetRevision: GATEWAY_API_VERSION });
    expect(app.wave).toBeLessThan(order.applicationSets.find((s) => s.name === 'edge-idp-core')!.wave);
  });
});

describe('namespaces', () => {
  it('owns the secrets namespace Cilium would otherwise create unlabelled', () => {
    expect(values.gatewayAPI.secretsNamespace.create).toBe(false);
    const names = site.resources.get('namespaces')!.map((o) => o.metadata.name);
    expect(names).toContain('cilium-secrets');
    expect(names).not.toContain('kube-system');
  });

  it('never prunes the namespaces that hold ArgoCD or unprunable components', () => {
    const ns = site.resources.get('namespaces')!;
    const argocd = ns.find((o) => o.metadata.name === 'argocd') as any;
    expect(argocd.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
  });

  it('refuses two tiers in one namespace', async () => {
    const { platformNamespaces } = await import('../../layers/00-core/namespaces.js');
    const fake = (name: string, tier: string) => ({ componentName: name, targetNamespace: 'shared', extraNamespaces: [], tier, podSecurity: 'restricted', sync: { prune: true } });
    expect(() => platformNamespaces([fake('a', 'critical'), fake('b', 'important')] as never)).toThrow(
      /namespace 'shared' holds components of different tiers \(a: critical, b: important\)/,
    );
  });
});
