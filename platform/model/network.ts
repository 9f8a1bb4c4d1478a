/**
 * Network flows as a fact a component publishes (docs/design.md#d10-typed-component-definitions-built-in-two-phases):
 * its pods by the labels its chart really puts on them, the Services that select them, and who
 * calls which of its pods on which ports, or what its pods call. Phase 2 turns every enabled
 * component's flows into one default-deny CiliumNetworkPolicy per namespace with an allow rule per
 * flow (`network-policy.ts`); a flow is stated once, by one side, and becomes the egress rule of
 * the caller and the ingress rule of the callee.
 *
 * Adding a flow is one line in the component's declaration:
 *
 * ```ts
 * network: {
 *   pods: { server: { labels: { 'app.kubernetes.io/name': 'foo' } } },
 *   services: { foo: { pods: 'server', ports: [[80, 8080]] } },
 *   flows: [
 *     calls('server', service(LOKI_SERVICE), 'ships its audit log to Loki'),
 *     calls('server', KUBE_APISERVER, 'watches its CRDs'),
 *     calledBy('server', KUBE_APISERVER, tcp(9443), 'admission webhook'),
 *   ],
 * }
 * ```
 *
 * Flows derived from facts the platform already has are not stated again: the gateway's calls
 * to every `ui` (through the component's `services`), Prometheus' scrapes of every `metrics`
 * port and `scrapeTargets` entry, and DNS for every pod whose egress is enforced.
 */

/** An L4 protocol a flow uses (Cilium's `toPorts` protocols the platform needs). */
export type Protocol = 'TCP' | 'UDP';

/** One port of the called pods (the container port, not a Service port). */
export interface PortSpec {
  readonly port: number;
  readonly protocol: Protocol;
}

/** Labels of a pod, as a selector: every pod of the group carries all of them. */
export type PodLabels = Readonly<Record<string, string>>;

/** A set of a component's pods. */
export interface PodGroup {
  /**
   * Labels every pod of the group carries and no other pod of the component carries all of: the
   * chart's selector labels (what its own Service or workload selector uses), or our own
   * manifests'. They must be labels Cilium keeps in a pod's identity (see {@link identityLabelProblem}).
   */
  readonly labels: PodLabels;
  /**
   * The pods run on the host network (node agents). No pod policy applies to them (the host
   * firewall is off), and callers reach them as the node: Cilium's `host` and `remote-node`.
   * Default: false.
   */
  readonly hostNetwork?: boolean;
  /**
   * The pods are created at run time by a controller (Prometheus and Alertmanager by the
   * Prometheus Operator), so no rendered pod template shows their labels; a rendered Service of
   * the component must select exactly them instead. Default: false.
   */
  readonly createdAtRuntime?: boolean;
  /**
   * The namespace the pods run in, for a component whose pods are not in its own namespace (the
   * tenants component runs each team's apps in the team's namespace, one of its
   * `extraNamespaces`). Default: the component's namespace.
   */
  readonly namespace?: string;
}

/** A Service of the component (rendered by its chart or made by the component), by what it routes to. */
export interface ServiceSpec {
  /** The pod group the Service selects. */
  readonly pods: string;
  /** Its ports: a number when the Service port is the pods' port, else `[servicePort, podPort]`. */
  readonly ports: readonly (number | readonly [service: number, pod: number])[];
}

/**
 * Peers that are not pods of a component.
 * - `gateway`: the Gateway API's Envoy (Cilium's `ingress` identity: traffic routed by the site
 *   Gateway reaches backends from it, whatever node the client came through).
 * - `kube-apiserver`: the Kubernetes API server (Cilium's `kube-apiserver` entity; see
 *   `network-policy.ts` for the identities its calls to webhooks arrive with on k3s).
 * - `world`: anything outside the cluster.
 */
export type NetworkEntity = 'gateway' | 'kube-apiserver' | 'world';

/** The other end of a flow. */
export type Peer =
  | { readonly kind: 'entity'; readonly entity: NetworkEntity }
  /** A pod group of a component; `component` omitted: the declaring component's own. */
  | { readonly kind: 'pods'; readonly component?: string; readonly pods: string }
  /** A Service, resolved to the pods and pod port of the component that declares it in its namespace. */
  | { readonly kind: 'service'; readonly name: string; readonly namespace?: string; readonly port: number };

