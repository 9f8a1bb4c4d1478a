/**
 * Tests that read the upstream data (CRDs) run only where it exists. On a developer machine
 * without it they are skipped, loudly; with CI set they fail, so CI can never pass by skipping.
 */
import { describe, it } from 'vitest';
import { UPSTREAM_DIR_ENV, upstreamAvailable, upstreamDir } from '../../policies/upstream.js';

/** `describe`, run only when the upstream data directory exists (and failing under CI when it does not). */
export function describeWithUpstream(name: string, body: () => void): void {
  if (upstreamAvailable()) {
    describe(name, body);
    return;
  }
  const why = `upstream data not found at ${upstreamDir()} (set ${UPSTREAM_DIR_ENV} to its location)`;
  if (process.env.CI) {
    describe(name, () => {
      it('has the upstream data it checks against', () => {
        throw new Error(`${why}; CI is set, so this is a failure, not a skip`);
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPING "${name}": ${why} ***\n`);
  describe.skip(name, body);
}
