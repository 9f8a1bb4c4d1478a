/**
 * Issue 15, finding 5: every platform namespace is default-deny, and the CiliumNetworkPolicies
 * in synth/ allow exactly the flows the components declare — every declared flow, and nothing
 * else. Read from the committed synth/ by `network-evaluator.ts` (a small model of Cilium's
 * policy semantics, itself proven on hand-made policies below); the intent comes from the
 * components' network facts (`network-expectations.ts`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { namespacePolicies, siteFlows, type Flow, type NamespaceNetworkPolicy } from '../../platform/model/network-policy.js';
import { calledBy, calls, KUBE_APISERVER, networkProblems, podsOf, service, tcp, type ComponentNetwork } from '../../platform/model/network.js';
import type { SiteBuild } from '../../platform/synth/build.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';
import { REPO_ROOT, buildTestSite, upstreamForTests } from '../helpers/site.js';
import { ENTITIES, pod, PolicyEvaluator, Unsupported, type CiliumPolicy, type Endpoint } from './network-evaluator.js';
import { expectedAllowed, universe, type Universe } from './network-expectations.js';

const SITE = join(REPO_ROOT, 'synth', 'edge-01');

/** Every CiliumNetworkPolicy under synth/edge-01. */
function synthPolicies(): CiliumPolicy[] {
  return readdirSync(SITE, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parse(readFileSync(join(SITE, f), 'utf8')) as CiliumPolicy | null)
    .filter((o): o is CiliumPolicy => o?.kind === 'CiliumNetworkPolicy');
}

/** The generated policies of an in-memory build. */
function builtPolicies(build: SiteBuild): CiliumPolicy[] {
  return [...build.resources.values()].flat().filter((o) => o.kind === 'CiliumNetworkPolicy') as unknown as CiliumPolicy[];
}

/** The declared intent of a build: its flows and each namespace's summary. */
function intent(build: SiteBuild): { flows: Flow[]; policies: NamespaceNetworkPolicy[] } {
  const site = { config: build.config, components: build.components };
  const flows = siteFlows(site);
  return { flows, policies: namespacePolicies(site, flows) };
}

/** Connections the policies allow that the flows do not call for, and the other way round. */
function disagreements(evaluator: PolicyEvaluator, flows: readonly Flow[], policies: readonly NamespaceNetworkPolicy[], u: Universe): string[] {
  const out: string[] = [];
  for (const from of u.endpoints) {
    for (const to of u.endpoints) {
      for (const { port, protocol } of u.ports) {
        const actual = evaluator.allowed(from, to, port, protocol);
        if (actual !== expectedAllowed(policies, flows, u, from, to, port, protocol)) {
          out.push(`${from.name} -> ${to.name} ${protocol} ${port}: policies ${actual ? 'allow' : 'deny'} it, the declared flows ${actual ? 'do not' : 'do'}`);
        }
      }
    }
  }
  return out;
}

/** The endpoint standing for a flow end (a host-network end: the node). */
function endpointOf(u: Universe, end: Flow['from']): Endpoint {
  if (end.kind === 'pods') return end.hostNetwork ? ENTITIES.remoteNode : u.groups.get(`${end.component}/${end.group}`)!;
  return end.entity === 'gateway' ? ENTITIES.ingress : end.entity === 'world' ? ENTITIES.world : ENTITIES.kubeApiserver;
}

