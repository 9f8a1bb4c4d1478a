/**
 * The tier model: the single source of truth for how important a pod is, and what that
 * means for scheduling. A component declares its tier once; everything else (PriorityClass
 * objects, priorityClassName, tolerations, affinity on every pod-bearing part, namespace
 * labels, the capacity planner's preemption order) is derived from this list.
 */

/** Tier names, most important first. */
export const TIER_NAMES = ['core', 'critical', 'important', 'workloads'] as const;
export type TierName = (typeof TIER_NAMES)[number];

/** A Kubernetes toleration, as every chart takes it. */
export interface Toleration {
  readonly key?: string;
  readonly operator: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  readonly tolerationSeconds?: number;
}

export interface Tier {
  readonly name: TierName;
  /** Name of the PriorityClass object. */
  readonly priorityClassName: string;
  /** PriorityClass value: higher preempts lower. */
  readonly value: number;
  readonly description: string;
  /** Exactly one tier is the cluster default for pods that name no class. */
  readonly globalDefault: boolean;
  /**
   * `lifeboat` pods tolerate the control-plane taint and prefer workers, so they keep running
   * on the control-plane node when both workers are gone.
   */
  readonly lifeboat: boolean;
  readonly preemptionPolicy: 'PreemptLowerPriority' | 'Never';
}

/** Label and taint key of the control-plane role, as kubeadm and k3s set it. */
export const CONTROL_PLANE_ROLE_KEY = 'node-role.kubernetes.io/control-plane';

/** The taint every edge control-plane node carries (bootstrap applies it where missing). */
export const CONTROL_PLANE_TAINT = {
  key: CONTROL_PLANE_ROLE_KEY,
  effect: 'NoSchedule',
} as const;

/**
 * The tiers. Values stay below 1e9 (reserved for system-*-critical) and far apart so a site
 * can slot its own classes in between.
 */
export const TIERS: Readonly<Record<TierName, Tier>> = {
  core: {
    name: 'core',
    priorityClassName: 'edge-idp-core',
    value: 900_000_000,
    description:
      'Core control plane of the platform (CNI, Gateway API): without it no pod has a network.',
    globalDefault: false,
    lifeboat: true,
    preemptionPolicy: 'PreemptLowerPriority',
  },
  critical: {
    name: 'critical',
    priorityClassName: 'edge-idp-critical',
    value: 100_000_000,
    description:
      'Critical infrastructure: what an operator needs to see and repair the site (ArgoCD, Prometheus, cert-manager, Vault).',
    globalDefault: false,
    lifeboat: true,
    preemptionPolicy: 'PreemptLowerPriority',
  },
  important: {
    name: 'important',
    priorityClassName: 'edge-idp-important',
    value: 10_000_000,
    description:
      'Important services that may wait for a worker to come back (logs, policy engines, dashboards).',
    globalDefault: false,
    lifeboat: false,
    preemptionPolicy: 'PreemptLowerPriority',
  },
  workloads: {
    name: 'workloads',
    priorityClassName: 'edge-idp-workloads',
    value: 1_000,
    description:
      'Application workloads (the default for any pod that names no PriorityClass); never preempts.',
    globalDefault: true,
    lifeboat: false,
    preemptionPolicy: 'Never',
  },
};

/** Tiers most important first. */
export const TIER_LIST: readonly Tier[] = TIER_NAMES.map((name) => TIERS[name]);

/** Tolerates every taint: for node agents that must run on every node (CNI, log shipper, node exporter). */
export const TOLERATE_EVERYTHING: readonly Toleration[] = [{ operator: 'Exists' }];

/** Tolerates the control-plane taint, so a lifeboat pod can fall back to the control-plane node. */
export const TOLERATE_CONTROL_PLANE: readonly Toleration[] = [
  { key: CONTROL_PLANE_TAINT.key, operator: 'Exists', effect: CONTROL_PLANE_TAINT.effect },
];

/** Prefer nodes without the control-plane role: keep the control-plane node free until it is needed. */
export const PREFER_WORKERS_AFFINITY = {
  nodeAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: [
      {
        weight: 100,
        preference: {
          matchExpressions: [{ key: CONTROL_PLANE_ROLE_KEY, operator: 'DoesNotExist' }],
        },
      },
    ],
  },
} as const;

/** The scheduling settings a pod gets from its tier. */
export interface TierScheduling {
  readonly priorityClassName: string;
  readonly tolerations: readonly Toleration[];
  /** `undefined` when the tier asks for no affinity (the chart default is kept). */
  readonly affinity: typeof PREFER_WORKERS_AFFINITY | undefined;
}

/**
 * What the tier means for one pod. Node agents (DaemonSets that must see every node) tolerate
 * every taint whatever their tier; lifeboat tiers tolerate the control-plane taint and prefer
 * workers; the rest get no toleration and so stay on workers.
 */
export function schedulingFor(tier: TierName, opts: { nodeAgent?: boolean } = {}): TierScheduling {
  const t = TIERS[tier];
  if (opts.nodeAgent) {
    return { priorityClassName: t.priorityClassName, tolerations: TOLERATE_EVERYTHING, affinity: undefined };
  }
  if (t.lifeboat) {
    return {
      priorityClassName: t.priorityClassName,
      tolerations: TOLERATE_CONTROL_PLANE,
      affinity: PREFER_WORKERS_AFFINITY,
    };
  }
  return { priorityClassName: t.priorityClassName, tolerations: [], affinity: undefined };
}

/** Compare tiers: negative when `a` is more important than `b`. */
export function compareTiers(a: TierName, b: TierName): number {
  return TIER_NAMES.indexOf(a) - TIER_NAMES.indexOf(b);
}
