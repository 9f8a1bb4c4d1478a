/**
 * What the policies need to know about a site: which namespaces belong to Kubernetes, which to the
 * platform (and at which tier), which must recover without Kyverno, and which objects are exempt
 * from which check, and why.
 */
import { TIER_NAMES, type TierName } from '../platform/model/tiers.js';
import { compareText } from '../platform/model/order.js';
import { CHECKS, CHECK_NAMES, isCheckName, type CheckName } from './checks.js';

/** A namespace the platform owns, and the tier of the pods in it. */
export interface PlatformNamespace {
  readonly name: string;
  readonly tier: TierName;
}

/**
 * One object excused from one check. Exemptions are per object (never per namespace or kind), so a
 * new object never inherits one, and each carries the reason a reviewer accepted.
 *
 * In Kyverno an exemption becomes an `exclude` entry of the check's rules. Pods are excluded by
 * their owner's name followed by `-*` (the names controllers give their pods), so exempting
 * Deployment `web` also exempts the pods of a Deployment `web-api` in the same namespace: name
 * exempt objects so that their names are not prefixes of others'.
 */
export interface PolicyExemption {
  readonly check: CheckName;
  /** Kind of the exempt object: one of the kinds the check applies to (see `CHECKS`). */
  readonly kind: string;
  /** Namespace of the exempt object; omitted for Namespaces. */
  readonly namespace?: string;
  readonly name: string;
  /** Why the object cannot comply, and ideally what would end the exemption. At least 10 characters. */
  readonly reason: string;
}

/** Input of `platformPolicies` and `checkAgainstPolicies`. */
export interface PlatformPolicyOptions {
  /**
   * Namespaces owned by Kubernetes, excluded from every rule (normally `SYSTEM_NAMESPACES` of
   * `platform/model/namespaces.ts`).
   * `kube-system` must be among them: Cilium runs there and the cluster cannot heal without it.
   */
  readonly systemNamespaces: readonly string[];
  /** Namespaces the platform creates, with their tier. */
  readonly platformNamespaces: readonly PlatformNamespace[];
  /**
   * Namespaces whose admission requests must never wait for Kyverno, so that the platform can
   * recover while Kyverno is down: at least ArgoCD's and Kyverno's own. System namespaces are
   * always included. Their objects are still checked by Kyverno's background scans.
   */
  readonly recoveryNamespaces: readonly string[];
  /** Objects excused from a check. Default: none. */
  readonly exemptions?: readonly PolicyExemption[];
}

