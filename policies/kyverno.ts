/**
 * Typed builders for the subset of Kyverno's `kyverno.io/v1` ClusterPolicy the platform uses, and
 * the pieces every policy shares: metadata, webhook settings, and exclusions.
 *
 * Why `kyverno.io/v1` ClusterPolicy and not the newer `policies.kyverno.io` kinds: one
 * ClusterPolicy holds validate, mutate and generate rules together and has the `podSecurity`
 * subrule (a maintained implementation of the Pod Security Standards with per-control
 * exclusions). The newer API splits these across ValidatingPolicy, MutatingPolicy and
 * GeneratingPolicy, each written in CEL, and has no `podSecurity` equivalent: the restricted
 * profile would have to be re-written as CEL by hand. Kyverno 1.19 still serves and stores
 * `kyverno.io/v1` (see the upstream CRD), so nothing is lost by staying on it for now.
 */
import { LABELS, PLATFORM_NAME } from '../platform/model/labels.js';
import { EXEMPTIONS_ANNOTATION, type CheckName, type PolicyName } from './checks.js';
import { describeExemptObject, OWNED_NAME_SEPARATOR, ownedKinds, type PolicyExemption } from './options.js';

export const KYVERNO_API_VERSION = 'kyverno.io/v1';

/** The Kyverno release whose CRD the policies are validated against (`kyverno.io/kyverno-version`). */
export const KYVERNO_VERSION = '1.19.0';

/**
 * Admission webhook timeout of every policy. Kyverno's default is 10 s; during a brown-out every
 * pod creation waits this long before `Ignore` lets it through, and controllers retry in bursts,
 * so shorter is kinder. 5 s is still far above a healthy Kyverno's latency.
 */
export const WEBHOOK_TIMEOUT_SECONDS = 5;

/** Annotation keys Kyverno and its tooling (Policy Reporter, the docs site) read. */
export const KYVERNO_ANNOTATIONS = {
  title: 'policies.kyverno.io/title',
  category: 'policies.kyverno.io/category',
  severity: 'policies.kyverno.io/severity',
  subject: 'policies.kyverno.io/subject',
  description: 'policies.kyverno.io/description',
  kyvernoVersion: 'kyverno.io/kyverno-version',
  /** `none`: we write controller rules ourselves (see `pod-shapes.ts`). */
  autogenControllers: 'pod-policies.kyverno.io/autogen-controllers',
} as const;

export type FailurePolicy = 'Ignore' | 'Fail';

/**
 * The failure policy every Kyverno webhook of the platform has: `Ignore`. The kyverno component
 * forces it on every webhook (`features.forceFailurePolicyIgnore`), whatever a policy says, so
 * the policies declare the same and the docs cannot promise what the cluster does not do:
 * on a small edge site Kyverno is often what is down, and it must never block a repair.
 */
export const KYVERNO_FAILURE_POLICY: FailurePolicy = 'Ignore';
export type FailureAction = 'Audit' | 'Enforce';
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/**
 * Operations every rule matches. Deletes are never sent to Kyverno by these policies: nothing we
 * check can be made worse by deleting, and a delete that waits on a webhook can block recovery.
 */
export const CHECKED_OPERATIONS: readonly AdmissionOperation[] = ['CREATE', 'UPDATE'];

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    readonly values?: readonly string[];
  }[];
}

export interface ResourceDescription {
  readonly kinds?: readonly string[];
  readonly names?: readonly string[];
  readonly namespaces?: readonly string[];
  readonly namespaceSelector?: LabelSelector;
  readonly selector?: LabelSelector;
  readonly operations?: readonly AdmissionOperation[];
}

export interface ResourceFilter {
  readonly resources: ResourceDescription;
}

export interface MatchResources {
  readonly any?: readonly ResourceFilter[];
  readonly all?: readonly ResourceFilter[];
}

/** A Kyverno overlay pattern: plain YAML values with Kyverno's operators in strings. */
export type Pattern = { readonly [key: string]: PatternValue };
export type PatternValue = string | number | boolean | null | Pattern | readonly PatternValue[];

