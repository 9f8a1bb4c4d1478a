/**
 * Phase 2 of the network facts (`network.ts`): every flow of the site, resolved to pods and pod
 * ports, and one CiliumNetworkPolicy per namespace holding its default deny and one allow rule
 * per flow. Pure functions over the phase-1 facts of the enabled components; the
 * `network-policies` component turns them into objects, `edge-idp docs` into the README's table.
 *
 * Cilium semantics this relies on (Cilium 1.20, `policyEnforcementMode: default`):
 * - A pod selected by a rule with an `ingress` (`egress`) section is default-deny in that
 *   direction; rules add up (a union of allows). `ingress: [{}]` selects without allowing
 *   anything: the default deny.
 * - In a CiliumNetworkPolicy, `endpointSelector` and a peer selector without a namespace label
 *   mean pods of the policy's namespace; a peer elsewhere carries `k8s:io.kubernetes.pod.namespace`.
 * - The node a pod runs on (kubelet probes, `kubectl port-forward`) always reaches it:
 *   `allow-localhost` is `auto`, which Cilium turns into `always` on Kubernetes.
 * - Services are resolved before policy: rules name pod ports, and a pod's call to the
 *   `kubernetes` Service reaches the API server at the cluster's API address and port.
 * - Gateway API traffic reaches backends from Cilium's Envoy as the `ingress` identity.
 * - The API server's calls to webhooks: on k3s it runs on the control-plane node's host
 *   network, so a webhook pod on the same node sees it as `host`, and one on another node as
 *   `remote-node` (the call leaves that node through its Cilium router address, which is not one
 *   of the `kubernetes` endpoint addresses Cilium gives the `kube-apiserver` identity). A flow
 *   from the API server is therefore allowed from all three ({@link KUBE_APISERVER_SOURCES}).
 * - Host-network pods (node agents) are not subject to pod policy (no host firewall); calls to
 *   them go to `host` and `remote-node`.
 */
import type { PlatformComponent, PlatformSite } from './component.js';
import { compareText } from './order.js';
import { isSystemNamespace } from './namespaces.js';
import { uiExposures } from './ui.js';
import {
  CLUSTER_DNS,
  formatPorts,
  networkProblems,
  servicePorts,
  tcp,
  type FlowSpec,
  type NetworkEntity,
  type Peer,
  type PodLabels,
  type PortSpec,
} from './network.js';

/** The one CiliumNetworkPolicy of each namespace: its default deny and its allow rules. */
export const NETWORK_POLICY_NAME = 'edge-idp-flows';

/** Cilium's label for a pod's namespace, in peer selectors. */
export const NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';

/** Cilium entities a call from the API server may arrive as (see the module comment). */
export const KUBE_APISERVER_SOURCES = ['kube-apiserver', 'host', 'remote-node'] as const;

/** Cilium entities host-network pods are reached as. */
export const HOST_NETWORK_ENTITIES = ['host', 'remote-node'] as const;

/** One end of a resolved flow. */
export type FlowEnd =
  | {
      readonly kind: 'pods';
      readonly component: string;
      readonly group: string;
      readonly namespace: string;
      readonly labels: PodLabels;
      readonly hostNetwork: boolean;
    }
  | { readonly kind: 'entity'; readonly entity: NetworkEntity };

/** Where a flow comes from: a component's stated flow, its `ui` (the gateway), its metrics (the scraper). */
export type FlowOrigin = 'stated' | 'ui' | 'metrics';

/** One fact a flow comes from. */
export interface FlowReason {
  readonly why: string;
  readonly origin: FlowOrigin;
  /** The component whose fact states or implies the flow. */
  readonly declaredBy: string;
}

/** A flow of the site, resolved to pods and pod ports. */
export interface Flow {
  readonly from: FlowEnd;
  readonly to: FlowEnd;
  readonly ports: readonly PortSpec[];
  /** Every reason, joined with `; ` (a flow two facts imply is kept once). */
  readonly why: string;
  /** The component of the first reason. */
  readonly declaredBy: string;
  readonly reasons: readonly FlowReason[];
}

