/**
 * docs/design.md#d3-layers-sync-in-order: layers come up in order and CRDs before the resources that use them,
 * provable from synth/ alone. These tests read the committed synth/ root, not the model.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { syncOrder } from '../../platform/argocd/ordering.js';
import { APPLICATIONSET_HEALTH_LUA, APPLICATION_HEALTH_LUA, healthCustomizationsCm } from '../../platform/argocd/health.js';
import { ROOT_NAME, SKIP_DRY_RUN_ON_MISSING_RESOURCE } from '../../platform/argocd/constants.js';
import { LAYERS } from '../../platform/model/layers.js';
import { ANNOTATIONS } from '../../platform/model/labels.js';
import { isPlainObject } from '../../platform/model/values.js';
import { layerWave, rootApplicationWave } from '../../platform/argocd/root.js';
import { runHealthCheck } from '../helpers/lua.js';
import { apiGroup, isBuiltInApiVersion } from '../../platform/model/kinds.js';
import { REPO_ROOT, buildTestSite } from '../helpers/site.js';

const siteRoot = join(REPO_ROOT, 'synth', 'edge-01');
const rootObjects = readdirSync(join(siteRoot, 'root'))
  .sort()
  .map((f) => parse(readFileSync(join(siteRoot, 'root', f), 'utf8')));
const order = syncOrder(rootObjects, ROOT_NAME);

describe('layer order, from synth/ alone', () => {
  it('has exactly one ApplicationSet per layer, in strictly increasing waves', () => {
    expect(order.applicationSets.map((a) => a.name)).toEqual(LAYERS.map((l) => `edge-idp-${l.shortName}`));
    const waves = order.applicationSets.map((a) => a.wave);
    for (let i = 1; i < waves.length; i++) expect(waves[i]!).toBeGreaterThan(waves[i - 1]!);
  });

  it('annotates each ApplicationSet with the number of Applications its health check waits for', () => {
    for (const a of order.applicationSets) expect(a.expected, a.name).toBe(a.generated.length);
  });

  it('syncs projects and PriorityClasses before any Application', () => {
    const first = Math.min(...order.applications.map((a) => a.wave), ...order.applicationSets.map((a) => a.wave));
    expect(order.basics.length).toBeGreaterThan(0);
    for (const b of order.basics) expect(b.wave, `${b.kind}/${b.name}`).toBeLessThan(first);
  });

  it('starts each root-owned Application after the basics and before the next layer', () => {
    // Root-owned Applications are the ones a layer needs first (CRD bundles), ArgoCD itself
    // (early, so a stuck layer never blocks a fix to ArgoCD) and the policies (after the
    // engines that serve them); what each needs is proved by the CRD test below.
    const index = order.applicationSets.map((a) => a.name);
    const basics = Math.max(...order.basics.map((b) => b.wave));
    for (const app of order.applications.filter((a) => a.via === 'root')) {
      const next = order.applicationSets[index.indexOf(app.project) + 1];
      expect(app.wave, app.name).toBeGreaterThan(basics);
      if (next) expect(app.wave, app.name).toBeLessThan(next.wave);
    }
  });

  it('generates every Application in the project of its layer', () => {
    for (const app of order.applications.filter((a) => a.via !== 'root')) expect(app.project, app.name).toBe(app.via);
  });

  it('ships the health checks the order depends on, as data for the ArgoCD install', () => {
    const data = parse(readFileSync(join(siteRoot, 'argocd', 'health-customizations.yaml'), 'utf8'));
    expect(data).toEqual({ configs: { cm: healthCustomizationsCm() } });
  });
});

describe('CRDs before the resources that use them', async () => {
  const build = await buildTestSite();
  const waveOfComponent = new Map(
    build.components.map((c) => [c.componentName, c.delivery.kind === 'root' ? rootApplicationWave(c) : layerWave(c.layer)]),
  );
  const provider = new Map(build.components.flatMap((c) => c.providesApiGroups.map((g) => [g, c.componentName] as const)));

  it('every custom resource in synth/ has a provider that syncs first (or earlier in the same Application)', () => {
    for (const [component, objects] of build.resources) {
      for (const o of objects) {
        const group = apiGroup(o.apiVersion);
        if (isBuiltInApiVersion(o.apiVersion)) continue;
        const from = provider.get(group);
        const what = `${component}: ${o.kind}/${o.metadata.name}`;
        expect(from, `${what}: no component provides ${group}`).toBeDefined();
        if (from === component) {
          const ann = (o.metadata.annotations ?? {}) as Record<string, string>;
          expect(Number(ann[ANNOTATIONS.syncWave] ?? 0), `${what}: must sync after its own chart's CRDs`).toBeGreaterThan(0);
          expect(ann[ANNOTATIONS.syncOptions] ?? '', what).toContain(SKIP_DRY_RUN_ON_MISSING_RESOURCE);
        } else {
          expect(waveOfComponent.get(from!)!, `${what}: provider ${from} must sync first`).toBeLessThan(waveOfComponent.get(component)!);
        }
      }
    }
  });

  it('the ClusterSecretStore for Vault syncs after Vault', () => {
    const holder = [...build.resources].find(([, objects]) => objects.some((o) => o.kind === 'ClusterSecretStore'));
    expect(holder, 'a component ships the Vault ClusterSecretStore').toBeDefined();
    expect(waveOfComponent.get(holder![0])!).toBeGreaterThan(waveOfComponent.get('vault')!);
  });

  it('a chart that renders ServiceMonitors syncs after the monitoring.coreos.com CRDs', () => {
    const hasEnabledServiceMonitor = (v: unknown): boolean =>
      isPlainObject(v) &&
      Object.entries(v).some(([k, x]) => (k === 'serviceMonitor' && isPlainObject(x) && x.enabled === true) || hasEnabledServiceMonitor(x));
    for (const c of build.components) {
      if (!c.isHelm || !hasEnabledServiceMonitor(c.values)) continue;
      // Charts that render ServiceMonitors only once the API is served need no ordering.
      if (c.capabilityGatedApiGroups.includes('monitoring.coreos.com')) continue;
      const from = provider.get('monitoring.coreos.com');
      expect(from, `${c.componentName} enables ServiceMonitors but no component provides monitoring.coreos.com`).toBeDefined();
      expect(waveOfComponent.get(from!)!, c.componentName).toBeLessThan(waveOfComponent.get(c.componentName)!);
    }
  });
});

describe('ArgoCD health checks (run in a Lua VM)', () => {
  const appSet = (expected: number, status?: unknown) => ({
    metadata: { name: 'edge-idp-core', annotations: { [ANNOTATIONS.expectedApplications]: String(expected) } },
    ...(status ? { status } : {}),
  });
  const res = (name: string, health: string, sync = 'Synced') => ({ name, kind: 'Application', health: { status: health }, status: sync });

  it('an empty layer is Healthy at once', () => {
    expect(runHealthCheck(APPLICATIONSET_HEALTH_LUA, appSet(0)).status).toBe('Healthy');
  });
  it('waits while Applications are still being generated', () => {
    expect(runHealthCheck(APPLICATIONSET_HEALTH_LUA, appSet(2)).status).toBe('Progressing');
    expect(runHealthCheck(APPLICATIONSET_HEALTH_LUA, appSet(2, { resources: [res('a', 'Healthy')] }))).toEqual({
      status: 'Progressing',
      message: 'generated 1 of 2 Applications',
    });
  });
  it('waits for every Application to be Healthy and Synced', () => {
    expect(runHealthCheck(APPLICATIONSET_HEALTH_LUA, appSet(2, { resources: [res('a', 'Healthy'), res('b', 'Progressing')] })).status).toBe('Progressing');
    expect(runHealthCheck(APPLICATIONSET_HEALTH_LUA, appSet(2, { resources: [res('a', 'Healthy'), res('b', 'Healthy', 'OutOfSync')] })).status).toBe('Progressing');
    expect(runHealthCheck(APPLICATIONSET_HEALTH_LUA, appSet(2, { resources: [res('a', 'Healthy'), res('b', 'Healthy')] })).status).toBe('Healthy');
  });
  it('is Degraded on a Degraded Application or a controller error', () => {
    expect(runHealthCheck(APPLICATIONSET_HEALTH_LUA, appSet(1, { resources: [res('a', 'Degraded')] })).status).toBe('Degraded');
    const err = { conditions: [{ type: 'ErrorOccurred', status: 'True', message: 'bad template' }] };
    expect(runHealthCheck(APPLICATIONSET_HEALTH_LUA, appSet(1, err))).toEqual({ status: 'Degraded', message: 'bad template' });
  });
  it('an Application is Healthy only when Healthy and Synced', () => {
    const app = (health: string, sync: string, phase?: string) => ({
      metadata: { name: 'x' },
      status: { health: { status: health }, sync: { status: sync }, ...(phase ? { operationState: { phase, message: 'boom' } } : {}) },
    });
    expect(runHealthCheck(APPLICATION_HEALTH_LUA, app('Healthy', 'Synced')).status).toBe('Healthy');
    expect(runHealthCheck(APPLICATION_HEALTH_LUA, app('Healthy', 'OutOfSync')).status).toBe('Progressing');
    expect(runHealthCheck(APPLICATION_HEALTH_LUA, app('Progressing', 'Synced')).status).toBe('Progressing');
    expect(runHealthCheck(APPLICATION_HEALTH_LUA, app('Missing', 'OutOfSync')).status).toBe('Missing');
    expect(runHealthCheck(APPLICATION_HEALTH_LUA, app('Healthy', 'Synced', 'Failed')).status).toBe('Degraded');
    expect(runHealthCheck(APPLICATION_HEALTH_LUA, { metadata: { name: 'x' } }).status).toBe('Progressing');
  });
});
