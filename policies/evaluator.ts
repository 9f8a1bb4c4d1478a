/**
 * A small evaluator of the policies' *intent*, in TypeScript: not a Kyverno engine, but the same
 * checks, run over manifests before they are committed (the generator's output, fixtures, or
 * charts rendered with `helm template`). Kyverno then holds the cluster to what this proved.
 *
 * It checks what can be decided from the manifests alone: namespace labels (and the tenant
 * label's value), the tier PriorityClass of every pod template in a platform namespace, pinned
 * images, and requests plus a memory limit on every container. Pod Security, readiness probes and
 * ServiceAccount tokens are left to Kyverno (see `CHECKS[…].evaluated`).
 *
 * Where the two differ on purpose: Kyverno's mutate rule fills in a missing PriorityClass on pod
 * templates at admission; this evaluator reports it, because the generator is expected to set
 * every class itself and the mutation is only a safety net.
 *
 * It runs where no Kyverno does (the fast `npm test` suite, before anything is committed). The
 * real Kyverno CLI is the oracle: test/cluster/kyverno.test.ts (`npm run test:cluster`) checks that
 * this evaluator and `kubectl-kyverno` 1.19 agree, object by object and check by check, on every
 * fixture and on every object synth emits, with the difference above as the only exception.
 */
import { LABELS, REQUIRED_NAMESPACE_LABELS } from '../platform/model/labels.js';
import { unpinnedImageReason } from '../platform/model/images.js';
import { SYSTEM_NAMESPACES } from '../platform/model/namespaces.js';
import { compareText } from '../platform/model/order.js';
import { TIER_NAMES, TIERS, type TierName } from '../platform/model/tiers.js';
import { CHECKS, type CheckName } from './checks.js';
import {
  describeExemptObject,
  exemptionCovers,
  exemptionKey,
  resolvePolicyOptions,
  type PlatformNamespace,
  type PolicyExemption,
} from './options.js';
import { isPodBearingKind, POD_SPEC_PATHS } from './pod-shapes.js';
import { ALLOWED_NAMESPACE_LABEL_VALUES } from './require-namespace-labels.js';
import { TENANT_LABEL_VALUE } from './tenant-namespace-defaults.js';

/** Identifies the object a violation is about. */
export interface ViolatingObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** One object failing one check at one place. */
export interface PolicyViolation {
  readonly check: CheckName;
  /** The Kyverno policy that holds the same check in the cluster. */
  readonly policy: string;
  readonly object: ViolatingObject;
  /** Where in the object, e.g. `spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly message: string;
}

/** What `evaluatePolicies` found. */
export interface PolicyEvaluation {
  readonly violations: readonly PolicyViolation[];
  /** Violations an exemption excused, with the exemption (and so its reason). */
  readonly exempted: readonly { readonly violation: PolicyViolation; readonly exemption: PolicyExemption }[];
  /** Exemptions that excused nothing: the object complies now, or is gone; remove them. */
  readonly unusedExemptions: readonly PolicyExemption[];
}

/** What the evaluator needs to know; `PlatformPolicyOptions` fits. */
export interface EvaluationOptions {
  /** Default: `SYSTEM_NAMESPACES`. */
  readonly systemNamespaces?: readonly string[];
  /**
   * Declared tiers of the platform's namespaces. Namespace objects among the checked objects add
   * theirs (from the tier label); where both exist they must agree. Default: none.
   */
  readonly platformNamespaces?: readonly PlatformNamespace[];
  readonly exemptions?: readonly PolicyExemption[];
}

type Json = { readonly [key: string]: unknown };

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const field = (value: unknown, key: string): unknown => (isObject(value) ? value[key] : undefined);

const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** `spec.template.spec` from `['spec', 'template', 'spec']`; indexes as `[0]`, odd keys as `["a/b"]`. */
function formatPath(path: readonly (string | number)[]): string {
  return path
    .map((part, i) => {
      if (typeof part === 'number') return `[${part}]`;
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) return i === 0 ? part : `.${part}`;
      return `[${JSON.stringify(part)}]`;
    })
    .join('');
}