/** `component/group` or the entity's name. */
export function endName(end: FlowEnd): string {
  return end.kind === 'pods' ? `${end.component}/${end.group}` : end.entity;
}

function podsEnd(c: PlatformComponent, group: string): FlowEnd {
  const g = c.network?.pods[group];
  if (!g) throw new Error(`component '${c.componentName}' has no pod group '${group}' in network.pods`);
  return { kind: 'pods', component: c.componentName, group, namespace: g.namespace ?? c.targetNamespace, labels: g.labels, hostNetwork: g.hostNetwork ?? false };
}

/** The pods and pod port behind a Service of an enabled component, or undefined when none declares it. */
function resolveService(site: PlatformSite, from: PlatformComponent, peer: Extract<Peer, { kind: 'service' }>): { end: FlowEnd; port: number } | undefined {
  const namespace = peer.namespace ?? from.targetNamespace;
  const owner = site.components.find((c) => c.targetNamespace === namespace && c.network?.services?.[peer.name]);
  if (!owner) return undefined;
  const svc = owner.network!.services![peer.name]!;
  const port = servicePorts(svc).find(([s]) => s === peer.port);
  if (!port) {
    throw new Error(
      `component '${from.componentName}' calls Service ${namespace}/${peer.name} on port ${peer.port}, which '${owner.componentName}' does not declare ` +
        `(ports ${servicePorts(svc).map(([s]) => s).join(', ')}); fix the port or the Service's network.services entry`,
    );
  }
  return { end: podsEnd(owner, svc.pods), port: port[1] };
}

/** One stated flow resolved, or undefined when its peer is a component that is not enabled. */
function resolveFlow(site: PlatformSite, c: PlatformComponent, f: FlowSpec): Flow | undefined {
  const own = podsEnd(c, f.pods);
  let peer: FlowEnd;
  let ports = f.ports ?? [];
  if (f.peer.kind === 'entity') {
    peer = f.peer;
    if (f.peer.entity === 'kube-apiserver' && f.direction === 'egress' && ports.length === 0) ports = tcp(site.config.cluster.apiServer.port);
  } else if (f.peer.kind === 'pods') {
    const name = f.peer.component ?? c.componentName;
    const other = site.components.find((x) => x.componentName === name);
    if (!other) return undefined;
    peer = podsEnd(other, f.peer.pods);
  } else {
    const resolved = resolveService(site, c, f.peer);
    if (!resolved) return undefined;
    peer = resolved.end;
    ports = tcp(resolved.port);
  }
  const [from, to] = f.direction === 'egress' ? [own, peer] : [peer, own];
  return flow(from, to, ports, { why: f.why, origin: 'stated', declaredBy: c.componentName });
}

function flow(from: FlowEnd, to: FlowEnd, ports: readonly PortSpec[], reason: FlowReason): Flow {
  return { from, to, ports, why: reason.why, declaredBy: reason.declaredBy, reasons: [reason] };
}

const endKey = (e: FlowEnd): string => (e.kind === 'pods' ? `pods:${e.namespace}/${e.component}/${e.group}` : `entity:${e.entity}`);
const portKey = (p: PortSpec): string => `${p.protocol}/${String(p.port).padStart(5, '0')}`;

/**
 * Every flow of the site: those the enabled components state, plus those their facts imply —
 * the gateway to every routed `ui` (when a component routes UIs), or to the SSO proxy in front of
 * it and the proxy to the UI (`uiExposures`; `configFile` names the config in its errors,
 * default `platform.yaml`), the scraper to every `metrics` port
 * and `scrapeTargets` entry (when a component scrapes). A flow whose peer is a disabled
 * component is left out. Sorted; the same flow from two facts is kept once with both reasons.
 */