export interface PodSecurity {
  readonly level: 'privileged' | 'baseline' | 'restricted';
  readonly version: string;
}

export interface Validation {
  readonly failureAction: FailureAction;
  /** Let objects that already violated the rule be updated as long as they violate it no more. */
  readonly allowExistingViolations?: boolean;
  readonly message: string;
  readonly pattern?: Pattern;
  readonly anyPattern?: readonly Pattern[];
  readonly podSecurity?: PodSecurity;
}

export interface Mutation {
  readonly patchStrategicMerge: Pattern;
}

export interface Generation {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** Keep the generated object equal to `data`, and delete it with its trigger. */
  readonly synchronize: boolean;
  /** Also generate for triggers that existed before the policy (e.g. created while Kyverno was down). */
  readonly generateExisting: boolean;
  readonly data: Record<string, unknown>;
}

export interface Rule {
  readonly name: string;
  readonly match: MatchResources;
  readonly exclude?: MatchResources;
  readonly validate?: Validation;
  readonly mutate?: Mutation;
  readonly generate?: Generation;
}

export interface MatchCondition {
  readonly name: string;
  readonly expression: string;
}

export interface WebhookConfiguration {
  readonly failurePolicy: FailurePolicy;
  readonly timeoutSeconds: number;
  readonly matchConditions?: readonly MatchCondition[];
}

export interface ClusterPolicy {
  readonly apiVersion: typeof KYVERNO_API_VERSION;
  readonly kind: 'ClusterPolicy';
  readonly metadata: {
    readonly name: PolicyName;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
  };
  readonly spec: {
    readonly admission: boolean;
    /** Re-check existing objects periodically and report violations in PolicyReports. */
    readonly background: boolean;
    readonly webhookConfiguration: WebhookConfiguration;
    readonly rules: readonly Rule[];
  };
}

/** Name of the match condition that keeps requests in exempt namespaces away from Kyverno. */
export const NAMESPACE_EXEMPTION_CONDITION = 'skip-exempt-namespaces';

// For a Namespace object the namespace of the request is the object's own name (it is empty on
// create, when the URL has no namespace yet), so the condition reads the name instead.
const REQUEST_NAMESPACE_CEL = "(request.kind.group == '' && request.kind.kind == 'Namespace' ? request.name : request.namespace)";

/**
 * A webhook match condition, evaluated by the API server, that sends no request about an object
 * in (or being) one of `namespaces` to Kyverno. Unlike a rule's `exclude`, which Kyverno evaluates
 * itself, this holds while Kyverno is down: the API server does not call the webhook at all.
 * Kyverno gives a policy with match conditions a webhook of its own.
 */
export function namespaceExemptionCondition(namespaces: readonly string[]): MatchCondition {
  const list = namespaces.map((ns) => `'${ns}'`).join(', ');
  return { name: NAMESPACE_EXEMPTION_CONDITION, expression: `!(${REQUEST_NAMESPACE_CEL} in [${list}])` };
}

/** The namespaces a condition made by {@link namespaceExemptionCondition} exempts; `undefined` for any other condition. */
export function namespacesExemptedBy(condition: MatchCondition): string[] | undefined {
  const prefix = `!(${REQUEST_NAMESPACE_CEL} in [`;
  if (condition.name !== NAMESPACE_EXEMPTION_CONDITION) return undefined;
  if (!condition.expression.startsWith(prefix) || !condition.expression.endsWith('])')) return undefined;
  const list = condition.expression.slice(prefix.length, -2);
  if (list.trim() === '') return [];
  const items = list.split(', ');
  if (!items.every((item) => /^'[a-z0-9-]+'$/.test(item))) return undefined;
  return items.map((item) => item.slice(1, -1));
}

/** Webhook settings: a short timeout, and no calls at all for the exempt namespaces. */
export function webhookConfiguration(failurePolicy: FailurePolicy, exemptNamespaces: readonly string[]): WebhookConfiguration {
  return {
    failurePolicy,
    timeoutSeconds: WEBHOOK_TIMEOUT_SECONDS,
    matchConditions: [namespaceExemptionCondition(exemptNamespaces)],
  };
}

