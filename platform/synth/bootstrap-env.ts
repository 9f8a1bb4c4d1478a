/**
 * `synth/<site>/bootstrap/bootstrap.env`: the facts bootstrap.sh needs before ArgoCD exists,
 * as shell-sourceable `KEY='value'` lines, taken from the same component declarations ArgoCD
 * uses (so bootstrap installs exactly what ArgoCD will adopt).
 */
import type { PlatformConfig } from '../config/schema.js';
import type { PlatformComponent } from '../model/component.js';
import { CONTROL_PLANE_TAINT, TIER_LIST } from '../model/tiers.js';
import { isSystemNamespace } from '../model/namespaces.js';
import { platformApiVersions } from '../argocd/capabilities.js';
import { LAYERS } from '../model/layers.js';
import { ARGOCD_FIELD_MANAGER, ARGOCD_NAMESPACE, ROOT_NAME, TENANT_APPS_APPLICATIONSET } from '../argocd/constants.js';
import { projectName } from '../argocd/applications.js';
import { bootstrapDir, resourcesDir, rootDir, valuesFile } from './paths.js';
import { GENERATED_HEADER, objectFileBase } from './files.js';

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Chart facts of a Helm component, as bootstrap variables with the given prefix. */
function chartVars(prefix: string, c: PlatformComponent | undefined, site: string): [string, string][] {
  if (!c || c.source?.type !== 'helm') return [];
  return [
    [`${prefix}_CHART_REPO`, c.source.repoURL],
    [`${prefix}_CHART`, c.source.chart],
    [`${prefix}_VERSION`, c.source.version],
    [`${prefix}_RELEASE`, c.releaseName],
    [`${prefix}_NAMESPACE`, c.targetNamespace],
    [`${prefix}_VALUES`, valuesFile(site, c.layer, c.componentName)],
  ];
}

/**
 * The Namespace manifests (written by the namespaces component) of every namespace the charts
 * bootstrap installs render into, system namespaces aside: a chart renders Roles into its
 * secrets namespace (Cilium's `cilium-secrets`) whatever its `create` flag says, and each
 * namespace's own labels (tier, Pod Security) hold from its first pod on.
 */
function bootstrapNamespaceFiles(site: string, charts: readonly (PlatformComponent | undefined)[]): string[] {
  const names = charts.flatMap((c) => (c ? [c.targetNamespace, ...c.extraNamespaces] : []));
  return [...new Set(names)]
    .filter((ns) => !isSystemNamespace(ns))
    .map((ns) => `${resourcesDir(site, '00-core', 'namespaces')}/${objectFileBase('Namespace', ns)}.yaml`);
}

/** The resolved version of a source: a chart's version, a git source's tag (after any override). */
function sourceVersion(c: PlatformComponent): string | undefined {
  if (!c.source) return undefined;
  return c.source.type === 'helm' ? c.source.version : c.source.targetRevision;
}

/**
 * The one manifest bootstrap applies for the component whose declaration publishes
 * {@link PlatformComponent.bootstrap} facts (the Gateway API CRDs), at the version its source
 * resolves to, so a `components.<name>.version` override reaches bootstrap as it reaches ArgoCD.
 */
export function bootstrapManifest(c: PlatformComponent): { url: string; version: string; versionAnnotation: string } {
  const facts = c.bootstrap;
  const version = sourceVersion(c);
  if (!facts || !version) throw new Error(`component '${c.componentName}': bootstrap needs its bootstrap facts and a versioned source`);
  if (!facts.manifestUrl.includes('{version}')) {
    throw new Error(`component '${c.componentName}': bootstrap.manifestUrl '${facts.manifestUrl}' has no {version}: it would not follow a version override`);
  }
  return { url: facts.manifestUrl.replaceAll('{version}', version), version, versionAnnotation: facts.versionAnnotation };
}

/** What bootstrap waits for after installing Cilium and ArgoCD: each component's `bootstrapRollout`. */
function workloadVars(cilium: PlatformComponent | undefined, argocd: PlatformComponent | undefined): [string, string][] {
  const vars: [string, string][] = [];
  const c = cilium?.bootstrapRollout;
  if (c) vars.push(['CILIUM_WORKLOADS', c.workloads.join(' ')], ['CILIUM_IMAGE_TAG', c.imageTag ?? '']);
  const a = argocd?.bootstrapRollout;
  if (a) {
    vars.push(
      ['ARGOCD_WORKLOAD_SELECTOR', a.workloadSelector ?? ''],
      ['ARGOCD_CORE_WORKLOADS', a.workloads.join(' ')],
      ['ARGOCD_CRDS', (a.crds ?? []).join(' ')],
    );
  }
  return vars;
}