export function siteFlows(site: PlatformSite, configFile = 'platform.yaml'): Flow[] {
  const problems: string[] = [];
  for (const c of site.components) {
    if (c.network) {
      problems.push(...networkProblems(c.componentName, c.network));
      for (const [name, g] of Object.entries(c.network.pods)) {
        if (g.namespace === undefined || g.namespace === c.targetNamespace || c.extraNamespaces.includes(g.namespace)) continue;
        problems.push(
          `component '${c.componentName}': network.pods.${name} runs in namespace '${g.namespace}', which is neither its namespace nor one of its extraNamespaces, ` +
            'so no policy of its would cover those pods; add the namespace to extraNamespaces',
        );
      }
    } else if (c.parts.length > 0) {
      problems.push(
        `component '${c.componentName}' runs pods (${c.parts.map((p) => p.name).join(', ')}) but declares no network facts: its namespace is default-deny, ` +
          'so declare network.pods and the flows its pods need (platform/model/network.ts)',
      );
    }
  }
  if (problems.length) throw new Error(problems.join('\n'));

  const flows: Flow[] = [];
  const routesUis = site.components.some((c) => c.network?.routesUis);
  const exposures = routesUis ? uiExposures(site, configFile) : [];
  const proxy = site.components.find((c) => c.uiProxy !== undefined);
  const scrapers = site.components.filter((c) => c.network?.scraper !== undefined);
  for (const c of site.components) {
    for (const f of c.network?.flows ?? []) {
      const flow = resolveFlow(site, c, f);
      if (flow) flows.push(flow);
    }
    for (const u of c.ui) {
      const svc = c.network?.services?.[u.service];
      const port = svc && servicePorts(svc).find(([s]) => s === u.port);
      if (!svc || !port) {
        throw new Error(
          `component '${c.componentName}': its ui '${u.subdomain}' routes to Service ${u.service}:${u.port}, which network.services does not declare; ` +
            'declare the Service, its pod group and its ports',
        );
      }
      // Only a routed UI gets flows: to itself from the gateway, or from the SSO proxy in front
      // of it, which the gateway calls (platform/model/ui.ts decides which).
      const exposure = routesUis ? exposures.find((e) => e.name === u.subdomain) : undefined;
      const reason = (why: string): FlowReason => ({ why, origin: 'ui', declaredBy: c.componentName });
      if (exposure?.access === 'sso-proxy' && proxy?.uiProxy) {
        const proxyPods = podsEnd(proxy, proxy.uiProxy.pods);
        flows.push(flow({ kind: 'entity', entity: 'gateway' }, proxyPods, tcp(proxy.uiProxy.podPort), reason(`its UI ${u.subdomain}.<domain> through the site gateway and the SSO proxy`)));
        flows.push(flow(proxyPods, podsEnd(c, svc.pods), tcp(port[1]), reason(`the SSO proxy forwards signed-in users to ${u.subdomain}.<domain>`)));
      } else if (exposure?.access) {
        flows.push(flow({ kind: 'entity', entity: 'gateway' }, podsEnd(c, svc.pods), tcp(port[1]), reason(`its UI ${u.subdomain}.<domain> through the site gateway`)));
      }
    }
    for (const s of scrapers) {
      const metrics = [...(c.network?.metrics ?? []), ...c.scrapeTargets.map((t) => ({ pods: t.pods, port: t.podPort }))];
      for (const m of metrics) {
        flows.push(flow(podsEnd(s, s.network!.scraper!), podsEnd(c, m.pods), tcp(m.port), { why: 'Prometheus scrapes its metrics', origin: 'metrics', declaredBy: c.componentName }));
      }
    }
  }
  // One entry per (from, to, ports): the same flow implied twice keeps both reasons.
  const merged = new Map<string, Flow>();
  for (const f of flows) {
    const key = `${endKey(f.from)}>${endKey(f.to)}>${[...f.ports].map(portKey).sort().join(',')}`;
    const seen = merged.get(key);
    if (!seen) {
      merged.set(key, { ...f, ports: [...f.ports].sort((a, b) => compareText(portKey(a), portKey(b))) });
      continue;
    }
    const reasons = [...seen.reasons, ...f.reasons];
    merged.set(key, { ...seen, reasons, why: [...new Set(reasons.map((r) => r.why))].join('; ') });
  }
  return [...merged.entries()].sort(([a], [b]) => compareText(a, b)).map(([, f]) => f);
}

