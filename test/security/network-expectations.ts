/**
 * What the platform means to allow, for the network policy tests: a universe of endpoints (every
 * declared pod group, an unknown "intruder" pod in every namespace, CoreDNS, the Cilium
 * entities) and the expected verdict for any connection, computed from the declared flows and
 * each namespace's summary (scope, open egress) alone — not from the generated policies, which
 * `network-evaluator.ts` reads from synth/. The tests compare the two over the whole universe.
 *
 * Stated here, and documented in `platform/model/network-policy.ts`:
 * - DNS: every pod whose egress is enforced may query CoreDNS on 53 (UDP and TCP).
 * - The node a pod runs on (`host`) always reaches it (kubelet probes).
 * - A flow from the API server is admitted from `kube-apiserver`, `host` and `remote-node`
 *   (the identities its webhook calls arrive with on k3s).
 * - A flow to host-network pods goes to `host` and `remote-node`.
 */
import { CLUSTER_DNS } from '../../platform/model/network.js';
import type { Flow, FlowEnd, NamespaceNetworkPolicy } from '../../platform/model/network-policy.js';
import { ENTITIES, pod, type Endpoint, type Protocol } from './network-evaluator.js';

/** Labels no declared selector uses: an arbitrary pod someone starts in a namespace. */
export const INTRUDER_LABELS = { 'edge-idp.io/test': 'intruder' } as const;

export interface Universe {
  readonly endpoints: readonly Endpoint[];
  /** Endpoint of each declared pod group (host-network ones excluded), by `component/group`. */
  readonly groups: ReadonlyMap<string, Endpoint>;
  /** An intruder pod per namespace. */
  readonly intruders: ReadonlyMap<string, Endpoint>;
  readonly dns: Endpoint;
  readonly ports: readonly { readonly port: number; readonly protocol: Protocol }[];
}

const groupKey = (e: Extract<FlowEnd, { kind: 'pods' }>) => `${e.component}/${e.group}`;

/**
 * The endpoints: each pod group of each policy's namespace (with exactly its selector labels),
 * an intruder in each of those namespaces and in `otherNamespaces` (namespaces the site has no
 * policy for: optional components switched off, a tenant), CoreDNS, and the entities.
 */
export function universe(policies: readonly NamespaceNetworkPolicy[], flows: readonly Flow[], otherNamespaces: readonly string[]): Universe {
  const groups = new Map<string, Endpoint>();
  for (const p of policies) for (const g of p.groups) groups.set(groupKey(g), pod(groupKey(g), g.namespace, g.labels));
  const intruders = new Map<string, Endpoint>();
  for (const ns of [...policies.map((p) => p.namespace), ...otherNamespaces]) intruders.set(ns, pod(`intruder@${ns}`, ns, INTRUDER_LABELS));
  const dns = pod('kube-dns', CLUSTER_DNS.namespace, CLUSTER_DNS.labels);
  const seen = new Set<string>();
  const ports: { port: number; protocol: Protocol }[] = [];
  for (const p of [...flows.flatMap((f) => f.ports), ...CLUSTER_DNS.ports, ...[1, 80, 443, 8443, 65535].map((port) => ({ port, protocol: 'TCP' as const }))]) {
    for (const protocol of ['TCP', 'UDP'] as const) {
      const key = `${p.port}/${protocol}`;
      if (!seen.has(key)) ports.push({ port: p.port, protocol });
      seen.add(key);
    }
  }
  return { endpoints: [...groups.values(), ...intruders.values(), dns, ...Object.values(ENTITIES)], groups, intruders, dns, ports };
}

/** Does a flow's end stand for this endpoint? `from` ends of API-server flows also stand for host and remote-node. */
function stands(end: FlowEnd, ep: Endpoint, side: 'from' | 'to'): boolean {
  if (end.kind === 'pods') return end.hostNetwork ? ep === ENTITIES.host || ep === ENTITIES.remoteNode : ep.name === groupKey(end) && !!ep.pod;
  if (end.entity === 'gateway') return ep === ENTITIES.ingress;
  if (end.entity === 'world') return ep === ENTITIES.world;
  return ep === ENTITIES.kubeApiserver || (side === 'from' && (ep === ENTITIES.host || ep === ENTITIES.remoteNode));
}

/** Is the endpoint's direction governed by the platform's policies, by the declared summaries? */
function governed(policies: readonly NamespaceNetworkPolicy[], ep: Endpoint, direction: 'ingress' | 'egress'): boolean {
  if (!ep.pod) return false;
  const p = policies.find((x) => x.namespace === ep.pod!.namespace);
  if (!p) return false;
  if (p.scope === 'platform-pods' && !p.groups.some((g) => groupKey(g) === ep.name)) return false;
  return direction === 'ingress' || p.openEgress.length === 0;
}

/** The verdict the declared flows call for. */
export function expectedAllowed(
  policies: readonly NamespaceNetworkPolicy[],
  flows: readonly Flow[],
  u: Universe,
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol,
): boolean {
  const onPort = (f: Flow) => f.ports.some((p) => p.port === port && p.protocol === protocol);
  const egress =
    !governed(policies, from, 'egress') ||
    (to === u.dns && CLUSTER_DNS.ports.some((p) => p.port === port && p.protocol === protocol)) ||
    flows.some((f) => onPort(f) && stands(f.from, from, 'from') && stands(f.to, to, 'to'));
  const ingress = !governed(policies, to, 'ingress') || from === ENTITIES.host || flows.some((f) => onPort(f) && stands(f.to, to, 'to') && stands(f.from, from, 'from'));
  return egress && ingress;
}
