/**
 * What is already in the cluster decides what each bootstrap step does: skip it (converged),
 * wait for it (present and owned by ArgoCD: bootstrap never re-applies what ArgoCD manages), or
 * apply it. Read-only checks on kubectl's JSON, done once before the first step.
 */
import type { BootstrapEnv } from './env.js';
import { HELM_LABELS } from './facts.js';
import { count, kindName, parseKubeObjects, type KubeObject, type LiveRead } from './kube.js';

export interface ComponentState {
  /** Something of it exists. */
  readonly present: boolean;
  /** Exactly the pinned release, fully rolled out: nothing to do. */
  readonly converged: boolean;
  /** What runs, for messages (a version, an image, a chart label); '' when nothing does. */
  readonly live: string;
  /** Why it is not converged ('' when it is). */
  readonly why: string;
}

export interface RootState {
  readonly present: boolean;
  readonly sync: string;
  readonly health: string;
}

/** The objects of one step's files, as `Kind/name`. */
export interface ExpectedObject {
  readonly kind: string;
  readonly name: string;
}

const state = (present: boolean, live: string, why: string): ComponentState => ({ present, converged: why === '', live, why });
const failed = (read: LiveRead) => (read.error ? read.error.trim().split('\n').at(-1)! : '');

/** The PriorityClasses and namespaces (`kubectl get -f … -o json --ignore-not-found`). */
export function basicsState(expected: readonly ExpectedObject[], read: LiveRead): ComponentState {
  const live = new Set(parseKubeObjects(read.json, 'the PriorityClasses and namespaces').map((o) => `${o.kind}/${o.metadata.name}`));
  const missing = expected.filter((o) => !live.has(`${o.kind}/${o.name}`)).map((o) => `${o.kind}/${o.name}`);
  const pcs = expected.filter((o) => o.kind === 'PriorityClass').length;
  const what = `${pcs} PriorityClasses, ${expected.length - pcs} namespaces`;
  if (read.error && missing.length === 0) return state(live.size > 0, what, `cannot read them: ${failed(read)}`);
  return state(live.size > 0, what, missing.length ? `missing ${missing.join(', ')}` : '');
}

/** The Gateway API objects of the release manifest (`kubectl get -f <manifest> -o json`). */
export function gatewayState(env: BootstrapEnv, read: LiveRead): ComponentState {
  const { version, versionAnnotation } = env.gatewayApi;
  const objects = parseKubeObjects(read.json, 'the Gateway API CRDs');
  const versions = [...new Set(objects.map((o) => o.metadata.annotations?.[versionAnnotation] ?? ''))];
  const live = versions.map((v) => v || `no ${versionAnnotation} annotation`).join(', ');
  if (objects.length === 0) return state(false, '', 'not installed');
  if (read.error) return state(true, live, `some of its objects are missing (${failed(read)})`);
  const other = objects.filter((o) => o.metadata.annotations?.[versionAnnotation] !== version);
  if (other.length) return state(true, live, `${other.map((o) => o.metadata.name).join(', ')} not at ${version} (${versionAnnotation}: ${live})`);
  return state(true, version, '');
}

/** A workload's first container image, and whether it is fully rolled out. */
function rollout(o: KubeObject): { image: string; desired: number; ready: number; updated: number } {
  const ds = o.kind === 'DaemonSet';
  const image = o.spec?.template?.spec?.containers?.[0]?.image;
  return {
    image: typeof image === 'string' ? image : '',
    desired: count(ds ? o.status?.desiredNumberScheduled : o.spec?.replicas),
    ready: count(ds ? o.status?.numberReady : o.status?.readyReplicas),
    updated: count(ds ? o.status?.updatedNumberScheduled : o.status?.updatedReplicas),
  };
}

