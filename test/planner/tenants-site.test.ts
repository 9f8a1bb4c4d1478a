/**
 * Tenants on the repository's own site (platform.yaml: two 4-cpu, 8Gi workers), built the way
 * synth builds it: the quotas reserved next to the whole platform, the verdict synth acts on,
 * the errors it throws, and what the plan, the site README and the summary show.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../layers/catalog.js';
import { ConfigError, EXIT_CODES } from '../../platform/config/errors.js';
import type { SiteTenant } from '../../platform/model/tenants.js';
import { renderCapacityShort, renderCapacityTerminal, type CapacityPlan } from '../../platform/planner/index.js';
import { buildSite, type SiteBuild } from '../../platform/synth/build.js';
import { capacityBlocks, CapacityError, FleetCapacityError, scenarioVerdicts } from '../../platform/synth/capacity.js';
import { siteReadmeFile } from '../../platform/synth/paths.js';
import { formatSummary } from '../../platform/synth/summary.js';
import { baseConfigObject, configFrom } from '../helpers/site.js';
import { tenant } from './fixtures.js';

async function build(tenants: SiteTenant[], patch?: (cfg: Record<string, any>) => void): Promise<SiteBuild> {
  const raw = baseConfigObject();
  patch?.(raw);
  return buildSite({ config: await configFrom(raw), configFile: 'platform.yaml', catalog: CATALOG, tenants });
}

/** Instance → node of the platform's own pods, and its pods left out, per scenario. */
function platformPlan(plan: CapacityPlan) {
  return plan.outcomes.map((o) => ({
    scenario: o.scenario.name,
    placed: o.placement.placements.filter((p) => !p.instance.pod.tenant).map((p) => `${p.instance.name}@${p.node}`),
    left: [...o.placement.pending, ...o.placement.preempted].filter((u) => !u.instance.pod.tenant).map((u) => u.instance.name),
  }));
}

// Room the platform leaves on the workers: about 6.7 cpu with all nodes up, 2.9 with a worker down.
const fits = () => [tenant('payments', { cpu: '1', memory: '2Gi', pods: 4 }), tenant('web', { cpu: '500m', memory: '1Gi', pods: 2 })];
const greenOnly = () => [tenant('payments', { cpu: '4', memory: '4Gi', pods: 8 })];
const tooLarge = () => [tenant('payments', { cpu: '7', memory: '8Gi', pods: 7 })];

