/**
 * Hostile configs (issue 14): inputs of the right shape that cannot work on a cluster. Each
 * patches one thing in the committed platform.yaml and must fail as a config error (exit 2)
 * naming the field, the bad value and what is allowed; a few valid edge cases must still load.
 * Then the site is built with every name at the longest the schema allows, and every object
 * must stay within its API limits.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../platform/config/errors.js';
import { DOMAIN_MAX_LENGTH, UI_SUBDOMAIN_MAX_LENGTH } from '../../platform/config/schema.js';
import { formatIPv4, parseCidr, parseIPv4 } from '../../platform/config/semantics.js';
import { parsePrometheusBytes } from '../../layers/01-services/prometheus-stack.js';
import { ObjectValidator } from '../../platform/conformance/objects.js';
import { upstreamCrds } from '../../platform/conformance/upstream.js';
import { buildSite } from '../../platform/synth/build.js';
import { CATALOG } from '../../layers/catalog.js';
import { caCommonName, COMMON_NAME_MAX_LENGTH } from '../../layers/01-services/cert-manager.js';
import { baseConfigObject, configFrom, upstreamForTests } from '../helpers/site.js';
import { dexSso } from '../helpers/sso.js';

type Cfg = Record<string, any>;

interface Hostile {
  readonly name: string;
  /** Patch the config object… */
  readonly patch?: (c: Cfg) => void;
  /** …or the YAML text (for what a YAML object cannot say, e.g. `1.30` unquoted). */
  readonly text?: (yaml: string) => string;
  /** The field the problem names. */
  readonly path: string;
  /** What the message must say (the bad value and what is allowed). */
  readonly message: RegExp;
}

const comp = (c: Cfg, name: string): Cfg => (c.components[name] ??= {});

/** A valid domain of exactly `length` characters (63-character labels, the last one alphabetic). */
function domainOf(length: number): string {
  const labels: string[] = [];
  let left = length;
  let i = 0;
  while (left > 64) {
    labels.push(String.fromCharCode(97 + (i++ % 26)).repeat(63));
    left -= 64;
  }
  labels.push('z'.repeat(left));
  const d = labels.join('.');
  expect(d.length).toBe(length);
  return d;
}

