/**
 * The example tenants, loaded as synth loads them (platform/fleet/load.ts): the fixture fleet's
 * (test/fixtures/fleet/tenants: two teams, four apps) and the repository's own (tenants/, one
 * site). Each covers the four cases: an app with secrets, one with a volume, a CronJob,
 * one routed with two replicas. A bad tenant file stops the fleet with its own error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../platform/config/errors.js';
import { loadFleet, type Fleet } from '../../platform/fleet/load.js';
import type { SiteTenant, TenantApp } from '../../platform/model/tenants.js';
import { parseCpu, parseMemory } from '../../platform/model/quantity.js';
import { CATALOG } from '../../layers/catalog.js';
import { cleanupFleets, fixtureFleet, TOO_SMALL } from '../helpers/fleet.js';
import { REPO_ROOT } from '../helpers/site.js';

afterAll(cleanupFleets);

const load = (dir: string) => loadFleet({ repoRoot: dir, catalog: CATALOG, gitDefaults: async () => ({}) });

/** Every (site, team, app) of a fleet. */
function everyApp(fleet: Fleet): { site: string; domain: string; team: SiteTenant; app: TenantApp }[] {
  return fleet.sites.flatMap((s) => s.tenants.flatMap((team) => team.apps.map((app) => ({ site: s.name, domain: s.config.site.domain, team, app }))));
}

/** The four cases of the "Done means", each by at least one app. */
function expectTheFourCases(fleet: Fleet): void {
  const apps = everyApp(fleet).map((x) => x.app);
  expect(new Set(fleet.sites.flatMap((s) => s.tenants.map((t) => t.name))).size).toBe(2);
  expect(new Set(apps.map((a) => a.file)).size).toBe(4);
  expect(apps.some((a) => Object.keys(a.secrets).length > 0), 'an app with secrets').toBe(true);
  expect(apps.some((a) => a.volume !== undefined), 'an app with a volume').toBe(true);
  expect(apps.some((a) => a.schedule !== undefined), 'a CronJob').toBe(true);
  expect(apps.some((a) => a.route !== undefined && a.replicas === 2), 'an app routed with two replicas').toBe(true);
}

/** What the loader promises of every resolved site: apps fit the quota, routes under the team's names, sorted. */
function expectInvariants(fleet: Fleet): void {
  for (const site of fleet.sites) {
    expect(site.tenants.map((t) => t.name)).toEqual([...site.tenants.map((t) => t.name)].sort());
    for (const team of site.tenants) {
      expect(team.apps.map((a) => a.name)).toEqual([...team.apps.map((a) => a.name)].sort());
      expect(team.hostnames.every((h) => !h.includes('{site}'))).toBe(true);
      const pods = (a: TenantApp) => (a.schedule ? 1 : a.replicas);
      expect(team.apps.reduce((n, a) => n + pods(a) * parseCpu(a.cpu), 0)).toBeLessThanOrEqual(parseCpu(team.quota.cpu));
      expect(team.apps.reduce((n, a) => n + pods(a) * parseMemory(a.memory), 0)).toBeLessThanOrEqual(parseMemory(team.quota.memory));
      expect(team.apps.reduce((n, a) => n + pods(a), 0)).toBeLessThanOrEqual(team.quota.pods);
      expect(team.apps.reduce((n, a) => n + (a.volume ? parseMemory(a.volume.size) : 0), 0)).toBeLessThanOrEqual(parseMemory(team.quota.storage));
      for (const app of team.apps) {
        if (app.route) expect(app.route.host.endsWith(`.${site.config.site.domain}`), app.route.host).toBe(true);
        if (app.volume) expect(app.replicas).toBe(1);
      }
    }
  }
}

describe('the fixture fleet', () => {
  let fleet: Fleet;
  it('loads its two teams and four apps', async () => {
    fleet = await load(fixtureFleet({ kiosk: 'fail' }));
    expectTheFourCases(fleet);
    expectInvariants(fleet);
  });

  it('places each team by runsOn (groups), each app by sites; the tiny kiosk gets none', () => {
    const placed = Object.fromEntries(fleet.sites.map((s) => [s.name, s.tenants.map((t) => `${t.name}: ${t.apps.map((a) => a.name).join(' ')}`)]));
    expect(placed).toEqual({
      'depot-01': ['loyalty: nightly-export points', 'payments: checkout'],
      'kiosk-01': [],
      'store-001': ['payments: checkout ledger'],
      'store-002': [],
      'store-003': ['loyalty: nightly-export points', 'payments: checkout'],
    });
    expect(fleet.sites.find((s) => s.name === TOO_SMALL)!.tenants).toEqual([]);
  });

  it("expands hostnames and routes for each site's domain", () => {
    const store3 = fleet.sites.find((s) => s.name === 'store-003')!;
    const [loyalty, payments] = store3.tenants;
    expect(loyalty!.hostnames).toEqual(['*.rewards.store-003.edge.example.com']);
    expect(payments!.hostnames).toEqual(['*.payments.store-003.edge.example.com']);
    expect(loyalty!.apps.find((a) => a.name === 'points')!.route).toEqual({ host: 'points.rewards.store-003.edge.example.com', path: '/api' });
    expect(payments!.apps.find((a) => a.name === 'checkout')!.route).toEqual({ host: 'checkout.payments.store-003.edge.example.com', path: '/' });
    expect(payments!.file).toBe('tenants/payments/tenant.yaml');
  });

  it('a bad tenant file stops the fleet: its own error, naming the file as the fleet does', async () => {
    const dir = fixtureFleet();
    const file = join(dir, 'tenants/payments/apps/checkout.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('checkout:3.2.0', 'checkout:latest'));
    const e = await load(dir).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).file).toBe(file);
    expect((e as ConfigError).problems).toEqual([{ path: 'image', message: expect.stringMatching(/uses the mutable tag 'latest'/) }]);
  });
});

describe("the repository's own tenants (one site)", () => {
  it('loads two teams and four apps on edge-01', async () => {
    const fleet = await load(REPO_ROOT);
    expect(fleet.kind).toBe('single');
    expect(fleet.sites[0]!.tenants.map((t) => t.name)).toEqual(['analytics', 'shop']);
    expectTheFourCases(fleet);
    expectInvariants(fleet);
  });
});
