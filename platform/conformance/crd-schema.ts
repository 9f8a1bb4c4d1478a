/**
 * Validates objects against an upstream CustomResourceDefinition's `openAPIV3Schema` with ajv,
 * the way the API server would prune and reject them, plus one thing the API server does not do:
 * unknown fields are errors. The API server silently drops a field its schema does not know
 * (structural pruning), so a misspelt key in a policy or an extra resource "applies" cleanly and
 * does nothing: the silent bug these checks exist to catch.
 *
 * Used for every custom resource synth emits (see `objects.ts`) and for the Kyverno policies.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { addFormats } from './ajv-formats.js';
import { parseAllDocuments } from 'yaml';

/** A JSON Schema node as found in a CRD (OpenAPI v3 subset plus `x-kubernetes-*` extensions). */
export type JsonSchema = { [keyword: string]: unknown };

/** The parts of a CustomResourceDefinition this module reads. */
export interface CustomResourceDefinition {
  readonly apiVersion: string;
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly names: { readonly kind: string };
    readonly versions: readonly {
      readonly name: string;
      readonly served: boolean;
      readonly storage: boolean;
      readonly schema?: { readonly openAPIV3Schema?: JsonSchema };
    }[];
  };
}

/**
 * Kubernetes vendor extensions. ajv in strict mode rejects keywords it does not know, so they are
 * declared; their meaning (where it matters for validation) is applied by {@link strictCrdSchema}.
 * `x-kubernetes-validations` holds CEL rules that ajv cannot evaluate: they are not checked here.
 */
const KUBERNETES_KEYWORDS = [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
  // OpenAPI annotations some CRDs carry (external-secrets): no meaning for validation.
  'example',
  'externalDocs',
] as const;

/** Fields every embedded resource may carry even when its schema does not list them. */
const EMBEDDED_RESOURCE_FIELDS: Readonly<Record<string, JsonSchema>> = {
  apiVersion: { type: 'string' },
  kind: { type: 'string' },
  metadata: { type: 'object' },
};

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A strict copy of a CRD schema: every object schema that lists `properties` and does not carry
 * `x-kubernetes-preserve-unknown-fields: true` gets `additionalProperties: false` (unless it sets
 * `additionalProperties` itself); `x-kubernetes-int-or-string` becomes an integer-or-string union;
 * descriptions are dropped (they are most of a CRD's bytes and mean nothing to ajv).
 *
 * The branches of `anyOf`, `oneOf`, `allOf` and `not` are never closed: in a structural schema
 * they are value validations over fields the enclosing schema declares (Cilium's rules say
 * "one of `ingress`, `egress`… is required" with branches that each list one property), so
 * closing a branch would reject every field but its own.
 */
export function strictCrdSchema(schema: JsonSchema, inJunctor = false): JsonSchema {
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'description') continue;
    if (keyword === 'properties' && isSchema(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, isSchema(sub) ? strictCrdSchema(sub, inJunctor) : sub]),
      );
    } else if ((keyword === 'items' || keyword === 'additionalProperties') && isSchema(value)) {
      out[keyword] = strictCrdSchema(value, inJunctor);
    } else if (keyword === 'not' && isSchema(value)) {
      out[keyword] = strictCrdSchema(value, true);
    } else if ((keyword === 'anyOf' || keyword === 'oneOf' || keyword === 'allOf') && Array.isArray(value)) {
      out[keyword] = value.map((sub) => (isSchema(sub) ? strictCrdSchema(sub, true) : sub));
    } else {
      out[keyword] = value;
    }
  }
  if (out['x-kubernetes-int-or-string'] === true && out.type === undefined && out.anyOf === undefined) {
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  const preservesUnknown = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (isSchema(out.properties) && !preservesUnknown && out.additionalProperties === undefined && !inJunctor) {
    if (out['x-kubernetes-embedded-resource'] === true) {
      out.properties = { ...EMBEDDED_RESOURCE_FIELDS, ...out.properties };
    }
    out.additionalProperties = false;
  }
  return out;
}

/** Reads a CRD file (YAML, possibly several documents) and returns the CustomResourceDefinition in it. */
export function loadCrd(file: string): CustomResourceDefinition {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS() as unknown)
    .filter((doc): doc is CustomResourceDefinition => isSchema(doc) && doc.kind === 'CustomResourceDefinition');
  if (docs.length !== 1) {
    throw new Error(`${file}: expected exactly one CustomResourceDefinition, found ${docs.length}`);
  }
  return docs[0]!;
}

