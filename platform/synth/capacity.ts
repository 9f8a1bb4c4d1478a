/** The capacity plan of a site, and the synth-time verdict (docs/design.md#d6-sized-for-failure-scenarios). */
import { EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import { nodeFromSpec, planCapacity, podsFromParts, renderCapacityShort, type CapacityPlan } from '../planner/index.js';
import { findingLine } from '../planner/format.js';
import type { SiteBuild } from './site-build.js';

export function planSite(build: Pick<SiteBuild, 'config' | 'components'>): CapacityPlan {
  return planCapacity(
    build.config.nodes.map(nodeFromSpec),
    build.components.flatMap((c) => podsFromParts(c.componentName, c.parts)),
  );
}

/** The platform does not fit the nodes: synth refuses to write (exit 3) unless the config says warn. */
export class CapacityError extends EdgeIdpError {
  constructor(readonly plan: CapacityPlan) {
    super(
      `the platform does not fit the nodes in platform.yaml (a feasibility estimate, not the scheduler):\n` +
        plan.verdict.failures.map((f) => `  - ${findingLine(f)}`).join('\n') +
        `\nGive the nodes more room, lower requests, move parts to a lower tier, or set capacity.onShortfall: warn. Details: edge-idp plan\n\n${renderCapacityShort(plan)}`,
      EXIT_CODES.capacity,
    );
  }
}

/** Throws `CapacityError` when the verdict fails and the config says `fail`. */
export function enforceCapacity(build: SiteBuild, plan: CapacityPlan): void {
  if (plan.verdict.status === 'fails' && build.config.capacity.onShortfall === 'fail') throw new CapacityError(plan);
}
