/**
 * Builds one site in memory: every component, the root, and the text of every file under
 * `synth/<site>/`. Nothing is written here (see `write.ts`), so a failure leaves synth/ as it was.
 */
import { App } from 'cdk8s';
import type { PlatformConfig } from '../config/schema.js';
import type { ComponentDefinition } from '../model/definition.js';
import type { SiteTenant } from '../model/tenants.js';
import { healthCustomizationsCm } from '../argocd/health.js';
import { describeDelivery, isCrossNamespaceRoute, RootChart } from '../argocd/root.js';
import { addPriorityClasses } from '../argocd/priority-classes.js';
import { planSite } from './capacity.js';
import { siteReadme } from './readme.js';
import { inventoryFile, inventoryYaml, mergeWithPrevious } from '../render/inventory.js';
import { requestsByComponent } from './summary.js';
import { argocdDataDir, resourcesDir, rootDir, routesDir, siteReadmeFile, tenantAppDir, valuesFile } from './paths.js';
import { apiGroup } from '../model/kinds.js';
import { TENANTS_COMPONENT } from '../model/tenants.js';
import { bootstrapEnv } from './bootstrap-env.js';
import { objectFileBase, yamlFile } from './files.js';
import type { KubeObject, SiteBuild } from './site-build.js';


export type { KubeObject, SiteBuild };

/** One file per object, named by kind and name (and namespace on a clash). */
function objectFiles(dir: string, objects: readonly KubeObject[], files: Map<string, string>): void {
  const base = (o: KubeObject) => objectFileBase(o.kind, o.metadata.name);
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(base(o), (counts.get(base(o)) ?? 0) + 1);
  for (const o of objects) {
    const name = counts.get(base(o))! > 1 && o.metadata.namespace ? `${base(o)}-${o.metadata.namespace}` : base(o);
    const path = `${dir}/${name}.yaml`;
    if (files.has(path)) throw new Error(`two objects would be written to ${path}`);
    files.set(path, yamlFile(o));
  }
}

export interface BuildOptions {
  readonly config: PlatformConfig;
  readonly configFile: string;
  readonly catalog: readonly ComponentDefinition[];
  /**
   * The committed `synth/<site>/inventory.yaml`: synth cannot render charts, so it carries the
   * image list over from there (marked stale when the charts or values changed since). Default: none.
   */
  readonly previousInventory?: string;
  /** Where `previousInventory` came from when it is not this site's own file (see `findPreviousInventory`). */
  readonly inventoryCarriedFrom?: string;
  /** The teams that run on this site (`tenants/`). Default: none. */
  readonly tenants?: readonly SiteTenant[];
}

export function buildSite({ config, configFile, catalog, previousInventory, inventoryCarriedFrom, tenants = [] }: BuildOptions): SiteBuild {
  const app = new App();
  const context = { config, configFile, tenants };
  const present = new Map(catalog.map((d) => [d.name, d.present?.(context) ?? true]));
  const enabled = (name: string): boolean => config.components[name]?.enabled === true && present.get(name) === true;
  // Phase 1: every enabled component from its own settings (catalog order; no component sees another).
  const components = catalog
    .filter((d) => enabled(d.name))
    .map((definition) => {
      const { name, layer, tier, description } = definition;
      const built = definition.build(app, {
        context,
        definition: { name, layer, tier, description },
        settings: config.components[name]!,
        enabled,
      });
      if (built.componentName !== name) {
        throw new Error(`component '${name}' (${definition.file}) built a component named '${built.componentName}': build it from the identity its definition hands in`);
      }
      return built;
    });
  // Phase 2: aggregators over the complete set (namespaces, routes, scrape targets, Vault, policies…).
  const platformSite = { config, components };
  for (const c of components) c.runCheck(platformSite);
  for (const c of components) c.runAggregate(platformSite);

  // Each component's objects are resolved once and used for its Application, project and files.
  const resources = new Map<string, KubeObject[]>(components.map((c) => [c.componentName, c.toJson() as KubeObject[]]));
  const deliveries = components.map((c) => describeDelivery(c, config, resources.get(c.componentName)!));
  // The teams' apps: each its own folder and Application (in its team's project), objects resolved once.
  const tenantApps = components.flatMap((c) => c.tenantApps).map((a) => ({ ...a, objects: a.chart.toJson() as KubeObject[], path: tenantAppDir(config.site.name, a.team, a.app) }));
  const tenantDeliveries = tenants.map((tenant) => ({
    tenant,
    apps: tenantApps
      .filter((a) => a.team === tenant.name)
      .map((a) => ({ app: a.app, path: a.path, kinds: a.objects.map((o) => ({ group: apiGroup(o.apiVersion), kind: o.kind })) })),
  }));
  const root = new RootChart(app, 'root', { config, deliveries, tenants: enabled(TENANTS_COMPONENT) ? tenantDeliveries : [], addBasics: addPriorityClasses });

  const site = config.site.name;
  const files = new Map<string, string>();
  for (const c of components) {
    if (c.isHelm) files.set(valuesFile(site, c.layer, c.componentName), yamlFile(c.values));
    const objects = resources.get(c.componentName)!;
    // Cross-namespace HTTPRoutes go to their own directory, read by the routes Application.
    objectFiles(resourcesDir(site, c.layer, c.componentName), objects.filter((o) => !isCrossNamespaceRoute(c, o)), files);
    objectFiles(routesDir(site, c.layer, c.componentName), objects.filter((o) => isCrossNamespaceRoute(c, o)), files);
  }
  for (const a of tenantApps) objectFiles(a.path, a.objects, files);
  const rootObjects = root.toJson() as KubeObject[];
  objectFiles(rootDir(site), rootObjects, files);
  files.set(`${argocdDataDir(site)}/health-customizations.yaml`, yamlFile({ configs: { cm: healthCustomizationsCm() } }));
  const env = bootstrapEnv(config, components);
  files.set(env.path, env.content);
  const partial = { config, tenants, components, deliveries, rootObjects, resources, files };
  files.set(inventoryFile(site), inventoryYaml(mergeWithPrevious(partial, previousInventory)));
  const plan = planSite(partial);
  files.set(
    siteReadmeFile(site),
    siteReadme({
      site,
      domain: config.site.domain,
      nodeCount: config.nodes.length,
      components,
      requests: requestsByComponent(partial),
      resourcesOf: (name) => resources.get(name) ?? [],
      plan,
    }),
  );
  return { ...partial, plan, ...(inventoryCarriedFrom ? { inventoryCarriedFrom } : {}) };
}