/** One flow a component states: its own pod group and the peer on the other end. */
export interface FlowSpec {
  /** `egress`: the component's pods call the peer; `ingress`: the peer calls the component's pods. */
  readonly direction: 'ingress' | 'egress';
  /** The component's own pod group. */
  readonly pods: string;
  readonly peer: Peer;
  /**
   * Ports on the called pods. Required for ingress and for egress to pods or the world; omitted
   * for egress to a Service (its port, resolved to the pods' port) and to the API server (the
   * cluster's API port: with kube-proxy replacement a pod's connection reaches the API server at
   * its own address and port, not at the `kubernetes` Service's).
   */
  readonly ports?: readonly PortSpec[];
  /** Why the flow exists: the policy rule's description and the README's. */
  readonly why: string;
}

/** A metrics port Prometheus scrapes (a ServiceMonitor the chart renders). */
export interface MetricsPort {
  readonly pods: string;
  readonly port: number;
}

/** The network facts of a component (see the module comment). */
export interface ComponentNetwork {
  /** Every pod group the component runs, by name. */
  readonly pods: Readonly<Record<string, PodGroup>>;
  /**
   * Services callers and routes name, by Service name (the component's namespace): a `ui`
   * entry's Service must be listed here. Default: none.
   */
  readonly services?: Readonly<Record<string, ServiceSpec>>;
  /** Ports the component's own ServiceMonitors make Prometheus scrape. Default: none. */
  readonly metrics?: readonly MetricsPort[];
  /** Flows the component states (each flow once, by one side). Default: none. */
  readonly flows?: readonly FlowSpec[];
  /**
   * Why the component's pods need to reach more than their declared flows. Its namespace's
   * egress is then not enforced (ingress still is): name what cannot be listed (git hosts
   * anywhere, receivers of alerts, every scrape target anyone adds). Default: egress enforced.
   */
  readonly openEgress?: string;
  /** The pod group that scrapes every component's metrics (the monitoring stack's Prometheus). Default: none. */
  readonly scraper?: string;
  /**
   * The component routes every component's `ui` through the Gateway API, so the gateway calls
   * those pods. Default: false.
   */
  readonly routesUis?: boolean;
}

/** TCP ports. */
export function tcp(...ports: readonly number[]): PortSpec[] {
  return ports.map((port) => ({ port, protocol: 'TCP' }));
}

/** UDP ports. */
export function udp(...ports: readonly number[]): PortSpec[] {
  return ports.map((port) => ({ port, protocol: 'UDP' }));
}

export const GATEWAY: Peer = { kind: 'entity', entity: 'gateway' };
export const KUBE_APISERVER: Peer = { kind: 'entity', entity: 'kube-apiserver' };
export const WORLD: Peer = { kind: 'entity', entity: 'world' };

/** A pod group of another component (the flow is dropped while that component is disabled). */
export function podsOf(component: string, pods: string): Peer {
  return { kind: 'pods', component, pods };
}

/** A pod group of the declaring component. */
export function ownPods(pods: string): Peer {
  return { kind: 'pods', pods };
}

/**
 * A Service by its address (the constants components publish, e.g. `LOKI_SERVICE`); without a
 * namespace, the declaring component's own. The flow is dropped while no enabled component
 * declares that Service.
 */
export function service(address: { readonly name: string; readonly namespace?: string; readonly port: number }): Peer {
  return { kind: 'service', name: address.name, ...(address.namespace !== undefined ? { namespace: address.namespace } : {}), port: address.port };
}

/** The component's pods call `peer` (see {@link FlowSpec.ports} for when ports may be left out). */
export function calls(pods: string, peer: Peer, why: string, ports?: readonly PortSpec[]): FlowSpec {
  return { direction: 'egress', pods, peer, why, ...(ports ? { ports } : {}) };
}

/** `peer` calls the component's pods on `ports`. */
export function calledBy(pods: string, peer: Peer, ports: readonly PortSpec[], why: string): FlowSpec {
  return { direction: 'ingress', pods, peer, ports, why };
}

/** The cluster DNS (k3s' and kubeadm's CoreDNS): every pod whose egress is enforced may query it. */
export const CLUSTER_DNS = {
  namespace: 'kube-system',
  labels: { 'k8s-app': 'kube-dns' } as PodLabels,
  ports: [...udp(53), ...tcp(53)] as readonly PortSpec[],
} as const;

