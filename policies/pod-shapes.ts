/**
 * Where a pod spec sits in each kind of object that makes pods. The Kyverno policies and the
 * TypeScript evaluator both read this, so "which objects carry pods, and where" is decided once.
 *
 * We write one Kyverno rule per shape instead of relying on Kyverno's auto-generation of
 * controller rules (`pod-policies.kyverno.io/autogen-controllers`): auto-generation is switched
 * off for a whole policy as soon as one rule excludes objects by name, which is exactly how
 * per-object exemptions are expressed (see `options.ts`), and explicit rules give `kyverno test`
 * results stable rule names.
 */

/** Kinds whose objects are, or make, pods. */
export const POD_BEARING_KINDS = [
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'ReplicaSet',
  'ReplicationController',
] as const;
export type PodBearingKind = (typeof POD_BEARING_KINDS)[number];

const TEMPLATE_SPEC = ['spec', 'template', 'spec'] as const;

/** Path of the pod spec inside an object of each pod-bearing kind. */
export const POD_SPEC_PATHS: Readonly<Record<PodBearingKind, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: TEMPLATE_SPEC,
  StatefulSet: TEMPLATE_SPEC,
  DaemonSet: TEMPLATE_SPEC,
  Job: TEMPLATE_SPEC,
  ReplicaSet: TEMPLATE_SPEC,
  ReplicationController: TEMPLATE_SPEC,
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export function isPodBearingKind(kind: string): kind is PodBearingKind {
  return (POD_BEARING_KINDS as readonly string[]).includes(kind);
}

/** Identifies a shape in rule names: `<check>-<shape id>`. */
export type PodShapeId = 'pods' | 'pod-controllers' | 'cronjobs';

/** A group of kinds whose pod spec sits at the same path: one Kyverno rule each. */
export interface PodShape {
  readonly id: PodShapeId;
  readonly kinds: readonly PodBearingKind[];
  readonly podSpecPath: readonly string[];
}

/**
 * The shapes the policies match. ReplicaSets and ReplicationControllers are left out on purpose:
 * Deployments own nearly every ReplicaSet, and a rule on both reports every problem twice. Their
 * pods are still checked by the `pods` rules at admission.
 */
export const POD_SHAPES: readonly PodShape[] = [
  { id: 'pods', kinds: ['Pod'], podSpecPath: POD_SPEC_PATHS.Pod },
  { id: 'pod-controllers', kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'], podSpecPath: TEMPLATE_SPEC },
  { id: 'cronjobs', kinds: ['CronJob'], podSpecPath: POD_SPEC_PATHS.CronJob },
];

/** Shapes of the objects Kyverno may safely mutate (see `tier-priority-class.ts`: never bare Pods). */
export const TEMPLATE_SHAPES: readonly PodShape[] = POD_SHAPES.filter((shape) => shape.id !== 'pods');

/** Controllers whose pods serve continuously and so must report readiness. */
export const SERVING_CONTROLLER_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const satisfies readonly PodBearingKind[];

/** The controller shape narrowed to serving controllers (Jobs finish; they have nothing to be ready for). */
export const SERVING_CONTROLLERS_SHAPE: PodShape = {
  id: 'pod-controllers',
  kinds: SERVING_CONTROLLER_KINDS,
  podSpecPath: TEMPLATE_SPEC,
};

/** The shape an object of `kind` belongs to, if any policy shape matches it. */
export function shapeOfKind(kind: string, shapes: readonly PodShape[] = POD_SHAPES): PodShape | undefined {
  return shapes.find((shape) => (shape.kinds as readonly string[]).includes(kind));
}
