/**
 * Where the upstream data (CRDs, chart values and schemas copied byte-for-byte from upstream
 * repositories, see its SOURCES.md) lives. It is not part of this repository, so its location is
 * configurable: tests and checks that need it ask here instead of hard-coding a path.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_UPSTREAM_DIR, UPSTREAM_DIR_ENV, upstreamDir as platformUpstreamDir } from '../platform/conformance/upstream.js';

/** The repository root (the folder holding `policies/`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export { UPSTREAM_DIR_ENV, DEFAULT_UPSTREAM_DIR };

/** The upstream data directory (see `platform/conformance/upstream.ts`), for this repository. */
export function upstreamDir(env: NodeJS.ProcessEnv = process.env): string {
  return platformUpstreamDir(REPO_ROOT, env);
}

/** A path inside the upstream data directory. */
export function upstreamPath(...parts: string[]): string {
  return join(upstreamDir(), ...parts);
}

/** Whether the upstream data directory exists (it is absent on a bare checkout). */
export function upstreamAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(upstreamDir(env));
}

/** Upstream CRD files the policies are checked against, relative to the upstream directory. */
export const KYVERNO_CRDS = {
  /** `kyverno.io/v1` ClusterPolicy, kyverno v1.19.0 (chart 3.9.0). */
  clusterPolicy: 'crds/kyverno.io/kyverno.io_clusterpolicies.yaml',
  /** `policies.kyverno.io` ValidatingPolicy, kyverno v1.19.0: the newer type we chose not to use. */
  validatingPolicy: 'crds/policies.kyverno.io/policies.kyverno.io_validatingpolicies.yaml',
} as const;
