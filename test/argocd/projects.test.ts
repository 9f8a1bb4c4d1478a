/**
 * Issue 15, finding 4: every AppProject grants what its Applications deploy and nothing more.
 * Read from synth/ (the projects, the Applications, the resources and routes directories they
 * sync), plus, for Helm charts (not rendered offline), the kinds each component declares its
 * chart renders (`namespacedKinds`, `clusterScopedKinds`; the rendered check holds those to
 * `helm template`). The project rules are evaluated by `project-rules.ts`, a small model of
 * ArgoCD's own (see there for what it relies on).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { syncOrder } from '../../platform/argocd/ordering.js';
import { ARGOCD_NAMESPACE, ROOT_NAME, ROUTES_PROJECT } from '../../platform/argocd/constants.js';
import { apiGroup, isClusterScoped } from '../../platform/model/kinds.js';
import { REPO_ROOT, buildTestSite } from '../helpers/site.js';
import { assertNoPatterns, denial, type AppProjectSpec, type ObjectRef } from './project-rules.js';

const siteRoot = join(REPO_ROOT, 'synth', 'edge-01');
const readYaml = (dir: string) =>
  readdirSync(dir)
    .sort()
    .map((f) => parse(readFileSync(join(dir, f), 'utf8')));
const rootObjects = readYaml(join(siteRoot, 'root'));
const projects = new Map<string, AppProjectSpec>(rootObjects.filter((o) => o.kind === 'AppProject').map((o) => [o.metadata.name, o.spec]));
const order = syncOrder(rootObjects, ROOT_NAME);
// As synth built it: with the committed teams.
const build = await buildTestSite(undefined, { tenants: true });
const componentByName = new Map(build.components.map((c) => [c.componentName, c]));

/** What one Application delivers, as group/kind/namespace, and where each came from. */
function delivered(app: (typeof order.applications)[number]): (ObjectRef & { from: string })[] {
  const out: (ObjectRef & { from: string })[] = [];
  for (const source of app.sources) {
    const path = source.path;
    if (typeof path === 'string' && path.startsWith('synth/')) {
      const dir = join(REPO_ROOT, path);
      expect(existsSync(dir), `${app.name} syncs ${path}`).toBe(true);
      for (const o of readYaml(dir)) {
        const clusterScoped = isClusterScoped(o.kind);
        out.push({ group: apiGroup(o.apiVersion), kind: o.kind, namespace: clusterScoped ? undefined : (o.metadata.namespace ?? app.namespace), from: `${path}: ${o.kind}/${o.metadata.name}` });
      }
    } else if (typeof source.chart === 'string' || (typeof source.repoURL === 'string' && typeof path === 'string')) {
      // A chart or an external git directory: its kinds as the component declares them.
      const c = componentByName.get(app.name)!;
      for (const gk of c.namespacedKinds ?? []) out.push({ ...gk, namespace: app.namespace, from: `${app.name} chart` });
      for (const gk of c.clusterScopedKinds) out.push({ ...gk, from: `${app.name} chart` });
    }
  }
  return out;
}

/** The root Application delivers what is under synth/<site>/root/. */
const rootDelivered = rootObjects.map((o) => ({
  group: apiGroup(o.apiVersion),
  kind: o.kind,
  namespace: isClusterScoped(o.kind) ? undefined : (o.metadata.namespace ?? ARGOCD_NAMESPACE),
  from: `root: ${o.kind}/${o.metadata.name}`,
}));

