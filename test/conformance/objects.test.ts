/** Every object in synth/ validates against the Kubernetes schema or its upstream CRD, unknown fields rejected. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ObjectValidator, unknownBuiltInFields } from '../../platform/conformance/objects.js';
import { Ajv } from 'ajv';
import { strictCrdSchema } from '../../platform/conformance/crd-schema.js';
import { upstreamCrds } from '../../platform/conformance/upstream.js';
import { listFiles } from '../../platform/synth/write.js';
import { REPO_ROOT, upstreamForTests } from '../helpers/site.js';

const upstream = upstreamForTests();

async function synthObjects(): Promise<{ file: string; object: any }[]> {
  const files = (await listFiles(REPO_ROOT)).filter((f) => f.endsWith('.yaml') && (f.includes('/root/') || f.includes('/resources/')));
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(REPO_ROOT, file), 'utf8'))
      .map((d) => d.toJS())
      .filter(Boolean)
      .map((object) => ({ file, object })),
  );
}

describe.skipIf(!upstream)('objects in synth/ are accepted by the API server (offline)', () => {
  it('validates every object', async () => {
    const validator = new ObjectValidator(upstreamCrds(upstream!));
    const objects = await synthObjects();
    expect(objects.length).toBeGreaterThan(10);
    const problems = objects.flatMap(({ file, object }) => validator.validate(object).map((p) => `${file}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('rejects an unknown field on a custom resource', () => {
    const validator = new ObjectValidator(upstreamCrds(upstream!));
    const appProject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'x', namespace: 'argocd' },
      spec: { sourceRepos: ['*'], destinationz: [] },
    };
    expect(validator.validate(appProject)).toEqual(["/spec: unknown field 'destinationz'"]);
  });

  it('rejects a wrong type on a custom resource', () => {
    const validator = new ObjectValidator(upstreamCrds(upstream!));
    const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'x' }, spec: { sourceRepos: 'not-a-list' } };
    expect(validator.validate(app)[0]).toMatch(/\/spec\/sourceRepos: must be array/);
  });

  it('rejects a custom kind with no upstream CRD', () => {
    const validator = new ObjectValidator(upstreamCrds(upstream!));
    expect(validator.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })[0]).toMatch(/no upstream CRD for example.com\/v1\/Widget/);
  });
});

describe('built-in kinds', () => {
  it('rejects an unknown field', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', lables: { a: 'b' } } };
    expect(unknownBuiltInFields(ns)).toEqual(["/metadata/lables: unknown field 'lables'"]);
    const pc = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'x' }, value: 1, globalDefualt: true };
    expect(unknownBuiltInFields(pc)).toEqual(["/globalDefualt: unknown field 'globalDefualt'"]);
  });

  it('accepts fields cdk8s spells differently (downwardAPI, hostPID) and still flags a misspelling beside them', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'x' },
      spec: {
        hostPID: false,
        containers: [{ name: 'c', image: 'i' }],
        volumes: [
          {
            name: 'v',
            projected: { sources: [{ downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } }, { downwardApi: {} }] },
          },
        ],
      },
    };
    expect(unknownBuiltInFields(pod)).toEqual(["/spec/volumes[0]/projected/sources[1]/downwardApi: unknown field 'downwardApi'"]);
  });

  it('rejects a wrong type', () => {
    const validator = new ObjectValidator(new Map());
    const pc = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'x' }, value: 'high' };
    expect(validator.validate(pc).join('\n')).toMatch(/value/);
  });

  it('keeps free-form maps (labels, annotations) free', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labels: { anything: 'goes' }, annotations: { 'a/b': 'c' } } };
    expect(unknownBuiltInFields(ns)).toEqual([]);
  });
});

describe('strict CRD schemas', () => {
  it('closes objects with properties, unless they preserve unknown fields', () => {
    const s = strictCrdSchema({
      type: 'object',
      properties: { a: { type: 'object', properties: { b: { type: 'string' } } }, free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { c: {} } } },
    }) as any;
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.a.additionalProperties).toBe(false);
    expect(s.properties.free.additionalProperties).toBeUndefined();
  });

  it('leaves the branches of anyOf/oneOf open: they validate fields the object declares (Cilium rules: one of ingress, egress… is required)', () => {
    const schema = strictCrdSchema({
      type: 'object',
      properties: { endpointSelector: { type: 'object' }, ingress: { type: 'array' }, egress: { type: 'array' } },
      anyOf: [{ properties: { ingress: {} }, required: ['ingress'] }, { properties: { egress: {} }, required: ['egress'] }],
      oneOf: [{ properties: { endpointSelector: {} }, required: ['endpointSelector'] }],
    }) as any;
    expect(schema.additionalProperties).toBe(false);
    for (const branch of [...schema.anyOf, ...schema.oneOf]) expect(branch.additionalProperties).toBeUndefined();
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(schema);
    expect(validate({ endpointSelector: {}, ingress: [{}], egress: [] }), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ endpointSelector: {} })).toBe(false);
    expect(validate({ endpointSelector: {}, ingress: [], typo: 1 })).toBe(false);
  });
});
