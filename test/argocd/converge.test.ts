/**
 * What a real cluster needs to converge (issue "Converge for real"), checked on synth/ and the
 * model: each test here failed on the main branch before the fix it guards.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { APPLICATIONSET_HEALTH_LUA, APPLICATION_HEALTH_LUA, ARGOCD_PROGRESSIVE_SYNCS_PARAM } from '../../platform/argocd/health.js';
import { getPath } from '../../platform/model/values.js';
import { ANNOTATIONS } from '../../platform/model/labels.js';
import { TIER_LIST } from '../../platform/model/tiers.js';
import { LAYERS } from '../../platform/model/layers.js';
import { isSystemNamespace } from '../../platform/model/namespaces.js';
import { upstreamCrds } from '../../platform/conformance/upstream.js';
import { helmApiVersions } from '../../platform/model/api-versions.js';
import { runHealthCheck } from '../helpers/lua.js';
import { REPO_ROOT, buildTestSite, upstreamForTests } from '../helpers/site.js';

const site = join(REPO_ROOT, 'synth', 'edge-01');
const read = (rel: string) => parse(readFileSync(join(site, rel), 'utf8'));
const env = Object.fromEntries(
  readFileSync(join(site, 'bootstrap', 'bootstrap.env'), 'utf8')
    .split('\n')
    .flatMap((l) => {
      const m = /^([A-Z_]+)='(.*)'$/.exec(l);
      return m ? [[m[1]!, m[2]!]] : [];
    }),
) as Record<string, string>;
const build = await buildTestSite();
const component = (name: string) => build.components.find((c) => c.componentName === name)!;

describe('bootstrap installs what its first pods need (items 1, 5, 7)', () => {
  it('lists every PriorityClass, and each file is the PriorityClass the root owns', () => {
    const files = env.PRIORITY_CLASSES!.split(' ');
    const names = files.map((f) => parse(readFileSync(join(REPO_ROOT, f), 'utf8'))).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names.sort()).toEqual(TIER_LIST.map((t) => `PriorityClass/${t.priorityClassName}`).sort());
    for (const f of files) expect(f.startsWith('synth/edge-01/root/'), f).toBe(true);
  });

  it('every PriorityClass the bootstrap charts name is among them', () => {
    const listed = new Set(env.PRIORITY_CLASSES!.split(' ').map((f) => parse(readFileSync(join(REPO_ROOT, f), 'utf8')).metadata.name));
    for (const c of [component('cilium'), component('argocd')]) {
      for (const p of c.parts) expect(listed.has(p.priorityClassName), `${c.componentName}/${p.name}`).toBe(true);
    }
  });

  it("lists a Namespace manifest for every non-system namespace the bootstrap charts render into (Cilium's secrets namespace)", () => {
    const files = env.BOOTSTRAP_NAMESPACES!.split(' ');
    const names = files.map((f) => parse(readFileSync(join(REPO_ROOT, f), 'utf8'))).map((o) => `${o.kind}/${o.metadata.name}`);
    const cilium = component('cilium');
    const secretsNs = getPath(cilium.values, ['gatewayAPI', 'secretsNamespace', 'name']) as string;
    expect(names).toContain(`Namespace/${secretsNs}`);
    expect(names).toContain(`Namespace/${component('argocd').targetNamespace}`);
  });

  it('renders with the API versions the platform serves, in both forms discovery lists', () => {
    const list = env.HELM_API_VERSIONS!.split(' ');
    // Cilium renders its GatewayClass only when this is served (gatewayClass.create: auto).
    expect(list).toContain('gateway.networking.k8s.io/v1/GatewayClass');
    // ArgoCD renders its ServiceMonitors only when this is served.
    expect(list).toContain('monitoring.coreos.com/v1');
    expect(list).toEqual(helmApiVersions(list.filter((a) => a.split('/').length === 3)));
  });

  const upstream = upstreamForTests();
  it.skipIf(!upstream)('declares every served version and kind of the upstream CRDs a component installs', () => {
    // Case-insensitive: the extracted Cilium schemas name the kind in lower case only.
    const declared = new Set(build.components.flatMap((c) => c.providesApis).map((a) => a.toLowerCase()));
    const groups = new Set(build.components.flatMap((c) => c.providesApiGroups));
    const missing = [...upstreamCrds(upstream!).values()]
      .filter((crd) => groups.has(crd.group) && crd.served)
      .map((crd) => `${crd.group}/${crd.version}/${crd.kind}`)
      .filter((api) => !declared.has(api.toLowerCase()));
    expect(missing).toEqual([]);
  });
});

describe('the layer gate is driven by ArgoCD (items 4 and 6)', () => {
  it('enables progressive syncs, without which ApplicationSet status.resources is never refreshed', () => {
    const values = read('layers/02-engines/argocd/values.yaml');
    expect(values.configs.params[ARGOCD_PROGRESSIVE_SYNCS_PARAM]).toBe(true);
    for (const f of LAYERS.map((l) => `edge-idp-${l.shortName}`)) {
      // Progressive syncs change nothing else as long as no ApplicationSet sets a strategy.
      expect(read(`root/applicationset-${f}.yaml`).spec.strategy, f).toBeUndefined();
    }
  });

  it('an Application is not Healthy while its sync operation (PostSync hooks) still runs', () => {
    const app = (phase?: string) => ({
      metadata: { name: 'vault' },
      status: { health: { status: 'Healthy' }, sync: { status: 'Synced' }, ...(phase ? { operationState: { phase } } : {}) },
    });
    expect(runHealthCheck(APPLICATION_HEALTH_LUA, app('Running')).status).toBe('Progressing');
    expect(runHealthCheck(APPLICATION_HEALTH_LUA, app('Terminating')).status).toBe('Progressing');
    expect(runHealthCheck(APPLICATION_HEALTH_LUA, app('Succeeded')).status).toBe('Healthy');
    expect(runHealthCheck(APPLICATION_HEALTH_LUA, app()).status).toBe('Healthy');
    expect(runHealthCheck(APPLICATION_HEALTH_LUA, app('Failed')).status).toBe('Degraded');
  });

  it('every component with PostSync hook Jobs that later layers depend on is gated by the Application check', () => {
    // Vault's configurer and seeder: ApplicationSet status carries no operation phase.
    const vault = read('root/application-vault.yaml');
    expect(vault.kind).toBe('Application');
    const hooks = ['job-vault-configurer.yaml', 'job-vault-seeder.yaml'].map((f) => read(`layers/01-services/vault/resources/${f}`));
    for (const h of hooks) expect(h.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    const services = read('root/applicationset-edge-idp-services.yaml');
    const wave = (o: { metadata: { annotations: Record<string, string> } }) => Number(o.metadata.annotations[ANNOTATIONS.syncWave]);
    expect(wave(vault)).toBeLessThan(wave(services));
    expect(wave(vault)).toBeGreaterThan(wave(read('root/application-cert-manager.yaml')));
    // The ApplicationSet check still waits for health and sync of everything it generated.
    expect(runHealthCheck(APPLICATIONSET_HEALTH_LUA, { metadata: { annotations: { [ANNOTATIONS.expectedApplications]: '1' } }, status: { resources: [] } }).status).toBe('Progressing');
  });
});

describe('state and dashboards (items 8 and 9)', () => {
  it('namespaces holding state are never pruned or deleted', () => {
    // State: a component that says it holds state, one ArgoCD must never prune, and ArgoCD itself.
    // System namespaces (kube-system) are not the platform's to create.
    const holding = new Set(
      build.components
        .filter((c) => c.holdsState || !c.sync.prune || c.componentName === 'argocd')
        .map((c) => c.targetNamespace)
        .filter((ns) => !isSystemNamespace(ns)),
    );
    expect(holding.size).toBeGreaterThan(0);
    for (const ns of holding) {
      const o = read(`layers/00-core/namespaces/resources/namespace-${ns}.yaml`);
      expect(o.metadata.annotations?.['argocd.argoproj.io/sync-options'], ns).toBe('Prune=false,Delete=false');
    }
  });

  it("Grafana's sidecar searches the namespace of kube-prometheus-stack's dashboards and may read it", () => {
    const stack = component('prometheus-stack');
    expect(getPath(stack.values, ['grafana', 'forceDeployDashboards'])).toBe(true);
    const grafana = read('layers/03-apps/grafana/values.yaml');
    const dash = grafana.sidecar.dashboards;
    expect(dash.searchNamespace).toContain(stack.targetNamespace);
    const role = read('layers/03-apps/grafana/resources/role-grafana-dashboards-reader.yaml');
    const binding = read('layers/03-apps/grafana/resources/rolebinding-grafana-dashboards-reader.yaml');
    expect(role.metadata.namespace).toBe(stack.targetNamespace);
    expect(role.rules[0]).toEqual({ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] });
    expect(binding.metadata.namespace).toBe(stack.targetNamespace);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'grafana', namespace: component('grafana').targetNamespace }]);
    const project = read('root/appproject-edge-idp-apps.yaml');
    expect(project.spec.destinations.map((d: { namespace: string }) => d.namespace)).toContain(stack.targetNamespace);
  });
});
