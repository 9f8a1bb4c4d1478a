/** kubectl's `-o json` output, read defensively: what bootstrap.sh passes the decisions. */
import { clip, EdgeIdpError, printable } from '../config/errors.js';
import { BOOTSTRAP_EXIT } from './exit-codes.js';

/** The parts of a Kubernetes object the decisions read (everything optional but the name). */
export interface KubeObject {
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly labels?: Readonly<Record<string, string>> | null;
    readonly annotations?: Readonly<Record<string, string>> | null;
    readonly ownerReferences?: readonly { readonly kind?: string; readonly name?: string }[] | null;
  };
  // Workloads, nodes and Applications differ here: each decision reads its own fields.
  readonly spec?: any;
  readonly status?: any;
}

/** What bootstrap.sh read for one decision: kubectl's stdout, and its error when it failed. */
export interface LiveRead {
  readonly json: string;
  /** kubectl's stderr when it exited non-zero (the object, or one of the objects, is missing). */
  readonly error?: string;
}

const bad = (what: string, message: string) =>
  new EdgeIdpError(printable(`${what}: ${message}; pass the output of 'kubectl get … -o json'`), BOOTSTRAP_EXIT.usage);

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function checkObject(x: unknown, what: string, where: string): KubeObject {
  if (!isRecord(x)) throw bad(what, `${where} is not an object`);
  const meta = x.metadata;
  if (!isRecord(meta) || typeof meta.name !== 'string' || meta.name === '') throw bad(what, `${where} has no metadata.name`);
  for (const field of ['labels', 'annotations'] as const) {
    const m = meta[field];
    if (m !== undefined && m !== null && (!isRecord(m) || Object.values(m).some((s) => typeof s !== 'string'))) {
      throw bad(what, `${where} (${meta.name}) has metadata.${field} that is not a map of strings`);
    }
  }
  if (meta.ownerReferences !== undefined && meta.ownerReferences !== null && !Array.isArray(meta.ownerReferences)) {
    throw bad(what, `${where} (${meta.name}) has metadata.ownerReferences that is not a list`);
  }
  return x as unknown as KubeObject;
}

/**
 * The objects of kubectl's JSON: a `List` (`items`), one object, or nothing at all (kubectl
 * prints nothing for `--ignore-not-found` with no match, or when it failed).
 */
export function parseKubeObjects(text: string, what: string): KubeObject[] {
  if (text.trim() === '') return [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(what, `not JSON (${(e as Error).message}): '${clip(text.trim(), 80)}'`);
  }
  if (isRecord(doc) && 'items' in doc) {
    if (!Array.isArray(doc.items)) throw bad(what, `'items' is not a list`);
    return doc.items.map((item, i) => checkObject(item, what, `items[${i}]`));
  }
  if (isRecord(doc) && 'metadata' in doc) return [checkObject(doc, what, 'the object')];
  throw bad(what, `neither a List with 'items' nor an object with 'metadata'`);
}

/** `kind/name` in lower case, as `kubectl get kind/name` takes it. */
export function kindName(o: KubeObject): string {
  return `${(o.kind ?? '').toLowerCase()}/${o.metadata.name}`;
}

/** A count from a status or spec field: a non-negative integer, 0 when absent. */
export function count(x: unknown): number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : 0;
}
