import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCrdAjv, crdValidator, goRegExp, strictCrdSchema, type JsonSchema } from '../../platform/conformance/crd-schema.js';
import { KYVERNO_CRDS, upstreamPath } from '../../policies/upstream.js';
import { describeWithUpstream } from './upstream.js';

function compile(schema: JsonSchema) {
  const strict = strictCrdSchema(schema);
  return createCrdAjv(strict).compile(strict);
}

describe('strictCrdSchema', () => {
  const schema: JsonSchema = {
    type: 'object',
    description: 'dropped',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { 'x-kubernetes-int-or-string': true },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
          items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        },
      },
    },
  };

  it('rejects fields an object schema does not list', () => {
    const validate = compile(schema);
    expect(validate({ spec: { replicas: 1 } })).toBe(true);
    expect(validate({ spec: { replica: 1 } })).toBe(false);
    expect(validate({ spec: { items: [{ name: 'a', nam: 'b' }] } })).toBe(false);
    expect(validate({ other: 1 })).toBe(false);
  });

  it('keeps objects that preserve unknown fields, or declare additionalProperties, open', () => {
    const validate = compile(schema);
    expect(validate({ spec: { free: { known: 'x', anything: { deep: true } }, labels: { a: 'b' } } })).toBe(true);
    expect(validate({ spec: { labels: { a: 1 } } })).toBe(false);
  });

  it('reads x-kubernetes-int-or-string as an integer or a string', () => {
    const validate = compile(schema);
    expect(validate({ spec: { replicas: '50%' } })).toBe(true);
    expect(validate({ spec: { replicas: true } })).toBe(false);
  });

  it('lets an embedded resource carry apiVersion, kind and metadata', () => {
    const validate = compile(schema);
    expect(validate({ spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: {} } } })).toBe(true);
    expect(validate({ spec: { template: { status: {} } } })).toBe(false);
  });

  it('does not change its input and drops descriptions', () => {
    const copy = structuredClone(schema);
    const strict = strictCrdSchema(schema);
    expect(schema).toEqual(copy);
    expect(strict.description).toBeUndefined();
  });
});

describe('goRegExp', () => {
  it('turns a leading inline flag group into a RegExp flag', () => {
    expect(goRegExp('^(?i)(abort|warn)?$', 'u').test('ABORT')).toBe(true);
    expect(goRegExp('(?i)x', 'u').flags).toContain('i');
  });

  it('braces one-letter Unicode classes', () => {
    expect(goRegExp('^\\PC*$', 'u').test('printable text')).toBe(true);
    expect(goRegExp('^\\PC*$', 'u').test('bell\u0007')).toBe(false);
  });
});

describeWithUpstream('crdValidator on the upstream CRDs', () => {
  // One file per feature the helper needs (compiling all of them takes ~20 s): both Kyverno CRDs,
  // an extracted JSON schema (Cilium), and RE2-only patterns (PrometheusRule's `(?i)`).
  it.each([
    KYVERNO_CRDS.clusterPolicy,
    KYVERNO_CRDS.validatingPolicy,
    'crds/cilium.io/ciliumnetworkpolicy_v2.schema.json',
    'crds/monitoring.coreos.com/monitoring.coreos.com_prometheusrules.yaml',
  ])('compiles %s', (file) => {
    expect(existsSync(upstreamPath(file))).toBe(true);
    expect(() => crdValidator(upstreamPath(file))).not.toThrow();
  });

  it('names the path of an unknown field and of a bad enum value in a ClusterPolicy', () => {
    const validate = crdValidator(upstreamPath(KYVERNO_CRDS.clusterPolicy));
    const errors = validate({
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'x' },
      spec: {
        rules: [
          {
            name: 'r',
            match: { any: [{ resources: { kinds: ['Pod'], namespace: ['typo'] } }] },
            validate: { failureAction: 'Block', pattern: { anything: 'goes' } },
          },
        ],
      },
    });
    expect(errors).toContain("/spec/rules/0/match/any/0/resources: unknown field 'namespace'");
    expect(errors.some((e) => e.startsWith('/spec/rules/0/validate/failureAction:') && e.includes('Audit, Enforce'))).toBe(true);
  });
});
