/**
 * The pod settings of a part that is one of a component's own manifests (`manifest` on its
 * part, e.g. a proxy Deployment or a configuration Job the component writes itself rather than
 * a chart): the tier's PriorityClass, tolerations and affinity, and the part's requests and
 * memory limit, in the Kubernetes types the manifest takes. One place, so the capacity planner
 * (which reads the part) and the pod (which gets these) cannot disagree.
 */
import { Quantity, type Affinity, type ResourceRequirements, type Toleration as KubeToleration } from 'cdk8s-plus-28/lib/imports/k8s.js';
import type { ResolvedPodPart, ResourceSpec } from './component.js';
import { schedulingFor } from './tiers.js';

export interface OwnPodSettings {
  readonly scheduling: { readonly priorityClassName: string; readonly tolerations: KubeToleration[]; readonly affinity?: Affinity };
  readonly resources: ResourceRequirements;
}

/** Requests and memory limit as a container's `resources`. */
export function kubeResources(spec: ResourceSpec): ResourceRequirements {
  return {
    requests: { cpu: Quantity.fromString(spec.requests.cpu), memory: Quantity.fromString(spec.requests.memory) },
    limits: { memory: Quantity.fromString(spec.limits.memory) },
  };
}

/** Scheduling and resources of one of a component's own pods, from its resolved part. */
export function ownPodSettings(part: ResolvedPodPart): OwnPodSettings {
  const s = schedulingFor(part.tier, { nodeAgent: part.nodeAgent ?? false });
  return {
    scheduling: {
      priorityClassName: part.priorityClassName,
      tolerations: structuredClone(part.tolerations) as KubeToleration[],
      ...(s.affinity ? { affinity: structuredClone(s.affinity) as unknown as Affinity } : {}),
    },
    resources: kubeResources(part.resources),
  };
}
