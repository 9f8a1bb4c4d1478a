/**
 * The layer follower's decision, for one read of ArgoCD's Applications and ApplicationSets:
 * which layer is converged, which is not and why. bootstrap.sh polls, prints what is new and
 * gives up at --timeout; the decision itself is here.
 *
 * A layer is converged when its ApplicationSet exists and every Application it owns (by
 * ownerReference) is Synced and Healthy, as many as its expected-applications annotation says
 * (at least one without it). The root Application's own Applications (no ApplicationSet owns
 * them) and the root Application itself must be Synced and Healthy too.
 */
import { ANNOTATIONS } from '../model/labels.js';
import type { BootstrapEnv } from './env.js';
import type { KubeObject } from './kube.js';

export interface LayersVerdict {
  /** Every layer, the root's own Applications and the root Application are Synced and Healthy. */
  readonly done: boolean;
  /** "ready" lines, in order: the root's own Applications, then the converged layers up to the first that is not. */
  readonly ready: readonly string[];
  /** The first thing still waited for ('' when done). */
  readonly progress: string;
  /** Everything still waited for, one line each (printed when bootstrap gives up). */
  readonly pending: readonly string[];
  /** Odd input worth a warning (a malformed annotation), one line each. */
  readonly warnings: readonly string[];
  /** The closing line when done. */
  readonly finished: string;
}

const OK = (o: KubeObject) => o.status?.sync?.status === 'Synced' && o.status?.health?.status === 'Healthy';
const str = (x: unknown) => (typeof x === 'string' && x !== '' ? x : 'Unknown');
const statusOf = (o: KubeObject) => `${str(o.status?.sync?.status)}/${str(o.status?.health?.status)}`;
const owner = (o: KubeObject) => (o.metadata.ownerReferences ?? []).find((r) => r.kind === 'ApplicationSet')?.name ?? '';

export function layerProgress(env: BootstrapEnv, items: readonly KubeObject[]): LayersVerdict {
  const root = env.rootApplicationName;
  const sets = new Map(items.filter((o) => o.kind === 'ApplicationSet').map((o) => [o.metadata.name, o]));
  const apps = items.filter((o) => o.kind === 'Application');
  const rootApp = apps.find((a) => a.metadata.name === root);
  const ready: string[] = [];
  const pending: string[] = [];
  const warnings: string[] = [];
  const progress: string[] = [];

  const rootApps = apps.filter((a) => a.metadata.name !== root && owner(a) === '');
  const rootWaiting = rootApps.filter((a) => !OK(a));
  const rootOk = rootApps.length - rootWaiting.length;
  if (rootWaiting.length) {
    const list = rootWaiting.map((a) => `${a.metadata.name} (${statusOf(a)})`).join(', ');
    pending.push(`Applications of ${root}: ${rootOk}/${rootApps.length} ready; waiting for ${list}`);
    progress.push(`Applications of ${root}: ${rootOk}/${rootApps.length} Synced and Healthy; waiting for ${list}`);
  } else if (rootApps.length) {
    ready.push(`Applications of ${root}: ready (${rootOk}/${rootApps.length} Synced and Healthy)`);
  }

  let inOrder = true;
  env.applicationSets.forEach((name, i) => {
    const tag = `[layer ${i + 1}/${env.applicationSets.length}] ${name}`;
    const set = sets.get(name);
    if (!set) {
      inOrder = false;
      pending.push(`${name}: ApplicationSet not created yet (the root Application creates it)`);
      progress.push(`${tag}: waiting for the ApplicationSet`);
      return;
    }
    const raw = set.metadata.annotations?.[ANNOTATIONS.expectedApplications];
    let want = 1;
    if (raw !== undefined && /^[0-9]+$/.test(raw)) want = Number(raw);
    else if (raw !== undefined) {
      warnings.push(
        `ApplicationSet ${name}: annotation ${ANNOTATIONS.expectedApplications}='${raw}' is not a count of Applications; ` +
          'waiting for at least one. The root Application sets it from synth/: check the ApplicationSet in git',
      );
    }
    const owned = apps.filter((a) => owner(a) === name);
    const waiting = owned.filter((a) => !OK(a));
    const ok = owned.length - waiting.length;
    if (owned.length >= want && waiting.length === 0) {
      if (inOrder) ready.push(`${tag}: ready (${ok}/${owned.length} Applications Synced and Healthy)`);
      return;
    }
    inOrder = false;
    const of = Math.max(owned.length, want);
    const list = waiting.length ? waiting.map((a) => `${a.metadata.name} (${statusOf(a)})`).join(', ') : 'Applications to be generated';
    pending.push(`${name}: ${ok}/${of} ready; waiting for ${list}`);
    progress.push(`${tag}: ${ok}/${of} Applications Synced and Healthy; waiting for ${list}`);
  });

  const rootStatus = rootApp ? statusOf(rootApp) : 'Unknown/Unknown';
  if (!rootApp || !OK(rootApp)) {
    pending.push(`root Application ${root}: ${rootStatus}`);
    progress.push(`root Application ${root}: ${rootStatus}`);
  }
  const done = pending.length === 0;
  return { done, ready, progress: progress[0] ?? '', pending, warnings, finished: done ? `root Application ${root}: Synced/Healthy` : '' };
}
