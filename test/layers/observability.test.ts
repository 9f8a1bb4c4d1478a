/**
 * Layer 01 observability: the prometheus-operator CRD bundle, kube-prometheus-stack, Loki and
 * Fluent Bit. Model-level checks run always; checks against upstream chart data run when the
 * upstream folder is there (and say loudly when it is not); checks on real `helm template`
 * output run when helm and unpacked charts (`EDGE_IDP_CHARTS_DIR`) are there.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../platform/config/errors.js';
import { schemaDeclaresPath, unknownValueKeys, type FreeFormPath } from '../../platform/conformance/values-keys.js';
import { upstreamValues, upstreamValuesSchema } from '../../platform/conformance/upstream.js';
import { addFormats } from '../../platform/conformance/ajv-formats.js';
import type { PlatformComponent } from '../../platform/model/component.js';
import { ANNOTATIONS } from '../../platform/model/labels.js';
import { TOLERATE_EVERYTHING } from '../../platform/model/tiers.js';
import { getPath, mergeValues } from '../../platform/model/values.js';
import { layerWave, rootApplicationWave } from '../../platform/argocd/root.js';
import { CHARTS_DIR_ENV_VAR, checkRendered, renderChart, type K8sObject } from '../../platform/render/index.js';
import type { SiteBuild } from '../../platform/synth/build.js';
import type { Namespaces } from '../../layers/00-core/namespaces.js';
import { FLUENT_BIT_CHART } from '../../layers/01-services/fluent-bit.js';
import { LOKI_CHART, LOKI_FREE_FORM_PATHS } from '../../layers/01-services/loki.js';
import { PROMETHEUS_OPERATOR_CRDS } from '../../layers/01-services/prometheus-operator-crds.js';
import {
  PROMETHEUS_STACK_CHART,
  PROMETHEUS_STACK_EXTRA_KEYS,
  PROMETHEUS_STACK_FREE_FORM_PATHS,
  PROMETHEUS_STACK_FULLNAME,
} from '../../layers/01-services/prometheus-stack.js';
import { ALERTMANAGER_SERVICE, MONITORING_NAMESPACE, PROMETHEUS_SERVICE } from '../../layers/01-services/prometheus-stack.js';
import { LOGGING_NAMESPACE, LOKI_SERVICE } from '../../layers/01-services/loki.js';
import { buildTestSite, upstreamForTests } from '../helpers/site.js';
import { EXACT_VERSION, pinProblems, referenceChart, upstreamSources } from '../helpers/upstream-sources.js';
import { describeWithHelm } from '../render/helpers.js';

const HELM_COMPONENTS = ['prometheus-stack', 'loki', 'fluent-bit'] as const;
const site = await buildTestSite();
const upstream = upstreamForTests();

function component(build: SiteBuild, name: string): PlatformComponent {
  const c = build.components.find((x) => x.componentName === name);
  if (!c) throw new Error(`component '${name}' is not in the site`);
  return c;
}

function rootObject(build: SiteBuild, kind: string, name: string): Record<string, any> | undefined {
  return build.rootObjects.find((o) => o.kind === kind && o.metadata.name === name) as Record<string, any> | undefined;
}

function servicesElements(build: SiteBuild): Record<string, any>[] {
  return rootObject(build, 'ApplicationSet', 'edge-idp-services')!.spec.generators[0].list.elements;
}

function namespaceNames(build: SiteBuild): string[] {
  return (component(build, 'namespaces') as Namespaces).namespaces.map((n) => n.name);
}

function wave(o: Record<string, any> | undefined): number {
  return Number(o?.metadata?.annotations?.[ANNOTATIONS.syncWave]);
}

describe('the catalog entries', () => {
  it('builds all four in the default site', () => {
    for (const name of ['prometheus-operator-crds', ...HELM_COMPONENTS]) expect(component(site, name).layer).toBe('01-services');
  });
});

describe('sources are pinned', () => {
  it.each(HELM_COMPONENTS)('%s: a Helm chart at an exact version, the one its upstream reference data comes from', (name) => {
    const c = component(site, name);
    expect(c.source?.type).toBe('helm');
    expect(c.upstreamValues, 'names its upstream data').toBeDefined();
    if (!upstream) return;
    expect(upstreamValues(upstream, c.upstreamValues!), `${c.upstreamValues}.values.yaml under ${upstream}`).toBeDefined();
    expect(pinProblems(c, upstreamSources(upstream))).toEqual([]);
  });

  it('takes the CRDs from the operator repository at the operator version the chart runs', () => {
    const crds = component(site, 'prometheus-operator-crds');
    expect(crds.source).toMatchObject({
      type: 'git',
      repoURL: 'https://github.com/prometheus-operator/prometheus-operator.git',
      path: 'example/prometheus-operator-crd',
    });
    expect((crds.source as { targetRevision: string }).targetRevision).toMatch(EXACT_VERSION);
    if (upstream) {
      const chart = referenceChart(upstreamSources(upstream), component(site, 'prometheus-stack').upstreamValues!);
      expect(chart?.appVersion, 'SOURCES.md gives the operator version kube-prometheus-stack runs').toBeDefined();
      expect(crds.source).toMatchObject({ targetRevision: chart!.appVersion });
    }
    expect(component(site, 'prometheus-operator-crds').providesApiGroups).toEqual(['monitoring.coreos.com']);
  });
});

describe('CRDs before anything uses them', () => {
  const crds = component(site, 'prometheus-operator-crds');
  const app = rootObject(site, 'Application', 'prometheus-operator-crds');

  it('is a root-owned Application, server-side applied, never pruned or cascade-deleted', () => {
    expect(crds.delivery).toMatchObject({ kind: 'root' });
    expect(app).toBeDefined();
    expect(app!.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(app!.spec.syncPolicy.automated.prune).toBe(false);
    expect(app!.metadata.finalizers).toBeUndefined();
    expect(servicesElements(site).map((e) => e.name)).not.toContain('prometheus-operator-crds');
  });

  it("syncs before cert-manager's root wave, which is before the layer's ApplicationSet", () => {
    // cert-manager is root-delivered at the layer's default root wave; use its real wave when it is built.
    const certManager = site.components.find((c) => c.componentName === 'cert-manager');
    const certManagerWave = certManager?.delivery.kind === 'root' ? rootApplicationWave(certManager) : layerWave('01-services') - 5;
    const setWave = wave(rootObject(site, 'ApplicationSet', 'edge-idp-services'));
    expect(wave(app)).toBe(rootApplicationWave(crds));
    expect(wave(app)).toBeLessThan(certManagerWave);
    expect(certManagerWave).toBeLessThan(setWave);
    expect(setWave).toBe(layerWave('01-services'));
    // …and after layer 00 has converged.
    expect(wave(app)).toBeGreaterThan(wave(rootObject(site, 'ApplicationSet', 'edge-idp-core')));
  });

  it('lets layer 01 create CRDs and read the operator repository', () => {
    const project = rootObject(site, 'AppProject', 'edge-idp-services')!;
    expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' });
    expect(project.spec.sourceRepos).toContain(PROMETHEUS_OPERATOR_CRDS.repoURL);
  });

  it('has kube-prometheus-stack leave the CRDs alone', () => {
    expect(getPath(component(site, 'prometheus-stack').values, ['crds', 'enabled'])).toBe(false);
  });
});

describe('tier settings on every pod-bearing part', () => {
  const cases = HELM_COMPONENTS.flatMap((n) => component(site, n).parts.map((p) => [n, p.name, component(site, n), p] as const));

  it('declares the parts of each chart', () => {
    const names = Object.fromEntries(HELM_COMPONENTS.map((n) => [n, component(site, n).parts.map((p) => `${p.kind}/${p.name}`)]));
    expect(names).toEqual({
      'prometheus-stack': [
        'Deployment/operator',
        'Job/admission-create',
        'Job/admission-patch',
        'Prometheus/prometheus',
        'Alertmanager/alertmanager',
        'Deployment/kube-state-metrics',
        'DaemonSet/node-exporter',
      ],
      loki: ['StatefulSet/loki'],
      'fluent-bit': ['DaemonSet/fluent-bit'],
    });
  });

  it.each(cases)('%s/%s: priorityClassName, tolerations and resources land on its keys', (_c, _p, c, part) => {
    const { keyPaths } = part;
    expect(keyPaths.priorityClassName, 'every part must carry a priorityClassName key').not.toBeNull();
    expect(keyPaths.tolerations).not.toBeNull();
    expect(keyPaths.resources).not.toBeNull();
    const values = c.values;
    expect(getPath(values, keyPaths.priorityClassName!)).toBe(part.priorityClassName);
    expect(part.priorityClassName).toBe(`edge-idp-${c.tier}`);
    expect(getPath(values, keyPaths.tolerations!)).toEqual(part.tolerations);
    const res = getPath(values, keyPaths.resources!) as Record<string, any>;
    expect(res.requests.cpu).toMatch(/^\d+m?$/);
    expect(res.requests.memory).toMatch(/^\d+(Mi|Gi)$/);
    expect(res.limits.memory).toMatch(/^\d+(Mi|Gi)$/);
    for (const extra of part.extraContainers ?? []) expect(getPath(values, extra.resourcesKey), extra.name).toEqual(extra.resources);
    if (keyPaths.replicas) expect(getPath(values, keyPaths.replicas)).toBe(part.replicas);
    if (keyPaths.affinity) {
      expect(getPath(values, [...keyPaths.affinity, 'nodeAffinity'])).toBeDefined();
    }
  });

  it('puts kube-prometheus-stack in critical (lifeboat) and the log pipeline in important', () => {
    expect(HELM_COMPONENTS.map((n) => [n, component(site, n).tier])).toEqual([
      ['prometheus-stack', 'critical'],
      ['loki', 'important'],
      ['fluent-bit', 'important'],
    ]);
    const prometheus = component(site, 'prometheus-stack').parts.find((p) => p.name === 'prometheus')!;
    expect(prometheus.tolerations).toEqual([{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  it('lets node-exporter and Fluent Bit tolerate every taint, including the control plane', () => {
    const nodeExporter = component(site, 'prometheus-stack').parts.find((p) => p.name === 'node-exporter')!;
    const fluentBit = component(site, 'fluent-bit').parts.find((p) => p.name === 'fluent-bit')!;
    for (const [c, part] of [
      [component(site, 'prometheus-stack'), nodeExporter],
      [component(site, 'fluent-bit'), fluentBit],
    ] as const) {
      expect(part.kind).toBe('DaemonSet');
      expect(part.nodeAgent).toBe(true);
      expect(part.tolerations).toEqual(TOLERATE_EVERYTHING);
      expect(getPath(c.values, part.keyPaths.tolerations!)).toEqual([{ operator: 'Exists' }]);
    }
  });

  it('sizes the config-reloader sidecar and its init twin of both operator-managed pods', () => {
    const stack = component(site, 'prometheus-stack');
    for (const name of ['prometheus', 'alertmanager']) {
      const part = stack.parts.find((p) => p.name === name)!;
      expect(part.extraContainers?.map((e) => [e.name, e.init ?? false])).toEqual([
        ['config-reloader', false],
        ['init-config-reloader', true],
      ]);
    }
  });

  it('gives the namespaces the Pod Security level their node agents need', () => {
    const ns = (component(site, 'namespaces') as Namespaces).namespaces;
    expect(ns.find((n) => n.name === MONITORING_NAMESPACE)).toMatchObject({ tier: 'critical', podSecurity: 'privileged' });
    expect(ns.find((n) => n.name === LOGGING_NAMESPACE)).toMatchObject({
      tier: 'important',
      podSecurity: 'privileged',
      components: ['fluent-bit', 'loki'],
    });
  });
});

describe('kube-prometheus-stack values', () => {
  const stack = component(site, 'prometheus-stack');
  const v = stack.values;

  it('names its Services as its component file says', () => {
    expect(v.fullnameOverride).toBe(PROMETHEUS_STACK_FULLNAME);
    expect(PROMETHEUS_SERVICE).toMatchObject({ name: `${PROMETHEUS_STACK_FULLNAME}-prometheus`, namespace: MONITORING_NAMESPACE, port: 9090 });
    expect(ALERTMANAGER_SERVICE).toMatchObject({ name: `${PROMETHEUS_STACK_FULLNAME}-alertmanager`, namespace: MONITORING_NAMESPACE, port: 9093 });
    expect(stack.targetNamespace).toBe(MONITORING_NAMESPACE);
  });

  it('runs no Grafana of its own and no k3s-absent scrape jobs', () => {
    expect(getPath(v, ['grafana', 'enabled'])).toBe(false);
    for (const job of ['kubeEtcd', 'kubeScheduler', 'kubeControllerManager', 'kubeProxy']) expect(getPath(v, [job, 'enabled']), job).toBe(false);
  });

  it('selects monitors and rules from every namespace', () => {
    const spec = getPath(v, ['prometheus', 'prometheusSpec']) as Record<string, unknown>;
    for (const k of ['rule', 'serviceMonitor', 'podMonitor', 'probe', 'scrapeConfig']) expect(spec[`${k}SelectorNilUsesHelmValues`], k).toBe(false);
  });

  it('keeps an edge-sized retention on a local-path volume', () => {
    const spec = getPath(v, ['prometheus', 'prometheusSpec']) as Record<string, any>;
    expect(spec.retention).toBe('7d');
    expect(spec.retentionSize).toBe('8192MB');
    expect(spec.storageSpec.volumeClaimTemplate.spec).toEqual({
      storageClassName: 'local-path',
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '10Gi' } },
    });
  });

  it('allow-lists the cluster-scoped kinds the chart creates, and ignores the webhook CA bundle', () => {
    const project = rootObject(site, 'AppProject', 'edge-idp-services')!;
    for (const kind of ['ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      expect(project.spec.clusterResourceWhitelist.map((gk: { kind: string }) => gk.kind)).toContain(kind);
    }
    const element = servicesElements(site).find((e) => e.name === 'prometheus-stack')!;
    expect(element.ignoreDifferences.map((d: { kind: string }) => d.kind)).toEqual(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
    expect(element.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  it('declares Prometheus and Alertmanager as UIs without a login (Alertmanager admins only): not routed unless public or behind the SSO proxy', async () => {
    expect(stack.ui).toEqual([
      { subdomain: 'prometheus', service: PROMETHEUS_SERVICE.name, port: PROMETHEUS_SERVICE.port, login: 'none' },
      { subdomain: 'alertmanager', service: ALERTMANAGER_SERVICE.name, port: ALERTMANAGER_SERVICE.port, login: 'none', adminOnly: true },
    ]);
    const routed = (b: typeof site) => b.components.flatMap((c) => c.uiExposures).filter((e) => e.access).map((e) => e.name);
    expect(routed(site)).not.toContain('prometheus');
    const exposed = await buildTestSite((cfg) => {
      cfg.publicUis = ['prometheus'];
    });
    expect(routed(exposed)).toContain('prometheus');
    expect(routed(exposed)).not.toContain('alertmanager');
  });

  it('takes retention and volume settings from the config, with retentionSize following the volume', async () => {
    const custom = await buildTestSite((cfg) => {
      cfg.components['prometheus-stack'] = { retention: '15d', volumeSize: '20Gi', storageClass: 'fast' };
    });
    const spec = getPath(component(custom, 'prometheus-stack').values, ['prometheus', 'prometheusSpec']) as Record<string, any>;
    expect(spec.retention).toBe('15d');
    expect(spec.retentionSize).toBe('16384MB');
    expect(spec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe('fast');
    expect(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage).toBe('20Gi');
    const explicit = await buildTestSite((cfg) => {
      cfg.components['prometheus-stack'] = { retentionSize: '5GB' };
    });
    expect(getPath(component(explicit, 'prometheus-stack').values, ['prometheus', 'prometheusSpec', 'retentionSize'])).toBe('5GB');
  });

  it('rejects a malformed retention, naming the field', async () => {
    await expect(
      buildTestSite((cfg) => {
        cfg.components['prometheus-stack'] = { retention: 'a week' };
      }),
    ).rejects.toThrow(/components\.prometheus-stack\.retention/);
  });
});

describe('Loki values', () => {
  const loki = component(site, 'loki');
  const v = loki.values as Record<string, any>;

  it('runs one single binary with every scalable target at zero', () => {
    expect(v.deploymentMode).toBe('Monolithic');
    expect(v.singleBinary.replicas).toBe(1);
    for (const target of ['read', 'write', 'backend']) expect(v[target].replicas, target).toBe(0);
  });

  it('stores chunks and a tsdb/v13 index on the filesystem, unreplicated, single-tenant', () => {
    expect(v.loki.storage.type).toBe('filesystem');
    expect(v.loki.commonConfig.replication_factor).toBe(1);
    expect(v.loki.auth_enabled).toBe(false);
    expect(v.loki.schemaConfig.configs).toEqual([
      { from: '2024-04-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } },
    ]);
  });

  it('turns off everything the single binary does not need', () => {
    for (const off of ['gateway', 'chunksCache', 'resultsCache', 'lokiCanary', 'test', 'minio']) expect(v[off].enabled, off).toBe(false);
    expect(v.sidecar.rules.enabled).toBe(false);
  });

  it('enforces retention on an edge-sized volume, with defaults and settings', async () => {
    expect(v.loki.limits_config.retention_period).toBe('168h');
    expect(v.loki.compactor).toEqual({ retention_enabled: true, delete_request_store: 'filesystem' });
    expect(v.singleBinary.persistence).toEqual({ enabled: true, size: '10Gi', storageClass: 'local-path' });
    const custom = await buildTestSite((cfg) => {
      cfg.components.loki = { retention: '14d', volumeSize: '25Gi' };
    });
    const cv = component(custom, 'loki').values as Record<string, any>;
    expect(cv.loki.limits_config.retention_period).toBe('14d');
    expect(cv.singleBinary.persistence.size).toBe('25Gi');
  });

  it('is the Service its component file names, with a ServiceMonitor', () => {
    // With no fullnameOverride the chart names its Service after the release.
    expect(loki.releaseName).toBe(LOKI_SERVICE.name);
    expect(v.fullnameOverride).toBeUndefined();
    expect(loki.targetNamespace).toBe(LOKI_SERVICE.namespace);
    expect(LOKI_SERVICE.port).toBe(3100);
    expect(v.monitoring.serviceMonitor.enabled).toBe(true);
  });
});

describe('Fluent Bit values', () => {
  const fb = component(site, 'fluent-bit');
  const v = fb.values as Record<string, any>;

  it('ships container and node logs to the Loki Service with Kubernetes metadata', () => {
    expect(v.kind).toBe('DaemonSet');
    expect(v.config.filters).toMatch(/Name\s+kubernetes/);
    const outputs = (v.config.outputs as string).split('[OUTPUT]').slice(1);
    expect(outputs).toHaveLength(2);
    for (const o of outputs) {
      expect(o).toMatch(/Name\s+loki\n/);
      expect(o).toContain(`Host        ${LOKI_SERVICE.name}.${LOKI_SERVICE.namespace}.svc\n`);
      expect(o).toContain(`Port        ${LOKI_SERVICE.port}\n`);
    }
    expect(outputs[0]).toContain("namespace=$kubernetes['namespace_name']");
  });

  it('reads /var/log from the node and has a ServiceMonitor', () => {
    expect(v.daemonSetVolumes).toContainEqual({ name: 'varlog', hostPath: { path: '/var/log' } });
    expect(fb.podSecurity).toBe('privileged');
    expect(v.serviceMonitor.enabled).toBe(true);
    expect(v.testFramework.enabled).toBe(false);
  });
});

describe('toggles', () => {
  it('removes Fluent Bit and its Application but keeps logging for Loki', async () => {
    const b = await buildTestSite((cfg) => {
      cfg.components['fluent-bit'] = { enabled: false };
    });
    expect(b.components.map((c) => c.componentName)).not.toContain('fluent-bit');
    expect(servicesElements(b).map((e) => e.name)).not.toContain('fluent-bit');
    expect(servicesElements(b).map((e) => e.name)).toContain('loki');
    expect(namespaceNames(b)).toContain(LOGGING_NAMESPACE);
    expect([...b.files.keys()].some((f) => f.includes('/fluent-bit/'))).toBe(false);
  });

  it('removes the logging namespace once Loki and Fluent Bit are both off', async () => {
    const b = await buildTestSite((cfg) => {
      cfg.components['fluent-bit'] = { enabled: false };
      cfg.components.loki = { enabled: false };
    });
    expect(servicesElements(b).map((e) => e.name)).not.toContain('loki');
    expect(namespaceNames(b)).not.toContain(LOGGING_NAMESPACE);
    expect(rootObject(b, 'AppProject', 'edge-idp-services')!.spec.destinations.map((d: { namespace: string }) => d.namespace)).not.toContain(
      LOGGING_NAMESPACE,
    );
  });

  it('removes kube-prometheus-stack, its Application and monitoring, keeping the CRDs', async () => {
    const b = await buildTestSite((cfg) => {
      cfg.components['prometheus-stack'] = { enabled: false };
    });
    expect(b.components.map((c) => c.componentName)).not.toContain('prometheus-stack');
    expect(servicesElements(b).map((e) => e.name)).not.toContain('prometheus-stack');
    expect(namespaceNames(b)).not.toContain(MONITORING_NAMESPACE);
    expect(rootObject(b, 'Application', 'prometheus-operator-crds')).toBeDefined();
  });

  it('removes the CRD Application with the stack, and the ServiceMonitors that would need it', async () => {
    const b = await buildTestSite((cfg) => {
      cfg.components['prometheus-stack'] = { enabled: false };
      cfg.components['prometheus-operator-crds'] = { enabled: false };
    });
    expect(rootObject(b, 'Application', 'prometheus-operator-crds')).toBeUndefined();
    expect(getPath(component(b, 'loki').values, ['monitoring', 'serviceMonitor', 'enabled'])).toBe(false);
    expect(getPath(component(b, 'fluent-bit').values, ['serviceMonitor', 'enabled'])).toBe(false);
  });

  it('refuses the stack without its CRDs, and Fluent Bit without Loki, naming the field', async () => {
    const noCrds = buildTestSite((cfg) => {
      cfg.components['prometheus-operator-crds'] = { enabled: false };
    });
    await expect(noCrds).rejects.toBeInstanceOf(ConfigError);
    await expect(noCrds).rejects.toThrow(
      /components\.prometheus-stack\.enabled: true needs components\.prometheus-operator-crds\.enabled \(.*\); enable prometheus-operator-crds or set components\.prometheus-stack\.enabled: false/,
    );
    await expect(
      buildTestSite((cfg) => {
        cfg.components.loki = { enabled: false };
      }),
    ).rejects.toThrow(/components\.fluent-bit\.enabled: true needs components\.loki\.enabled \(Fluent Bit ships every log to Loki\)/);
  });
});

/** The exact extra keys a component may set beyond values.yaml and its schema. */
function extraKeysFor(name: string): { freeFormPaths: readonly FreeFormPath[]; extraKeys: readonly FreeFormPath[] } {
  if (name === 'prometheus-stack') return { freeFormPaths: PROMETHEUS_STACK_FREE_FORM_PATHS, extraKeys: PROMETHEUS_STACK_EXTRA_KEYS };
  if (name === 'loki') return { freeFormPaths: LOKI_FREE_FORM_PATHS, extraKeys: [] };
  return { freeFormPaths: [], extraKeys: [] };
}