export function bootstrapEnv(config: PlatformConfig, components: readonly PlatformComponent[]): { path: string; content: string } {
  const site = config.site.name;
  const byName = (n: string) => components.find((c) => c.componentName === n);
  const bootstrapCharts = [byName('cilium'), byName('argocd')];
  // The UIs the gateway routes (a UI without a login and without the SSO proxy is not routed).
  const urls = components.flatMap((c) => c.uiExposures).filter((e) => e.access !== undefined).map((e) => e.url).sort();
  const gateway = byName('gateway-api');
  if (!gateway) throw new Error('bootstrap.env: the gateway-api component is missing (it is required)');
  const gw = bootstrapManifest(gateway);
  const vars: [string, string][] = [
    ['EDGE_IDP_SITE', site],
    ['KUBERNETES_VERSION', config.cluster.kubernetesVersion],
    ['NODES', config.nodes.map((n) => `${n.name}:${n.role}`).join(' ')],
    ['CONTROL_PLANE_TAINT', `${CONTROL_PLANE_TAINT.key}:${CONTROL_PLANE_TAINT.effect}`],
    // What bootstrap's preflight requires of the encryption of Secrets at rest.
    ['SECRETS_ENCRYPTION', config.cluster.secretsEncryption],
    // The repository ArgoCD reads synth/ from: bootstrap checks it answers before installing.
    ['GIT_REPO_URL', config.git.repoURL],
    ['GIT_REVISION', config.git.revision],
    // From the gateway-api component's resolved source: a version override reaches bootstrap too.
    ['GATEWAY_API_CRDS_URL', gw.url],
    ['GATEWAY_API_VERSION', gw.version],
    ['GATEWAY_API_VERSION_ANNOTATION', gw.versionAnnotation],
    // Every pod bootstrap starts names one of these: they exist before the first chart is applied.
    ['PRIORITY_CLASSES', TIER_LIST.map((t) => `${rootDir(site)}/${objectFileBase('PriorityClass', t.priorityClassName)}.yaml`).join(' ')],
    ['BOOTSTRAP_NAMESPACES', bootstrapNamespaceFiles(site, bootstrapCharts).join(' ')],
    // What ArgoCD's renders will see once the platform runs: bootstrap renders with the same.
    ['HELM_API_VERSIONS', platformApiVersions(components).join(' ')],
    ...chartVars('CILIUM', byName('cilium'), site),
    ...chartVars('ARGOCD', byName('argocd'), site),
    ...workloadVars(byName('cilium'), byName('argocd')),
    ['ARGOCD_NAMESPACE', ARGOCD_NAMESPACE],
    ['ARGOCD_FIELD_MANAGER', ARGOCD_FIELD_MANAGER],
    ['ARGOCD_ADMIN_SECRET', 'argocd-initial-admin-secret'],
    ['ROOT_PROJECT', `${rootDir(site)}/${objectFileBase('AppProject', ROOT_NAME)}.yaml`],
    ['ROOT_APPLICATION', `${rootDir(site)}/${objectFileBase('Application', ROOT_NAME)}.yaml`],
    ['ROOT_APPLICATION_NAME', ROOT_NAME],
    // The layers in order, then the teams' apps when the site has any (the root creates that set last).
    ['APPLICATIONSETS', [...LAYERS.map((l) => projectName(l.id)), ...(components.some((c) => c.tenantApps.length) ? [TENANT_APPS_APPLICATIONSET] : [])].join(' ')],
    ['URLS', urls.join(' ')],
  ];
  // ARGOCD_NAMESPACE may come twice (from the chart and the constant): keep the first.
  const seen = new Set<string>();
  const lines = vars.filter(([k]) => (seen.has(k) ? false : (seen.add(k), true))).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return { path: `${bootstrapDir(site)}/bootstrap.env`, content: `# ${GENERATED_HEADER}\n${lines.join('\n')}\n` };
}