function getPath(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((current, key) => field(current, key), value);
}

/** Objects from a list that may contain `List` objects (as `kubectl` and some renderers produce). */
function flatten(objects: readonly unknown[]): Json[] {
  return objects.flatMap((object, i): Json[] => {
    if (!isObject(object)) throw new TypeError(`checkAgainstPolicies: objects[${i}] is not an object`);
    if (object.kind === 'List' && Array.isArray(object.items)) return flatten(object.items);
    return [object];
  });
}

function identify(object: Json): ViolatingObject {
  const metadata = field(object, 'metadata');
  const namespace = field(metadata, 'namespace');
  return {
    apiVersion: String(object.apiVersion ?? ''),
    kind: String(object.kind ?? ''),
    ...(nonEmptyString(namespace) ? { namespace } : {}),
    name: String(field(metadata, 'name') ?? ''),
  };
}

/** Collects violations for one object. */
class ObjectChecker {
  readonly found: PolicyViolation[] = [];
  constructor(private readonly object: ViolatingObject) {}

  report(check: CheckName, path: readonly (string | number)[], message: string): void {
    this.found.push({ check, policy: CHECKS[check].policy, object: this.object, path: formatPath(path), message });
  }
}

function checkNamespace(ns: Json, checker: ObjectChecker, declaredTier: TierName | undefined): void {
  const labels = field(field(ns, 'metadata'), 'labels');
  const labelPath = (key: string) => ['metadata', 'labels', key];
  for (const key of REQUIRED_NAMESPACE_LABELS) {
    const value = field(labels, key);
    const allowed = ALLOWED_NAMESPACE_LABEL_VALUES[key];
    if (!nonEmptyString(value)) {
      checker.report('namespace-labels', labelPath(key), `missing the required label ${key}`);
    } else if (allowed && !allowed.includes(value)) {
      checker.report('namespace-labels', labelPath(key), `label ${key}='${value}' is not one of: ${allowed.join(', ')}`);
    }
  }
  const tierLabel = field(labels, LABELS.tier);
  if (declaredTier && nonEmptyString(tierLabel) && tierLabel !== declaredTier) {
    checker.report(
      'namespace-labels',
      labelPath(LABELS.tier),
      `label ${LABELS.tier}='${tierLabel}' but the platform declares this namespace as tier '${declaredTier}'`,
    );
  }
  const tenant = field(labels, LABELS.tenant);
  if (tenant !== undefined && tenant !== TENANT_LABEL_VALUE && tenant !== 'false') {
    checker.report(
      'tenant-label',
      labelPath(LABELS.tenant),
      `label ${LABELS.tenant}='${String(tenant)}' is neither "${TENANT_LABEL_VALUE}" nor "false": the namespace gets no default-deny`,
    );
  }
}

function checkPodSpec(podSpec: unknown, specPath: readonly string[], checker: ObjectChecker, tier: TierName | undefined): void {
  if (tier) {
    const expected = TIERS[tier].priorityClassName;
    const actual = field(podSpec, 'priorityClassName');
    if (actual !== expected) {
      checker.report(
        'tier-priority-class',
        [...specPath, 'priorityClassName'],
        nonEmptyString(actual)
          ? `PriorityClass '${actual}' in a namespace of tier '${tier}', which runs pods with '${expected}'`
          : `no PriorityClass in a namespace of tier '${tier}' (expected '${expected}')`,
      );
    }
  }
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = field(podSpec, list);
    if (!Array.isArray(containers)) continue;
    containers.forEach((container: unknown, i) => {
      const at = [...specPath, list, i];
      const name = String(field(container, 'name') ?? i);
      const image = field(container, 'image');
      const unpinned = nonEmptyString(image) ? unpinnedImageReason(image) : 'has no image';
      if (unpinned) checker.report('pinned-images', [...at, 'image'], `container '${name}': image '${String(image ?? '')}' ${unpinned}`);
      const resources = field(container, 'resources');
      const missing = [
        ['requests', 'cpu'],
        ['requests', 'memory'],
        ['limits', 'memory'],
      ].filter(([group, resource]) => !nonEmptyString(String(field(field(resources, group!), resource!) ?? '')));
      if (missing.length > 0) {
        checker.report(
          'requests-and-memory-limit',
          [...at, 'resources'],
          `container '${name}' sets no ${missing.map(([g, r]) => `${g}.${r}`).join(', ')}`,
        );
      }
    });
  }
}