describe('AppProjects grant what their Applications deploy, and nothing more', () => {
  it('has the root project, one per layer and the routes project, each without globs or negations', () => {
    expect(projects.size).toBeGreaterThan(2);
    for (const [name, spec] of projects) assertNoPatterns(name, spec);
    expect(projects.has(ROUTES_PROJECT)).toBe(true);
  });

  it('every project lists its namespaced kinds, [] when none (an absent namespaceResourceWhitelist would allow every kind)', () => {
    for (const [name, spec] of projects) {
      expect(spec.namespaceResourceWhitelist, name).toBeDefined();
    }
  });

  const byProject = new Map<string, (ObjectRef & { from: string })[]>([[ROOT_NAME, rootDelivered]]);
  const destinationsByProject = new Map<string, Set<string>>([[ROOT_NAME, new Set([ARGOCD_NAMESPACE])]]);
  for (const app of order.applications) {
    byProject.set(app.project, [...(byProject.get(app.project) ?? []), ...delivered(app)]);
    const c = componentByName.get(app.name);
    const used = destinationsByProject.get(app.project) ?? new Set<string>();
    // The Application's destination, and the namespaces a chart writes into by declaration.
    used.add(app.namespace);
    if (c && app.project !== ROUTES_PROJECT) for (const ns of [...c.extraNamespaces, ...c.extraDestinations]) used.add(ns);
    destinationsByProject.set(app.project, used);
  }

  it('every Application is in a project that exists, with its destination permitted', () => {
    for (const app of order.applications) {
      const spec = projects.get(app.project);
      expect(spec, `${app.name}: project ${app.project}`).toBeDefined();
      expect(spec!.destinations?.map((d) => d.namespace), app.name).toContain(app.namespace);
    }
  });

  it('every object each project\'s Applications deliver is permitted by that project', () => {
    const denied: string[] = [];
    for (const [project, objects] of byProject) {
      for (const o of objects) {
        const why = denial(project, projects.get(project)!, o);
        if (why) denied.push(`${o.from}: ${why}`);
      }
    }
    expect(denied).toEqual([]);
  });

  it('no project allows a kind or a destination none of its Applications uses', () => {
    const unused: string[] = [];
    for (const [project, spec] of projects) {
      const objects = byProject.get(project) ?? [];
      const used = new Set(objects.map((o) => `${o.namespace === undefined ? 'cluster' : 'ns'}:${o.group}/${o.kind}`));
      for (const gk of spec.namespaceResourceWhitelist ?? []) if (!used.has(`ns:${gk.group}/${gk.kind}`)) unused.push(`${project}: namespaced ${gk.group}/${gk.kind}`);
      for (const gk of spec.clusterResourceWhitelist ?? []) if (!used.has(`cluster:${gk.group}/${gk.kind}`)) unused.push(`${project}: cluster-scoped ${gk.group}/${gk.kind}`);
      const namespaces = new Set([...objects.flatMap((o) => (o.namespace ? [o.namespace] : [])), ...(destinationsByProject.get(project) ?? [])]);
      for (const d of spec.destinations ?? []) if (!namespaces.has(d.namespace!)) unused.push(`${project}: destination ${d.namespace}`);
    }
    expect(unused).toEqual([]);
  });

  /** A project that may create one namespaced kind and nothing cluster-scoped. */
  const onlyKind = (spec: AppProjectSpec, group: string, kind: string) =>
    JSON.stringify(spec.namespaceResourceWhitelist) === JSON.stringify([{ group, kind }]) && (spec.clusterResourceWhitelist ?? []).length === 0;

  it('argocd and kube-system are destinations only of the projects whose components live there, and of the HTTPRoute-only and CiliumNetworkPolicy-only projects', () => {
    for (const [project, spec] of projects) {
      for (const ns of ['argocd', 'kube-system', 'vault']) {
        if (!spec.destinations?.some((d) => d.namespace === ns)) continue;
        const owners = [...componentByName.values()].filter((c) => [c.targetNamespace, ...c.extraNamespaces, ...c.extraDestinations].includes(ns));
        const ok =
          project === ROOT_NAME ||
          project === ROUTES_PROJECT ||
          onlyKind(spec, 'cilium.io', 'CiliumNetworkPolicy') ||
          owners.some((c) => order.applications.some((a) => a.name === c.componentName && a.project === project));
        expect(ok, `${project} may deploy into ${ns} without a component of its own there`).toBe(true);
      }
    }
    expect(onlyKind(projects.get(ROUTES_PROJECT)!, 'gateway.networking.k8s.io', 'HTTPRoute')).toBe(true);
  });

  it('the network policies have a project of their own that may create CiliumNetworkPolicies only, in every namespace that holds one', () => {
    const app = order.applications.find((a) => a.name === 'network-policies')!;
    const spec = projects.get(app.project)!;
    expect(app.project).not.toBe('edge-idp-core');
    expect(onlyKind(spec, 'cilium.io', 'CiliumNetworkPolicy')).toBe(true);
    const policyNamespaces = (byProject.get(app.project) ?? []).map((o) => o.namespace);
    expect(new Set(spec.destinations!.map((d) => d.namespace))).toEqual(new Set([app.namespace, ...policyNamespaces]));
    // And the core layer's project gained neither the kind nor those namespaces.
    const core = projects.get('edge-idp-core')!;
    expect(core.namespaceResourceWhitelist).not.toContainEqual({ group: 'cilium.io', kind: 'CiliumNetworkPolicy' });
    expect(core.destinations!.map((d) => d.namespace)).not.toContain('vault');
  });

  it('the HTTPRoutes into other namespaces are delivered through the routes project', () => {
    const routes = byProject.get(ROUTES_PROJECT) ?? [];
    expect(routes.length).toBeGreaterThan(0);
    for (const o of routes) expect(`${o.group}/${o.kind}`, o.from).toBe('gateway.networking.k8s.io/HTTPRoute');
  });
});

