/**
 * `tier-priority-class`: every pod in a platform namespace runs with the PriorityClass of the
 * namespace's tier (the namespace's tier label decides). Two kinds of rule, per tier:
 *
 * - **mutate** (safety net): a Deployment, StatefulSet, DaemonSet, Job or CronJob whose pod
 *   template names no PriorityClass gets its tier's, for charts that lack a value key for one
 *   part. Only *templates* are mutated, never Pods: the built-in `Priority` admission plugin runs
 *   before mutating webhooks, so by the time Kyverno sees a Pod it already carries the global
 *   default class and its resolved `spec.priority`. Changing the class there either leaves the
 *   old integer priority in place (the scheduler reads the integer) or, if the integer is removed
 *   too, leaves the pod at priority 0: kyverno/policies#530 and #661, after which Kyverno's own
 *   sample moved to mutating pod controllers. A template mutated at admission yields pods that
 *   name the class from the start, which the Priority plugin then resolves normally. The patch
 *   only adds a missing class (`+(priorityClassName)`), so it never fights a class the chart set,
 *   nor ArgoCD's diff of a field the desired state leaves out. It runs on updates too: a
 *   server-side apply that leaves the field out removes it (the mutation was recorded as the
 *   applier's), and the update puts it back.
 * - **validate** (Audit): Pods and pod templates report when their class is not the tier's. This
 *   is what catches a chart that sets a wrong class, and, in the background scan, pods created
 *   while Kyverno was unavailable. Audit, not Enforce: a blocked pod in a critical namespace is
 *   worse than a mis-prioritised one, and the generator sets every class it can, which the
 *   TypeScript evaluator checks before anything is committed.
 */
import { LABELS } from '../platform/model/labels.js';
import { TIER_NAMES, TIERS, type TierName } from '../platform/model/tiers.js';
import { POLICY_NAMES } from './checks.js';
import {
  clusterPolicy,
  matchKinds,
  nestPattern,
  ruleExclusions,
  webhookConfiguration,
  type ClusterPolicy,
  type Rule,
} from './kyverno.js';
import type { ResolvedPolicyOptions } from './options.js';
import { POD_SHAPES, TEMPLATE_SHAPES, type PodShape, type PodShapeId } from './pod-shapes.js';

/** Name of the rule that fills in (`default`) or checks (`require`) a tier's class on one shape. */
export function tierRuleName(action: 'default' | 'require', tier: TierName, shape: PodShapeId): string {
  return `${action}-priority-class-${tier}-${shape}`;
}

function tierRules(tier: TierName, o: ResolvedPolicyOptions): Rule[] {
  const className = TIERS[tier].priorityClassName;
  const exemptions = o.exemptions.filter((e) => e.check === 'tier-priority-class');
  const inTier = { namespaceSelector: { matchLabels: { [LABELS.tier]: tier } } };
  const exclude = (shape: PodShape) =>
    ruleExclusions({ check: 'tier-priority-class', ruleKinds: shape.kinds, systemNamespaces: o.systemNamespaces, exemptions });
  const mutateRules = TEMPLATE_SHAPES.map(
    (shape): Rule => ({
      name: tierRuleName('default', tier, shape.id),
      match: matchKinds(shape.kinds, inTier),
      exclude: exclude(shape),
      mutate: { patchStrategicMerge: nestPattern(shape.podSpecPath, { '+(priorityClassName)': className }) },
    }),
  );
  const validateRules = POD_SHAPES.map(
    (shape): Rule => ({
      name: tierRuleName('require', tier, shape.id),
      match: matchKinds(shape.kinds, inTier),
      exclude: exclude(shape),
      validate: {
        failureAction: 'Audit',
        message: `Pods in namespaces labelled ${LABELS.tier}=${tier} must run with PriorityClass '${className}'.`,
        pattern: nestPattern(shape.podSpecPath, { priorityClassName: className }),
      },
    }),
  );
  return [...mutateRules, ...validateRules];
}

/** The policy: for each tier, mutate rules on pod templates, then validate rules on every shape. */
export function tierPriorityClassPolicy(o: ResolvedPolicyOptions): ClusterPolicy {
  return clusterPolicy({
    description: {
      name: POLICY_NAMES.tierPriorityClass,
      title: 'Tier PriorityClass',
      category: 'edge-idp',
      severity: 'high',
      subjects: ['Pod', ...TEMPLATE_SHAPES.flatMap((shape) => shape.kinds)],
      description:
        "Pods run with their namespace tier's PriorityClass, so that on a failing node the scheduler " +
        'keeps the most important parts of the platform. Pod templates without a class get it filled in; ' +
        'any other mismatch is reported.',
    },
    webhook: webhookConfiguration('Ignore', o.recoveryNamespaces),
    exemptions: o.exemptions.filter((e) => e.check === 'tier-priority-class'),
    rules: TIER_NAMES.flatMap((tier) => tierRules(tier, o)),
  });
}