/** An extra key covers its own leaf and, for maps it holds (resources), the leaves under it. */
const covers = (key: readonly string[], leaf: readonly string[]) => key.length <= leaf.length && key.every((x, i) => x === leaf[i]);

describe.skipIf(!upstream)('values against the upstream charts', () => {
  it.each(HELM_COMPONENTS)('%s: every key we set exists in the chart (or is an explained exception)', (name) => {
    const c = component(site, name);
    const defaults = upstreamValues(upstream!, c.upstreamValues!);
    expect(defaults, `no ${c.upstreamValues}.values.yaml in ${upstream}`).toBeDefined();
    const schema = upstreamValuesSchema(upstream!, c.upstreamValues!);
    const { freeFormPaths, extraKeys } = extraKeysFor(name);
    const problems = unknownValueKeys(c.values, defaults, {
      freeFormPaths,
      schemaDeclares: (p) => schemaDeclaresPath(schema, p) || extraKeys.some((k) => covers(k.path, p)),
    });
    expect(problems).toEqual([]);
  });

  it.each(HELM_COMPONENTS)('%s: every listed exception is still needed', (name) => {
    const c = component(site, name);
    const defaults = upstreamValues(upstream!, c.upstreamValues!);
    const { freeFormPaths, extraKeys } = extraKeysFor(name);
    for (const e of [...freeFormPaths, ...extraKeys]) {
      expect(getPath(c.values, e.path), `${e.path.join('.')} is listed but not set`).toBeDefined();
      expect(e.why.length).toBeGreaterThan(10);
    }
    // An extra key must really be missing from values.yaml (else it is no exception).
    for (const e of extraKeys) expect(getPath(defaults, e.path), e.path.join('.')).toBeUndefined();
  });

  it('kube-prometheus-stack: the chart really has the subchart blocks and the commented keys we rely on', () => {
    const defaults = upstreamValues(upstream!, 'kube-prometheus-stack')!;
    expect(getPath(defaults, ['kube-state-metrics'])).toBeDefined();
    expect(getPath(defaults, ['prometheus-node-exporter'])).toBeDefined();
    expect(getPath(defaults, ['crds', 'enabled'])).toBe(true); // the default we turn off
  });

  it('loki: values pass the chart values.schema.json', () => {
    const schema = upstreamValuesSchema(upstream!, 'loki');
    expect(schema).toBeDefined();
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const { $schema: _s, ...rest } = schema!;
    const validate = ajv.compile(rest);
    const merged = mergeValues(upstreamValues(upstream!, 'loki')!, component(site, 'loki').values);
    expect(validate(merged) ? [] : validate.errors).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Real helm on unpacked charts: the keys reach the pods, and the Service names are right.

const chartsDir = process.env[CHARTS_DIR_ENV_VAR];
const CHARTS = [PROMETHEUS_STACK_CHART, LOKI_CHART, FLUENT_BIT_CHART];
const haveCharts =
  !!chartsDir && CHARTS.every((c) => existsSync(join(chartsDir, `${c.chart}-${c.version}`)) || existsSync(join(chartsDir, c.chart)));
if (!haveCharts) {
  console.warn(
    `[observability] rendered checks skipped: set ${CHARTS_DIR_ENV_VAR} to a directory with ${CHARTS.map((c) => `${c.chart}-${c.version}/`).join(', ')} ` +
      '(helm pull --untar, subcharts included) to run them',
  );
}

async function render(helm: Parameters<typeof renderChart>[0]['helm'], c: PlatformComponent): Promise<K8sObject[]> {
  if (c.source?.type !== 'helm') throw new Error(`${c.componentName} is not a Helm component`);
  return renderChart({
    helm,
    chart: c.source,
    chartsDir: chartsDir!,
    releaseName: c.releaseName,
    namespace: c.targetNamespace,
    kubeVersion: '1.33.0',
    values: c.values,
    apiVersions: ['monitoring.coreos.com/v1'],
  });
}

const named = (objs: readonly K8sObject[], kind: string) => objs.filter((o) => o.kind === kind).map((o) => o.metadata?.name);

function renderedSuite(helm: Parameters<typeof renderChart>[0]['helm']): void {
  it.each(HELM_COMPONENTS)('%s: every pod template is a declared, compliant part', async (name) => {
    const c = component(site, name);
    const report = checkRendered(c, await render(helm, c));
    expect(report.misses).toEqual([]);
    expect(report.unrenderedParts).toEqual([]);
  });

  it('kube-prometheus-stack: Services as named, no CRDs, no k3s-absent jobs', async () => {
    const objs = await render(helm, component(site, 'prometheus-stack'));
    expect(named(objs, 'Service')).toEqual(expect.arrayContaining([PROMETHEUS_SERVICE.name, ALERTMANAGER_SERVICE.name]));
    expect(named(objs, 'CustomResourceDefinition')).toEqual([]);
    const monitors = named(objs, 'ServiceMonitor').join(' ');
    expect(monitors).not.toMatch(/etcd|scheduler|controller-manager|kube-proxy/);
    expect(objs.filter((o) => o.metadata?.namespace && o.metadata.namespace !== MONITORING_NAMESPACE)).toEqual([]);
  });

  it('loki: the push/query Service is LOKI_SERVICE, and only the single binary runs', async () => {
    const objs = await render(helm, component(site, 'loki'));
    const svc = objs.find((o) => o.kind === 'Service' && o.metadata?.name === LOKI_SERVICE.name) as Record<string, any> | undefined;
    expect(svc?.spec.ports.map((p: { port: number }) => p.port)).toContain(LOKI_SERVICE.port);
    expect(objs.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind)).map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'StatefulSet/loki',
    ]);
  });
}

if (haveCharts) describeWithHelm('rendered charts (real helm, offline charts)', renderedSuite);
else {
  describe.skip(`rendered charts [skipped: set ${CHARTS_DIR_ENV_VAR}]`, () => {
    it('needs unpacked charts', () => undefined);
  });
}
