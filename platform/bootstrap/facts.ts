/**
 * Chart facts bootstrap needs about the two charts it installs itself, written once here and
 * published in bootstrap.env by `platform/synth/bootstrap-env.ts` (bootstrap.sh and the
 * `edge-idp bootstrap` commands read them from there).
 */

/** Helm's labels on every workload a chart renders: which release, which chart-version. */
export const HELM_LABELS = {
  instance: 'app.kubernetes.io/instance',
  chart: 'helm.sh/chart',
} as const;

/** Cilium: the workloads that must run the pinned image and be rolled out. */
export const CILIUM_FACTS = {
  /** `kind/name`, the agent first (its image is what "Cilium is running" shows). */
  workloads: ['daemonset/cilium', 'deployment/cilium-operator'],
  /** The image tag the chart's workloads run at chart version `version`. */
  imageTag: (version: string): string => `v${version}`,
} as const;

/** ArgoCD: the workloads without which it cannot sync anything, and the CRDs it installs. */
export const ARGOCD_FACTS = {
  /** `kind/name` of the application controller and the repo server, for Helm release `release`. */
  coreWorkloads: (release: string): string[] => [`statefulset/${release}-application-controller`, `deployment/${release}-repo-server`],
  crds: ['applications.argoproj.io', 'applicationsets.argoproj.io', 'appprojects.argoproj.io'],
  /** The label selector of every Deployment/StatefulSet of release `release`. */
  workloadSelector: (release: string): string => `${HELM_LABELS.instance}=${release}`,
} as const;


/** The role label bootstrap adds to worker nodes (the kubelet cannot set node-role.kubernetes.io/* itself). */
export const WORKER_ROLE_LABEL = 'node-role.kubernetes.io/worker';
