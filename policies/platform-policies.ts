/** The platform's Kyverno policies for one site: the public entry point of `policies/`. */
import type { PolicyName } from './checks.js';
import type { ClusterPolicy } from './kyverno.js';
import { resolvePolicyOptions, type PlatformPolicyOptions, type ResolvedPolicyOptions } from './options.js';
import { requireNamespaceLabelsPolicy } from './require-namespace-labels.js';
import { tenantNamespaceDefaultsPolicy } from './tenant-namespace-defaults.js';
import { tierPriorityClassPolicy } from './tier-priority-class.js';
import { workloadStandardsPolicy } from './workload-standards.js';

/** Every policy builder, in output order. */
const POLICY_BUILDERS: readonly ((o: ResolvedPolicyOptions) => ClusterPolicy)[] = [
  requireNamespaceLabelsPolicy,
  tierPriorityClassPolicy,
  workloadStandardsPolicy,
  tenantNamespaceDefaultsPolicy,
];

/**
 * The ClusterPolicy manifests for a site, as plain objects in a fixed order (same options, same
 * output). Throws on invalid options, naming every bad field. Apply them after Kyverno's CRDs and
 * its admission controller are running; they need no other ordering among themselves.
 */
export function platformPolicies(opts: PlatformPolicyOptions): ClusterPolicy[] {
  const resolved = resolvePolicyOptions(opts);
  return POLICY_BUILDERS.map((build) => build(resolved));
}

/** The policy of the given name from a list of policies (for callers that need one). */
export function policyNamed(policies: readonly ClusterPolicy[], name: PolicyName): ClusterPolicy {
  const policy = policies.find((p) => p.metadata.name === name);
  if (!policy) throw new Error(`no policy named '${name}'; have: ${policies.map((p) => p.metadata.name).join(', ')}`);
  return policy;
}