/** What a policy is, for people and for Policy Reporter. */
export interface PolicyDescription {
  readonly name: PolicyName;
  readonly title: string;
  readonly category: string;
  readonly severity: 'low' | 'medium' | 'high';
  readonly subjects: readonly string[];
  readonly description: string;
}

/** Assembles a ClusterPolicy with the metadata every platform policy carries. */
export function clusterPolicy(props: {
  readonly description: PolicyDescription;
  readonly webhook: WebhookConfiguration;
  readonly exemptions: readonly PolicyExemption[];
  readonly rules: readonly Rule[];
}): ClusterPolicy {
  const d = props.description;
  const annotations: Record<string, string> = {
    [KYVERNO_ANNOTATIONS.title]: d.title,
    [KYVERNO_ANNOTATIONS.category]: d.category,
    [KYVERNO_ANNOTATIONS.severity]: d.severity,
    [KYVERNO_ANNOTATIONS.subject]: d.subjects.join(', '),
    [KYVERNO_ANNOTATIONS.description]: d.description,
    [KYVERNO_ANNOTATIONS.kyvernoVersion]: KYVERNO_VERSION,
    [KYVERNO_ANNOTATIONS.autogenControllers]: 'none',
  };
  if (props.exemptions.length > 0) {
    annotations[EXEMPTIONS_ANNOTATION] = props.exemptions
      .map((e) => `${e.check}: ${describeExemptObject(e)}: ${e.reason.trim()}`)
      .join('\n');
  }
  return {
    apiVersion: KYVERNO_API_VERSION,
    kind: 'ClusterPolicy',
    metadata: { name: d.name, labels: { [LABELS.partOf]: PLATFORM_NAME }, annotations },
    spec: { admission: true, background: true, webhookConfiguration: props.webhook, rules: props.rules },
  };
}

/** Match objects of `kinds` on create and update. */
export function matchKinds(kinds: readonly string[], extra: Omit<ResourceDescription, 'kinds' | 'operations'> = {}): MatchResources {
  return { any: [{ resources: { kinds, ...extra, operations: CHECKED_OPERATIONS } }] };
}

/**
 * The `exclude` block of a rule that checks `check` on objects of `ruleKinds`: the system
 * namespaces, then one entry per exemption of that check. An exemption of a controller also
 * excludes the objects it owns (by the `<name>-*` names controllers give them).
 */
export function ruleExclusions(props: {
  readonly check: CheckName;
  readonly ruleKinds: readonly string[];
  readonly systemNamespaces: readonly string[];
  readonly exemptions: readonly PolicyExemption[];
}): MatchResources {
  const namespaceRule = props.ruleKinds.includes('Namespace');
  const filters: ResourceFilter[] = [
    namespaceRule
      ? { resources: { kinds: ['Namespace'], names: props.systemNamespaces } }
      : { resources: { namespaces: props.systemNamespaces } },
  ];
  for (const e of props.exemptions) {
    if (e.check !== props.check) continue;
    for (const kind of props.ruleKinds) {
      const names = exemptNamesOfKind(e, kind);
      if (names === undefined) continue;
      filters.push({
        resources: { kinds: [kind], ...(e.namespace ? { namespaces: [e.namespace] } : {}), names: [names] },
      });
    }
  }
  return { any: filters };
}

/** The `names` pattern that excludes objects of `kind` covered by exemption `e`, if it covers any. */
function exemptNamesOfKind(e: PolicyExemption, kind: string): string | undefined {
  if (kind === e.kind) return e.name;
  if (ownedKinds(e.kind).includes(kind)) return `${e.name}${OWNED_NAME_SEPARATOR}*`;
  return undefined;
}

/** Builds a value nested under a non-empty path: `nestAt(['spec', 'x'], v)` is `{ spec: { x: v } }`. */
export function nestPattern(path: readonly string[], value: PatternValue): Pattern {
  if (path.length === 0) throw new Error('nestPattern: the path must not be empty');
  const [head, ...rest] = path;
  return { [head!]: rest.length === 0 ? value : nestPattern(rest, value) };
}
