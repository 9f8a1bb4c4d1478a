/**
 * Reads the sync order back out of the root's objects (as written to synth/): which
 * Application comes up in which wave, through the root or through which ApplicationSet. Tests
 * use it to prove layer order from synth/ alone; the diff command uses it to show which
 * Applications appear or disappear.
 */
import { ANNOTATIONS, LABELS } from '../model/labels.js';
import { compareText } from '../model/order.js';

interface RootObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly annotations?: Record<string, string>; readonly labels?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
}

/** One Application the platform will run, and when the root lets it start. */
export interface DeliveredApplication {
  readonly name: string;
  readonly namespace: string;
  /** The root's sync wave that creates it (its ApplicationSet's wave, or its own). */
  readonly wave: number;
  /** `root` or the name of the generating ApplicationSet. */
  readonly via: string;
  readonly project: string;
  /** The layer it belongs to (its `edge-idp.io/layer` label, or its ApplicationSet's). */
  readonly layer: string | undefined;
  readonly sources: readonly Record<string, unknown>[];
}

export interface SyncOrder {
  /** Waves of root objects that are not Applications or ApplicationSets (projects, PriorityClasses). */
  readonly basics: readonly { readonly kind: string; readonly name: string; readonly wave: number }[];
  readonly applicationSets: readonly { readonly name: string; readonly wave: number; readonly expected: number; readonly generated: readonly string[] }[];
  readonly applications: readonly DeliveredApplication[];
}

export function waveOf(o: RootObject): number {
  const raw = o.metadata.annotations?.[ANNOTATIONS.syncWave];
  return raw === undefined ? 0 : Number(raw);
}

/** The sync order described by the root's objects. */
export function syncOrder(rootObjects: readonly RootObject[], rootName: string): SyncOrder {
  const basics: SyncOrder['basics'][number][] = [];
  const applicationSets: SyncOrder['applicationSets'][number][] = [];
  const applications: DeliveredApplication[] = [];
  for (const o of rootObjects) {
    if (o.kind === 'Application') {
      if (o.metadata.name === rootName) continue;
      const spec = o.spec as { project: string; destination: { namespace: string }; sources: Record<string, unknown>[] };
      applications.push({
        name: o.metadata.name,
        namespace: spec.destination.namespace,
        wave: waveOf(o),
        via: 'root',
        project: spec.project,
        layer: o.metadata.labels?.[LABELS.layer],
        sources: spec.sources,
      });
    } else if (o.kind === 'ApplicationSet') {
      const spec = o.spec as {
        generators: { list?: { elements: { name: string; namespace: string; project?: string; sources: Record<string, unknown>[] }[] } }[];
        template: { spec: { project: string } };
      };
      const elements = spec.generators.flatMap((g) => g.list?.elements ?? []);
      applicationSets.push({
        name: o.metadata.name,
        wave: waveOf(o),
        expected: Number(o.metadata.annotations?.[ANNOTATIONS.expectedApplications] ?? NaN),
        generated: elements.map((e) => e.name),
      });
      for (const e of elements) {
        // A templated project (`{{ .project }}`) is the element's own.
        const project = spec.template.spec.project === '{{ .project }}' && e.project !== undefined ? e.project : spec.template.spec.project;
        applications.push({ name: e.name, namespace: e.namespace, wave: waveOf(o), via: o.metadata.name, project, layer: o.metadata.labels?.[LABELS.layer], sources: e.sources });
      }
    } else {
      basics.push({ kind: o.kind, name: o.metadata.name, wave: waveOf(o) });
    }
  }
  applications.sort((a, b) => a.wave - b.wave || compareText(a.name, b.name));
  applicationSets.sort((a, b) => a.wave - b.wave || compareText(a.name, b.name));
  basics.sort((a, b) => a.wave - b.wave || compareText(a.kind, b.kind) || compareText(a.name, b.name));
  return { basics, applicationSets, applications };
}