/** What one namespace's policy enforces. */
export interface NamespaceNetworkPolicy {
  readonly namespace: string;
  /**
   * `namespace`: every pod of the namespace is default-deny (a platform namespace);
   * `platform-pods`: only the platform's own pods are (a system namespace such as kube-system,
   * which holds pods the platform does not declare: CoreDNS, k3s' local-path provisioner,
   * metrics-server).
   */
  readonly scope: 'namespace' | 'platform-pods';
  /** Components using the namespace (in a system namespace: those running pods in it). */
  readonly components: readonly string[];
  /** The platform's pod groups here (host-network ones excluded: no pod policy applies to them). */
  readonly groups: readonly Extract<FlowEnd, { kind: 'pods' }>[];
  /** Why egress is not enforced, per component; empty when it is (declared flows and DNS only). */
  readonly openEgress: readonly { readonly component: string; readonly why: string }[];
  /** Flows into pods of this namespace (each an ingress rule here). */
  readonly ingress: readonly Flow[];
  /** Flows out of pods of this namespace (egress rules here when egress is enforced). */
  readonly egress: readonly Flow[];
}

/**
 * The policy of every namespace that holds a component: each platform namespace, and each system
 * namespace where a component runs pods off the host network. Sorted by namespace.
 */
export function namespacePolicies(site: PlatformSite, flows: readonly Flow[]): NamespaceNetworkPolicy[] {
  const members = new Map<string, PlatformComponent[]>();
  for (const c of site.components) {
    for (const ns of [c.targetNamespace, ...c.extraNamespaces]) members.set(ns, [...(members.get(ns) ?? []), c]);
  }
  const out: NamespaceNetworkPolicy[] = [];
  for (const [namespace, comps] of [...members].sort(([a], [b]) => compareText(a, b))) {
    // The pod groups running here: a group runs in its component's namespace unless it names
    // another (one of the component's extraNamespaces, as the tenants' apps do).
    const groups = comps
      .flatMap((c) => Object.entries(c.network?.pods ?? {}).filter(([, g]) => !g.hostNetwork).map(([name]) => podsEnd(c, name)))
      .filter((e): e is Extract<FlowEnd, { kind: 'pods' }> => e.kind === 'pods' && e.namespace === namespace);
    const residents = comps.filter((c) => c.targetNamespace === namespace || groups.some((g) => g.component === c.componentName));
    const system = isSystemNamespace(namespace);
    if (system && groups.length === 0) continue;
    const inNamespace = (e: FlowEnd) => e.kind === 'pods' && e.namespace === namespace && !e.hostNetwork;
    out.push({
      namespace,
      scope: system ? 'platform-pods' : 'namespace',
      // In a system namespace only the components that run pods there; in a platform namespace every user of it.
      components: [...new Set((system ? residents.filter((c) => groups.some((g) => g.component === c.componentName)) : comps).map((c) => c.componentName))].sort(compareText),
      groups,
      openEgress: residents.filter((c) => c.network?.openEgress !== undefined).map((c) => ({ component: c.componentName, why: c.network!.openEgress! })),
      ingress: flows.filter((f) => inNamespace(f.to)),
      egress: flows.filter((f) => inNamespace(f.from)),
    });
  }
  return out;
}

/** A Cilium label selector. */
interface Selector {
  matchLabels?: Record<string, string>;
}