describe('the network policy evaluator (hand-made policies)', () => {
  const a = pod('a', 'ns1', { app: 'a' });
  const b = pod('b', 'ns1', { app: 'b' });
  const bElsewhere = pod('b2', 'ns2', { app: 'b' });
  const cnp = (namespace: string, ...specs: Record<string, unknown>[]): CiliumPolicy => ({ kind: 'CiliumNetworkPolicy', metadata: { name: 'p', namespace }, specs });
  const ports = (...p: number[]) => [{ ports: p.map((port) => ({ port: String(port), protocol: 'TCP' })) }];

  it('allows everything where no policy selects a pod', () => {
    const e = new PolicyEvaluator([]);
    expect(e.allowed(a, b, 80)).toBe(true);
    expect(e.allowed(ENTITIES.world, a, 22)).toBe(true);
  });

  it('denies ingress under `ingress: [{}]` (the default deny), leaving egress open', () => {
    const e = new PolicyEvaluator([cnp('ns1', { endpointSelector: {}, ingress: [{}] })]);
    expect(e.allowed(a, b, 80)).toBe(false);
    expect(e.allowed(ENTITIES.world, a, 80)).toBe(false);
    expect(e.allowed(a, bElsewhere, 80)).toBe(true);
    expect(e.enforced(a, 'egress')).toBe(false);
  });

  it('always lets the local host in (kubelet probes), not a remote node', () => {
    const e = new PolicyEvaluator([cnp('ns1', { endpointSelector: {}, ingress: [{}] })]);
    expect(e.allowed(ENTITIES.host, a, 8080)).toBe(true);
    expect(e.allowed(ENTITIES.remoteNode, a, 8080)).toBe(false);
  });

  it('allows a peer by labels only in the policy namespace, unless the selector names another', () => {
    const e = new PolicyEvaluator([
      cnp('ns1', { endpointSelector: {}, ingress: [{}] }, { endpointSelector: { matchLabels: { app: 'a' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'b' } }], toPorts: ports(80) }] }),
    ]);
    expect(e.allowed(b, a, 80)).toBe(true);
    expect(e.allowed(b, a, 81)).toBe(false);
    expect(e.allowed(bElsewhere, a, 80)).toBe(false);
    const cross = new PolicyEvaluator([
      cnp('ns1', { endpointSelector: { matchLabels: { app: 'a' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'b', 'k8s:io.kubernetes.pod.namespace': 'ns2' } }], toPorts: ports(80) }] }),
    ]);
    expect(cross.allowed(bElsewhere, a, 80)).toBe(true);
    expect(cross.allowed(b, a, 80)).toBe(false);
  });

  it('matches protocols, port ranges and matchExpressions', () => {
    const e = new PolicyEvaluator([
      cnp('ns1', {
        endpointSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a'] }] },
        ingress: [{ fromEntities: ['world'], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }, { port: '1000', endPort: 1010 }] }] }],
      }),
    ]);
    expect(e.allowed(ENTITIES.world, a, 53, 'UDP')).toBe(true);
    expect(e.allowed(ENTITIES.world, a, 53, 'TCP')).toBe(false);
    expect(e.allowed(ENTITIES.world, a, 1005, 'TCP')).toBe(true);
    expect(e.allowed(ENTITIES.world, a, 1011, 'TCP')).toBe(false);
    expect(e.allowed(ENTITIES.world, b, 9, 'TCP')).toBe(true);
  });

  it('needs both sides: an egress default deny blocks what the destination would accept', () => {
    const e = new PolicyEvaluator([
      cnp('ns1', { endpointSelector: { matchLabels: { app: 'a' } }, egress: [{ toEntities: ['kube-apiserver'], toPorts: ports(6443) }] }),
    ]);
    expect(e.allowed(a, ENTITIES.kubeApiserver, 6443)).toBe(true);
    expect(e.allowed(a, ENTITIES.world, 443)).toBe(false);
    expect(e.allowed(a, b, 80)).toBe(false);
    expect(e.allowed(b, a, 80)).toBe(true);
  });

  it('ignores rules that disable their default deny', () => {
    const e = new PolicyEvaluator([cnp('ns1', { endpointSelector: {}, enableDefaultDeny: { ingress: false }, ingress: [{ fromEntities: ['world'] }] })]);
    expect(e.allowed(b, a, 80)).toBe(true);
  });

  it('refuses what it does not model instead of guessing', () => {
    const bad: Record<string, unknown>[] = [
      { endpointSelector: {}, egress: [{ toFQDNs: [{ matchName: 'example.com' }] }] },
      { endpointSelector: {}, ingress: [{ toPorts: ports(80) }] },
      { endpointSelector: {}, ingressDeny: [{ fromEntities: ['world'] }] },
      { nodeSelector: {}, ingress: [{}] },
      { endpointSelector: {}, ingress: [{ fromEntities: ['health'] }] },
    ];
    for (const spec of bad) expect(() => new PolicyEvaluator([cnp('ns1', spec)]), JSON.stringify(spec)).toThrow(Unsupported);
    const named = new PolicyEvaluator([cnp('ns1', { endpointSelector: {}, ingress: [{ fromEntities: ['world'], toPorts: [{ ports: [{ port: 'http' }] }] }] })]);
    expect(() => named.allowed(ENTITIES.world, a, 80)).toThrow(Unsupported);
  });
});

