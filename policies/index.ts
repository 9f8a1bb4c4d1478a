/** Public API of `policies/`: Kyverno policies as code, their checks, evaluator and files. */
export { platformPolicies, policyNamed } from './platform-policies.js';
export {
  resolvePolicyOptions,
  exemptionCovers,
  describeExemptObject,
  type PlatformPolicyOptions,
  type ResolvedPolicyOptions,
  type PlatformNamespace,
  type PolicyExemption,
  type ObjectIdentity,
} from './options.js';
export { CHECKS, CHECK_NAMES, POLICY_NAMES, EXEMPTIONS_ANNOTATION, type CheckName, type CheckInfo, type PolicyName } from './checks.js';
export {
  checkAgainstPolicies,
  evaluatePolicies,
  formatViolation,
  type EvaluationOptions,
  type PolicyEvaluation,
  type PolicyViolation,
  type ViolatingObject,
} from './evaluator.js';
export { webhookSafetyFacts, webhookSafetyProblems, type WebhookSafetyFacts, type RuleEffect } from './webhook-safety.js';
export {
  KYVERNO_API_VERSION,
  KYVERNO_VERSION,
  WEBHOOK_TIMEOUT_SECONDS,
  namespaceExemptionCondition,
  namespacesExemptedBy,
  type ClusterPolicy,
  type Rule,
} from './kyverno.js';
export { upstreamDir, upstreamPath, upstreamAvailable, UPSTREAM_DIR_ENV, KYVERNO_CRDS } from './upstream.js';
export { renderPolicyFiles, writePolicyFiles, POLICIES_DIR, GENERATED_MARKER, FIXTURE_SETS } from './policy-files.js';
export { FIXTURE_POLICY_OPTIONS } from './fixture-site.js';
export {
  TENANT_LABEL_VALUE,
  TENANT_NETWORK_POLICY_NAME,
  TENANT_LIMIT_RANGE_NAME,
  TENANT_CONTAINER_DEFAULTS,
  CLUSTER_DNS,
  tenantNetworkPolicy,
  tenantLimitRange,
} from './tenant-namespace-defaults.js';