type Rule = Record<string, unknown>;

function podSelector(end: Extract<FlowEnd, { kind: 'pods' }>, policyNamespace: string): Selector {
  return { matchLabels: { ...end.labels, ...(end.namespace !== policyNamespace ? { [NAMESPACE_LABEL]: end.namespace } : {}) } };
}

/** The `from…` or `to…` part of a rule for a peer. */
function peerPart(end: FlowEnd, direction: 'from' | 'to', policyNamespace: string): Rule {
  if (end.kind === 'pods') {
    return end.hostNetwork ? { [`${direction}Entities`]: [...HOST_NETWORK_ENTITIES] } : { [`${direction}Endpoints`]: [podSelector(end, policyNamespace)] };
  }
  const entities: Record<NetworkEntity, readonly string[]> = {
    gateway: ['ingress'],
    'kube-apiserver': direction === 'from' ? KUBE_APISERVER_SOURCES : ['kube-apiserver'],
    world: ['world'],
  };
  return { [`${direction}Entities`]: [...entities[end.entity]] };
}

function toPorts(ports: readonly PortSpec[]): Rule[] {
  return [{ ports: ports.map((p) => ({ port: String(p.port), protocol: p.protocol })) }];
}

const DNS_RULE: Rule = {
  toEndpoints: [{ matchLabels: { [NAMESPACE_LABEL]: CLUSTER_DNS.namespace, ...CLUSTER_DNS.labels } }],
  toPorts: toPorts(CLUSTER_DNS.ports),
};

function description(f: Flow, direction: 'ingress' | 'egress'): string {
  return direction === 'ingress'
    ? `${endName(f.to)} accepts ${endName(f.from)} on ${formatPorts(f.ports)}: ${f.why}`
    : `${endName(f.from)} calls ${endName(f.to)} on ${formatPorts(f.ports)}: ${f.why}`;
}

/**
 * The namespace's CiliumNetworkPolicy: first its default deny (every pod, or each platform pod
 * group in a system namespace; egress too, but for DNS, when egress is enforced), then one rule
 * per flow into its pods and, when egress is enforced, one per flow out of them. Default deny and
 * allows are one object, so no sync can apply the one without the other.
 */
export function ciliumNetworkPolicy(ns: NamespaceNetworkPolicy): Record<string, unknown> {
  const enforceEgress = ns.openEgress.length === 0;
  const deny = (selector: Selector, what: string): Rule => ({
    description: enforceEgress
      ? `Default deny for ${what}: no ingress, no egress but DNS, beyond the rules below.`
      : `Default deny of ingress for ${what}, beyond the rules below; egress is open (${ns.openEgress.map((o) => `${o.component}: ${o.why}`).join('; ')}).`,
    endpointSelector: selector,
    ingress: [{}],
    ...(enforceEgress ? { egress: [DNS_RULE] } : {}),
  });
  const specs: Rule[] =
    ns.scope === 'namespace'
      ? [deny({}, `every pod in ${ns.namespace}`)]
      : ns.groups.map((g) => deny(podSelector(g, ns.namespace), `the platform's ${endName(g)} pods`));
  for (const f of ns.ingress) {
    if (f.to.kind !== 'pods') continue;
    specs.push({ description: description(f, 'ingress'), endpointSelector: podSelector(f.to, ns.namespace), ingress: [{ ...peerPart(f.from, 'from', ns.namespace), toPorts: toPorts(f.ports) }] });
  }
  if (enforceEgress) {
    for (const f of ns.egress) {
      if (f.from.kind !== 'pods') continue;
      specs.push({ description: description(f, 'egress'), endpointSelector: podSelector(f.from, ns.namespace), egress: [{ ...peerPart(f.to, 'to', ns.namespace), toPorts: toPorts(f.ports) }] });
    }
  }
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name: NETWORK_POLICY_NAME, namespace: ns.namespace },
    specs,
  };
}