describe('the CiliumNetworkPolicies in synth/ allow exactly the declared flows', async () => {
  const build = await buildTestSite();
  const { flows, policies } = intent(build);
  const evaluator = new PolicyEvaluator(synthPolicies());
  // Namespaces the default site has no policy for: optional components off, a tenant.
  const u = universe(policies, flows, ['backstage', 'sonarqube', 'tenant-a']);
  const g = (key: string) => {
    const e = u.groups.get(key);
    expect(e, key).toBeDefined();
    return e!;
  };

  it('holds one policy per namespace that has one in the model, and a flow or more to check', () => {
    expect(synthPolicies().map((p) => p.metadata.namespace).sort()).toEqual(policies.map((p) => p.namespace).sort());
    expect(flows.length).toBeGreaterThan(40);
  });

  it('every platform namespace is default-deny for every pod (ingress; egress unless the namespace says why not)', () => {
    const namespaces = readdirSync(join(SITE, 'layers', '00-core', 'namespaces', 'resources')).map((f) => parse(readFileSync(join(SITE, 'layers', '00-core', 'namespaces', 'resources', f), 'utf8')).metadata.name as string);
    expect(namespaces.length).toBeGreaterThan(5);
    for (const ns of namespaces) {
      const summary = policies.find((p) => p.namespace === ns);
      expect(summary?.scope, ns).toBe('namespace');
      const intruder = u.intruders.get(ns)!;
      expect(evaluator.enforced(intruder, 'ingress'), `${ns}: ingress default deny`).toBe(true);
      expect(evaluator.enforced(intruder, 'egress'), `${ns}: egress default deny`).toBe(summary!.openEgress.length === 0);
      if (summary!.openEgress.length === 0) {
        expect(evaluator.allowed(intruder, u.dns, 53, 'UDP'), `${ns}: DNS`).toBe(true);
        expect(evaluator.allowed(intruder, ENTITIES.world, 443), `${ns}: world`).toBe(false);
        expect(evaluator.allowed(intruder, ENTITIES.kubeApiserver, build.config.cluster.apiServer.port), `${ns}: API server`).toBe(false);
      }
    }
  });

  it('kube-system: the platform\'s own pods are default-deny, the cluster\'s (CoreDNS) untouched', () => {
    expect(evaluator.enforced(g('cilium/hubble-ui'), 'ingress')).toBe(true);
    expect(evaluator.enforced(g('cilium/hubble-relay'), 'ingress')).toBe(true);
    expect(evaluator.enforced(u.dns, 'ingress')).toBe(false);
    expect(evaluator.enforced(u.intruders.get('kube-system')!, 'ingress')).toBe(false);
  });

  it('allows every declared flow, on each of its ports', () => {
    const denied = flows.flatMap((f) =>
      f.ports.filter((p) => !evaluator.allowed(endpointOf(u, f.from), endpointOf(u, f.to), p.port, p.protocol)).map((p) => `${f.declaredBy}: ${f.from.kind === 'pods' ? `${f.from.component}/${f.from.group}` : f.from.entity} -> ${f.to.kind === 'pods' ? `${f.to.component}/${f.to.group}` : f.to.entity} ${p.protocol} ${p.port} (${f.why})`),
    );
    expect(denied).toEqual([]);
  });

  it('allows nothing else: over every pair of endpoints and every port, policies and declared flows agree', () => {
    expect(u.endpoints.length * u.endpoints.length * u.ports.length).toBeGreaterThan(10_000);
    expect(disagreements(evaluator, flows, policies, u)).toEqual([]);
  });

  /** Every endpoint of the universe the policies let reach `to` on a port. */
  const callers = (to: Endpoint, port: number) => u.endpoints.filter((from) => evaluator.allowed(from, to, port, 'TCP')).map((e) => e.name).sort();

  it("denies Vault's plain gateway listener (8202) to everyone but the gateway, and its API (8200) to pods that declare no flow", () => {
    const server = g('vault/server');
    expect(callers(server, 8202)).toEqual(['host', 'ingress']);
    expect(callers(server, 8200)).toEqual(['external-secrets/controller', 'host', 'prometheus-stack/prometheus', 'vault/bootstrap', 'vault/configurer', 'vault/seeder', 'vault/unsealer'].sort());
    for (const ns of ['backstage', 'sonarqube', 'tenant-a', 'grafana', 'argocd']) {
      for (const port of [8200, 8201, 8202]) expect(evaluator.allowed(u.intruders.get(ns)!, server, port), `${ns} -> vault ${port}`).toBe(false);
    }
    expect(evaluator.allowed(g('grafana/grafana'), server, 8200)).toBe(false);
  });

  it('denies Loki (no authentication) to every pod but Fluent Bit, Grafana and Prometheus', () => {
    expect(callers(g('loki/loki'), 3100)).toEqual(['fluent-bit/fluent-bit', 'grafana/grafana', 'host', 'prometheus-stack/prometheus']);
    expect(evaluator.allowed(g('argocd/server'), g('loki/loki'), 3100)).toBe(false);
  });

  it('denies Prometheus (9090) and Alertmanager (9093) to every pod but their declared consumers', () => {
    expect(callers(g('prometheus-stack/prometheus'), 9090)).toEqual(['grafana/grafana', 'host', 'prometheus-stack/prometheus']);
    expect(callers(g('prometheus-stack/alertmanager'), 9093)).toEqual(['host', 'prometheus-stack/prometheus']);
  });

  it("denies ArgoCD's repo server and Redis to every pod but ArgoCD's own that use them", () => {
    expect(callers(g('argocd/repo-server'), 8081)).toEqual(['argocd/application-controller', 'argocd/applicationset-controller', 'argocd/server', 'host']);
    expect(callers(g('argocd/redis'), 6379)).toEqual(['argocd/application-controller', 'argocd/repo-server', 'argocd/server', 'host']);
  });

  it('admits the API server to webhooks only, and routes UIs only from the gateway', () => {
    const governed = u.endpoints.filter((to) => evaluator.enforced(to, 'ingress'));
    const fromApiServer = governed.filter((to) => u.ports.some((p) => evaluator.allowed(ENTITIES.kubeApiserver, to, p.port, p.protocol))).map((e) => e.name).sort();
    expect(fromApiServer).toEqual(['cert-manager/webhook', 'external-secrets/webhook', 'kyverno/admission-controller', 'kyverno/cleanup-controller', 'prometheus-stack/operator']);
    // Hubble UI has no login and the committed config has no sso: not routed, so not even the gateway.
    expect(callers(g('cilium/hubble-ui'), 8081)).toEqual(['host']);
    expect(callers(g('grafana/grafana'), 3000)).toEqual(['host', 'ingress', 'prometheus-stack/prometheus']);
  });
});

