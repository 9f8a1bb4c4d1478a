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
import { ARGOCD_FIELD_MANAGER, ARGOCD_NAMESPACE, ROOT_NAME } from '../argocd/constants.js';
import { projectName } from '../argocd/applications.js';
import { GATEWAY_API_INSTALL_URL, GATEWAY_API_VERSION } from '../../layers/00-core/gateway-api.js';
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

export function bootstrapEnv(config: PlatformConfig, components: readonly PlatformComponent[]): { path: string; content: string } {
  const site = config.site.name;
  const byName = (n: string) => components.find((c) => c.componentName === n);
  const bootstrapCharts = [byName('cilium'), byName('argocd')];
  const urls = components.flatMap((c) => c.uiUrls).sort();
  const vars: [string, string][] = [
    ['EDGE_IDP_SITE', site],
    ['KUBERNETES_VERSION', config.cluster.kubernetesVersion],
    ['NODES', config.nodes.map((n) => `${n.name}:${n.role}`).join(' ')],
    ['CONTROL_PLANE_TAINT', `${CONTROL_PLANE_TAINT.key}:${CONTROL_PLANE_TAINT.effect}`],
    // The repository ArgoCD reads synth/ from: bootstrap checks it answers before installing.
    ['GIT_REPO_URL', config.git.repoURL],
    ['GIT_REVISION', config.git.revision],
    ['GATEWAY_API_CRDS_URL', GATEWAY_API_INSTALL_URL],
    ['GATEWAY_API_VERSION', GATEWAY_API_VERSION],
    // Every pod bootstrap starts names one of these: they exist before the first chart is applied.
    ['PRIORITY_CLASSES', TIER_LIST.map((t) => `${rootDir(site)}/${objectFileBase('PriorityClass', t.priorityClassName)}.yaml`).join(' ')],
    ['BOOTSTRAP_NAMESPACES', bootstrapNamespaceFiles(site, bootstrapCharts).join(' ')],
    // What ArgoCD's renders will see once the platform runs: bootstrap renders with the same.
    ['HELM_API_VERSIONS', platformApiVersions(components).join(' ')],
    ...chartVars('CILIUM', byName('cilium'), site),
    ...chartVars('ARGOCD', byName('argocd'), site),
    ['ARGOCD_NAMESPACE', ARGOCD_NAMESPACE],
    ['ARGOCD_FIELD_MANAGER', ARGOCD_FIELD_MANAGER],
    ['ARGOCD_ADMIN_SECRET', 'argocd-initial-admin-secret'],
    ['ROOT_PROJECT', `${rootDir(site)}/${objectFileBase('AppProject', ROOT_NAME)}.yaml`],
    ['ROOT_APPLICATION', `${rootDir(site)}/${objectFileBase('Application', ROOT_NAME)}.yaml`],
    ['ROOT_APPLICATION_NAME', ROOT_NAME],
    ['APPLICATIONSETS', LAYERS.map((l) => projectName(l.id)).join(' ')],
    ['URLS', urls.join(' ')],
  ];
  // ARGOCD_NAMESPACE may come twice (from the chart and the constant): keep the first.
  const seen = new Set<string>();
  const lines = vars.filter(([k]) => (seen.has(k) ? false : (seen.add(k), true))).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return { path: `${bootstrapDir(site)}/bootstrap.env`, content: `# ${GENERATED_HEADER}\n${lines.join('\n')}\n` };
}
