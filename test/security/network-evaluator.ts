/**
 * A small evaluator of CiliumNetworkPolicies, for tests: given the policies (as read from
 * synth/) it answers whether a connection from one endpoint to another on a port is allowed.
 * It implements only the part of Cilium's policy language the platform emits, and throws on
 * anything else, so a policy it does not understand can never pass a test by accident.
 *
 * The model (Cilium 1.20, `policyEnforcementMode: default`, `allow-localhost` `auto` = `always`):
 * - An endpoint is a pod (a namespace and labels) or a Cilium entity (`world`, `host`,
 *   `remote-node`, `ingress`, `kube-apiserver`). Only pods are subject to policy: the host
 *   firewall is off, and the platform writes no policy for the `ingress` identity.
 * - A connection is allowed when the source's egress allows it and the destination's ingress
 *   allows it.
 * - A direction is enforced on a pod when some rule selecting it (a spec of a policy in its
 *   namespace whose `endpointSelector` matches its labels) has a non-empty section for that
 *   direction, unless the rule sets `enableDefaultDeny` false for it. Not enforced: allowed.
 * - Enforced: allowed when some entry of some selecting rule matches the peer and the port.
 *   Rules add up; there are no deny rules (`ingressDeny`/`egressDeny` throw).
 * - An entry's peer: `from/toEndpoints` (label selectors; without the namespace label they mean
 *   the policy's namespace) or `from/toEntities`. An entry naming no peer (`{}`) matches nothing
 *   (the default-deny idiom); one with ports but no peer (an L4-only wildcard) throws.
 * - Ports: `toPorts[].ports[]` with a numeric `port` (and `endPort`), `protocol` TCP, UDP or
 *   ANY/absent; no `toPorts`: every port. Named ports and L7 `rules` throw.
 * - The local host always reaches a pod (kubelet probes): ingress from `host` is allowed.
 * - Selector keys may carry Cilium's source prefix (`k8s:`, `any:`), which is ignored;
 *   `io.kubernetes.pod.namespace` is the pod's namespace.
 */

/** Label selector as Cilium takes it. */
interface Selector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

interface PortRule {
  readonly port: string;
  readonly endPort?: number;
  readonly protocol?: string;
}

type Entry = Record<string, unknown>;

interface Rule {
  readonly endpointSelector?: Selector;
  readonly nodeSelector?: Selector;
  readonly ingress?: readonly Entry[];
  readonly egress?: readonly Entry[];
  readonly ingressDeny?: unknown;
  readonly egressDeny?: unknown;
  readonly enableDefaultDeny?: { readonly ingress?: boolean; readonly egress?: boolean };
  readonly description?: string;
}

/** A CiliumNetworkPolicy, as the evaluator reads it. */
export interface CiliumPolicy {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec?: Rule;
  readonly specs?: readonly Rule[];
}

export type Protocol = 'TCP' | 'UDP';

/** Something that sends or receives a connection. */
export interface Endpoint {
  /** For messages. */
  readonly name: string;
  /** Present for a pod: it is subject to the policies of its namespace. */
  readonly pod?: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
  /** The Cilium entities this endpoint is part of, as a peer of a rule. */
  readonly entities: readonly string[];
}

/** A pod: part of `cluster` and `all`. */
export function pod(name: string, namespace: string, labels: Readonly<Record<string, string>>): Endpoint {
  return { name, pod: { namespace, labels }, entities: ['cluster', 'all'] };
}

/** The entities, as endpoints (not subject to policy). */
export const ENTITIES = {
  world: { name: 'world', entities: ['world', 'all'] },
  /** The node the destination pod runs on (kubelet, host-network pods there). */
  host: { name: 'host', entities: ['host', 'cluster', 'all'] },
  /** Another node (its host-network pods, its Cilium router address). */
  remoteNode: { name: 'remote-node', entities: ['remote-node', 'cluster', 'all'] },
  /** Cilium's Envoy for Gateway API traffic. */
  ingress: { name: 'ingress', entities: ['ingress', 'cluster', 'all'] },
  kubeApiserver: { name: 'kube-apiserver', entities: ['kube-apiserver', 'cluster', 'all'] },
} as const satisfies Record<string, Endpoint>;

const NAMESPACE_KEY = 'io.kubernetes.pod.namespace';
const SUPPORTED_ENTITIES = new Set(['all', 'world', 'cluster', 'host', 'remote-node', 'ingress', 'kube-apiserver']);

class Unsupported extends Error {}

function unsupported(policy: string, what: string): never {
  throw new Unsupported(`${policy}: ${what} is outside what this evaluator models`);
}

/** A selector key without Cilium's source prefix. */
function bareKey(key: string): string {
  const m = /^(k8s|any):(.*)$/.exec(key);
  return m ? m[2]! : key;
}