/** Options checked, de-duplicated and sorted (so that output does not depend on input order). */
export interface ResolvedPolicyOptions {
  readonly systemNamespaces: readonly string[];
  readonly platformNamespaces: readonly PlatformNamespace[];
  /** Recovery namespaces including the system namespaces. */
  readonly recoveryNamespaces: readonly string[];
  readonly exemptions: readonly PolicyExemption[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// Object names may be DNS subdomains (dots allowed), e.g. ClusterRoles or Services rarely; pods' owners never need more.
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const MIN_REASON_LENGTH = 10;

const sortedUnique = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/**
 * What each kind of controller creates, directly or through its children. Owned objects are named
 * `<owner>-<suffix>` (ReplicaSets and pods of a Deployment, pods of a StatefulSet, Jobs of a
 * CronJob…), which is how an exemption of an owner reaches them.
 */
const OWNED_KINDS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['ReplicaSet', 'Pod'],
  StatefulSet: ['Pod'],
  DaemonSet: ['Pod'],
  Job: ['Pod'],
  CronJob: ['Job', 'Pod'],
  ReplicaSet: ['Pod'],
  ReplicationController: ['Pod'],
};

/** Separates an owner's name from the suffix its controller appends to the objects it creates. */
export const OWNED_NAME_SEPARATOR = '-';

/** Kinds of the objects an object of `kind` creates. */
export function ownedKinds(kind: string): readonly string[] {
  return OWNED_KINDS[kind] ?? [];
}

/** An object as exemptions and violations identify it. */
export interface ObjectIdentity {
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
}

/** Whether exemption `e` covers the object: it is the exempt object, or one its controller made. */
export function exemptionCovers(e: PolicyExemption, object: ObjectIdentity): boolean {
  if ((e.namespace ?? '') !== (object.namespace ?? '')) return false;
  if (object.kind === e.kind) return object.name === e.name;
  return ownedKinds(e.kind).includes(object.kind) && object.name.startsWith(`${e.name}${OWNED_NAME_SEPARATOR}`);
}

/** Sort key making exemption lists (and everything rendered from them) independent of input order. */
export function exemptionKey(e: PolicyExemption): string {
  return [e.check, e.kind, e.namespace ?? '', e.name].join('\u0000');
}

/** `Deployment team-a/web` or `Namespace team-a`. */
export function describeExemptObject(e: Pick<PolicyExemption, 'kind' | 'namespace' | 'name'>): string {
  return `${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}`;
}

function checkNamespaceName(field: string, name: string, errors: string[]): void {
  if (!DNS_LABEL.test(name)) {
    errors.push(`${field}: '${name}' is not a namespace name (a DNS-1123 label: lower-case letters, digits and "-")`);
  }
}

function checkExemption(e: PolicyExemption, field: string, errors: string[]): void {
  if (!isCheckName(e.check)) {
    errors.push(`${field}.check: '${String(e.check)}' is not a check; allowed: ${CHECK_NAMES.join(', ')}`);
    return;
  }
  const kinds: readonly string[] = CHECKS[e.check].kinds;
  if (!kinds.includes(e.kind)) {
    errors.push(`${field}.kind: check '${e.check}' does not apply to kind '${e.kind}'; allowed: ${kinds.join(', ')}`);
  }
  if (e.kind === 'Namespace') {
    if (e.namespace !== undefined) errors.push(`${field}.namespace: a Namespace has no namespace; remove it`);
    checkNamespaceName(`${field}.name`, e.name, errors);
  } else {
    if (e.namespace === undefined) errors.push(`${field}.namespace: required for a ${e.kind}`);
    else checkNamespaceName(`${field}.namespace`, e.namespace, errors);
    if (!OBJECT_NAME.test(e.name)) errors.push(`${field}.name: '${e.name}' is not an object name`);
  }
  if (e.reason.trim().length < MIN_REASON_LENGTH) {
    errors.push(
      `${field}.reason: '${e.reason}' is too short; say why the object cannot comply (at least ${MIN_REASON_LENGTH} characters)`,
    );
  }
}

/**
 * Checks the options and returns them normalized. Throws one error listing every problem, each
 * naming the field, the bad value and what is allowed.
 */
export function resolvePolicyOptions(opts: PlatformPolicyOptions): ResolvedPolicyOptions {
  const errors: string[] = [];
  opts.systemNamespaces.forEach((name, i) => checkNamespaceName(`systemNamespaces[${i}]`, name, errors));
  opts.recoveryNamespaces.forEach((name, i) => checkNamespaceName(`recoveryNamespaces[${i}]`, name, errors));
  if (!opts.systemNamespaces.includes('kube-system')) {
    errors.push(`systemNamespaces: must include 'kube-system' (Cilium runs there); got [${opts.systemNamespaces.join(', ')}]`);
  }
  const system = new Set(opts.systemNamespaces);
  const seen = new Map<string, TierName>();
  opts.platformNamespaces.forEach((ns, i) => {
    checkNamespaceName(`platformNamespaces[${i}].name`, ns.name, errors);
    if (!(TIER_NAMES as readonly string[]).includes(ns.tier)) {
      errors.push(`platformNamespaces[${i}].tier: '${ns.tier}' is not a tier; allowed: ${TIER_NAMES.join(', ')}`);
    }
    if (system.has(ns.name)) {
      errors.push(`platformNamespaces[${i}].name: '${ns.name}' is a system namespace; platform policies never apply there`);
    }
    const earlier = seen.get(ns.name);
    if (earlier !== undefined && earlier !== ns.tier) {
      errors.push(`platformNamespaces[${i}]: '${ns.name}' is listed with tiers '${earlier}' and '${ns.tier}'`);
    }
    seen.set(ns.name, ns.tier);
  });
  const exemptions = opts.exemptions ?? [];
  const keys = new Set<string>();
  exemptions.forEach((e, i) => {
    checkExemption(e, `exemptions[${i}]`, errors);
    const key = exemptionKey(e);
    if (keys.has(key)) errors.push(`exemptions[${i}]: ${describeExemptObject(e)} is exempted from '${e.check}' twice`);
    keys.add(key);
  });
  if (errors.length > 0) throw new Error(`invalid policy options:\n  ${errors.join('\n  ')}`);

  return {
    systemNamespaces: sortedUnique(opts.systemNamespaces),
    platformNamespaces: [...seen].sort(([a], [b]) => compareText(a, b)).map(([name, tier]) => ({ name, tier })),
    recoveryNamespaces: sortedUnique([...opts.systemNamespaces, ...opts.recoveryNamespaces]),
    exemptions: [...exemptions].sort((a, b) => compareText(exemptionKey(a), exemptionKey(b))),
  };
}