/**
 * Label keys Cilium leaves out of a pod's security identity by default (its agent's default
 * label filter, `pkg/labelsfilter/filter.go`: prefixes matched at the start of the key), so a
 * selector on them would never match: `io.kubernetes*`, `kubernetes.io*`, `k8s.io*`,
 * `*beta.kubernetes.io*`, `pod-template-hash`, `pod-template-generation`,
 * `controller-revision-hash`, `statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index`,
 * `batch.kubernetes.io/job-completion-index`, `annotation*`, `etcd_node`.
 */
const NON_IDENTITY_LABEL_PREFIXES: readonly RegExp[] = [
  /^io\.kubernetes/,
  /^kubernetes\.io/,
  /^k8s\.io/,
  /^.*beta\.kubernetes\.io/,
  /^pod-template-generation/,
  /^pod-template-hash/,
  /^controller-revision-hash/,
  /^statefulset\.kubernetes\.io\/pod-name/,
  /^apps\.kubernetes\.io\/pod-index/,
  /^batch\.kubernetes\.io\/job-completion-index/,
  /^annotation/,
  /^etcd_node/,
];

/** Why a label key cannot select pods in a Cilium policy, or undefined when it can. */
export function identityLabelProblem(key: string): string | undefined {
  const hit = NON_IDENTITY_LABEL_PREFIXES.find((r) => r.test(key));
  return hit ? `Cilium leaves '${key}' out of pod identities (default label filter ${hit.source}), so no policy can select on it` : undefined;
}

/** Every port of a Service as `[servicePort, podPort]`. */
export function servicePorts(svc: ServiceSpec): (readonly [number, number])[] {
  return svc.ports.map((p) => (typeof p === 'number' ? ([p, p] as const) : p));
}

/** `TCP 8200`, `UDP 53`, or several joined with commas. */
export function formatPorts(ports: readonly PortSpec[]): string {
  return ports.map((p) => `${p.protocol} ${p.port}`).join(', ');
}

/** Problems in one component's network facts that need no other component (names, labels, ports). */
export function networkProblems(component: string, net: ComponentNetwork): string[] {
  const out: string[] = [];
  const where = `component '${component}': network`;
  const groups = new Set(Object.keys(net.pods));
  const group = (path: string, name: string): void => {
    if (!groups.has(name)) out.push(`${where}.${path} names pod group '${name}', which is not in network.pods (${[...groups].join(', ') || 'none'}); add it there or fix the name`);
  };
  const port = (path: string, p: number): void => {
    if (!Number.isInteger(p) || p < 1 || p > 65535) out.push(`${where}.${path} port ${String(p)} is not a port number (1-65535)`);
  };
  for (const [name, g] of Object.entries(net.pods)) {
    if (Object.keys(g.labels).length === 0) out.push(`${where}.pods.${name} has no labels: it would select every pod of the namespace; give the chart's selector labels`);
    for (const key of Object.keys(g.labels)) {
      const why = identityLabelProblem(key);
      if (why) out.push(`${where}.pods.${name}: ${why}; select on another of the pods' labels`);
    }
  }
  for (const [name, s] of Object.entries(net.services ?? {})) {
    group(`services.${name}.pods`, s.pods);
    for (const [svc, pod] of servicePorts(s)) {
      port(`services.${name}.ports`, svc);
      port(`services.${name}.ports`, pod);
    }
  }
  (net.metrics ?? []).forEach((m, i) => {
    group(`metrics[${i}].pods`, m.pods);
    port(`metrics[${i}]`, m.port);
  });
  if (net.scraper !== undefined) group('scraper', net.scraper);
  (net.flows ?? []).forEach((f, i) => {
    const path = `flows[${i}] (${f.why})`;
    group(`${path}.pods`, f.pods);
    if (f.peer.kind === 'pods' && f.peer.component === undefined) group(`${path}.peer`, f.peer.pods);
    for (const p of f.ports ?? []) port(path, p.port);
    const needsPorts = f.direction === 'ingress' || f.peer.kind === 'pods' || (f.peer.kind === 'entity' && f.peer.entity !== 'kube-apiserver');
    if (needsPorts && !f.ports?.length) out.push(`${where}.${path} gives no ports: a flow ${f.direction === 'ingress' ? 'into its pods' : 'to pods or the world'} must name the ports it uses`);
    if (f.peer.kind === 'service' && f.ports?.length) out.push(`${where}.${path} gives ports for a Service peer: the Service's port resolves to its pods' port; leave them out`);
    if (f.direction === 'ingress' && f.peer.kind === 'service') out.push(`${where}.${path}: a Service does not call anything; name the pods that call (podsOf) instead`);
  });
  return out;
}
