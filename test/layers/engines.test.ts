/**
 * Layer 02-engines, GitOps part: ArgoCD (self-managed), Kyverno, Argo Workflows. Static checks
 * of the declarations and generated values; an optional rendered check with real helm when a
 * directory of unpacked charts is given (EDGE_IDP_CHARTS_DIR).
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ARGOCD_SERVER_SERVICE } from '../../layers/02-engines/argocd.js';
import {
  KYVERNO_NAMESPACE,
  kyvernoWebhookNamespaceSelector,
  type LabelSelectorRequirement,
} from '../../layers/02-engines/kyverno.js';
import { ARGO_WORKFLOWS_NAMESPACE, ARGO_WORKFLOWS_SERVER_SERVICE } from '../../layers/02-engines/argo-workflows.js';
import { ARGOCD_NAMESPACE, RESOURCES_FINALIZER } from '../../platform/argocd/constants.js';
import { healthCustomizationsCm } from '../../platform/argocd/health.js';
import { BASICS_WAVE, layerWave, rootApplicationWave } from '../../platform/argocd/root.js';
import { ConfigError } from '../../platform/config/errors.js';
import { upstreamValues } from '../../platform/conformance/upstream.js';
import { unknownValueKeys } from '../../platform/conformance/values-keys.js';
import type { ChartSource, PlatformComponent } from '../../platform/model/component.js';
import { ANNOTATIONS, LABELS } from '../../platform/model/labels.js';
import { TIERS, type TierName } from '../../platform/model/tiers.js';
import { getPath } from '../../platform/model/values.js';
import { CHARTS_DIR_ENV_VAR, renderChart } from '../../platform/render/render.js';
import { checkRendered } from '../../platform/render/check.js';
import { findHelm } from '../../platform/render/helm.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';
import { baseConfigObject, buildTestSite, configFrom, upstreamForTests } from '../helpers/site.js';
import { EXACT_VERSION, pinProblems, upstreamSources } from '../helpers/upstream-sources.js';

const site = await buildTestSite();
const all = await buildAllEnabled();
const component = (name: string, build = site): PlatformComponent => {
  const c = build.components.find((x) => x.componentName === name);
  if (!c) throw new Error(`component '${name}' not built`);
  return c;
};
const argocd = component('argocd');
const kyverno = component('kyverno');
const workflows = component('argo-workflows');
const ENGINES = [argocd, kyverno, workflows] as const;

it('declares free-form allowances only where it sets values, on keys the chart has, each with a reason', () => {
  for (const c of ENGINES) {
    for (const { path, why } of c.valuesAllowances.freeForm ?? []) {
      const where = `${c.componentName}: ${path.join('.')}`;
      expect(why, where).toMatch(/\S/);
      expect(getPath(c.values, path), `${where}: an allowance for a key we do not set`).toBeDefined();
      if (upstream) expect(getPath(upstreamValues(upstream, c.upstreamValues!), path), `${where}: not a key of the chart`).toBeDefined();
    }
  }
  expect(argocd.valuesAllowances.freeForm?.length).toBeGreaterThan(0);
  expect(workflows.valuesAllowances.freeForm?.length).toBeGreaterThan(0);
});

describe('charts', () => {
  it.each([
    [argocd, 'argo-cd', ARGOCD_NAMESPACE, 'critical'],
    [kyverno, 'kyverno', KYVERNO_NAMESPACE, 'important'],
    [workflows, 'argo-workflows', ARGO_WORKFLOWS_NAMESPACE, 'important'],
  ] as const)('%# is pinned to an exact chart version, in its namespace and tier', (c, chart, ns, tier: TierName) => {
    expect(c.source).toMatchObject({ type: 'helm', chart });
    expect((c.source as ChartSource).version).toMatch(EXACT_VERSION);
    expect(c.targetNamespace).toBe(ns);
    expect(c.tier).toBe(tier);
    expect(c.layer).toBe('02-engines');
  });

  it.skipIf(!upstreamForTests())('pins the versions SOURCES.md describes', () => {
    const rows = upstreamSources(upstreamForTests()!);
    expect(ENGINES.flatMap((c) => pinProblems(c, rows))).toEqual([]);
  });
});

const upstream = upstreamForTests();
describe.skipIf(!upstream)('values against the upstream charts', () => {
  it.each(ENGINES.map((c) => [c.componentName, c] as const))('%s: every key we set exists in the chart values.yaml', (_n, c) => {
    const defaults = upstreamValues(upstream!, c.upstreamValues!);
    expect(defaults, `no ${c.upstreamValues}.values.yaml under ${upstream}`).toBeDefined();
    const problems = unknownValueKeys(c.values, defaults, {
      freeFormPaths: c.valuesAllowances.freeForm,
    });
    expect(problems).toEqual([]);
  });

  it('free-form allowances are needed: without them the keys would be reported', () => {
    const defaults = upstreamValues(upstream!, 'argo-cd');
    const paths = unknownValueKeys(argocd.values, defaults).map((p) => p.path);
    expect(paths).toContain('configs.cm.resource.customizations.health.argoproj.io_Application');
    expect(paths).toContain('configs.params.server.insecure');
    const wf = unknownValueKeys(workflows.values, upstreamValues(upstream!, 'argo-workflows')).map((p) => p.path);
    expect(wf).toEqual(['controller.workflowDefaults.spec.podPriorityClassName', 'controller.workflowDefaults.spec.podGC.strategy', 'controller.workflowDefaults.spec.ttlStrategy.secondsAfterCompletion']);
  });
});

describe('pod-bearing parts', () => {
  it('declares every pod-bearing part of each chart', () => {
    expect(argocd.parts.map((p) => `${p.kind}/${p.name}`)).toEqual([
      'StatefulSet/application-controller',
      'Deployment/server',
      'Deployment/repo-server',
      'Deployment/applicationset-controller',
      'Deployment/redis',
      'Job/redis-secret-init',
    ]);
    expect(kyverno.parts.map((p) => `${p.kind}/${p.name}`)).toEqual([
      'Deployment/admission-controller',
      'Deployment/background-controller',
      'Deployment/cleanup-controller',
      'Deployment/reports-controller',
    ]);
    expect(workflows.parts.map((p) => `${p.kind}/${p.name}`)).toEqual(['Deployment/workflow-controller', 'Deployment/server']);
  });

  const parts = ENGINES.flatMap((c) => c.parts.map((p) => [`${c.componentName}/${p.name}`, c, p] as const));

  it.each(parts)('%s: tier priority class, tolerations and explicit resources land on its keys', (_n, c, p) => {
    const values = c.values;
    expect(p.tier).toBe(c.tier);
    if (p.keyPaths.priorityClassName) {
      expect(getPath(values, p.keyPaths.priorityClassName)).toBe(TIERS[c.tier].priorityClassName);
    } else {
      expect(p.note, 'a part without a priorityClassName key must say why').toMatch(/priorityClassName/);
    }
    expect(p.keyPaths.tolerations).not.toBeNull();
    expect(getPath(values, p.keyPaths.tolerations!)).toEqual(p.tolerations);
    expect(p.keyPaths.resources).not.toBeNull();
    for (const [path, spec] of [[p.keyPaths.resources!, p.resources], ...(p.extraContainers ?? []).map((x) => [x.resourcesKey, x.resources] as const)] as const) {
      const r = getPath(values, path) as { requests?: { cpu?: string; memory?: string }; limits?: { memory?: string } };
      expect(r, path.join('.')).toEqual(spec);
      expect(r.requests?.cpu).toMatch(/^\d+m$/);
      expect(r.requests?.memory).toMatch(/^\d+Mi$/);
      expect(r.limits?.memory).toMatch(/^\d+(Mi|Gi)$/);
    }
    if (p.keyPaths.replicas) expect(getPath(values, p.keyPaths.replicas)).toBe(p.replicas);
  });

  it('every engine part has a priorityClassName key: the Kyverno hook Jobs, which have none, are switched off', () => {
    const missing = parts.filter(([, , p]) => p.keyPaths.priorityClassName === null).map(([n]) => n);
    expect(missing).toEqual([]);
    // The chart renders kyverno-migrate-resources, kyverno-rm-webhooks and kyverno-scale-to-zero
    // unless these are off; none of them could carry the engines' tier.
    expect(getPath(kyverno.values, ['crds', 'migration', 'enabled'])).toBe(false);
    expect(getPath(kyverno.values, ['webhooksCleanup', 'enabled'])).toBe(false);
  });

  it('critical ArgoCD parts are lifeboats: they tolerate the control plane and prefer workers', () => {
    for (const p of argocd.parts) {
      expect(p.tolerations.length, p.name).toBeGreaterThan(0);
      expect(getPath(argocd.values, p.keyPaths.affinity!), p.name).toHaveProperty('nodeAffinity');
    }
    expect(getPath(argocd.values, ['global', 'priorityClassName'])).toBe(TIERS.critical.priorityClassName);
  });

  it('asks for ServiceMonitors where the charts offer them', () => {
    for (const k of ['controller', 'server', 'repoServer', 'applicationSet']) {
      expect(getPath(argocd.values, [k, 'metrics']), k).toEqual({ enabled: true, serviceMonitor: { enabled: true } });
    }
    for (const k of ['admissionController', 'backgroundController', 'cleanupController', 'reportsController']) {
      expect(getPath(kyverno.values, [k, 'serviceMonitor', 'enabled']), k).toBe(true);
    }
    expect(getPath(workflows.values, ['controller', 'metricsConfig', 'enabled'])).toBe(true);
    expect(getPath(workflows.values, ['controller', 'serviceMonitor', 'enabled'])).toBe(true);
  });
});

describe('argocd', () => {
  const cm = getPath(argocd.values, ['configs', 'cm']) as Record<string, unknown>;

  it('installs both health customisations exactly as health.ts defines them', () => {
    const health = healthCustomizationsCm();
    expect(Object.keys(health)).toHaveLength(2);
    for (const [key, script] of Object.entries(health)) expect(cm[key], key).toBe(script);
  });

  it('is owned by the root at an early wave, never pruned or cascade-deleted, applied server-side', () => {
    expect(argocd.delivery).toMatchObject({ kind: 'root' });
    const argocdWave = rootApplicationWave(argocd);
    expect(argocdWave).toBeGreaterThan(BASICS_WAVE);
    expect(argocdWave).toBeLessThan(layerWave('00-core'));
    expect(argocd.sync).toMatchObject({ prune: false, serverSideApply: true });

    const app = site.rootObjects.find((o) => o.kind === 'Application' && o.metadata.name === 'argocd') as any;
    expect(app, 'root-owned Application').toBeDefined();
    expect(app.metadata.annotations[ANNOTATIONS.syncWave]).toBe(String(argocdWave));
    expect(app.metadata.finalizers ?? []).not.toContain(RESOURCES_FINALIZER);
    expect(app.spec.syncPolicy.automated.prune).toBe(false);
    expect(app.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(app.spec.destination.namespace).toBe(ARGOCD_NAMESPACE);

    const engines = site.rootObjects.find((o) => o.kind === 'ApplicationSet' && o.metadata.name === 'edge-idp-engines') as any;
    const names = engines.spec.generators[0].list.elements.map((e: { name: string }) => e.name);
    expect(names).not.toContain('argocd');
    expect(names).toEqual(expect.arrayContaining(['kyverno', 'argo-workflows']));
  });

  it('bootstrap installs the same chart and values', () => {
    const env = [...site.files.entries()].find(([p]) => p.endsWith('bootstrap.env'))![1];
    // The chart the root Application then manages: bootstrap and ArgoCD must agree.
    const source = argocd.source as ChartSource;
    expect(env).toContain(`ARGOCD_CHART='${source.chart}'`);
    expect(env).toContain(`ARGOCD_VERSION='${source.version}'`);
    expect(env).toContain(`ARGOCD_VALUES='synth/edge-01/layers/02-engines/argocd/values.yaml'`);
  });

  it('tracks by annotation, defaults to read-only, keeps no admin password in git', () => {
    expect(cm['application.resourceTrackingMethod']).toBe('annotation');
    expect(getPath(argocd.values, ['configs', 'rbac', 'policy.default'])).toBe('role:readonly');
    expect(getPath(argocd.values, ['configs', 'secret'])).toEqual({ createSecret: true });
    expect(getPath(argocd.values, ['dex', 'enabled'])).toBe(false);
  });

  it('excludes the noisy kinds', () => {
    const exclusions = parse(cm['resource.exclusions'] as string) as { apiGroups: string[]; kinds: string[] }[];
    const excluded = (group: string, kind: string) => exclusions.some((e) => e.apiGroups.includes(group) && e.kinds.includes(kind));
    // Never a kind the platform itself ships: ArgoCD would stop tracking (and pruning) it.
    const shipped = [...all.rootObjects, ...[...all.resources.values()].flat()] as { apiVersion: string; kind: string }[];
    for (const o of shipped) {
      const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
      expect(excluded(group, o.kind), `${o.apiVersion} ${o.kind} is shipped in synth/ but excluded from ArgoCD`).toBe(false);
    }
    for (const [g, k] of [
      ['', 'Event'],
      ['events.k8s.io', 'Event'],
      ['discovery.k8s.io', 'EndpointSlice'],
      ['', 'Endpoints'],
      ['coordination.k8s.io', 'Lease'],
      ['cilium.io', 'CiliumIdentity'],
      ['cilium.io', 'CiliumEndpoint'],
      ['wgpolicyk8s.io', 'PolicyReport'],
      ['reports.kyverno.io', 'EphemeralReport'],
      ['cert-manager.io', 'CertificateRequest'],
      ['acme.cert-manager.io', 'Order'],
      ['acme.cert-manager.io', 'Challenge'],
    ]) {
      expect(excluded(g!, k!), `${g}/${k}`).toBe(true);
    }
  });

  it('serves plain HTTP behind the gateway, at argocd.<domain>', () => {
    expect(getPath(argocd.values, ['configs', 'params', 'server.insecure'])).toBe(true);
    expect(argocd.ui).toEqual([{ subdomain: 'argocd', service: ARGOCD_SERVER_SERVICE.name, port: 80, login: 'oidc' }]);
    expect(getPath(argocd.values, ['global', 'domain'])).toBe('argocd.edge.example.com');
  });

  it('runs notifications only when asked', async () => {
    expect(getPath(argocd.values, ['notifications', 'enabled'])).toBe(false);
    const on = await buildTestSite((cfg) => {
      cfg.components = { ...cfg.components, argocd: { notifications: true } };
    });
    const a = component('argocd', on);
    expect(getPath(a.values, ['notifications', 'enabled'])).toBe(true);
    expect(a.parts.map((p) => p.name)).toContain('notifications-controller');
    expect(getPath(a.values, ['notifications', 'priorityClassName'])).toBe(TIERS.critical.priorityClassName);
  });

  it('cannot be disabled', async () => {
    const raw = baseConfigObject();
    raw.components = { ...raw.components, argocd: { enabled: false } };
    const err = await configFrom(raw).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('components.argocd.enabled');
  });
});

/** Kubernetes label-selector semantics for matchExpressions (ANDed). */
function selects(expressions: readonly LabelSelectorRequirement[], labels: Record<string, string>): boolean {
  return expressions.every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && e.values!.includes(labels[e.key]!);
      case 'NotIn':
        return !has || !e.values!.includes(labels[e.key]!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
}

describe('kyverno webhooks cannot brick the cluster', () => {
  const config = getPath(kyverno.values, ['config']) as Record<string, any>;
  const expressions = config.webhooks.namespaceSelector.matchExpressions as LabelSelectorRequirement[];
  const ns = (name: string, tier?: TierName) => ({ 'kubernetes.io/metadata.name': name, ...(tier ? { [LABELS.tier]: tier } : {}) });

  it('forces every webhook failure policy to Ignore, with no per-controller override', () => {
    expect(getPath(kyverno.values, ['features', 'forceFailurePolicyIgnore', 'enabled'])).toBe(true);
    const override = getPath(kyverno.values, ['admissionController', 'featuresOverride', 'forceFailurePolicyIgnore']);
    expect(override === undefined || (override as { enabled?: boolean }).enabled === true).toBe(true);
  });

  it('generates no admission policies the API server would enforce outside the selector', () => {
    expect(getPath(kyverno.values, ['features', 'generateValidatingAdmissionPolicy', 'enabled'])).toBe(false);
    expect(getPath(kyverno.values, ['features', 'generateMutatingAdmissionPolicy', 'enabled'])).toBe(false);
    for (const k of ['admissionController', 'backgroundController', 'cleanupController', 'reportsController']) {
      expect(getPath(kyverno.values, [k, 'featuresOverride', 'generateValidatingAdmissionPolicy']), k).toBeUndefined();
    }
  });

  it('never calls Kyverno for kube-system, kyverno or argocd, labelled or not', () => {
    expect(config.excludeKyvernoNamespace).toBe(true);
    const byName = expressions.find((e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn');
    expect(byName?.values).toEqual(expect.arrayContaining(['kube-system', 'kyverno', 'argocd']));
    for (const name of ['kube-system', 'kyverno', 'argocd', 'kube-public', 'kube-node-lease']) {
      expect(selects(expressions, ns(name)), name).toBe(false);
      expect(selects(expressions, ns(name, 'important')), `${name} (labelled)`).toBe(false);
    }
  });

  it('never calls Kyverno for core or critical namespaces, by label and (when built earlier) by name', () => {
    expect(selects(expressions, ns('some-new-platform-ns', 'critical'))).toBe(false);
    expect(selects(expressions, ns('another', 'core'))).toBe(false);
    const k = component('kyverno', all);
    const ex = (getPath(k.values, ['config', 'webhooks', 'namespaceSelector', 'matchExpressions']) as LabelSelectorRequirement[])[0]!;
    const lifeboatNamespaces = all.components
      .filter((c) => c.componentName !== 'namespaces' && TIERS[c.tier].lifeboat && all.components.indexOf(c) < all.components.indexOf(k))
      .flatMap((c) => [c.targetNamespace, ...c.extraNamespaces]);
    expect(ex.values).toEqual(expect.arrayContaining(lifeboatNamespaces));
  });

  it('still applies policies to tenant and important namespaces', () => {
    expect(selects(expressions, ns('team-a', 'workloads'))).toBe(true);
    expect(selects(expressions, ns(ARGO_WORKFLOWS_NAMESPACE, 'important'))).toBe(true);
    expect(selects(expressions, ns('default'))).toBe(true);
  });

  it('the values carry the selector helper (names sorted, then the lifeboat tiers)', () => {
    expect(kyvernoWebhookNamespaceSelector(['x']).matchExpressions[0]!.values).toContain('x');
    expect(expressions).toEqual(kyvernoWebhookNamespaceSelector(expressions[0]!.values).matchExpressions);
    expect(expressions[1]).toEqual({ key: LABELS.tier, operator: 'NotIn', values: ['core', 'critical'] });
  });

  it('applies its large CRDs server-side and creates no policies itself', () => {
    expect(kyverno.sync.serverSideApply).toBe(true);
    const kinds = (site.resources.get('kyverno') ?? []).map((o) => o.kind);
    expect(kinds.filter((k) => /Policy$/.test(k))).toEqual([]);
  });

  it('rejects more admission replicas than nodes', async () => {
    await expect(
      buildTestSite((cfg) => {
        cfg.components = { ...cfg.components, kyverno: { admissionReplicas: 4 } };
      }),
    ).rejects.toThrow(/components\.kyverno\.admissionReplicas/);
  });
});

describe('argo-workflows', () => {
  it('gives workflow pods the workloads tier by default', () => {
    expect(getPath(workflows.values, ['controller', 'workflowDefaults', 'spec', 'podPriorityClassName'])).toBe(
      TIERS.workloads.priorityClassName,
    );
  });

  it('authenticates with the caller token by default, server mode on request', async () => {
    expect(getPath(workflows.values, ['server', 'authModes'])).toEqual(['client']);
    const lab = await buildTestSite((cfg) => {
      cfg.components = { ...cfg.components, 'argo-workflows': { authMode: 'server' } };
    });
    expect(getPath(component('argo-workflows', lab).values, ['server', 'authModes'])).toEqual(['server']);
    const raw = baseConfigObject();
    raw.components = { ...raw.components, 'argo-workflows': { authMode: 'sso' } };
    await expect(configFrom(raw)).rejects.toThrow(/components\.argo-workflows\.authMode/);
  });

  it('runs workflows only in its own namespace and renders its CRDs (no download Job)', () => {
    expect(getPath(workflows.values, ['controller', 'workflowNamespaces'])).toEqual([ARGO_WORKFLOWS_NAMESPACE]);
    expect(getPath(workflows.values, ['crds', 'full'])).toBe(false);
  });

  it('exposes the server UI over plain HTTP', () => {
    expect(getPath(workflows.values, ['server', 'secure'])).toBe(false);
    expect(workflows.ui).toEqual([{ subdomain: 'workflows', service: ARGO_WORKFLOWS_SERVER_SERVICE.name, port: 2746, login: 'oidc' }]);
  });
});

describe.each(['kyverno', 'argo-workflows'])('disabling %s', (name) => {
  it('removes the component, its Application element and its namespace', async () => {
    const off = await buildTestSite((cfg) => {
      cfg.components = { ...cfg.components, [name]: { enabled: false } };
    });
    const ns = component(name).targetNamespace;
    expect(off.components.map((c) => c.componentName)).not.toContain(name);
    const engines = off.rootObjects.find((o) => o.kind === 'ApplicationSet' && o.metadata.name === 'edge-idp-engines') as any;
    expect(engines.spec.generators[0].list.elements.map((e: { name: string }) => e.name)).not.toContain(name);
    expect(engines.metadata.annotations[ANNOTATIONS.expectedApplications]).toBe(String(engines.spec.generators[0].list.elements.length));
    const namespaces = (off.resources.get('namespaces') ?? []).filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    expect(namespaces).not.toContain(ns);
    const project = off.rootObjects.find((o) => o.kind === 'AppProject' && o.metadata.name === 'edge-idp-engines') as any;
    expect(project.spec.destinations.map((d: { namespace: string }) => d.namespace)).not.toContain(ns);
    expect([...off.files.keys()].filter((p) => p.includes(`/02-engines/${name}/`))).toEqual([]);
    // and it was there before
    expect([...site.files.keys()].some((p) => p.includes(`/02-engines/${name}/`))).toBe(true);
    expect((site.resources.get('namespaces') ?? []).map((o) => o.metadata.name)).toContain(ns);
  });
});

/**
 * Rendered check with real helm, offline: set EDGE_IDP_CHARTS_DIR to a directory holding the
 * unpacked charts (`helm pull <chart> --repo <repo> --version <v> --untar`).
 */
const chartsDir = process.env[CHARTS_DIR_ENV_VAR];
if (!chartsDir) console.warn(`[engines] rendered check skipped: set ${CHARTS_DIR_ENV_VAR} to a directory of unpacked charts to run it`);
describe.skipIf(!chartsDir)('rendered charts (helm template, offline)', () => {
  it.each(ENGINES.map((c) => [c.componentName, c] as const))('%s: every rendered pod carries its tier settings and resources', async (_n, c) => {
    const helm = await findHelm();
    for (const apiVersions of [[], ['monitoring.coreos.com/v1']]) {
      const objects = await renderChart({
        helm,
        chart: c.source as ChartSource,
        chartsDir: chartsDir!,
        releaseName: c.releaseName,
        namespace: c.targetNamespace,
        kubeVersion: '1.33.0',
        values: c.values,
        apiVersions,
      });
      const report = checkRendered(c, objects);
      // The Kyverno hook Jobs have no priorityClassName key: the only accepted misses.
      const misses = report.misses.filter((m) => !(m.rule === 'priorityClassName' && m.fixKey === null && c.componentName === 'kyverno'));
      expect(misses.map((m) => m.message)).toEqual([]);
      expect(report.unrenderedParts).toEqual([]);
      const secrets = objects.filter((o) => o.kind === 'Secret' && (o.data || o.stringData));
      expect(secrets.map((s) => s.metadata?.name)).toEqual([]);
      const monitors = objects.filter((o) => o.kind === 'ServiceMonitor').length;
      if (c.componentName !== 'kyverno' && apiVersions.length === 0) expect(monitors, 'no ServiceMonitor without the CRD').toBe(0);
      if (apiVersions.length) expect(monitors).toBeGreaterThan(0);
    }
  });
});
