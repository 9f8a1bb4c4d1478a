/**
 * Webhook safety, read back from the manifests (not from the builders' intent): a Kyverno outage
 * must never stop the platform from recovering. Concretely, for every policy:
 *
 * - a short webhook timeout;
 * - failurePolicy `Ignore` unless the policy enforces (only Enforce-mode validation may fail
 *   closed, and such a policy has no mutate or generate rules);
 * - the API server never sends Kyverno a request about an object in a system or recovery
 *   namespace (match conditions, evaluated by the API server even when Kyverno is down); for a
 *   fail-closed policy, not about a platform namespace either;
 * - every rule excludes the system namespaces, and names its operations (create and update only,
 *   so deletes never wait for Kyverno).
 */
import { namespacesExemptedBy, WEBHOOK_TIMEOUT_SECONDS, type AdmissionOperation, type ClusterPolicy, type FailurePolicy, type Rule } from './kyverno.js';
import { resolvePolicyOptions, type PlatformPolicyOptions } from './options.js';

/** What a rule does, as far as webhook safety is concerned. */
export type RuleEffect = 'enforce' | 'audit' | 'mutate' | 'generate';

/** The webhook-relevant facts of one policy, read from its manifest. */
export interface WebhookSafetyFacts {
  readonly policy: string;
  /** As Kyverno reads it: `webhookConfiguration.failurePolicy`, else the deprecated spec field, else Fail. */
  readonly failurePolicy: FailurePolicy;
  readonly timeoutSeconds: number | undefined;
  readonly effects: readonly RuleEffect[];
  /**
   * Namespaces the API server never sends to Kyverno for this policy; `undefined` when the match
   * conditions are not the ones `namespaceExemptionCondition` writes (and so cannot be read).
   */
  readonly webhookExemptNamespaces: readonly string[] | undefined;
  /** Namespaces every rule excludes (by namespace, or by name for rules on Namespaces). */
  readonly namespacesExcludedByEveryRule: readonly string[];
  /** Operations the rules match; `undefined` for a rule that names none (and so matches deletes too). */
  readonly operations: readonly (AdmissionOperation | undefined)[];
}

type LooseSpec = ClusterPolicy['spec'] & { readonly failurePolicy?: FailurePolicy; readonly webhookTimeoutSeconds?: number };

function effectsOf(rule: Rule): RuleEffect[] {
  const effects: RuleEffect[] = [];
  if (rule.validate) effects.push(rule.validate.failureAction === 'Enforce' ? 'enforce' : 'audit');
  if (rule.mutate) effects.push('mutate');
  if (rule.generate) effects.push('generate');
  return effects;
}

/** Operations a rule matches; `undefined` stands for a filter that names none (all operations). */
function operationsOf(rule: Rule): (AdmissionOperation | undefined)[] {
  const filters = [...(rule.match.any ?? []), ...(rule.match.all ?? [])];
  if (filters.length === 0) return [undefined];
  return filters.flatMap((filter): (AdmissionOperation | undefined)[] => [...(filter.resources.operations ?? [undefined])]);
}

/** Namespaces one rule excludes: by `namespaces` (namespaced kinds) or by `names` of Namespace objects. */
function excludedNamespaces(rule: Rule): Set<string> {
  const out = new Set<string>();
  for (const filter of rule.exclude?.any ?? []) {
    const r = filter.resources;
    const onlyNamespaceFilter = r.kinds === undefined && r.names === undefined && r.selector === undefined;
    if (onlyNamespaceFilter) for (const ns of r.namespaces ?? []) out.add(ns);
    const namespaceObjects = r.kinds?.length === 1 && r.kinds[0] === 'Namespace' && r.selector === undefined;
    if (namespaceObjects) for (const name of r.names ?? []) if (!name.includes('*')) out.add(name);
  }
  return out;
}

/** Reads the webhook-safety facts of each policy. */
export function webhookSafetyFacts(policies: readonly ClusterPolicy[]): WebhookSafetyFacts[] {
  return policies.map((policy) => {
    const spec = policy.spec as LooseSpec;
    const conditions = spec.webhookConfiguration?.matchConditions ?? [];
    const exempt = conditions.map(namespacesExemptedBy);
    const perRule = spec.rules.map(excludedNamespaces);
    const everyRule = perRule.length === 0 ? [] : [...perRule[0]!].filter((ns) => perRule.every((set) => set.has(ns)));
    return {
      policy: policy.metadata.name,
      failurePolicy: spec.webhookConfiguration?.failurePolicy ?? spec.failurePolicy ?? 'Fail',
      timeoutSeconds: spec.webhookConfiguration?.timeoutSeconds ?? spec.webhookTimeoutSeconds,
      effects: [...new Set(spec.rules.flatMap(effectsOf))].sort(),
      webhookExemptNamespaces: exempt.length === 1 && exempt[0] !== undefined ? [...exempt[0]].sort() : undefined,
      namespacesExcludedByEveryRule: everyRule.sort(),
      operations: [...new Set(spec.rules.flatMap(operationsOf))],
    };
  });
}

/**
 * Every way the policies could let a Kyverno outage block the platform's recovery (empty when
 * they cannot). `opts` says which namespaces matter.
 */
export function webhookSafetyProblems(policies: readonly ClusterPolicy[], opts: PlatformPolicyOptions): string[] {
  const o = resolvePolicyOptions(opts);
  const problems: string[] = [];
  for (const f of webhookSafetyFacts(policies)) {
    const fail = (message: string) => problems.push(`${f.policy}: ${message}`);
    if (f.timeoutSeconds === undefined || f.timeoutSeconds > WEBHOOK_TIMEOUT_SECONDS) {
      fail(`webhook timeout ${f.timeoutSeconds ?? 'unset (Kyverno default 10)'}s; at most ${WEBHOOK_TIMEOUT_SECONDS}s`);
    }
    const failsClosed = f.failurePolicy === 'Fail';
    if (failsClosed && !f.effects.includes('enforce')) fail('failurePolicy Fail on a policy that does not enforce; use Ignore');
    if (failsClosed && (f.effects.includes('mutate') || f.effects.includes('generate'))) {
      fail('failurePolicy Fail on a policy with mutate or generate rules; an outage would block every matching request');
    }
    const mustSkip = failsClosed ? [...o.recoveryNamespaces, ...o.platformNamespaces.map((ns) => ns.name)] : o.recoveryNamespaces;
    if (f.webhookExemptNamespaces === undefined) {
      fail('webhook match conditions cannot be read as a namespace exemption (write them with namespaceExemptionCondition)');
    } else {
      const missing = [...new Set(mustSkip)].filter((ns) => !f.webhookExemptNamespaces!.includes(ns)).sort();
      if (missing.length > 0) fail(`the webhook still receives requests for namespaces ${missing.join(', ')}`);
    }
    const notExcluded = o.systemNamespaces.filter((ns) => !f.namespacesExcludedByEveryRule.includes(ns));
    if (notExcluded.length > 0) fail(`not every rule excludes system namespaces ${notExcluded.join(', ')}`);
    const badOperations = f.operations.filter((op) => op !== 'CREATE' && op !== 'UPDATE');
    if (badOperations.length > 0) {
      fail(`rules match operations ${badOperations.map((op) => op ?? '(unset: all)').join(', ')}; only CREATE and UPDATE`);
    }
  }
  return problems;
}
