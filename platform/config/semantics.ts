/**
 * What a JSON Schema cannot say about platform.yaml: inputs of the right shape that cannot work
 * on a cluster. Networks that overlap, a gateway address the LB IPAM pool cannot hand out,
 * zero-sized nodes, a Kubernetes version the pinned charts do not support, more than one
 * control-plane node… Each problem is a config error (exit 2) naming the field, the bad value
 * and what is allowed. A component's own settings are checked by its definition's `check`
 * (a Prometheus retention larger than its volume), with {@link volumeSizeProblems} for volumes.
 *
 * Addresses are IPv4 only: the schema's formats refuse IPv6 (the platform does not support it).
 */
import { isScalar, type Document } from 'yaml';
import type { ConfigProblem } from './errors.js';
import { DNS_NAME_MAX_LENGTH, DOMAIN_MAX_LENGTH, SUPPORTED_KUBERNETES_MINORS, UI_SUBDOMAIN_MAX_LENGTH } from './schema.js';
import { parseCpu, parseMemory } from '../model/quantity.js';

/** What semantics reads of the parsed YAML: a node by path (a `Document`, or a fleet site's layers). */
export type SourceDocument = Pick<Document, 'getIn'>;

export interface SemanticsOptions {
  /** The parsed YAML document: the source text of a value (`1.30`, not the number 1.3). */
  readonly doc?: SourceDocument;
  /**
   * The config passed the schema. When it did not, only the checks that read nothing the
   * schema vouches for run (a YAML number where a string is expected).
   */
  readonly schemaValid: boolean;
}

/** Every semantic problem of a config (after schema defaults). */
export function configSemantics(data: unknown, opts: SemanticsOptions): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const cfg = data as Config;
  problems.push(...kubernetesVersionProblems(cfg, opts));
  if (!opts.schemaValid) return problems;
  problems.push(...networkProblems(cfg));
  problems.push(...nodeProblems(cfg));
  problems.push(...nameProblems(cfg));
  return problems;
}

