/**
 * The upstream reference data's SOURCES.md, read as data: which chart and version each copied
 * values file comes from, and which repository and ref each CRD file comes from. Tests check the
 * catalog's pins against it instead of repeating version literals (synth/ is the golden file for
 * literal output; these tests check that the pins are exact and agree with the reference data).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlatformComponent } from '../../platform/model/component.js';

export interface UpstreamSource {
  /** Relative to the upstream folder, e.g. `values/vault.values.yaml`. */
  readonly file: string;
  /** `github.com/owner/name`. */
  readonly repo: string;
  readonly path: string;
  /** The tag or branch the file was taken at, e.g. `v1.6.1`. */
  readonly ref: string;
  /** The free-text last column, e.g. `vault chart 0.34.1` or `cert-manager chart v1.21.1 (app v1.21.1)`. */
  readonly describes: string;
}

const cell = (text: string): string => /`([^`]*)`/.exec(text)?.[1] ?? text.trim();

/** Every row of the table in `<dir>/SOURCES.md`. */
export function upstreamSources(dir: string): UpstreamSource[] {
  const rows: UpstreamSource[] = [];
  for (const line of readFileSync(join(dir, 'SOURCES.md'), 'utf8').split('\n')) {
    if (!line.startsWith('| `')) continue;
    const cols = line.split('|').slice(1, -1);
    if (cols.length < 7) continue;
    rows.push({ file: cell(cols[0]!), repo: cols[1]!.trim(), path: cell(cols[2]!), ref: cell(cols[3]!), describes: cols[6]!.trim() });
  }
  return rows;
}

/** The chart, version and (when given) app version the reference values file of `upstreamValues` was copied from. */
export function referenceChart(rows: readonly UpstreamSource[], upstreamValues: string): { chart: string; version: string; appVersion?: string } | undefined {
  const row = rows.find((r) => r.file === `values/${upstreamValues}.values.yaml`);
  const m = row && /^(\S+) chart (\S+)(?: \(app (\S+?)[;)])?/.exec(row.describes);
  if (!m) return undefined;
  return { chart: m[1]!, version: m[2]!, ...(m[3] ? { appVersion: m[3] } : {}) };
}

/** An exact release version: no range, wildcard, branch or `latest`. */
export const EXACT_VERSION = /^v?\d+\.\d+\.\d+$/;

/**
 * What is wrong with a component's source pin, as messages (empty when it is fine): a Helm chart
 * must be an exact version, from an https or OCI repository, with reference values whose
 * SOURCES.md row names the same chart at the same version; a git source must be an exact tag of a
 * repository and path SOURCES.md took reference files from at that tag.
 */
export function pinProblems(c: PlatformComponent, rows: readonly UpstreamSource[]): string[] {
  const problems: string[] = [];
  const name = c.componentName;
  const src = c.source;
  if (!src) return problems;
  if (src.type === 'helm') {
    if (!EXACT_VERSION.test(src.version)) problems.push(`${name}: chart version '${src.version}' is not an exact version`);
    if (!/^(https|oci):\/\//.test(src.repoURL)) problems.push(`${name}: chart repository '${src.repoURL}' is neither https nor oci`);
    if (c.upstreamValues === undefined) {
      problems.push(`${name}: no upstreamValues, so its pin cannot be checked against the reference data`);
      return problems;
    }
    const ref = referenceChart(rows, c.upstreamValues);
    if (!ref) problems.push(`${name}: SOURCES.md names no chart for values/${c.upstreamValues}.values.yaml`);
    else if (ref.chart !== src.chart || ref.version !== src.version) {
      problems.push(`${name}: pins ${src.chart}@${src.version} but the reference values are from ${ref.chart}@${ref.version}`);
    }
  } else if (src.type === 'git') {
    if (!EXACT_VERSION.test(src.targetRevision)) problems.push(`${name}: git revision '${src.targetRevision}' is not an exact tag`);
    const repo = src.repoURL.replace(/^https:\/\//, '').replace(/\.git$/, '');
    const ownerName = repo.replace(/^github\.com\//, '');
    const described = rows.some(
      (r) =>
        (r.repo === repo && r.ref === src.targetRevision && r.path.startsWith(`${src.path}/`)) ||
        r.describes.includes(`${ownerName}@${src.targetRevision} ${src.path}/`),
    );
    if (!described) problems.push(`${name}: SOURCES.md has no reference file from ${repo}@${src.targetRevision} ${src.path}/`);
  }
  return problems;
}