describe("Cilium runs with the semantics the policies and the evaluator assume", () => {
  const values = parse(readFileSync(join(SITE, 'layers', '00-core', 'cilium', 'values.yaml'), 'utf8')) as Record<string, any>;
  const upstream = upstreamForTests();
  const defaults = upstream ? (parse(readFileSync(join(upstream, 'values', 'cilium.values.yaml'), 'utf8')) as Record<string, any>) : {};

  it("policy enforcement 'default' (unselected pods open, a selected direction default-deny), no host firewall, allow-localhost not 'policy'", () => {
    expect(values.policyEnforcementMode ?? defaults.policyEnforcementMode ?? 'default').toBe('default');
    expect(values.hostFirewall?.enabled ?? defaults.hostFirewall?.enabled ?? false).toBe(false);
    // allow-localhost has no chart value: only extraConfig could set it (auto means always on Kubernetes).
    expect(['auto', 'always', undefined]).toContain(values.extraConfig?.['allow-localhost']);
  });
});

describe('the policies follow the config', () => {
  it('all components on: the optional ones are default-deny too, and the policies still allow exactly the declared flows', async () => {
    const build = await buildAllEnabled();
    const { flows, policies } = intent(build);
    const evaluator = new PolicyEvaluator(builtPolicies(build));
    const u = universe(policies, flows, ['tenant-a']);
    for (const ns of ['sonarqube', 'backstage']) expect(evaluator.enforced(u.intruders.get(ns)!, 'ingress'), ns).toBe(true);
    expect(evaluator.allowed(u.groups.get('backstage/backstage')!, u.groups.get('vault/server')!, 8200)).toBe(false);
    expect(evaluator.allowed(u.groups.get('sonarqube/sonarqube')!, u.groups.get('loki/loki')!, 3100)).toBe(false);
    expect(evaluator.allowed(u.groups.get('backstage/backstage')!, u.groups.get('backstage/postgresql')!, 5432)).toBe(true);
    expect(evaluator.allowed(u.intruders.get('backstage')!, u.groups.get('backstage/postgresql')!, 5432)).toBe(false);
    expect(disagreements(evaluator, flows, policies, u)).toEqual([]);
  });

  it('with single sign-on (all components on, the bundled Dex): the gateway reaches a UI without a login only through its proxy, which reaches the provider in the cluster', async () => {
    const build = await buildAllEnabled();
    const { flows, policies } = intent(build);
    const evaluator = new PolicyEvaluator(builtPolicies(build));
    const u = universe(policies, flows, []);
    const at = (name: string) => u.groups.get(name)!;
    const proxy = at('sso/proxy');
    const callers = (to: Endpoint, port: number) => u.endpoints.filter((from) => evaluator.allowed(from, to, port, 'TCP')).map((e) => e.name).sort();
    // Hubble UI: no longer from the gateway, from the proxy instead.
    expect(callers(at('cilium/hubble-ui'), 8081)).toEqual(['host', 'sso/proxy']);
    expect(callers(proxy, 4180)).toEqual(['host', 'ingress']);
    // The proxies, Grafana and Argo Workflows reach the bundled Dex through argocd-server; nobody else new does.
    expect(callers(at('argocd/server'), 8080)).toEqual(['argo-workflows/server', 'grafana/grafana', 'host', 'ingress', 'sso/proxy']);
    expect(callers(at('argocd/dex-server'), 5556)).toEqual(['argocd/server', 'host']);
    // Vault's OIDC configuration Job reaches Vault's API, and nothing else of Vault.
    expect(evaluator.allowed(at('vault-oidc/configurer'), at('vault/server'), 8200)).toBe(true);
    expect(evaluator.allowed(at('vault-oidc/configurer'), at('vault/server'), 8202)).toBe(false);
    // A proxy reaches no Vault, no Loki.
    expect(evaluator.allowed(proxy, at('vault/server'), 8200)).toBe(false);
    expect(evaluator.allowed(proxy, at('loki/loki'), 3100)).toBe(false);
    expect(disagreements(evaluator, flows, policies, u)).toEqual([]);
  });

  it('disabling a component removes its namespace policy and every rule admitting it elsewhere', async () => {
    const before = await buildTestSite();
    const after = await buildTestSite((c) => (c.components = { ...c.components, grafana: { enabled: false } }));
    const ns = (b: SiteBuild) => builtPolicies(b).map((p) => p.metadata.namespace);
    expect(ns(before)).toContain('grafana');
    expect(ns(after)).not.toContain('grafana');
    const mentionsGrafana = (b: SiteBuild) => JSON.stringify(builtPolicies(b)).includes('"app.kubernetes.io/name":"grafana"');
    expect(mentionsGrafana(before)).toBe(true);
    expect(mentionsGrafana(after)).toBe(false);
    // A Grafana pod started by hand afterwards reaches neither Loki nor Prometheus.
    const { flows, policies } = intent(after);
    const u = universe(policies, flows, ['grafana']);
    const evaluator = new PolicyEvaluator(builtPolicies(after));
    const grafana = pod('grafana', 'grafana', { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': 'grafana' });
    expect(evaluator.allowed(grafana, u.groups.get('loki/loki')!, 3100)).toBe(false);
    expect(evaluator.allowed(grafana, u.groups.get('prometheus-stack/prometheus')!, 9090)).toBe(false);
    expect(disagreements(evaluator, flows, policies, u)).toEqual([]);
  });

  it('a caller switched off loses its rule at the callee (Fluent Bit at Loki), the callee keeps the others', async () => {
    const build = await buildTestSite((c) => (c.components = { ...c.components, 'fluent-bit': { enabled: false } }));
    const { flows, policies } = intent(build);
    const evaluator = new PolicyEvaluator(builtPolicies(build));
    const u = universe(policies, flows, []);
    const fluentBit = pod('fluent-bit', 'logging', { 'app.kubernetes.io/name': 'fluent-bit', 'app.kubernetes.io/instance': 'fluent-bit' });
    expect(evaluator.allowed(fluentBit, u.groups.get('loki/loki')!, 3100)).toBe(false);
    expect(evaluator.allowed(u.groups.get('grafana/grafana')!, u.groups.get('loki/loki')!, 3100)).toBe(true);
    expect(flows.some((f) => f.declaredBy === 'fluent-bit')).toBe(false);
  });

  it('without a scraper (no monitoring stack) there are no scrape rules; without the gateway no UI rules', async () => {
    // Without a gateway the committed teams' routes are refused: this site has no teams.
    const build = await buildTestSite((c) => (c.components = { ...c.components, 'prometheus-stack': { enabled: false }, gateway: { enabled: false } }), { tenants: false });
    const { flows } = intent(build);
    expect(flows.some((f) => f.reasons.some((r) => r.origin === 'metrics'))).toBe(false);
    expect(flows.some((f) => f.from.kind === 'entity' && f.from.entity === 'gateway')).toBe(false);
    expect(JSON.stringify(builtPolicies(build))).not.toContain('"ingress"]');
  });

  it('listing the Prometheus UI as public adds exactly the gateway to its callers', async () => {
    const build = await buildTestSite((c) => (c.publicUis = ['prometheus']));
    const evaluator = new PolicyEvaluator(builtPolicies(build));
    const { flows, policies } = intent(build);
    const u = universe(policies, flows, []);
    const prometheus = u.groups.get('prometheus-stack/prometheus')!;
    expect(u.endpoints.filter((e) => evaluator.allowed(e, prometheus, 9090)).map((e) => e.name).sort()).toEqual(['grafana/grafana', 'host', 'ingress', 'prometheus-stack/prometheus']);
  });

  it('switching the network policies off removes every policy', async () => {
    const build = await buildTestSite((c) => (c.components = { ...c.components, 'network-policies': { enabled: false } }));
    expect(builtPolicies(build)).toEqual([]);
    expect([...build.files.keys()].some((f) => f.includes('network-policies'))).toBe(false);
  });
});

describe('network facts are checked when the site is built', () => {
  const valid: ComponentNetwork = {
    pods: { server: { labels: { 'app.kubernetes.io/name': 'x' } } },
    services: { x: { pods: 'server', ports: [[80, 8080]] } },
    flows: [calls('server', KUBE_APISERVER, 'watches'), calledBy('server', KUBE_APISERVER, tcp(9443), 'webhook')],
  };

  it('accepts a valid declaration', () => {
    expect(networkProblems('x', valid)).toEqual([]);
  });

  it.each([
    ['an unknown pod group in a flow', { ...valid, flows: [calls('client', KUBE_APISERVER, 'watches')] }, /flows\[0\] \(watches\)\.pods names pod group 'client', which is not in network\.pods \(server\); add it there or fix the name/],
    ['a Service of an unknown group', { ...valid, services: { x: { pods: 'web', ports: [80] } } }, /network\.services\.x\.pods names pod group 'web'/],
    ['a group without labels', { ...valid, pods: { server: { labels: {} } } }, /network\.pods\.server has no labels: it would select every pod of the namespace/],
    ['a label Cilium leaves out of identities', { ...valid, pods: { server: { labels: { 'statefulset.kubernetes.io/pod-name': 'x-0' } } } }, /Cilium leaves 'statefulset\.kubernetes\.io\/pod-name' out of pod identities/],
    ['an ingress flow without ports', { ...valid, flows: [{ direction: 'ingress' as const, pods: 'server', peer: KUBE_APISERVER, why: 'webhook' }] }, /flows\[0\] \(webhook\) gives no ports: a flow into its pods must name the ports it uses/],
    ['a flow to pods without ports', { ...valid, flows: [calls('server', podsOf('y', 'db'), 'stores data')] }, /gives no ports: a flow to pods or the world must name the ports it uses/],
    ['ports on a Service peer', { ...valid, flows: [calls('server', service({ name: 'y', port: 80 }), 'calls y', tcp(80))] }, /gives ports for a Service peer: the Service's port resolves to its pods' port; leave them out/],
    ['a port out of range', { ...valid, services: { x: { pods: 'server', ports: [70000] } } }, /network\.services\.x\.ports port 70000 is not a port number \(1-65535\)/],
  ])('refuses %s, naming the component and the path', (_what, net, message) => {
    expect(networkProblems('x', net as ComponentNetwork).join('\n')).toMatch(message);
  });

  it('refuses a component that runs pods without network facts, a ui whose Service is undeclared, and a call to an undeclared Service port', async () => {
    const site = await buildTestSite();
    const base = { config: site.config, components: site.components };
    const grafana = site.components.find((c) => c.componentName === 'grafana')!;
    const without = (patch: Record<string, unknown>) => ({ ...base, components: base.components.map((c) => (c === grafana ? Object.assign(Object.create(Object.getPrototypeOf(c)), c, patch) : c)) });
    expect(() => siteFlows(without({ network: undefined }))).toThrow(/component 'grafana' runs pods \(grafana\) but declares no network facts: its namespace is default-deny, so declare network\.pods/);
    expect(() => siteFlows(without({ network: { ...grafana.network!, services: {} } }))).toThrow(
      /component 'grafana': its ui 'grafana' routes to Service grafana:80, which network\.services does not declare; declare the Service, its pod group and its ports/,
    );
    expect(() => siteFlows(without({ network: { ...grafana.network!, flows: [calls('grafana', service({ name: 'loki', namespace: 'logging', port: 3101 }), 'queries logs')] } }))).toThrow(
      /component 'grafana' calls Service logging\/loki on port 3101, which 'loki' does not declare \(ports 3100, 9095, 9096\); fix the port or the Service's network\.services entry/,
    );
  });

  it('every pod-group selector uses only labels Cilium keeps in identities (the whole catalog, all components on)', async () => {
    const build = await buildAllEnabled();
    const problems = build.components.flatMap((c) => (c.network ? networkProblems(c.componentName, c.network) : []));
    expect(problems).toEqual([]);
    // Every flow's peer resolves with everything on: a typo in a component or Service name would drop the flow silently.
    const site = { config: build.config, components: build.components };
    const stated = build.components.reduce((n, c) => n + (c.network?.flows?.length ?? 0), 0);
    const resolved = siteFlows(site).flatMap((f) => f.reasons.filter((r) => r.origin === 'stated'));
    expect(resolved.length).toBe(stated);
  });
});

