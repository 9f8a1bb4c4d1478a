/**
 * The real tools the cluster suite builds (scripts/test-cluster/versions.env) are the ones the
 * platform targets: the Kubernetes minor of platform.yaml, the Kyverno the chart deploys.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { KYVERNO_APP_VERSION } from '../../layers/02-engines/kyverno.js';
import { REPO_ROOT } from '../helpers/site.js';

const versions = Object.fromEntries(
  readFileSync(join(REPO_ROOT, 'scripts', 'test-cluster', 'versions.env'), 'utf8')
    .split('\n')
    .flatMap((l) => {
      const m = /^([A-Z_]+)=(\S+)$/.exec(l.trim());
      return m ? [[m[1]!, m[2]!]] : [];
    }),
) as Record<string, string>;

describe('test-cluster tool versions', () => {
  it('builds the Kubernetes minor the platform targets (cluster.kubernetesVersion)', () => {
    const target = String(parse(readFileSync(join(REPO_ROOT, 'platform.yaml'), 'utf8')).cluster.kubernetesVersion);
    expect(versions.KUBERNETES_VERSION!.split('.').slice(0, 2).join('.')).toBe(target);
  });

  it("builds the Kyverno CLI of the Kyverno the platform deploys (the chart's appVersion)", () => {
    expect(`v${versions.KYVERNO_VERSION}`).toBe(KYVERNO_APP_VERSION);
  });

  it('pins every tool to an exact version', () => {
    for (const k of ['KUBERNETES_VERSION', 'ETCD_VERSION', 'KWOK_VERSION', 'KYVERNO_VERSION']) expect(versions[k], k).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