/** The parts of the config read here (the schema vouches for their shape when `schemaValid`). */
interface Config {
  site: { name: string; domain: string };
  cluster: {
    apiServer: { host: string; port: number };
    podCIDR: string;
    serviceCIDR: string;
    loadBalancerPool: string;
    kubernetesVersion: string | number;
  };
  nodes: { name: string; role: string; cpu: string; memory: string }[];
  components: Record<string, Record<string, unknown> | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes version
// ---------------------------------------------------------------------------------------------

function kubernetesVersionProblems(cfg: Config, opts: SemanticsOptions): ConfigProblem[] {
  const path = 'cluster.kubernetesVersion';
  const v = (cfg as Partial<Config> | undefined)?.cluster?.kubernetesVersion;
  if (typeof v === 'number') {
    const node = opts.doc?.getIn(['cluster', 'kubernetesVersion'], true);
    const written = isScalar(node) && typeof node.source === 'string' ? node.source : String(v);
    return [
      {
        path,
        message: `${written} is a YAML number (read as ${String(v)}), not a version; write it as a string: kubernetesVersion: "${written}"`,
      },
    ];
  }
  if (!opts.schemaValid || typeof v !== 'string') return [];
  const minor = Number(/^v?1\.(\d+)/.exec(v)?.[1]);
  const { min, max } = SUPPORTED_KUBERNETES_MINORS;
  if (minor >= min && minor <= max) return [];
  return [
    {
      path,
      message: `'${v}' is not supported: the pinned charts support Kubernetes 1.${min} to 1.${max}; use one of those minors (e.g. "1.${max}")`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Networks (IPv4)
// ---------------------------------------------------------------------------------------------

/** An IPv4 network: first address and size, both as plain numbers (no 32-bit bitwise maths). */
interface Net {
  readonly text: string;
  readonly first: number;
  readonly size: number;
  readonly prefix: number;
}

/** Strict dotted-quad IPv4 (four decimal parts 0–255, no leading zeros) → a number, else undefined. */
export function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const octet = Number(p);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** `a.b.c.d/p` → the address and prefix (host bits not checked here), else undefined. */
export function parseCidr(s: string): { address: number; prefix: number } | undefined {
  const m = /^([^/]+)\/(0|[1-9]\d?)$/.exec(s);
  if (!m) return undefined;
  const address = parseIPv4(m[1]!);
  const prefix = Number(m[2]);
  if (address === undefined || prefix > 32) return undefined;
  return { address, prefix };
}

function networkOf(address: number, prefix: number): number {
  const size = 2 ** (32 - prefix);
  return address - (address % size);
}

function range(n: Net): string {
  return n.size === 1 ? formatIPv4(n.first) : `${formatIPv4(n.first)}–${formatIPv4(n.first + n.size - 1)}`;
}

function overlaps(a: Net, b: Net): boolean {
  return a.first < b.first + b.size && b.first < a.first + a.size;
}

function contains(n: Net, address: number): boolean {
  return address >= n.first && address < n.first + n.size;
}

/** Ranges no cluster network or API address may use. */
const RESERVED: readonly (Net & { what: string })[] = [
  ['0.0.0.0/8', '"this network", not routable'],
  ['127.0.0.0/8', 'loopback: every node has it for itself'],
  ['169.254.0.0/16', 'link-local: not routed, used by cloud metadata and node-local services'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved, with the broadcast address 255.255.255.255'],
].map(([text, what]) => {
  const c = parseCidr(text!)!;
  return { text: text!, first: c.address, size: 2 ** (32 - c.prefix), prefix: c.prefix, what: what! };
});

/** Cilium cluster-pool IPAM gives each node a block of this size (chart default `ipam.operator.clusterPoolIPv4MaskSize`). */
export const CILIUM_NODE_MASK_SIZE = 24;
/** kube-apiserver refuses a larger IPv4 Service range (`--service-cluster-ip-range`). */
const SERVICE_CIDR_MIN_PREFIX = 12;
/** k3s puts cluster DNS at the 10th address of the Service CIDR. */
const CLUSTER_DNS_OFFSET = 10;

function networkProblems(cfg: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const c = cfg.cluster;
  const nets: { path: string; label: string; net: Net }[] = [];
  const fields: [string, string, string, string][] = [
    ['cluster.podCIDR', 'the pod CIDR', c.podCIDR, 'pod addresses'],
    ['cluster.serviceCIDR', 'the Service CIDR', c.serviceCIDR, 'Service addresses'],
    ['cluster.loadBalancerPool', 'the load-balancer pool', c.loadBalancerPool, 'LoadBalancer addresses'],
  ];
  for (const [path, label, text] of fields) {
    const parsed = parseCidr(text);
    if (!parsed) {
      problems.push({
        path,
        message: `'${text}' is not valid: expected an IPv4 CIDR, e.g. "10.42.0.0/16", with four decimal parts 0–255 and no leading zeros (IPv6 is not supported)`,
      });
      continue;
    }
    const first = networkOf(parsed.address, parsed.prefix);
    const net: Net = { text, first, size: 2 ** (32 - parsed.prefix), prefix: parsed.prefix };
    if (first !== parsed.address) {
      problems.push({
        path,
        message: `'${text}' has host bits set: a /${parsed.prefix} network starts at ${formatIPv4(first)}; write '${formatIPv4(first)}/${parsed.prefix}' (or a longer prefix for a smaller network)`,
      });
    }
    for (const r of RESERVED) {
      if (overlaps(net, r)) {
        problems.push({ path, message: `'${text}' (${range(net)}) overlaps ${r.text} (${r.what}); use a private range such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16` });
      }
    }
    nets.push({ path, label, net });
  }

  // Pairwise: each network must be disjoint from the others.
  for (let i = 0; i < nets.length; i++) {
    for (let j = i + 1; j < nets.length; j++) {
      const a = nets[i]!;
      const b = nets[j]!;
      if (!overlaps(a.net, b.net)) continue;
      // Two CIDR blocks that overlap are equal or one contains the other.
      const how =
        a.net.size === b.net.size
          ? `is the same network as ${a.path} '${a.net.text}'`
          : b.net.size > a.net.size
            ? `contains ${a.path} '${a.net.text}' (${range(a.net)})`
            : `lies inside ${a.path} '${a.net.text}' (${range(a.net)})`;
      problems.push({
        path: b.path,
        message: `'${b.net.text}' ${how}: ${a.label} and ${b.label} must not share addresses (an address would be both, and traffic to it goes astray); pick networks that do not overlap`,
      });
    }
  }

  const pod = nets.find((n) => n.path === 'cluster.podCIDR')?.net;
  if (pod) {
    const blocks = pod.prefix <= CILIUM_NODE_MASK_SIZE ? 2 ** (CILIUM_NODE_MASK_SIZE - pod.prefix) : 0;
    if (blocks === 0) {
      problems.push({
        path: 'cluster.podCIDR',
        message: `'${pod.text}' is smaller than the /${CILIUM_NODE_MASK_SIZE} Cilium cluster-pool IPAM gives each node; use a /${CILIUM_NODE_MASK_SIZE} or larger (e.g. a /16)`,
      });
    } else if (blocks < cfg.nodes.length) {
      problems.push({
        path: 'cluster.podCIDR',
        message: `'${pod.text}' holds ${blocks} per-node /${CILIUM_NODE_MASK_SIZE} block${blocks === 1 ? '' : 's'} (Cilium cluster-pool IPAM), but there are ${cfg.nodes.length} nodes; use a larger network (e.g. a /16)`,
      });
    }
  }
  const svc = nets.find((n) => n.path === 'cluster.serviceCIDR')?.net;
  if (svc && svc.prefix < SERVICE_CIDR_MIN_PREFIX) {
    problems.push({
      path: 'cluster.serviceCIDR',
      message: `'${svc.text}' is larger than kube-apiserver allows for IPv4 Services (at most a /${SERVICE_CIDR_MIN_PREFIX}); use the Service CIDR k3s was installed with (default 10.43.0.0/16)`,
    });
  } else if (svc && svc.size <= CLUSTER_DNS_OFFSET) {
    problems.push({
      path: 'cluster.serviceCIDR',
      message: `'${svc.text}' has ${svc.size} address${svc.size === 1 ? '' : 'es'}: too small for the cluster's Services (k3s puts cluster DNS at its 10th address); use the Service CIDR k3s was installed with (default 10.43.0.0/16)`,
    });
  }

  // The API server address.
  const host = c.apiServer.host;
  if (/^[\d.]+$/.test(host)) {
    const address = parseIPv4(host);
    if (address === undefined) {
      problems.push({
        path: 'cluster.apiServer.host',
        message: `'${host}' looks like an IPv4 address but is not one: expected four decimal parts 0–255 without leading zeros, e.g. "192.168.10.10", or a DNS name`,
      });
    } else {
      for (const r of RESERVED) {
        if (contains(r, address)) {
          problems.push({ path: 'cluster.apiServer.host', message: `'${host}' is in ${r.text} (${r.what}): Cilium on every node must reach the API server there; use the control-plane node's LAN address` });
        }
      }
      const why: Record<string, string> = {
        'cluster.podCIDR': 'Cilium needs the API server before any pod address exists, and the address would be handed to a pod',
        'cluster.serviceCIDR': 'Service addresses work only through kube-proxy, which Cilium replaces and cannot use before it runs',
        'cluster.loadBalancerPool': 'Cilium LB IPAM hands pool addresses to LoadBalancer Services and announces them on the LAN, so the API server address would be taken over',
      };
      for (const n of nets) {
        if (contains(n.net, address)) {
          problems.push({
            path: 'cluster.apiServer.host',
            message: `'${host}' is inside ${n.path} '${n.net.text}' (${range(n.net)}): ${why[n.path]}; use the control-plane node's LAN address, outside ${n.label}`,
          });
        }
      }
    }
  }

  // The gateway's fixed address must come from the pool.
  const address = cfg.components.gateway?.address;
  if (typeof address === 'string') {
    const path = 'components.gateway.address';
    const n = parseIPv4(address);
    const pool = nets.find((x) => x.path === 'cluster.loadBalancerPool')?.net;
    if (n === undefined) {
      problems.push({ path, message: `'${address}' is not an IPv4 address: expected four decimal parts 0–255 without leading zeros, inside cluster.loadBalancerPool` });
    } else if (pool && !contains(pool, n)) {
      problems.push({
        path,
        message: `'${address}' is outside cluster.loadBalancerPool '${pool.text}' (${range(pool)}): Cilium LB IPAM only hands out pool addresses, so the Gateway would never get it; pick an address in the pool, or leave it unset`,
      });
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------

function nodeProblems(cfg: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  cfg.nodes.forEach((node, i) => {
    if (parseCpu(node.cpu) <= 0) {
      problems.push({ path: `nodes[${i}].cpu`, message: `'${node.cpu}' is no CPU: a node's allocatable CPU must be more than 0 (at least "1m"), e.g. "4"` });
    }
    if (parseMemory(node.memory) <= 0) {
      problems.push({ path: `nodes[${i}].memory`, message: `'${node.memory}' is no memory: a node's allocatable memory must be more than 0, e.g. "8Gi"` });
    }
  });
  const controlPlanes = cfg.nodes.flatMap((n, i) => (n.role === 'control-plane' ? [`nodes[${i}] (${n.name})`] : []));
  if (controlPlanes.length > 1) {
    problems.push({
      path: 'nodes',
      message: `${controlPlanes.length} nodes have role 'control-plane' (${controlPlanes.join(', ')}); exactly one is supported: the tier model keeps the critical tier alive on the one control-plane node, and an HA control plane (k3s needs an odd number, 3 or more, of servers with embedded etcd) is not supported yet. Give all but one of them role: worker`,
    });
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Names that flow into API fields with length limits
// ---------------------------------------------------------------------------------------------

function nameProblems(cfg: Config): ConfigProblem[] {
  const domain = cfg.site.domain;
  if (domain.length <= DOMAIN_MAX_LENGTH) return [];
  return [
    {
      path: 'site.domain',
      message: `'${domain}' is ${domain.length} characters; at most ${DOMAIN_MAX_LENGTH} are allowed, so that every UI hostname <component>.<domain> (components up to ${UI_SUBDOMAIN_MAX_LENGTH} characters) fits the ${DNS_NAME_MAX_LENGTH}-character DNS name limit`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Volumes and retention
// ---------------------------------------------------------------------------------------------

/**
 * A component's volume-size settings (Kubernetes quantities) that are no space at all: for a
 * component definition's `check` (paths relative to `components.<name>`).
 */
export function volumeSizeProblems(settings: Readonly<Record<string, unknown>>, keys: readonly string[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of keys) {
    const v = settings[key];
    if (typeof v === 'string' && parseMemory(v) <= 0) {
      problems.push({ path: key, message: `'${v}' is no space: a volume must be larger than 0, e.g. "10Gi"` });
    }
  }
  return problems;
}
