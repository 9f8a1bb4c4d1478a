/**
 * "Every emitted object is accepted by the API server" (docs/design.md#d8-values-keys-exist-upstream), checked offline:
 * - custom resources against their upstream CRD's openAPIV3Schema, made strict the way the
 *   API server's strict field validation is: an unknown field is an error;
 * - built-in kinds against the Kubernetes schema shipped by `kubernetes-models` (types,
 *   required fields, enums), plus an unknown-field check against the field list of the
 *   Kubernetes types shipped by cdk8s-plus-28 (its generated serializer drops any field the
 *   Kubernetes API does not define, so a field it drops is an unknown field).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { createCrdAjv, formatSchemaError, strictCrdSchema } from './crd-schema.js';
import { isPlainObject } from '../model/values.js';
import { isBuiltInApiVersion } from '../model/kinds.js';
import { findCrd, type CrdVersionSchema } from './upstream.js';

const require = createRequire(import.meta.url);

export interface ObjectProblem {
  /** `Kind/name` of the object. */
  readonly object: string;
  readonly message: string;
}

interface KubeObjectLike {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string };
}

/** A validator for objects of one CRD version (metadata is the API server's to check). */
export function crdValidator(crd: CrdVersionSchema): ValidateFunction {
  const schema = strictCrdSchema(crd.schema);
  const props = { ...(schema.properties as Record<string, unknown>), metadata: { type: 'object' } };
  const full = { ...schema, properties: props };
  return createCrdAjv(full).compile(full);
}


/** Validates objects against CRDs (custom kinds) and the Kubernetes schema (built-in kinds). */
export class ObjectValidator {
  private readonly crdValidators = new Map<string, ValidateFunction>();

  constructor(private readonly crds: ReadonlyMap<string, CrdVersionSchema>) {}

  validate(o: KubeObjectLike): string[] {
    return isBuiltInApiVersion(o.apiVersion) ? this.validateBuiltIn(o) : this.validateCustom(o);
  }

  private validateCustom(o: KubeObjectLike): string[] {
    const key = `${o.apiVersion}/${o.kind}`;
    const crd = findCrd(this.crds, o.apiVersion, o.kind);
    if (!crd) return [`no upstream CRD for ${key}: add it to the upstream data or emit a kind that has one`];
    let v = this.crdValidators.get(key);
    if (!v) {
      v = crdValidator(crd);
      this.crdValidators.set(key, v);
    }
    return v(o) ? [] : (v.errors ?? []).map(formatSchemaError);
  }

  private validateBuiltIn(o: KubeObjectLike): string[] {
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
    const modulePath = group ? `kubernetes-models/${group}/${version}/${o.kind}` : `kubernetes-models/${version}/${o.kind}`;
    let Model: new (data: unknown) => { validate(): void };
    try {
      Model = (require(modulePath) as Record<string, typeof Model>)[o.kind]!;
    } catch {
      return [`unknown built-in kind ${o.apiVersion}/${o.kind} (not in the Kubernetes schema)`];
    }
    const problems: string[] = [];
    try {
      new Model(o).validate();
    } catch (e) {
      problems.push(...String((e as Error).message).split('\n').filter(Boolean));
    }
    problems.push(...unknownBuiltInFields(o));
    return problems;
  }
}

type Serializer = (obj: unknown) => unknown;
let k8sTypes: Record<string, unknown> | undefined;

/** Paths of fields the Kubernetes types do not define (cdk8s-plus-28's serializer drops them). */
export function unknownBuiltInFields(o: KubeObjectLike): string[] {
  k8sTypes ??= require('cdk8s-plus-28/lib/imports/k8s.js') as Record<string, unknown>;
  const suffix = o.apiVersion.includes('/') && !o.apiVersion.endsWith('/v1') ? versionSuffix(o.apiVersion) : '';
  const toJson = k8sTypes[`toJson_Kube${o.kind}${suffix}Props`] as Serializer | undefined;
  if (!toJson) return [];
  const { apiVersion: _a, kind: _k, ...props } = o as unknown as Record<string, unknown>;
  // Quantity and IntOrString fields are objects with a `value` in cdk8s' types, and its
  // serializer reads `.value`; wrapping every leaf keeps them (only key presence is compared).
  const kept = toJson(wrapLeaves(props, propertyNames()));
  return droppedPaths(props, kept, '');
}

let jsonToProperty: ReadonlyMap<string, string> | undefined;

/**
 * The cdk8s property name of each Kubernetes field whose name it spells differently
 * (`downwardAPI` → `downwardApi`, `podCIDRs` → `podCidRs`), read from the serializers' own
 * source, since the renaming is not a rule one can restate.
 */
function propertyNames(): ReadonlyMap<string, string> {
  if (!jsonToProperty) {
    const source = readFileSync(require.resolve('cdk8s-plus-28/lib/imports/k8s.js'), 'utf8');
    const names = new Map<string, string>();
    for (const m of source.matchAll(/'([A-Za-z0-9$]+)': (?:toJson_\w+\()?obj\.([A-Za-z0-9$]+)/g)) {
      if (m[1] !== m[2]) names.set(m[1]!, m[2]!);
    }
    jsonToProperty = names;
  }
  return jsonToProperty;
}

function wrapLeaves(v: unknown, names: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(v)) return v.map((x) => wrapLeaves(x, names));
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [names.get(k) ?? k, wrapLeaves(x, names)]));
  return v === undefined ? v : { value: v };
}

function versionSuffix(apiVersion: string): string {
  const v = apiVersion.split('/')[1]!;
  return v.replace(/^v(\d+)(alpha|beta)?(\d*)$/, (_m, major: string, stage?: string, n?: string) => `V${major}${stage ? stage[0]!.toUpperCase() + stage.slice(1) : ''}${n ?? ''}`);
}

function droppedPaths(input: unknown, kept: unknown, path: string): string[] {
  if (Array.isArray(input)) {
    return input.flatMap((v, i) => droppedPaths(v, Array.isArray(kept) ? kept[i] : undefined, `${path}[${i}]`));
  }
  if (!isPlainObject(input)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    const keptValue = isPlainObject(kept) ? kept[k] : undefined;
    if (keptValue === undefined) out.push(`${path}/${k}: unknown field '${k}'`);
    else out.push(...droppedPaths(v, keptValue, `${path}/${k}`));
  }
  return out;
}