describe('a site without tenants', () => {
  it('plans without any team: no Tenants section, no reserved pods, no tenant lines', async () => {
    const site = await build([]);
    expect(site.plan.tenants).toEqual([]);
    const readme = site.files.get(siteReadmeFile(site.config.site.name))!;
    expect(readme).not.toMatch(/^### Tenants$/m);
    expect(readme).not.toMatch(/reserved pods/);
    expect(renderCapacityTerminal(site.plan)).not.toMatch(/tenant/i);
    expect(formatSummary(site)).not.toMatch(/tenant/i);
  });
});

describe('tenants on the site', () => {
  it("leave the platform's own plan as it is in every scenario", async () => {
    const [alone, withTenants] = await Promise.all([build([]), build([...greenOnly(), tenant('web', { cpu: '2', memory: '2Gi', pods: 2 })])]);
    expect(platformPlan(withTenants.plan)).toEqual(platformPlan(alone.plan));
  });

  it('whose quotas fit: Green passes and the plan, the README and the summary list each team with its quota', async () => {
    const site = await build(fits());
    expect(site.plan.verdict.status).toBe('passes');
    expect(scenarioVerdicts(site.plan)).toEqual({ green: 'ok', yellow: 'ok', red: 'ok' });
    const terminal = renderCapacityTerminal(site.plan);
    const readme = site.files.get(siteReadmeFile(site.config.site.name))!;
    const summary = `${formatSummary(site)}\n${renderCapacityShort(site.plan)}`;
    for (const [what, text] of [['terminal', terminal], ['README', readme], ['summary', summary]] as const) {
      expect(text, what).toMatch(/payments.*1 cpu, 2Gi memory, 4 pods/);
      expect(text, what).toMatch(/web.*500m cpu, 1Gi memory, 2 pods/);
    }
    // Where the pods land, per scenario: spread over both workers in Green.
    expect(readme).toContain('| payments | 4 | `edge-w-1` 2, `edge-w-2` 2 | all 4 placed |');
    expect(terminal).toContain('    payments  edge-w-1 2, edge-w-2 2; all 4 placed');
  });

  it('whose quotas fit Green but not with a worker down: Yellow warns, naming the team, whatever capacity.yellow says', async () => {
    for (const yellow of ['warn', 'fail'] as const) {
      const site = await build(greenOnly(), (cfg) => (cfg.capacity = { ...cfg.capacity, yellow }));
      expect(site.plan.verdict.status, yellow).toBe('warns');
      expect(capacityBlocks(site, site.plan)).toBe(false);
      expect(scenarioVerdicts(site.plan)).toEqual({ green: 'ok', yellow: 'short', red: 'ok' });
      const yellows = site.plan.outcomes.filter((o) => o.scenario.kind === 'yellow').map((o) => o.scenario.name);
      expect(site.plan.verdict.warnings.map((f) => [f.scenario, f.tenant?.name])).toEqual(yellows.map((s) => [s, 'payments']));
      const short = renderCapacityShort(site.plan);
      for (const scenario of yellows) {
        expect(short.split('\n').find((l) => l.trimStart().startsWith(scenario))).toMatch(/the reserved pods of team payments \(\d+ of 8\) do not fit/);
      }
    }
  });

  it('whose quotas do not fit with all nodes up: synth refuses the site, naming the team and its quota', async () => {
    const site = await build(tooLarge());
    expect(site.plan.verdict.status).toBe('fails');
    expect(capacityBlocks(site, site.plan)).toBe(true);
    expect(scenarioVerdicts(site.plan).green).toBe('FAILS');
    const error = new CapacityError(site.plan, 'platform.yaml');
    expect(error.exitCode).toBe(EXIT_CODES.capacity);
    expect(error.message).toMatch(/^the platform and its tenants' quotas do not fit the nodes in platform\.yaml/);
    expect(error.message).toContain('Green: team payments, reserved quota [workloads]');
    expect(error.message).toContain('quota 7 cpu, 8Gi memory, 7 pods in tenants/payments/tenant.yaml');
    expect(error.message).toContain('lower its quota');
    const fleet = new FleetCapacityError([{ site: 'edge-01', file: 'sites/edge-01.yaml', plan: site.plan }]);
    expect(fleet.message).toContain('Green: team payments, reserved quota [workloads]');
  });

  it("whose quotas exceed the site's workers outright: a ConfigError (exit 2) naming each file and field", async () => {
    const tenants = [tenant('payments', { cpu: '6', memory: '1Gi', pods: 2 }), tenant('web', { cpu: '3', memory: '1Gi', pods: 2 })];
    const error = await build(tenants).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.exitCode).toBe(EXIT_CODES.config);
    expect(e.file).toBe('tenants/payments/tenant.yaml');
    expect(e.problems.map((p) => [p.path, p.origin])).toEqual([
      ['quota.cpu', undefined],
      ['quota.cpu', 'tenants/web/tenant.yaml'],
    ]);
    expect(e.message).toContain("quota.cpu: '6', with the other teams' quota.cpu on site edge-01 (web 3 in tenants/web/tenant.yaml) 9 cpu in all, is more than the 8 cpu");
  });

  it("in Red: the teams' pods wait, as expected, and the plan says so", async () => {
    const site = await build(fits());
    const red = site.plan.outcomes.find((o) => o.scenario.kind === 'red')!;
    expect(red.placement.placements.some((p) => p.instance.pod.tenant)).toBe(false);
    expect(site.plan.verdict.failures).toEqual([]);
    const line = renderCapacityShort(site.plan).split('\n').find((l) => l.trimStart().startsWith('Red'))!;
    expect(line).toContain('the reserved pods of teams payments (all 4) and web (all 2) wait for a worker (expected');
    expect(site.files.get(siteReadmeFile(site.config.site.name))).toContain('| web | 2 | none placed | all 2 wait for a worker (expected) |');
  });
});
