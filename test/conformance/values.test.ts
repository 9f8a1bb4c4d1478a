/** docs/design.md#d8-values-keys-exist-upstream: every values key exists in the chart; values files pass the chart's schema. */
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { addFormats } from '../../platform/conformance/ajv-formats.js';
import { schemaDeclaresPath, unknownValueKeys } from '../../platform/conformance/values-keys.js';
import { upstreamValues, upstreamValuesSchema } from '../../platform/conformance/upstream.js';
import { getPath, isPlainObject, mergeValues } from '../../platform/model/values.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';
import { upstreamForTests } from '../helpers/site.js';

const upstream = upstreamForTests();
const build = await buildAllEnabled();
const helm = build.components.filter((c) => c.isHelm);

describe('every Helm component', () => {
  it.each(helm.map((c) => [c.componentName, c] as const))('%s: is pinned to an exact version and names its upstream data', (_n, c) => {
    expect(c.source?.type).toBe('helm');
    if (c.source?.type === 'helm') expect(c.source.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    expect(c.upstreamValues, 'declare upstreamValues so its keys can be checked').toBeTruthy();
  });

  it.each(helm.map((c) => [c.componentName, c] as const))('%s: sets no image tag to latest or empty', (_n, c) => {
    const bad: string[] = [];
    const walk = (v: unknown, path: string[]) => {
      if (!isPlainObject(v)) return;
      for (const [k, x] of Object.entries(v)) {
        if (k === 'tag' && path[path.length - 1]?.toLowerCase().includes('image') && (x === 'latest' || x === '')) bad.push([...path, k].join('.'));
        walk(x, [...path, k]);
      }
    };
    walk(c.values, []);
    expect(bad).toEqual([]);
  });
});

describe.skipIf(!upstream)('values against upstream charts', () => {
  it.each(helm.map((c) => [c.componentName, c] as const))('%s: every key exists in the chart', (_n, c) => {
    const defaults = upstreamValues(upstream!, c.upstreamValues!);
    expect(defaults, `no ${c.upstreamValues}.values.yaml in ${upstream}`).toBeDefined();
    const schema = upstreamValuesSchema(upstream!, c.upstreamValues!);
    const problems = unknownValueKeys(c.values, defaults, {
      freeFormPaths: c.valuesAllowances.freeForm,
      undeclaredKeys: c.valuesAllowances.undeclared,
      schemaDeclares: (p) => schemaDeclaresPath(schema, p),
    });
    expect(problems).toEqual([]);
  });

  const withSchema = upstream ? helm.filter((c) => upstreamValuesSchema(upstream, c.upstreamValues!)) : [];
  it.each(withSchema.map((c) => [c.componentName, c] as const))('%s: values pass the chart values.schema.json', (_n, c) => {
    const schema = upstreamValuesSchema(upstream!, c.upstreamValues!)!;
    const is2020 = String(schema.$schema ?? '').includes('2020-12');
    const ajv = is2020 ? new Ajv2020({ strict: false, allErrors: true }) : new Ajv({ strict: false, allErrors: true });
    addFormats(ajv as unknown as Ajv);
    const { $schema: _s, ...rest } = schema;
    const validate = ajv.compile(rest);
    // Helm validates the merged values (chart defaults + ours), so do the same.
    const merged = mergeValues(upstreamValues(upstream!, c.upstreamValues!)!, c.values);
    expect(validate(merged) ? [] : validate.errors).toEqual([]);
  });

  it.each(helm.map((c) => [c.componentName, c] as const))('%s: every allowance is still needed and explained', (_n, c) => {
    const defaults = upstreamValues(upstream!, c.upstreamValues!);
    for (const a of [...c.valuesAllowances.freeForm, ...c.valuesAllowances.undeclared]) {
      expect(a.why.length, a.path.join('.')).toBeGreaterThan(10);
      expect(c.values, `${a.path.join('.')} is allowed but not set`).toSatisfy((v: unknown) => a.path.reduce<unknown>((n, k) => (isPlainObject(n) ? n[k] : undefined), v) !== undefined);
    }
    for (const a of c.valuesAllowances.undeclared) {
      expect(unknownValueKeys(c.values, defaults, { freeFormPaths: c.valuesAllowances.freeForm }).some((p) => p.path.startsWith(a.path.join('.'))), `${a.path.join('.')} exists upstream now: drop the allowance`).toBe(true);
    }
  });

  it('catches a key the chart does not have', () => {
    expect(unknownValueKeys({ operator: { replicaz: 2 } }, { operator: { replicas: 1 } })).toEqual([
      { path: 'operator.replicaz', message: "'replicaz' does not exist under 'operator' in the chart's values.yaml" },
    ]);
    expect(unknownValueKeys({ operator: { resources: { requests: { cpu: '1' } } } }, { operator: { resources: {} } })).toEqual([]);
  });
});

describe('no secret in git', () => {
  it('emits no Secret with data anywhere', () => {
    const secrets = [...build.resources.values(), build.rootObjects].flat().filter((o) => o.kind === 'Secret') as any[];
    expect(secrets.filter((s) => s.data || s.stringData).map((s) => s.metadata.name)).toEqual([]);
  });
});

/** Does toleration `ours` tolerate every taint that `theirs` tolerates? (Kubernetes' matching rules.) */
function covers(ours: Record<string, unknown>, theirs: Record<string, unknown>): boolean {
  const opOurs = ours.operator ?? 'Equal';
  const opTheirs = theirs.operator ?? 'Equal';
  if (ours.effect && ours.effect !== theirs.effect) return false;
  if (!ours.key) return opOurs === 'Exists';
  if (ours.key !== theirs.key) return false;
  if (opOurs === 'Exists') return true;
  return opTheirs === 'Equal' && (ours.value ?? '') === (theirs.value ?? '');
}

describe.skipIf(!upstream)('tolerations add to the chart defaults (setting the key replaces the chart list)', () => {
  const rows = helm.flatMap((c) =>
    c.parts.filter((p) => p.keyPaths.tolerations).map((p) => [`${c.componentName}/${p.name}`, c, p] as const),
  );
  it.each(rows)('%s: keeps every toleration the chart has by default', (_n, c, p) => {
    const defaults = getPath(upstreamValues(upstream!, c.upstreamValues!), p.keyPaths.tolerations!);
    const ours = getPath(c.values, p.keyPaths.tolerations!);
    expect(Array.isArray(ours), `values ${p.keyPaths.tolerations!.join('.')} is not a list`).toBe(true);
    const lost = (Array.isArray(defaults) ? (defaults as Record<string, unknown>[]) : []).filter(
      (d) => !(ours as Record<string, unknown>[]).some((o) => covers(o, d)),
    );
    expect(lost, `${c.componentName}/${p.name} drops chart default tolerations; declare them in the part's chartTolerations`).toEqual([]);
  });

  it('the check sees a dropped default (the Cilium operator without its not-ready toleration)', () => {
    const cilium = helm.find((c) => c.componentName === 'cilium')!;
    const defaults = getPath(upstreamValues(upstream!, 'cilium'), ['operator', 'tolerations']) as Record<string, unknown>[];
    const tierOnly = [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }];
    expect(defaults.filter((d) => !tierOnly.some((o) => covers(o, d))).map((d) => d.key)).toContain('node.kubernetes.io/not-ready');
    expect(cilium.parts.find((p) => p.name === 'operator')!.tolerations.map((t) => t.key)).toContain('node.kubernetes.io/not-ready');
  });
});
