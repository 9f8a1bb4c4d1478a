/** The capacity plan of a site, and the synth-time verdict (docs/design.md#d6-sized-for-failure-scenarios). */
import { EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import {
  checkTenantQuotas,
  nodeFromSpec,
  planCapacity,
  podsFromParts,
  renderCapacityShort,
  reservedPods,
  tenantReservation,
  type CapacityFinding,
  type CapacityPlan,
  type ScenarioKind,
} from '../planner/index.js';
import { findingLine } from '../planner/format.js';
import type { SiteBuild } from './site-build.js';

/**
 * The site's plan: the platform's pods and every tenant's quota reserved (see
 * planner/tenants.ts). Throws a `ConfigError` (exit 2) when the tenants' quotas exceed what the
 * site's workers can allocate at all.
 */
export function planSite(build: Pick<SiteBuild, 'config' | 'components' | 'tenants'>): CapacityPlan {
  const nodes = build.config.nodes.map(nodeFromSpec);
  checkTenantQuotas(build.config.site.name, nodes, build.tenants);
  return planCapacity(
    nodes,
    [
      ...build.components.flatMap((c) => podsFromParts(c.componentName, c.parts)),
      ...build.tenants.flatMap((t) => reservedPods(tenantReservation(t))),
    ],
    { yellow: build.config.capacity.yellow },
  );
}

/** One kind of scenario judged: every pod that must run is placed, some are short (a warning), or it fails. */
export type ScenarioVerdict = 'ok' | 'short' | 'FAILS';

/** The verdict per kind of scenario (Green, Yellow: every worker's, Red), for tables over sites. */
export function scenarioVerdicts(plan: CapacityPlan): Record<ScenarioKind, ScenarioVerdict> {
  const kindOf = new Map(plan.outcomes.map((o) => [o.scenario.name, o.scenario.kind]));
  const out: Record<ScenarioKind, ScenarioVerdict> = { green: 'ok', yellow: 'ok', red: 'ok' };
  for (const f of plan.verdict.warnings) {
    const kind = kindOf.get(f.scenario);
    if (kind && out[kind] === 'ok') out[kind] = 'short';
  }
  for (const f of plan.verdict.failures) {
    const kind = kindOf.get(f.scenario);
    if (kind) out[kind] = 'FAILS';
  }
  return out;
}

/** A site whose plan fails, with where its config is. */
export interface FailingSite {
  readonly site: string;
  /** Its config file (`platform.yaml`, `sites/<name>.yaml`). */
  readonly file: string;
  readonly plan: CapacityPlan;
}

const FIXES = 'Give the nodes more room, lower requests, move parts to a lower tier, or set capacity.onShortfall: warn.';
const TENANT_FIXES = "For a team's reserved pods: lower its quota (quota.cpu, quota.memory, quota.pods in its tenant.yaml), or leave the site out of its runsOn.";

/** The fixes for these failures: the platform's, and the tenants' when a team's pods are among them. */
function fixes(failures: readonly CapacityFinding[]): string {
  return failures.some((f) => f.tenant) ? `${FIXES} ${TENANT_FIXES}` : FIXES;
}

/** The platform does not fit the nodes: synth refuses to write (exit 3) unless the config says warn. */
export class CapacityError extends EdgeIdpError {
  constructor(
    readonly plan: CapacityPlan,
    file = 'platform.yaml',
  ) {
    super(
      `${plan.verdict.failures.some((f) => f.tenant) ? "the platform and its tenants' quotas do" : 'the platform does'} not fit the nodes in ${file} ` +
        '(a feasibility estimate, not the scheduler):\n' +
        plan.verdict.failures.map((f) => `  - ${findingLine(f)}`).join('\n') +
        `\n${fixes(plan.verdict.failures)} Details: edge-idp plan\n\n${renderCapacityShort(plan)}`,
      EXIT_CODES.capacity,
    );
  }
}

/** Several sites of a fleet do not fit their nodes: every one named, with its failures. Exit 3. */
export class FleetCapacityError extends EdgeIdpError {
  constructor(readonly sites: readonly FailingSite[]) {
    const MAX_FINDINGS = 5;
    const blocks = sites.map(({ site, file, plan }) => {
      const failures = plan.verdict.failures;
      const lines = failures.slice(0, MAX_FINDINGS).map((f) => `    - ${findingLine(f)}`);
      if (failures.length > MAX_FINDINGS) lines.push(`    … and ${failures.length - MAX_FINDINGS} more (edge-idp plan --site ${site})`);
      return `  ${site} (${file}):\n${lines.join('\n')}`;
    });
    super(
      `${sites.length} site${sites.length === 1 ? '' : 's'} do${sites.length === 1 ? 'es' : ''} not fit ${sites.length === 1 ? 'its' : 'their'} nodes ` +
        `(a feasibility estimate, not the scheduler): ${sites.map((s) => s.site).join(', ')}\n${blocks.join('\n')}\n` +
        `${fixes(sites.flatMap((s) => s.plan.verdict.failures))} Details: edge-idp plan --site NAME`,
      EXIT_CODES.capacity,
    );
  }
}

/** Whether the site's verdict stops synth: it fails and its config says `fail`. */
export function capacityBlocks(build: Pick<SiteBuild, 'config'>, plan: CapacityPlan): boolean {
  return plan.verdict.status === 'fails' && build.config.capacity.onShortfall === 'fail';
}
