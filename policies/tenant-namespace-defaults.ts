/**
 * `tenant-namespace-defaults` (generate): a namespace labelled as a tenant namespace
 * (`edge-idp.io/tenant: "true"`) gets a default-deny NetworkPolicy that still lets its pods
 * resolve names, and a LimitRange that gives containers without resources sane ones. Both are
 * kept in sync with this policy (`synchronize: true`): a tenant who edits or deletes them gets
 * them back. A validate rule reports tenant labels that are neither "true" nor "false", since a
 * typo would silently leave a namespace open.
 *
 * Kubernetes NetworkPolicy rather than CiliumNetworkPolicy: Cilium enforces both, but the
 * built-in kind needs no CRD to exist when Kyverno generates it, Kyverno's background controller
 * may already create it (the chart grants `networkpolicies`, not `ciliumnetworkpolicies`), and it
 * keeps working if the CNI is ever replaced. Tenants that need L7 or FQDN rules add Cilium
 * policies of their own on top: NetworkPolicies are additive allow-lists.
 */
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { ILimitRange } from 'kubernetes-models/v1';
import { LABELS, PLATFORM_NAME } from '../platform/model/labels.js';
import type { ResourceSpec } from '../platform/model/component.js';
import { POLICY_NAMES } from './checks.js';
import {
  clusterPolicy,
  matchKinds,
  ruleExclusions,
  webhookConfiguration,
  type ClusterPolicy,
  type Generation,
  type Rule,
} from './kyverno.js';
import type { ResolvedPolicyOptions } from './options.js';

/** Value of {@link LABELS.tenant} that marks a tenant namespace (any other value, or none, does not). */
export const TENANT_LABEL_VALUE = 'true';

/** Label every namespace carries with its own name (set by the API server since Kubernetes 1.21). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Where the cluster DNS runs and how its pods are labelled (CoreDNS on kubeadm and k3s alike). */
export const CLUSTER_DNS = {
  namespace: 'kube-system',
  podLabels: { 'k8s-app': 'kube-dns' },
  port: 53,
} as const;

export const TENANT_NETWORK_POLICY_NAME = 'default-deny-except-dns';
export const TENANT_LIMIT_RANGE_NAME = 'container-defaults';

/**
 * What a tenant container without resources gets: small requests, and a memory limit but no CPU
 * limit (CPU limits throttle bursts that would otherwise use idle cores).
 */
export const TENANT_CONTAINER_DEFAULTS: ResourceSpec = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { memory: '256Mi' },
};

export const TENANT_RULES = {
  labelValue: 'tenant-label-value',
  networkPolicy: 'generate-default-deny-network-policy',
  limitRange: 'generate-container-defaults',
} as const;

/** Resolved per trigger by Kyverno: the tenant namespace's own name. */
const TRIGGER_NAMESPACE = '{{request.object.metadata.name}}';

const GENERATED_LABELS = { [LABELS.partOf]: PLATFORM_NAME };

/** The NetworkPolicy generated in a tenant namespace: no traffic in or out, except DNS to the cluster DNS. */
export function tenantNetworkPolicy(namespace: string): INetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: TENANT_NETWORK_POLICY_NAME, namespace, labels: GENERATED_LABELS },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: CLUSTER_DNS.namespace } },
              podSelector: { matchLabels: { ...CLUSTER_DNS.podLabels } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: CLUSTER_DNS.port },
            { protocol: 'TCP', port: CLUSTER_DNS.port },
          ],
        },
      ],
    },
  };
}

/** The LimitRange generated in a tenant namespace. */
export function tenantLimitRange(namespace: string): ILimitRange {
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: TENANT_LIMIT_RANGE_NAME, namespace, labels: GENERATED_LABELS },
    spec: {
      limits: [
        {
          type: 'Container',
          defaultRequest: { ...TENANT_CONTAINER_DEFAULTS.requests },
          default: { ...TENANT_CONTAINER_DEFAULTS.limits },
        },
      ],
    },
  };
}

/** A generate rule's target, from the object it generates (`data` is the object minus what the rule names). */
function generation(object: INetworkPolicy | ILimitRange): Generation {
  const { apiVersion, kind, metadata, ...body } = object;
  return {
    apiVersion,
    kind,
    name: metadata!.name!,
    namespace: TRIGGER_NAMESPACE,
    synchronize: true,
    generateExisting: true,
    data: { metadata: { labels: metadata!.labels }, ...body },
  };
}

/** The policy: the label-value check, then the two generate rules. */
export function tenantNamespaceDefaultsPolicy(o: ResolvedPolicyOptions): ClusterPolicy {
  const exemptions = o.exemptions.filter((e) => e.check === 'tenant-label');
  const systemExclusion = ruleExclusions({
    check: 'tenant-label',
    ruleKinds: ['Namespace'],
    systemNamespaces: o.systemNamespaces,
    exemptions: [],
  });
  const tenantNamespaces = matchKinds(['Namespace'], { selector: { matchLabels: { [LABELS.tenant]: TENANT_LABEL_VALUE } } });
  const rules: Rule[] = [
    {
      name: TENANT_RULES.labelValue,
      match: matchKinds(['Namespace']),
      exclude: ruleExclusions({ check: 'tenant-label', ruleKinds: ['Namespace'], systemNamespaces: o.systemNamespaces, exemptions }),
      validate: {
        failureAction: 'Audit',
        message: `The label ${LABELS.tenant} must be "true" or "false": any other value leaves the namespace without default-deny.`,
        pattern: { metadata: { labels: { [`=(${LABELS.tenant})`]: 'true | false' } } },
      },
    },
    {
      name: TENANT_RULES.networkPolicy,
      match: tenantNamespaces,
      exclude: systemExclusion,
      generate: generation(tenantNetworkPolicy(TRIGGER_NAMESPACE)),
    },
    {
      name: TENANT_RULES.limitRange,
      match: tenantNamespaces,
      exclude: systemExclusion,
      generate: generation(tenantLimitRange(TRIGGER_NAMESPACE)),
    },
  ];
  return clusterPolicy({
    description: {
      name: POLICY_NAMES.tenantNamespaceDefaults,
      title: 'Tenant namespace defaults',
      category: 'edge-idp',
      severity: 'high',
      subjects: ['Namespace', 'NetworkPolicy', 'LimitRange'],
      description:
        'Tenant namespaces get a default-deny NetworkPolicy (DNS to the cluster DNS still allowed) and a ' +
        'LimitRange with default requests and memory limit, kept in sync by Kyverno.',
    },
    webhook: webhookConfiguration('Ignore', o.recoveryNamespaces),
    exemptions,
    rules,
  });
}