/**
 * The `openAPIV3Schema` of one version of a CRD file. `version` defaults to the storage version.
 * A `*.json` file is taken to be the schema itself (as the extracted Cilium schemas are).
 */
export function loadCrdSchema(file: string, version?: string): JsonSchema {
  if (file.endsWith('.json')) return JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
  const crd = loadCrd(file);
  const chosen = version
    ? crd.spec.versions.find((v) => v.name === version)
    : crd.spec.versions.find((v) => v.storage);
  if (!chosen) {
    const known = crd.spec.versions.map((v) => v.name).join(', ');
    throw new Error(`${file}: CRD ${crd.metadata.name} has no version '${version ?? '(storage)'}'; it has: ${known}`);
  }
  const schema = chosen.schema?.openAPIV3Schema;
  if (!schema) throw new Error(`${file}: version ${chosen.name} of ${crd.metadata.name} has no openAPIV3Schema`);
  return schema;
}

/** Every `format` named anywhere in a schema. */
function formatsUsed(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) formatsUsed(item, found);
  } else if (isSchema(schema)) {
    if (typeof schema.format === 'string') found.add(schema.format);
    for (const value of Object.values(schema)) formatsUsed(value, found);
  }
  return found;
}

/**
 * Compiles a CRD `pattern` as the API server reads it (Go RE2) into a JavaScript RegExp: a leading
 * inline flag group such as `(?i)` (also right after `^`) becomes a RegExp flag, and one-letter Unicode classes
 * (`\PC`) get the braces JavaScript requires (`\P{C}`).
 */
export function goRegExp(pattern: string, flags: string): RegExp {
  let source = pattern;
  let extraFlags = '';
  const inline = /^(\^?)\(\?([imsU]+)\)/.exec(source);
  if (inline) {
    source = inline[1]! + source.slice(inline[0].length);
    extraFlags = [...inline[2]!].filter((flag) => 'ims'.includes(flag)).join('');
  }
  source = source.replace(/(?<!\\)\\([pP])([A-Za-z])/g, '\\$1{$2}');
  return new RegExp(source, flags + extraFlags);
}
// ajv only reads `code` when generating standalone source, which we never do.
goRegExp.code = 'new RegExp';

/** A fresh ajv instance in strict mode that knows the Kubernetes keywords and the formats `schema` uses. */
export function createCrdAjv(schema: JsonSchema): Ajv {
  const ajv = new Ajv({
    strict: true,
    // CRD schemas put `properties` on nodes without `type: object` and use unions freely: legal
    // OpenAPI, but noise for ajv's type-strictness warnings.
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    allErrors: true,
    code: { regExp: goRegExp },
  });
  addFormats(ajv);
  for (const keyword of KUBERNETES_KEYWORDS) ajv.addKeyword(keyword);
  // Kubernetes formats ajv-formats does not define are accepted unchecked rather than failing compile.
  for (const format of formatsUsed(schema)) {
    if (!ajv.formats[format]) ajv.addFormat(format, true);
  }
  return ajv;
}

/** Checks one object; returns human-readable errors, empty when the object is valid. */
export type CrdObjectValidator = (object: unknown) => string[];

const validatorCache = new Map<string, CrdObjectValidator>();

/** One error as `<path>: <message>`, naming the offending property for unknown fields. */
export function formatSchemaError(error: ErrorObject): string {
  const path = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') {
    return `${path}: unknown field '${String(error.params.additionalProperty)}'`;
  }
  if (error.keyword === 'enum') {
    return `${path}: ${error.message} (${(error.params.allowedValues as unknown[]).join(', ')})`;
  }
  return `${path}: ${error.message ?? error.keyword}`;
}

/**
 * A validator for objects of one CRD version, compiled from its strict schema (cached per file
 * and version: the ClusterPolicy CRD takes a few seconds to compile).
 */
export function crdValidator(file: string, version?: string): CrdObjectValidator {
  const key = `${resolve(file)}#${version ?? ''}`;
  const cached = validatorCache.get(key);
  if (cached) return cached;
  const schema = strictCrdSchema(loadCrdSchema(file, version));
  const validate: ValidateFunction = createCrdAjv(schema).compile(schema);
  const validator: CrdObjectValidator = (object) =>
    validate(object) ? [] : (validate.errors ?? []).map(formatSchemaError);
  validatorCache.set(key, validator);
  return validator;
}