describe('the apps project denies what it used to allow (negative cases)', () => {
  const apps = projects.get('edge-idp-apps')!;
  const routes = projects.get(ROUTES_PROJECT)!;
  const rbac = 'rbac.authorization.k8s.io';
  it.each([
    ['a RoleBinding in kube-system', { group: rbac, kind: 'RoleBinding', namespace: 'kube-system' }],
    ['a RoleBinding in argocd', { group: rbac, kind: 'RoleBinding', namespace: 'argocd' }],
    ['an Application in argocd', { group: 'argoproj.io', kind: 'Application', namespace: 'argocd' }],
    ['an Application in kube-system', { group: 'argoproj.io', kind: 'Application', namespace: 'kube-system' }],
    ['an HTTPRoute in vault', { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'vault' }],
    ['a ClusterRoleBinding', { group: rbac, kind: 'ClusterRoleBinding' }],
  ] as const)('denies %s through edge-idp-apps', (_what, o) => {
    expect(denial('edge-idp-apps', apps, o)).not.toBeNull();
  });
  it.each([
    ['a RoleBinding in kube-system', { group: rbac, kind: 'RoleBinding', namespace: 'kube-system' }],
    ['an Application in argocd', { group: 'argoproj.io', kind: 'Application', namespace: 'argocd' }],
    ['a Secret in vault', { group: '', kind: 'Secret', namespace: 'vault' }],
    ['an HTTPRoute in a namespace that is not a route destination', { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'kyverno' }],
  ] as const)('denies %s through the routes project', (_what, o) => {
    expect(denial(ROUTES_PROJECT, routes, o)).not.toBeNull();
  });
  it('allows an HTTPRoute in argocd through the routes project only', () => {
    const route = { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'argocd' };
    expect(denial(ROUTES_PROJECT, routes, route)).toBeNull();
    expect(denial('edge-idp-apps', apps, route)).not.toBeNull();
  });
  it('the evaluator reads an absent whitelist as ArgoCD does: every namespaced kind', () => {
    expect(denial('p', { destinations: [{ namespace: 'x' }] }, { group: rbac, kind: 'RoleBinding', namespace: 'x' })).toBeNull();
    expect(denial('p', { destinations: [{ namespace: 'x' }], namespaceResourceWhitelist: [] }, { group: rbac, kind: 'RoleBinding', namespace: 'x' })).not.toBeNull();
  });
});
