/**
 * Every chart and git pin of the catalog, checked as invariants instead of literals: exact
 * versions only, and each one agrees with the upstream reference data (SOURCES.md) that the
 * values-key and CRD conformance tests read. synth/ remains the golden file for the literal pins.
 */
import { describe, expect, it } from 'vitest';
import { buildAllEnabled } from '../helpers/all-enabled.js';
import { upstreamForTests } from '../helpers/site.js';
import { EXACT_VERSION, pinProblems, referenceChart, upstreamSources } from '../helpers/upstream-sources.js';

const all = await buildAllEnabled();
const sourced = all.components.filter((c) => c.source !== undefined);

describe('every pinned source', () => {
  it('is an exact version (no ranges, branches or latest)', () => {
    for (const c of sourced) {
      const version = c.source!.type === 'helm' ? c.source!.version : c.source!.targetRevision;
      expect(version, c.componentName).toMatch(EXACT_VERSION);
    }
  });

  it('covers every chart-based component', () => {
    expect(sourced.filter((c) => c.source!.type === 'helm').length).toBeGreaterThan(10);
  });

  const upstream = upstreamForTests();
  describe.skipIf(!upstream)('against the upstream reference data', () => {
    const rows = upstream ? upstreamSources(upstream) : [];

    it('reads SOURCES.md', () => {
      expect(rows.length).toBeGreaterThan(20);
    });

    it('pins the chart (and git ref) the reference values and CRDs were copied from', () => {
      expect(sourced.flatMap((c) => pinProblems(c, rows))).toEqual([]);
    });

    it('takes the Prometheus Operator CRDs at the operator version the kube-prometheus-stack chart runs', () => {
      const stack = all.components.find((c) => c.componentName === 'prometheus-stack')!;
      const crds = all.components.find((c) => c.componentName === 'prometheus-operator-crds')!;
      const ref = referenceChart(rows, stack.upstreamValues!);
      expect(ref?.appVersion, 'SOURCES.md gives the app version of kube-prometheus-stack').toBeDefined();
      expect(crds.source).toMatchObject({ type: 'git', targetRevision: ref!.appVersion });
    });
  });
});

describe('pinProblems', () => {
  const rows = [
    { file: 'values/x.values.yaml', repo: 'github.com/o/x', path: 'values.yaml', ref: 'x-1.2.3', describes: 'x chart 1.2.3 (app v9.0.0)' },
    { file: 'crds/g/a.yaml', repo: 'github.com/o/crds', path: 'config/crd/a.yaml', ref: 'v2.0.0', describes: 'CRD' },
  ];
  const helm = (version: string, upstreamValues: string | null = 'x', chart = 'x') =>
    ({ componentName: 'c', upstreamValues: upstreamValues ?? undefined, source: { type: 'helm', repoURL: 'https://charts.example', chart, version } }) as never;
  const git = (targetRevision: string, path = 'config/crd') =>
    ({ componentName: 'g', source: { type: 'git', repoURL: 'https://github.com/o/crds.git', path, targetRevision } }) as never;

  it('accepts a pin that agrees with the reference data', () => {
    expect(pinProblems(helm('1.2.3'), rows)).toEqual([]);
    expect(pinProblems(git('v2.0.0'), rows)).toEqual([]);
    expect(referenceChart(rows, 'x')).toEqual({ chart: 'x', version: '1.2.3', appVersion: 'v9.0.0' });
  });

  it('reports ranges, version drift, a different chart, missing reference data and unknown git refs', () => {
    expect(pinProblems(helm('^1.2.0'), rows)).toEqual([
      "c: chart version '^1.2.0' is not an exact version",
      'c: pins x@^1.2.0 but the reference values are from x@1.2.3',
    ]);
    expect(pinProblems(helm('1.2.4'), rows)).toEqual(['c: pins x@1.2.4 but the reference values are from x@1.2.3']);
    expect(pinProblems(helm('1.2.3', 'x', 'y'), rows)).toEqual(['c: pins y@1.2.3 but the reference values are from x@1.2.3']);
    expect(pinProblems(helm('1.2.3', null), rows)).toEqual(['c: no upstreamValues, so its pin cannot be checked against the reference data']);
    expect(pinProblems(helm('1.2.3', 'z'), rows)).toEqual(['c: SOURCES.md names no chart for values/z.values.yaml']);
    expect(pinProblems(git('main'), rows)).toEqual([
      "g: git revision 'main' is not an exact tag",
      'g: SOURCES.md has no reference file from github.com/o/crds@main config/crd/',
    ]);
  });
});