function violationKey(v: PolicyViolation): string {
  return [v.object.kind, v.object.namespace ?? '', v.object.name, v.check, v.path].join('\u0000');
}

/** Runs every evaluated check over `objects`, applying exemptions; results are sorted (deterministic). */
export function evaluatePolicies(objects: readonly unknown[], opts: EvaluationOptions = {}): PolicyEvaluation {
  const resolved = resolvePolicyOptions({
    systemNamespaces: opts.systemNamespaces ?? SYSTEM_NAMESPACES,
    platformNamespaces: opts.platformNamespaces ?? [],
    recoveryNamespaces: [],
    exemptions: opts.exemptions ?? [],
  });
  const system = new Set(resolved.systemNamespaces);
  const declaredTiers = new Map(resolved.platformNamespaces.map((ns) => [ns.name, ns.tier]));
  const all = flatten(objects);

  // A namespace's tier: declared by the platform, else its tier label if it is a known tier.
  const tiers = new Map(declaredTiers);
  for (const object of all) {
    if (object.kind !== 'Namespace') continue;
    const { name } = identify(object);
    const label = field(field(field(object, 'metadata'), 'labels'), LABELS.tier);
    if (!tiers.has(name) && typeof label === 'string' && (TIER_NAMES as readonly string[]).includes(label)) {
      tiers.set(name, label as TierName);
    }
  }

  const found: PolicyViolation[] = [];
  for (const object of all) {
    const id = identify(object);
    const checker = new ObjectChecker(id);
    if (id.kind === 'Namespace') {
      if (!system.has(id.name)) checkNamespace(object, checker, declaredTiers.get(id.name));
    } else if (isPodBearingKind(id.kind) && !(id.namespace && system.has(id.namespace))) {
      const specPath = POD_SPEC_PATHS[id.kind];
      checkPodSpec(getPath(object, specPath), specPath, checker, id.namespace ? tiers.get(id.namespace) : undefined);
    }
    found.push(...checker.found);
  }

  const violations: PolicyViolation[] = [];
  const exempted: { violation: PolicyViolation; exemption: PolicyExemption }[] = [];
  const used = new Set<string>();
  for (const violation of found.sort((a, b) => compareText(violationKey(a), violationKey(b)))) {
    const exemption = resolved.exemptions.find((e) => e.check === violation.check && exemptionCovers(e, violation.object));
    if (exemption) {
      exempted.push({ violation, exemption });
      used.add(exemptionKey(exemption));
    } else {
      violations.push(violation);
    }
  }
  const unusedExemptions = resolved.exemptions.filter((e) => CHECKS[e.check].evaluated && !used.has(exemptionKey(e)));
  return { violations, exempted, unusedExemptions };
}

/** Every unexempted violation of the evaluated checks in `objects` (empty when all comply). */
export function checkAgainstPolicies(objects: readonly unknown[], opts: EvaluationOptions = {}): PolicyViolation[] {
  return [...evaluatePolicies(objects, opts).violations];
}

/** One line per violation, for error messages and CI logs. */
export function formatViolation(v: PolicyViolation): string {
  return `${describeExemptObject(v.object)}: ${v.check} (${v.policy}) at ${v.path}: ${v.message}`;
}