/** Does `selector` match a pod, given the namespace it is written in (undefined: any namespace)? */
function selects(selector: Selector, target: NonNullable<Endpoint['pod']>, policyNamespace: string, where: string): boolean {
  const labels: Record<string, string> = { ...target.labels, [NAMESPACE_KEY]: target.namespace };
  const keys = [...Object.keys(selector.matchLabels ?? {}), ...(selector.matchExpressions ?? []).map((e) => e.key)].map(bareKey);
  for (const k of keys) if (k.startsWith('reserved:') || k.startsWith('cidr:')) unsupported(where, `selector key '${k}'`);
  // CiliumNetworkPolicy selectors are namespaced: without a namespace label, the policy's namespace.
  if (!keys.includes(NAMESPACE_KEY) && target.namespace !== policyNamespace) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[bareKey(k)] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const value = labels[bareKey(e.key)];
    const inValues = value !== undefined && (e.values ?? []).includes(value);
    const ok =
      e.operator === 'In' ? inValues : e.operator === 'NotIn' ? !inValues : e.operator === 'Exists' ? value !== undefined : e.operator === 'DoesNotExist' ? value === undefined : unsupported(where, `operator ${e.operator}`);
    if (!ok) return false;
  }
  return true;
}

function portsMatch(toPorts: unknown, port: number, protocol: Protocol, where: string): boolean {
  if (toPorts === undefined) return true;
  for (const tp of toPorts as readonly { ports?: readonly PortRule[]; rules?: unknown }[]) {
    if (tp.rules !== undefined) unsupported(where, 'an L7 rule');
    for (const p of tp.ports ?? []) {
      if (!/^[0-9]+$/.test(p.port)) unsupported(where, `named port '${p.port}'`);
      const lo = Number(p.port);
      const hi = p.endPort ?? lo;
      const proto = p.protocol ?? 'ANY';
      if (port >= lo && port <= hi && (proto === 'ANY' || proto === protocol)) return true;
    }
  }
  return false;
}

interface SelectedRule {
  readonly rule: Rule;
  readonly namespace: string;
  readonly where: string;
}

export class PolicyEvaluator {
  private readonly rules: SelectedRule[] = [];

  constructor(policies: readonly CiliumPolicy[]) {
    for (const p of policies) {
      if (p.kind !== 'CiliumNetworkPolicy') unsupported(p.metadata.name, `kind ${p.kind}`);
      const namespace = p.metadata.namespace;
      if (!namespace) unsupported(p.metadata.name, 'a CiliumNetworkPolicy without a namespace');
      const rules = [...(p.spec ? [p.spec] : []), ...(p.specs ?? [])];
      rules.forEach((rule, i) => {
        const where = `${namespace}/${p.metadata.name} rule ${i}${rule.description ? ` (${rule.description})` : ''}`;
        if (rule.ingressDeny !== undefined || rule.egressDeny !== undefined) unsupported(where, 'a deny rule');
        if (rule.nodeSelector !== undefined || rule.endpointSelector === undefined) unsupported(where, 'a rule without endpointSelector');
        for (const [direction, entries] of [['ingress', rule.ingress], ['egress', rule.egress]] as const) {
          for (const entry of entries ?? []) {
            const allowed = direction === 'ingress' ? ['fromEndpoints', 'fromEntities', 'toPorts'] : ['toEndpoints', 'toEntities', 'toPorts'];
            for (const key of Object.keys(entry)) if (!allowed.includes(key)) unsupported(where, `${direction} field '${key}'`);
            const peers = direction === 'ingress' ? ['fromEndpoints', 'fromEntities'] : ['toEndpoints', 'toEntities'];
            if (entry.toPorts !== undefined && !peers.some((k) => entry[k] !== undefined)) unsupported(where, 'an L4-only rule (ports without a peer)');
            for (const e of (entry[peers[1]!] as readonly string[] | undefined) ?? []) if (!SUPPORTED_ENTITIES.has(e)) unsupported(where, `entity '${e}'`);
          }
        }
        this.rules.push({ rule, namespace, where });
      });
    }
  }

  /** The rules selecting a pod (none for an entity). */
  private selecting(e: Endpoint): SelectedRule[] {
    const target = e.pod;
    if (!target) return [];
    return this.rules.filter((r) => r.namespace === target.namespace && selects(r.rule.endpointSelector!, target, r.namespace, r.where));
  }

  /** Is the direction default-deny for this endpoint? */
  enforced(e: Endpoint, direction: 'ingress' | 'egress'): boolean {
    return this.selecting(e).some((r) => (r.rule[direction]?.length ?? 0) > 0 && r.rule.enableDefaultDeny?.[direction] !== false);
  }

  private admits(self: Endpoint, peer: Endpoint, direction: 'ingress' | 'egress', port: number, protocol: Protocol): boolean {
    if (!this.enforced(self, direction)) return true;
    if (direction === 'ingress' && peer.entities.includes('host')) return true;
    const [endpointsKey, entitiesKey] = direction === 'ingress' ? ['fromEndpoints', 'fromEntities'] : ['toEndpoints', 'toEntities'];
    for (const r of this.selecting(self)) {
      for (const entry of r.rule[direction] ?? []) {
        const selectors = entry[endpointsKey] as readonly Selector[] | undefined;
        const entities = entry[entitiesKey] as readonly string[] | undefined;
        const peerOk =
          (peer.pod !== undefined && (selectors ?? []).some((s) => selects(s, peer.pod!, r.namespace, r.where))) ||
          (entities ?? []).some((x) => peer.entities.includes(x));
        if (peerOk && portsMatch(entry.toPorts, port, protocol, r.where)) return true;
      }
    }
    return false;
  }

  /** Is a connection from `from` to `to` on `port` allowed by both sides? */
  allowed(from: Endpoint, to: Endpoint, port: number, protocol: Protocol = 'TCP'): boolean {
    return this.admits(from, to, 'egress', port, protocol) && this.admits(to, from, 'ingress', port, protocol);
  }
}

export { Unsupported };