const HOSTILE: readonly Hostile[] = [
  // --- Overlapping networks -----------------------------------------------------------------
  {
    name: 'pool equal to the pod CIDR',
    patch: (c) => (c.cluster.loadBalancerPool = '10.42.0.0/16'),
    path: 'cluster.loadBalancerPool',
    message: /^'10\.42\.0\.0\/16' is the same network as cluster\.podCIDR '10\.42\.0\.0\/16': the pod CIDR and the load-balancer pool must not share addresses/,
  },
  {
    name: 'pool that contains the pod CIDR',
    patch: (c) => (c.cluster.loadBalancerPool = '10.0.0.0/8'),
    path: 'cluster.loadBalancerPool',
    message: /^'10\.0\.0\.0\/8' contains cluster\.podCIDR '10\.42\.0\.0\/16' \(10\.42\.0\.0–10\.42\.255\.255\)/,
  },
  {
    name: 'pool inside the pod CIDR',
    patch: (c) => (c.cluster.loadBalancerPool = '10.42.5.0/28'),
    path: 'cluster.loadBalancerPool',
    message: /^'10\.42\.5\.0\/28' lies inside cluster\.podCIDR '10\.42\.0\.0\/16'.*pick networks that do not overlap/,
  },
  {
    name: 'pod CIDR equal to the (default) Service CIDR',
    patch: (c) => (c.cluster.podCIDR = '10.43.0.0/16'),
    path: 'cluster.serviceCIDR',
    message: /^'10\.43\.0\.0\/16' is the same network as cluster\.podCIDR '10\.43\.0\.0\/16'/,
  },
  {
    name: 'Service CIDR containing the pod CIDR',
    patch: (c) => (c.cluster.serviceCIDR = '10.32.0.0/11'),
    path: 'cluster.serviceCIDR',
    message: /^'10\.32\.0\.0\/11' contains cluster\.podCIDR '10\.42\.0\.0\/16'/,
  },
  {
    name: 'pool inside the Service CIDR',
    patch: (c) => (c.cluster.loadBalancerPool = '10.43.0.240/28'),
    path: 'cluster.loadBalancerPool',
    message: /^'10\.43\.0\.240\/28' lies inside cluster\.serviceCIDR '10\.43\.0\.0\/16'/,
  },
  {
    name: 'API server host inside the pod CIDR',
    patch: (c) => (c.cluster.apiServer.host = '10.42.0.1'),
    path: 'cluster.apiServer.host',
    message: /^'10\.42\.0\.1' is inside cluster\.podCIDR '10\.42\.0\.0\/16' \(10\.42\.0\.0–10\.42\.255\.255\): .*use the control-plane node's LAN address/,
  },
  {
    name: 'API server host inside the pool',
    patch: (c) => (c.cluster.apiServer.host = '192.168.10.245'),
    path: 'cluster.apiServer.host',
    message: /^'192\.168\.10\.245' is inside cluster\.loadBalancerPool '192\.168\.10\.240\/28' \(192\.168\.10\.240–192\.168\.10\.255\): Cilium LB IPAM hands pool addresses/,
  },
  {
    name: "API server host equal to the pool's network address",
    patch: (c) => (c.cluster.apiServer.host = '192.168.10.240'),
    path: 'cluster.apiServer.host',
    message: /^'192\.168\.10\.240' is inside cluster\.loadBalancerPool/,
  },
  {
    name: 'API server host at the kubernetes Service address',
    patch: (c) => (c.cluster.apiServer.host = '10.43.0.1'),
    path: 'cluster.apiServer.host',
    message: /^'10\.43\.0\.1' is inside cluster\.serviceCIDR '10\.43\.0\.0\/16'.*kube-proxy, which Cilium replaces/,
  },
  {
    name: 'API server host on loopback',
    patch: (c) => (c.cluster.apiServer.host = '127.0.0.1'),
    path: 'cluster.apiServer.host',
    message: /^'127\.0\.0\.1' is in 127\.0\.0\.0\/8 \(loopback/,
  },
  {
    name: 'API server host with an octet over 255 (reads as a DNS name to the schema)',
    patch: (c) => (c.cluster.apiServer.host = '999.1.1.1'),
    path: 'cluster.apiServer.host',
    message: /^'999\.1\.1\.1' looks like an IPv4 address but is not one: expected four decimal parts 0–255/,
  },
  {
    name: 'API server host with a leading zero',
    patch: (c) => (c.cluster.apiServer.host = '192.168.010.10'),
    path: 'cluster.apiServer.host',
    message: /^'192\.168\.010\.10' looks like an IPv4 address but is not one.*without leading zeros/,
  },
  {
    name: 'API server host as IPv6',
    patch: (c) => (c.cluster.apiServer.host = 'fd00::10'),
    path: 'cluster.apiServer.host',
    message: /^'fd00::10' is not valid: expected an IPv4 address or a DNS name.*\(IPv6 is not supported\)/,
  },
  {
    name: 'pod CIDR with host bits set',
    patch: (c) => (c.cluster.podCIDR = '10.42.1.0/16'),
    path: 'cluster.podCIDR',
    message: /^'10\.42\.1\.0\/16' has host bits set: a \/16 network starts at 10\.42\.0\.0; write '10\.42\.0\.0\/16'/,
  },
  {
    name: 'pool with host bits set',
    patch: (c) => (c.cluster.loadBalancerPool = '192.168.10.241/28'),
    path: 'cluster.loadBalancerPool',
    message: /^'192\.168\.10\.241\/28' has host bits set: a \/28 network starts at 192\.168\.10\.240/,
  },
  {
    name: 'pod CIDR /0',
    patch: (c) => (c.cluster.podCIDR = '0.0.0.0/0'),
    path: 'cluster.podCIDR',
    message: /^'0\.0\.0\.0\/0' \(0\.0\.0\.0–255\.255\.255\.255\) overlaps 0\.0\.0\.0\/8 .*use a private range/,
  },
  {
    name: 'pod CIDR /32',
    patch: (c) => (c.cluster.podCIDR = '10.42.0.1/32'),
    path: 'cluster.podCIDR',
    message: /^'10\.42\.0\.1\/32' is smaller than the \/24 Cilium cluster-pool IPAM gives each node; use a \/24 or larger/,
  },
  {
    name: 'pod CIDR /25',
    patch: (c) => (c.cluster.podCIDR = '10.42.0.0/25'),
    path: 'cluster.podCIDR',
    message: /^'10\.42\.0\.0\/25' is smaller than the \/24/,
  },
  {
    name: 'pod CIDR with fewer per-node blocks than nodes',
    patch: (c) => (c.cluster.podCIDR = '10.42.0.0/23'),
    path: 'cluster.podCIDR',
    message: /^'10\.42\.0\.0\/23' holds 2 per-node \/24 blocks \(Cilium cluster-pool IPAM\), but there are 3 nodes/,
  },
  {
    name: 'pod CIDR as IPv6',
    patch: (c) => (c.cluster.podCIDR = 'fd00:10:42::/48'),
    path: 'cluster.podCIDR',
    message: /^'fd00:10:42::\/48' is not valid: expected an IPv4 CIDR, e.g. "10\.42\.0\.0\/16" \(IPv6 is not supported\)/,
  },
  {
    name: 'pool as IPv6',
    patch: (c) => (c.cluster.loadBalancerPool = '2001:db8::/120'),
    path: 'cluster.loadBalancerPool',
    message: /IPv6 is not supported/,
  },
  {
    name: 'CIDR with a leading zero',
    patch: (c) => (c.cluster.podCIDR = '10.04.0.0/16'),
    path: 'cluster.podCIDR',
    message: /^'10\.04\.0\.0\/16' is not valid: expected an IPv4 CIDR.*no leading zeros/,
  },
  {
    name: 'Service CIDR larger than kube-apiserver allows',
    patch: (c) => (c.cluster.serviceCIDR = '172.0.0.0/8'),
    path: 'cluster.serviceCIDR',
    message: /^'172\.0\.0\.0\/8' is larger than kube-apiserver allows for IPv4 Services \(at most a \/12\)/,
  },
  {
    name: 'Service CIDR too small for cluster DNS',
    patch: (c) => (c.cluster.serviceCIDR = '10.43.0.0/29'),
    path: 'cluster.serviceCIDR',
    message: /^'10\.43\.0\.0\/29' has 8 addresses: too small/,
  },
  {
    name: 'pool in multicast space',
    patch: (c) => (c.cluster.loadBalancerPool = '224.0.0.0/28'),
    path: 'cluster.loadBalancerPool',
    message: /^'224\.0\.0\.0\/28' \(224\.0\.0\.0–224\.0\.0\.15\) overlaps 224\.0\.0\.0\/4 \(multicast\)/,
  },
  {
    name: 'pool in link-local space',
    patch: (c) => (c.cluster.loadBalancerPool = '169.254.10.0/24'),
    path: 'cluster.loadBalancerPool',
    message: /overlaps 169\.254\.0\.0\/16 \(link-local/,
  },

  // --- Gateway address ------------------------------------------------------------------------
  {
    name: 'gateway address outside the pool',
    patch: (c) => (comp(c, 'gateway').address = '192.168.10.200'),
    path: 'components.gateway.address',
    message: /^'192\.168\.10\.200' is outside cluster\.loadBalancerPool '192\.168\.10\.240\/28' \(192\.168\.10\.240–192\.168\.10\.255\): Cilium LB IPAM only hands out pool addresses/,
  },
  {
    name: 'gateway address with an octet over 255',
    patch: (c) => (comp(c, 'gateway').address = '300.168.10.241'),
    path: 'components.gateway.address',
    message: /^'300\.168\.10\.241' is not an IPv4 address: expected four decimal parts 0–255/,
  },
  {
    name: 'gateway address as IPv6',
    patch: (c) => (comp(c, 'gateway').address = 'fd00::1'),
    path: 'components.gateway.address',
    message: /^'fd00::1' is not valid/,
  },

  // --- Names ------------------------------------------------------------------------------------
  { name: 'site name of 64 characters', patch: (c) => (c.site.name = 'a'.repeat(64)), path: 'site.name', message: /is not valid: expected a DNS-1123 label.*at most 63 characters/ },
  { name: 'site name in upper case', patch: (c) => (c.site.name = 'Edge-01'), path: 'site.name', message: /^'Edge-01' is not valid: expected a DNS-1123 label/ },
  { name: 'site name with a leading hyphen', patch: (c) => (c.site.name = '-edge'), path: 'site.name', message: /^'-edge' is not valid/ },
  { name: 'site name with a trailing hyphen', patch: (c) => (c.site.name = 'edge-'), path: 'site.name', message: /^'edge-' is not valid/ },
  { name: 'site name with an emoji', patch: (c) => (c.site.name = 'edge-🚀'), path: 'site.name', message: /^'edge-🚀' is not valid: expected a DNS-1123 label/ },
  { name: 'site name with an accent', patch: (c) => (c.site.name = 'édge-01'), path: 'site.name', message: /^'édge-01' is not valid/ },
  {
    name: 'domain one character over the cap',
    patch: (c) => (c.site.domain = domainOf(DOMAIN_MAX_LENGTH + 1)),
    path: 'site.domain',
    message: new RegExp(`is ${DOMAIN_MAX_LENGTH + 1} characters; at most ${DOMAIN_MAX_LENGTH} are allowed, so that every UI hostname <component>\\.<domain>.*253-character DNS name limit`),
  },
  { name: 'domain in upper case', patch: (c) => (c.site.domain = 'Edge.Example.com'), path: 'site.domain', message: /^'Edge\.Example\.com' is not valid: expected a lower-case DNS domain/ },
  { name: 'domain with a unicode label', patch: (c) => (c.site.domain = 'édge.example.com'), path: 'site.domain', message: /is not valid/ },
  { name: 'owner with a space', patch: (c) => (c.site.owner = 'platform team'), path: 'site.owner', message: /^'platform team' is not valid/ },
  { name: 'node name in upper case', patch: (c) => (c.nodes[1].name = 'Edge-W-1'), path: 'nodes[1].name', message: /^'Edge-W-1' is not valid: expected a DNS-1123 label/ },

  // --- Node quantities ----------------------------------------------------------------------
  { name: 'cpu "0"', patch: (c) => (c.nodes[1].cpu = '0'), path: 'nodes[1].cpu', message: /^'0' is no CPU: a node's allocatable CPU must be more than 0/ },
  { name: 'cpu "0m"', patch: (c) => (c.nodes[0].cpu = '0m'), path: 'nodes[0].cpu', message: /^'0m' is no CPU/ },
  { name: 'cpu "0.0"', patch: (c) => (c.nodes[2].cpu = '0.0'), path: 'nodes[2].cpu', message: /^'0\.0' is no CPU/ },
  { name: 'memory "0"', patch: (c) => (c.nodes[1].memory = '0'), path: 'nodes[1].memory', message: /^'0' is no memory: a node's allocatable memory must be more than 0/ },
  { name: 'memory "0Gi"', patch: (c) => (c.nodes[2].memory = '0Gi'), path: 'nodes[2].memory', message: /^'0Gi' is no memory/ },
  { name: 'negative cpu', patch: (c) => (c.nodes[1].cpu = '-4'), path: 'nodes[1].cpu', message: /^'-4' is not valid: expected a Kubernetes CPU quantity/ },
  { name: 'negative memory', patch: (c) => (c.nodes[1].memory = '-8Gi'), path: 'nodes[1].memory', message: /^'-8Gi' is not valid: expected a Kubernetes memory quantity/ },
  { name: 'cpu NaN (YAML .nan)', text: (y) => y.replace(/cpu: "4"/, 'cpu: .nan'), path: 'nodes[0].cpu', message: /^NaN is a number, expected string/ },
  { name: 'memory Infinity (YAML .inf)', text: (y) => y.replace(/memory: 8Gi/, 'memory: .inf'), path: 'nodes[0].memory', message: /^Infinity is a number, expected string/ },
  { name: 'cpu "Infinity"', patch: (c) => (c.nodes[2].cpu = 'Infinity'), path: 'nodes[2].cpu', message: /^'Infinity' is not valid: expected a Kubernetes CPU quantity/ },

  // --- Control-plane count ------------------------------------------------------------------
  {
    name: 'two control-plane nodes',
    patch: (c) => (c.nodes[1].role = 'control-plane'),
    path: 'nodes',
    message: /^2 nodes have role 'control-plane' \(nodes\[0\] \(edge-cp-1\), nodes\[1\] \(edge-w-1\)\); exactly one is supported: .*odd number, 3 or more, of servers with embedded etcd\) is not supported yet/,
  },
  {
    name: 'three control-plane nodes',
    patch: (c) => c.nodes.forEach((n: Cfg) => (n.role = 'control-plane')),
    path: 'nodes',
    message: /^3 nodes have role 'control-plane'.*HA control plane.*not supported yet/,
  },

  // --- Storage ----------------------------------------------------------------------------------
  {
    name: 'Prometheus retentionSize larger than the default volume',
    patch: (c) => (comp(c, 'prometheus-stack').retentionSize = '20GB'),
    path: 'components.prometheus-stack.retentionSize',
    message: /^'20GB' \(20\.00 GiB\) is larger than the volume \(the default volumeSize '10Gi', 10\.00 GiB\): Prometheus would fill the disk/,
  },
  {
    name: 'Prometheus retentionSize larger than the volume set',
    patch: (c) => Object.assign(comp(c, 'prometheus-stack'), { volumeSize: '5Gi', retentionSize: '5.5GiB' }),
    path: 'components.prometheus-stack.retentionSize',
    message: /^'5\.5GiB' \(5\.50 GiB\) is larger than the volume \(components\.prometheus-stack\.volumeSize '5Gi', 5\.00 GiB\)/,
  },
  {
    name: 'Prometheus storageClass not an object name',
    patch: (c) => (comp(c, 'prometheus-stack').storageClass = 'Local_Path'),
    path: 'components.prometheus-stack.storageClass',
    message: /^'Local_Path' is not valid: expected a Kubernetes object name \(DNS-1123 subdomain\)/,
  },
  { name: 'Loki storageClass with a space', patch: (c) => (comp(c, 'loki').storageClass = 'fast ssd'), path: 'components.loki.storageClass', message: /^'fast ssd' is not valid: expected a Kubernetes object name/ },
  { name: 'Vault storageClass with a leading hyphen', patch: (c) => (comp(c, 'vault').storageClass = '-ssd'), path: 'components.vault.storageClass', message: /^'-ssd' is not valid: expected a Kubernetes object name/ },
  {
    name: 'storageClass of 254 characters',
    patch: (c) => (comp(c, 'loki').storageClass = 'a'.repeat(254)),
    path: 'components.loki.storageClass',
    message: /is not valid: expected a Kubernetes object name.*at most 253 characters/,
  },
  { name: 'Loki volume of size 0', patch: (c) => (comp(c, 'loki').volumeSize = '0'), path: 'components.loki.volumeSize', message: /^'0' is no space: a volume must be larger than 0/ },
  { name: 'Vault volume of size 0Gi', patch: (c) => (comp(c, 'vault').storageSize = '0Gi'), path: 'components.vault.storageSize', message: /^'0Gi' is no space/ },

  // --- Kubernetes version -------------------------------------------------------------------
  {
    name: 'kubernetesVersion 1.30 as a YAML number',
    text: (y) => y.replace(/kubernetesVersion: "1\.33"/, 'kubernetesVersion: 1.30'),
    path: 'cluster.kubernetesVersion',
    message: /^1\.30 is a YAML number \(read as 1\.3\), not a version; write it as a string: kubernetesVersion: "1\.30"$/,
  },
  {
    name: 'kubernetesVersion 1.33 as a YAML number',
    text: (y) => y.replace(/kubernetesVersion: "1\.33"/, 'kubernetesVersion: 1.33'),
    path: 'cluster.kubernetesVersion',
    message: /write it as a string: kubernetesVersion: "1\.33"$/,
  },
  {
    name: 'kubernetesVersion older than the charts support',
    patch: (c) => (c.cluster.kubernetesVersion = '1.30'),
    path: 'cluster.kubernetesVersion',
    message: /^'1\.30' is not supported: the pinned charts support Kubernetes 1\.31 to 1\.34/,
  },
  { name: 'kubernetesVersion newer than the charts support', patch: (c) => (c.cluster.kubernetesVersion = 'v1.35.1'), path: 'cluster.kubernetesVersion', message: /^'v1\.35\.1' is not supported: .*1\.31 to 1\.34/ },
  { name: 'kubernetesVersion "4.5.6"', patch: (c) => (c.cluster.kubernetesVersion = '4.5.6'), path: 'cluster.kubernetesVersion', message: /^'4\.5\.6' is not valid: expected a Kubernetes version such as "1\.33".*supported: 1\.31 to 1\.34/ },
  { name: 'kubernetesVersion with a leading zero', patch: (c) => (c.cluster.kubernetesVersion = '1.033'), path: 'cluster.kubernetesVersion', message: /^'1\.033' is not valid/ },
  { name: 'kubernetesVersion "latest"', patch: (c) => (c.cluster.kubernetesVersion = 'latest'), path: 'cluster.kubernetesVersion', message: /^'latest' is not valid/ },
];

/** Load the patched committed config; return the problems (asserting a ConfigError, exit 2). */
async function problemsOf(h: Pick<Hostile, 'patch' | 'text'>): Promise<{ error: ConfigError; problems: { path: string; message: string }[] }> {
  const raw = baseConfigObject();
  h.patch?.(raw);
  const text = h.text ? h.text(stringify(raw)) : stringify(raw);
  if (h.text) expect(text).not.toBe(stringify(raw));
  try {
    await configFrom(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).exitCode).toBe(2);
    return { error: e as ConfigError, problems: [...(e as ConfigError).problems] };
  }
  throw new Error('expected a ConfigError');
}

describe('hostile configs fail as config errors (exit 2), naming the field, the bad value and what is allowed', () => {
  it('has at least 40 cases', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(40);
  });

  it.each(HOSTILE.map((h) => [h.name, h] as const))('%s', async (_name, h) => {
    const { error, problems } = await problemsOf(h);
    const hit = problems.find((p) => p.path === h.path && h.message.test(p.message));
    expect(hit, `no problem at ${h.path} matching ${h.message}; got:\n${error.message}`).toBeDefined();
    expect(error.message).toContain(`${h.path}: `);
  });

  it('reports a YAML-number kubernetesVersion together with schema errors', async () => {
    const { problems } = await problemsOf({
      patch: (c) => (c.nodes[2].role = 'master'),
      text: (y) => y.replace(/kubernetesVersion: "1\.33"/, 'kubernetesVersion: 1.30'),
    });
    expect(problems.map((p) => p.path).sort()).toEqual(['cluster.kubernetesVersion', 'nodes[2].role']);
  });

  it('reports every network problem at once', async () => {
    const { problems } = await problemsOf({
      patch: (c) => {
        c.cluster.loadBalancerPool = '10.42.0.0/16';
        c.cluster.apiServer.host = '10.42.0.1';
        c.components = { gateway: { address: '192.168.10.241' } };
      },
    });
    expect(problems.map((p) => p.path).sort()).toEqual([
      'cluster.apiServer.host',
      'cluster.apiServer.host',
      'cluster.loadBalancerPool',
      'components.gateway.address',
    ]);
  });
});

describe('valid edge cases are still accepted', () => {
  const VALID: readonly [string, (c: Cfg) => void][] = [
    ['a /32 pool with the gateway on its one address', (c) => {
      c.cluster.loadBalancerPool = '192.168.10.250/32';
      c.components = { gateway: { address: '192.168.10.250' } };
    }],
    ["the gateway on the pool's first and last address", (c) => (c.components = { gateway: { address: '192.168.10.255' } })],
    ['an API server host given as a DNS name', (c) => (c.cluster.apiServer.host = 'k8s-api.edge.example.com')],
    ['a pod CIDR with exactly one /24 per node', (c) => (c.cluster.podCIDR = '10.42.0.0/22')],
    ['the kubeadm Service CIDR', (c) => (c.cluster.serviceCIDR = '10.96.0.0/12')],
    ['the oldest and newest supported Kubernetes versions', (c) => (c.cluster.kubernetesVersion = '1.31')],
    ['a patch version with a v', (c) => (c.cluster.kubernetesVersion = 'v1.34.2')],
    ['a retentionSize equal to the volume', (c) => (c.components = { 'prometheus-stack': { volumeSize: '10Gi', retentionSize: '10GiB' } })],
    ['a retentionSize of 0 (no size limit)', (c) => (c.components = { 'prometheus-stack': { retentionSize: '0' } })],
    ['a dotted storage class name', (c) => (c.components = { loki: { storageClass: 'fast.ssd-1' }, vault: { storageClass: 'longhorn' } })],
    ['the smallest node quantities', (c) => Object.assign(c.nodes[2], { cpu: '1m', memory: '1Ki' })],
    ['names at the longest the schema allows', (c) => {
      c.site.name = 's'.repeat(63);
      c.site.domain = domainOf(DOMAIN_MAX_LENGTH);
      c.site.owner = 'o'.repeat(63);
    }],
  ];
  it.each(VALID)('%s', async (_name, patch) => {
    const raw = baseConfigObject();
    patch(raw);
    await expect(configFrom(raw)).resolves.toBeDefined();
  });

  it('accepts both ends of the supported Kubernetes range', async () => {
    for (const v of ['1.31', '1.34', '1.31.0', 'v1.34.99']) {
      const raw = baseConfigObject();
      raw.cluster.kubernetesVersion = v;
      await expect(configFrom(raw)).resolves.toBeDefined();
    }
  });

  it('defaults the Service CIDR to k3s default', async () => {
    expect((await configFrom(baseConfigObject())).cluster.serviceCIDR).toBe('10.43.0.0/16');
  });
});

describe('IPv4 helpers', () => {
  it('parse strictly and compute networks without 32-bit overflow', () => {
    expect(parseIPv4('255.255.255.255')).toBe(2 ** 32 - 1);
    expect(formatIPv4(2 ** 32 - 1)).toBe('255.255.255.255');
    expect(parseIPv4('1.2.3')).toBeUndefined();
    expect(parseIPv4('01.2.3.4')).toBeUndefined();
    expect(parseIPv4('256.0.0.0')).toBeUndefined();
    expect(parseCidr('192.168.10.240/28')).toEqual({ address: parseIPv4('192.168.10.240'), prefix: 28 });
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0/08')).toBeUndefined();
  });

  it('reads Prometheus sizes in powers of 1024', () => {
    expect(parsePrometheusBytes('8GB')).toBe(8 * 1024 ** 3);
    expect(parsePrometheusBytes('6GiB')).toBe(6 * 1024 ** 3);
    expect(parsePrometheusBytes('512B')).toBe(512);
    expect(parsePrometheusBytes('0')).toBe(0);
    expect(parsePrometheusBytes('8G')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Every name at its longest: every object stays within its API limits.
// ---------------------------------------------------------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Kinds whose names must be DNS-1123 labels (they become DNS names or label values). */
const LABEL_NAMED_KINDS = new Set(['Namespace', 'Service']);

/** API-server limits the offline schema check does not cover (metadata, X.509 and DNS lengths). */
function limitProblems(o: any): string[] {
  const out: string[] = [];
  const id = `${o.kind}/${o.metadata?.name}`;
  const name: string = o.metadata?.name ?? '';
  if (!(LABEL_NAMED_KINDS.has(o.kind) ? DNS_LABEL : DNS_SUBDOMAIN).test(name)) out.push(`${id}: metadata.name is not a valid name (${name.length} characters)`);
  if (o.metadata?.namespace !== undefined && !DNS_LABEL.test(o.metadata.namespace)) out.push(`${id}: metadata.namespace '${o.metadata.namespace}' is not a DNS label`);
  // An ApplicationSet's template is a Go template (`{{ .name }}`), filled in per generated Application.
  const template = o.kind === 'ApplicationSet' ? undefined : o.spec?.template;
  const labelMaps = [o.metadata?.labels, template?.metadata?.labels, o.spec?.selector?.matchLabels];
  for (const labels of labelMaps) {
    for (const [k, v] of Object.entries((labels ?? {}) as Record<string, string>)) {
      const [prefix, key] = k.includes('/') ? k.split('/') : [undefined, k];
      if (!LABEL_NAME.test(key!) || (prefix !== undefined && !DNS_SUBDOMAIN.test(prefix))) out.push(`${id}: label key '${k}' is not valid`);
      if (typeof v !== 'string' || !LABEL_VALUE.test(v)) out.push(`${id}: label ${k}='${v}' is not a valid label value (${String(v).length} characters, at most 63)`);
    }
  }
  if (o.kind === 'Certificate') {
    if (typeof o.spec.commonName === 'string' && o.spec.commonName.length > COMMON_NAME_MAX_LENGTH) out.push(`${id}: commonName is ${o.spec.commonName.length} characters (at most ${COMMON_NAME_MAX_LENGTH})`);
    for (const d of o.spec.dnsNames ?? []) if (d.length > 253) out.push(`${id}: dnsName is ${d.length} characters (at most 253)`);
    for (const ou of o.spec.subject?.organizationalUnits ?? []) if (ou.length > 64) out.push(`${id}: organizationalUnit is ${ou.length} characters (at most 64)`);
    for (const org of o.spec.subject?.organizations ?? []) if (org.length > 64) out.push(`${id}: organization is ${org.length} characters (at most 64)`);
  }
  for (const h of o.kind === 'HTTPRoute' ? (o.spec.hostnames ?? []) : []) if (h.length > 253) out.push(`${id}: hostname is ${h.length} characters (at most 253)`);
  for (const l of o.kind === 'Gateway' ? o.spec.listeners : []) if (l.hostname && l.hostname.length > 253) out.push(`${id}: listener hostname is ${l.hostname.length} characters`);
  return out;
}

describe('names at the longest the schema allows', () => {
  const upstream = upstreamForTests();

  it('every object stays within its API limits with every component enabled', async () => {
    const raw = baseConfigObject();
    raw.site.name = 'n'.repeat(63);
    raw.site.domain = domainOf(DOMAIN_MAX_LENGTH);
    raw.site.owner = `O${'o'.repeat(61)}9`;
    raw.nodes.forEach((n: Cfg, i: number) => (n.name = `${'x'.repeat(62)}${i}`));
    raw.components = Object.fromEntries(CATALOG.map((c) => [c.name, { enabled: true }]));
    // The components that exist only with single sign-on too.
    raw.sso = dexSso();
    const build = buildSite({ config: await configFrom(raw), configFile: 'platform.yaml', catalog: CATALOG });

    const objects: any[] = [...build.rootObjects, ...[...build.resources.values()].flat()];
    expect(objects.length).toBeGreaterThan(50);
    expect(objects.flatMap(limitProblems)).toEqual([]);

    // The UI subdomains fit the cap the domain length is computed from.
    for (const c of build.components) for (const u of c.ui) expect(u.subdomain.length).toBeLessThanOrEqual(UI_SUBDOMAIN_MAX_LENGTH);

    // The CA's commonName falls back to the site name when "<site> edge-idp CA" is too long.
    const ca = objects.find((o) => o.kind === 'Certificate' && o.spec.isCA);
    expect(ca.spec.commonName).toBe('n'.repeat(63));

    if (upstream) {
      const validator = new ObjectValidator(upstreamCrds(upstream));
      expect(objects.flatMap((o) => validator.validate(o).map((p) => `${o.kind}/${o.metadata?.name}: ${p}`))).toEqual([]);
    }
  });

  it("keeps the CA commonName '<site> edge-idp CA' while it fits", () => {
    expect(caCommonName('edge-01')).toBe('edge-01 edge-idp CA');
    expect(caCommonName('s'.repeat(52))).toBe(`${'s'.repeat(52)} edge-idp CA`);
    expect(caCommonName('s'.repeat(53))).toBe('s'.repeat(53));
  });
});
