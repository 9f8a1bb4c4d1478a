/**
 * The planner's view of a node: what it can hold (allocatable CPU and memory, and the kubelet's pod limit), the taints that
 * keep pods away, and the labels a nodeSelector can match. Derived from the config's `nodes`
 * so the plan describes the cluster the user declared.
 */
import type { NodeRole, NodeSpec } from '../config/schema.js';
import { CONTROL_PLANE_ROLE_KEY, CONTROL_PLANE_TAINT, type Toleration } from '../model/tiers.js';
import { parseCpu, parseMemory } from '../model/quantity.js';
import { compareText } from '../model/order.js';

/** A node taint, as `kubectl describe node` shows it. */
export interface Taint {
  /** Taint key, e.g. `node-role.kubernetes.io/control-plane`. */
  readonly key: string;
  /** Taint value; matched only by `Equal` tolerations. Default: empty. */
  readonly value?: string;
  /** What the taint does to pods that do not tolerate it. */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** A node as the planner sees it. */
export interface PlannerNode {
  /** Node name, as `kubectl get nodes` shows it. */
  readonly name: string;
  /** Control-plane nodes are tainted; workers are not. */
  readonly role: NodeRole;
  /** Taints on the node; a pod must tolerate every hard one (NoSchedule, NoExecute) to land here. */
  readonly taints: readonly Taint[];
  /** Node labels, matched by a pod's required nodeSelector. */
  readonly labels: Readonly<Record<string, string>>;
  /** Allocatable CPU in millicores. */
  readonly cpuMillicores: number;
  /** Allocatable memory in bytes. */
  readonly memoryBytes: number;
  /** Pods the kubelet runs at most (`--max-pods`), DaemonSet pods included. */
  readonly pods: number;
}

/**
 * Pods a node runs at most: the kubelet's default `--max-pods` (kubeadm, k3s and RKE2 alike).
 * The config does not declare it per node, so every node gets the default.
 */
export const KUBELET_MAX_PODS = 110;

/** Label kubelet sets to the node name: lets a pod select one node by name. */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/**
 * The planner node for one configured node. Control-plane nodes carry the control-plane taint
 * and role label (bootstrap applies both where the distribution did not); workers carry none.
 */
export function nodeFromSpec(spec: NodeSpec): PlannerNode {
  const isControlPlane = spec.role === 'control-plane';
  return {
    name: spec.name,
    role: spec.role,
    taints: isControlPlane ? [CONTROL_PLANE_TAINT] : [],
    labels: {
      [HOSTNAME_LABEL]: spec.name,
      ...(isControlPlane ? { [CONTROL_PLANE_ROLE_KEY]: '' } : {}),
    },
    cpuMillicores: parseCpu(spec.cpu),
    memoryBytes: parseMemory(spec.memory),
    pods: KUBELET_MAX_PODS,
  };
}

/** Whether one toleration tolerates one taint, with the Kubernetes matching rules. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
  if (toleration.operator === 'Exists') {
    // An Exists toleration without a key is the wildcard node agents use.
    return toleration.key === undefined || toleration.key === '' || toleration.key === taint.key;
  }
  return toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '');
}

/**
 * Whether the tolerations let a pod be scheduled onto a node. PreferNoSchedule is only a
 * preference to the scheduler, so it never makes a node infeasible.
 */
export function toleratesNode(tolerations: readonly Toleration[], node: PlannerNode): boolean {
  return node.taints
    .filter((taint) => taint.effect !== 'PreferNoSchedule')
    .every((taint) => tolerations.some((toleration) => toleratesTaint(toleration, taint)));
}

/** Whether a node carries every label of a required nodeSelector (no selector matches every node). */
export function matchesNodeSelector(
  nodeSelector: Readonly<Record<string, string>> | undefined,
  node: PlannerNode,
): boolean {
  return Object.entries(nodeSelector ?? {}).every(([key, value]) => node.labels[key] === value);
}

/** Orders nodes by name (locale-independent). */
export function compareNodeNames(a: PlannerNode, b: PlannerNode): number {
  return compareText(a.name, b.name);
}
