/**
 * Kubernetes facts the bootstrap decisions read: Helm's release labels and the worker role
 * label. The facts of the two charts bootstrap installs itself (workloads, image tag, CRDs) are
 * published by their components (`bootstrapRollout` in layers/00-core/cilium.ts and
 * layers/02-engines/argocd.ts) and reach the decisions through bootstrap.env.
 */

/** Helm's labels on every workload a chart renders: which release, which chart-version. */
export const HELM_LABELS = {
  instance: 'app.kubernetes.io/instance',
  chart: 'helm.sh/chart',
} as const;

/** The role label bootstrap adds to worker nodes (the kubelet cannot set node-role.kubernetes.io/* itself). */
export const WORKER_ROLE_LABEL = 'node-role.kubernetes.io/worker';