function notRolledOut(objects: readonly KubeObject[]): string[] {
  return objects.flatMap((o) => {
    const r = rollout(o);
    return r.desired > 0 && r.ready === r.desired && r.updated === r.desired
      ? []
      : [`${kindName(o)} ${r.ready}/${r.desired} ready, ${r.updated}/${r.desired} updated`];
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Cilium's workloads (`kubectl get <CILIUM_WORKLOADS> -n <ns> -o json`). */
export function ciliumState(env: BootstrapEnv, read: LiveRead): ComponentState {
  const { workloads, imageTag } = env.cilium;
  const objects = parseKubeObjects(read.json, 'the Cilium workloads');
  const byName = new Map(objects.map((o) => [kindName(o), o]));
  const agent = byName.get(workloads[0]!);
  const live = agent ? rollout(agent).image : '';
  const absent = workloads.filter((w) => !byName.has(w));
  if (objects.length === 0) return state(false, '', 'not installed');
  if (absent.length) return state(true, live, `${absent.join(', ')} missing`);
  const tag = new RegExp(`:${escape(imageTag)}(@|$)`);
  const other = objects.filter((o) => !tag.test(rollout(o).image));
  if (other.length) return state(true, live, `${other.map((o) => `${kindName(o)} runs ${rollout(o).image || 'no image'}`).join(', ')}, not tag ${imageTag}`);
  const pending = notRolledOut(objects);
  return state(true, live, pending.length ? `not rolled out: ${pending.join(', ')}` : '');
}

/** ArgoCD's Deployments and StatefulSets (`kubectl get deployments,statefulsets -l <instance>=<release> -o json`). */
export function argocdState(env: BootstrapEnv, read: LiveRead): ComponentState {
  const { chart, version, coreWorkloads } = env.argocd;
  const want = `${chart.split('/').at(-1)}-${version}`;
  const objects = parseKubeObjects(read.json, 'the ArgoCD workloads');
  const charts = [...new Set(objects.map((o) => o.metadata.labels?.[HELM_LABELS.chart] ?? ''))];
  const live = charts.map((c) => c || `no ${HELM_LABELS.chart} label`).join(', ');
  if (objects.length === 0) return state(false, '', 'not installed');
  if (read.error) return state(true, live, `cannot read them: ${failed(read)}`);
  const names = new Set(objects.map(kindName));
  const absent = coreWorkloads.filter((w) => !names.has(w));
  if (absent.length) return state(true, live, `${absent.join(', ')} missing`);
  if (charts.some((c) => c !== want)) return state(true, live, `${HELM_LABELS.chart} is ${live}, not ${want}`);
  const pending = notRolledOut(objects);
  return state(true, want, pending.length ? `not rolled out: ${pending.join(', ')}` : '');
}

/** The root Application (`kubectl get applications.argoproj.io <root> -o json`). */
export function rootState(read: LiveRead): RootState {
  const [app] = read.error ? [] : parseKubeObjects(read.json, 'the root Application');
  const text = (x: unknown) => (typeof x === 'string' ? x : '');
  return app ? { present: true, sync: text(app.status?.sync?.status), health: text(app.status?.health?.status) } : { present: false, sync: '', health: '' };
}

export type StepName = 'basics' | 'gateway' | 'cilium' | 'argocd' | 'root';
export type StepAction = 'skip' | 'wait' | 'apply';

export interface StepDecision {
  readonly step: StepName;
  readonly action: StepAction;
  readonly message: string;
}

export interface LiveStates {
  readonly basics: ComponentState;
  readonly gateway: ComponentState;
  readonly cilium: ComponentState;
  readonly argocd: ComponentState;
  readonly root: RootState;
}

export interface StepsDecision {
  readonly steps: readonly StepDecision[];
  /** Set when every step is skipped and the root Application is Synced and Healthy. */
  readonly converged?: string;
}

/** What each step does, given what is there. */
export function decideSteps(env: BootstrapEnv, s: LiveStates): StepsDecision {
  const owned = s.root.present;
  const status = `${s.root.sync || 'unknown'}/${s.root.health || 'unknown'}`;
  const steps: StepDecision[] = [
    s.basics.converged
      ? { step: 'basics', action: 'skip', message: `present (${s.basics.live}): skipping` }
      : { step: 'basics', action: 'apply', message: `${s.basics.why}: applying them` },
    s.gateway.converged
      ? { step: 'gateway', action: 'skip', message: `already installed (${s.gateway.live}): skipping` }
      : owned && s.gateway.present
        ? { step: 'gateway', action: 'skip', message: `installed (${s.gateway.live || 'unknown version'}) and owned by ArgoCD (root Application present): not re-applying` }
        : { step: 'gateway', action: 'apply', message: `${s.gateway.why}: applying ${env.gatewayApi.version}` },
    component('cilium', s.cilium, owned, 'owned by ArgoCD', `Cilium ${env.cilium.version}`, 'unknown image'),
    component('argocd', s.argocd, owned, 'managing itself', `chart ${env.argocd.chart} ${env.argocd.version}`, 'unknown chart'),
    owned
      ? { step: 'root', action: 'skip', message: `root Application already present (${status}): ArgoCD reconciles it from git; skipping` }
      : { step: 'root', action: 'apply', message: 'root Application not present: applying it' },
  ];
  const converged =
    steps.every((d) => d.action === 'skip') && s.gateway.converged && s.root.sync === 'Synced' && s.root.health === 'Healthy'
      ? `Gateway API CRDs ${s.gateway.live}, Cilium ${s.cilium.live}, ArgoCD ${s.argocd.live}, root Application Synced/Healthy: skipping every apply step`
      : undefined;
  return converged ? { steps, converged } : { steps };
}

function component(step: StepName, c: ComponentState, owned: boolean, owner: string, pinned: string, unknown: string): StepDecision {
  if (c.converged) return { step, action: 'skip', message: `already running ${c.live} and rolled out: skipping` };
  if (owned && c.present) return { step, action: 'wait', message: `present (${c.live || unknown}) and ${owner} (root Application present): not re-applying, waiting for it` };
  return { step, action: 'apply', message: `${c.why}: applying ${pinned}` };
}
