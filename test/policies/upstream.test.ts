import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, UPSTREAM_DIR_ENV, upstreamDir } from '../../policies/upstream.js';

describe('upstreamDir', () => {
  it('defaults to ../shared/upstream beside the repository', () => {
    expect(upstreamDir({})).toBe(resolve(REPO_ROOT, '..', 'shared', 'upstream'));
  });

  it(`takes ${UPSTREAM_DIR_ENV}, resolving a relative value against the repository root`, () => {
    expect(upstreamDir({ [UPSTREAM_DIR_ENV]: '/data/upstream' })).toBe('/data/upstream');
    expect(upstreamDir({ [UPSTREAM_DIR_ENV]: 'vendor/upstream' })).toBe(join(REPO_ROOT, 'vendor', 'upstream'));
    expect(upstreamDir({ [UPSTREAM_DIR_ENV]: '  ' })).toBe(upstreamDir({}));
  });
});
