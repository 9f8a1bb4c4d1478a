/**
 * The component model: one cdk8s Chart per platform component. A component declares, once,
 * its layer, namespace, tier, source (a Helm chart at an exact version, or a git directory),
 * its pod-bearing parts with the chart's real value keys, and its extra resources. Everything
 * else (tier values on every part, the ArgoCD Application, namespace labels, capacity) is
 * derived from that declaration.
 */
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { LayerId } from './layers.js';
import { LABELS, PLATFORM_NAME, type PodSecurityLevel } from './labels.js';
import { schedulingFor, type TierName, type Toleration } from './tiers.js';
import { getPath, mergeValues, setPath, type ValuesPath } from './values.js';
import type { ComponentSettings, PlatformConfig } from '../config/schema.js';
import { ConfigError } from '../config/errors.js';
import type { GeneratedCredential, VaultKubernetesRole } from './credentials.js';
import type { ComponentNetwork } from './network.js';
import type { SiteTenant, TenantAppDelivery } from './tenants.js';
import type { OidcClient, UiEndpoint, UiExposure, UiProxyFacts } from './ui.js';

export type { OidcClient, UiEndpoint, UiLogin, UiProxyFacts } from './ui.js';

/** A Helm chart at an exact version. */
export interface ChartSource {
  readonly type: 'helm';
  /** Helm repository URL (http(s):// or oci://). */
  readonly repoURL: string;
  readonly chart: string;
  /** Exact version: ranges would make synth and the cluster disagree over time. */
  readonly version: string;
}

/** A directory of plain manifests in a git repository at a pinned tag. */
export interface GitDirectorySource {
  readonly type: 'git';
  readonly repoURL: string;
  readonly path: string;
  /** A tag or commit, never a branch. */
  readonly targetRevision: string;
  /** Glob of files to include, as ArgoCD's `directory.include`. Default: every manifest. */
  readonly include?: string;
}

export type ComponentSource = ChartSource | GitDirectorySource;

export interface ResourceSpec {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly memory: string };
}

export type WorkloadKind =
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'Job'
  | 'CronJob'
  /** Operator-managed StatefulSets (prometheus-operator). */
  | 'Prometheus'
  | 'Alertmanager';

/**
 * Where a part's settings live in the chart's values. Each key defaults to
 * `<part.path>.<key>`; `null` means the chart has no such key for this part (say why in `note`).
 */
export interface PodPartKeys {
  readonly priorityClassName?: ValuesPath | null;
  readonly tolerations?: ValuesPath | null;
  readonly affinity?: ValuesPath | null;
  readonly resources?: ValuesPath | null;
  /** Default: `<path>.replicas` for Deployments and StatefulSets, none otherwise. */
  readonly replicas?: ValuesPath | null;
}

/** A container of a part beyond its main one (sidecars, reloaders) with its own resource key. */
export interface ExtraContainer {
  readonly name: string;
  readonly resourcesKey: ValuesPath;
  readonly resources: ResourceSpec;
  /**
   * An init container: it runs before the main containers, so it counts towards the pod's
   * effective request as max(init, sum of the others), not as a sum. Default: false.
   */
  readonly init?: boolean;
}

/** One pod-bearing part of a component: a Deployment, DaemonSet, StatefulSet, Job… */
export interface PodPart {
  /** Stable name, unique within the component, e.g. `operator`, `hubble-relay`. */
  readonly name: string;
  readonly kind: WorkloadKind;
  /** The part's block in the chart values; `[]` for the chart root. */
  readonly path: ValuesPath;
  /** Pods of a Deployment/StatefulSet; ignored for DaemonSets (one per eligible node). Default: 1. */
  readonly replicas?: number;
  /** Requests and memory limit of the main container. */
  readonly resources: ResourceSpec;
  readonly extraContainers?: readonly ExtraContainer[];
  /** A DaemonSet that must run on every node: tolerates every taint whatever its tier. Default: false. */
  readonly nodeAgent?: boolean;
  /**
   * The chart runs at most one pod of this part per node (a required pod anti-affinity on the
   * hostname, or host-network ports): the planner never puts two on one node, and a replica
   * beyond the nodes that are up waits, as the real scheduler decides. Default: false.
   */
  readonly onePerNode?: boolean;
  /** Overrides of the default key locations. */
  readonly keys?: PodPartKeys;
  /**
   * The chart's own default list at this part's tolerations key. Setting the key replaces the
   * chart's list, so the tier's tolerations are added to these rather than written alone: a
   * chart that tolerates `node.kubernetes.io/not-ready` so that it can start before the CNI
   * (Cilium's operator) keeps doing so. The conformance tests check this list against the
   * chart's upstream values.yaml. Default: `[]` (the chart's default list is empty).
   */
  readonly chartTolerations?: readonly Toleration[];
  /** Why a key is null or placed unusually: shown in reports. */
  readonly note?: string;
  /**
   * For a part that is one of the component's own extra resources rather than a chart pod:
   * the workload object whose pod template carries the tier settings (the construct writes
   * them there; tests read them back). Its value keys are then all null. Default: a chart pod.
   */
  readonly manifest?: { readonly kind: WorkloadKind; readonly name: string };
}

/** The settings a part resolves to, with the exact key each one lands on. */
export interface ResolvedPodPart extends PodPart {
  readonly tier: TierName;
  readonly replicas: number;
  readonly priorityClassName: string;
  readonly tolerations: readonly Toleration[];
  readonly keyPaths: {
    readonly priorityClassName: ValuesPath | null;
    readonly tolerations: ValuesPath | null;
    readonly affinity: ValuesPath | null;
    readonly resources: ValuesPath | null;
    readonly replicas: ValuesPath | null;
  };
}

/** How ArgoCD delivers the component. */
export type Delivery =
  /** Generated by its layer's ApplicationSet (the normal case). */
  | { readonly kind: 'applicationset' }
  /**
   * An Application owned directly by the root, synced at `wave` (before its layer's
   * ApplicationSet by default): for CRD bundles other components in the same layer use, and
   * for ArgoCD itself.
   */
  | { readonly kind: 'root'; readonly wave?: number };

export interface SyncSpec {
  /** Server-side apply: needed for CRDs over the client-side annotation limit. Default: false. */
  readonly serverSideApply?: boolean;
  /** Let ArgoCD prune removed resources and cascade-delete on removal. Default: true. */
  readonly prune?: boolean;
  /** Extra ArgoCD sync options. Default: none. */
  readonly extraSyncOptions?: readonly string[];
  /** ArgoCD ignoreDifferences entries (for fields a controller owns). Default: none. */
  readonly ignoreDifferences?: readonly Record<string, unknown>[];
}

/** What every component construct receives. */
export interface PlatformContext {
  readonly config: PlatformConfig;
  /** The config file, for error messages. */
  readonly configFile: string;
  /** The teams that run on this site, with their apps here (`tenants/`; see `model/tenants.ts`). */
  readonly tenants: readonly SiteTenant[];
}

/**
 * Who a component is: stated once, in its definition (`defineComponent` in the component's
 * own file), and handed to the construct, which never states it again.
 */
export interface ComponentIdentity {
  /** The config key (`components.<name>`), the construct id and the Application name. */
  readonly name: string;
  readonly layer: LayerId;
  /** The tier of every pod the component runs (PriorityClass, tolerations, placement). */
  readonly tier: TierName;
  /** One line for docs, the config reference and the synth summary. */
  readonly description: string;
}

export interface PlatformComponentProps {
  readonly context: PlatformContext;
  readonly definition: ComponentIdentity;
  readonly settings: ComponentSettings;
}

/**
 * The whole site after phase 1 (every enabled component built from its own settings): what
 * phase 2's aggregators read. Aggregators read only facts published in phase 1 (never what
 * another aggregator adds), so the order they run in cannot matter.
 */
export interface PlatformSite {
  readonly config: PlatformConfig;
  /** Every enabled component, in catalog order. */
  readonly components: readonly PlatformComponent[];
}

/** The declaration a component makes once (its identity comes from its definition). */
export interface ComponentDeclaration {
  /** Namespace the component's pods run in. */
  readonly namespace: string;
  /** Pod Security level its namespace must allow. Default: the site's `podSecurity.defaultLevel`. */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Its namespace holds state that must outlive any sync: keys (a CA's private key), volumes
   * (metrics, logs, databases). ArgoCD then never prunes or deletes the namespace
   * (`Prune=false,Delete=false`), even if the component is removed from git. Default: false.
   */
  readonly holdsState?: boolean;
  /** The chart or git directory; `undefined` for a component made only of extra resources. */
  readonly source?: ComponentSource;
  /** Upstream data name (`<name>.values.yaml` under the upstream dir) used for conformance checks. Default: none. */
  readonly upstreamValues?: string;
  /** Helm release name. Default: the component name. */
  readonly releaseName?: string;
  /** Pod-bearing parts, for tier mapping and capacity. Default: none. */
  readonly parts?: readonly PodPart[];
  /** Values before tier mapping. Default: `{}`. */
  readonly values?: Record<string, unknown>;
  readonly sync?: SyncSpec;
  /** Default: generated by the layer's ApplicationSet. */
  readonly delivery?: Delivery;
  /**
   * Namespaces the component uses without running pods in them (e.g. a secrets namespace);
   * the namespaces component creates and labels them. Default: none.
   */
  readonly extraNamespaces?: readonly string[];
  /**
   * Namespaces the chart writes objects into without owning them (e.g. dashboards into
   * Grafana's namespace): allowed as destinations in the layer's AppProject. Default: none.
   */
  readonly extraDestinations?: readonly string[];
  /**
   * Cluster-scoped kinds the chart creates, allow-listed in the layer's AppProject (the kinds
   * of the component's own extra resources are added automatically). Default: none.
   */
  readonly clusterScopedKinds?: readonly GroupKind[];
  /**
   * Namespaced kinds the chart renders (with the generated values), allow-listed in the layer's
   * AppProject `namespaceResourceWhitelist` (the kinds of the component's own extra resources
   * are added automatically). Synth cannot render a chart, so this is declared; the rendered
   * check (`edge-idp render`, `platform/render/check.ts`) fails when the real `helm template`
   * output holds a namespaced kind not listed here, or when a listed kind is not rendered.
   * Required for a Helm component; a git source of CRD bundles renders none. Default: none.
   */
  readonly namespacedKinds?: readonly GroupKind[];
  /** Web UIs to route from the gateway (layer 03 makes one HTTPRoute each). Default: none. */
  readonly ui?: readonly UiEndpoint[];
  /** The authenticating proxy this component runs for UIs without a login (see {@link UiProxyFacts}). Default: none. */
  readonly uiProxy?: UiProxyFacts;
  /**
   * The OIDC clients this component signs users in with when the site configures `sso`: the
   * Dex bundled with ArgoCD registers each (phase 2), and for an external provider the synth
   * summary lists their redirect URIs to register there. Default: none.
   */
  readonly oidcClients?: readonly OidcClient[];
  /**
   * The APIs whose CRDs this component installs, as `group/version/Kind` (one entry per served
   * version). Their groups are {@link PlatformComponent.providesApiGroups}: the ordering tests
   * prove that every custom resource in synth/ syncs after (or, in the same Application, in a
   * later sync wave than) the component providing its CRD. The full entries are what Helm's
   * `.Capabilities.APIVersions` holds once the platform runs, so bootstrap and `edge-idp render`
   * render the charts with them, as ArgoCD does against the live cluster. The conformance tests
   * check them against the upstream CRDs. Default: none.
   */
  readonly providesApis?: readonly string[];
  /**
   * API groups whose objects the chart renders only when the cluster already serves them (a
   * Helm `.Capabilities.APIVersions` check), e.g. ServiceMonitors: they appear on a later
   * refresh once the provider synced, so the component needs no ordering after the provider.
   * Default: none.
   */
  readonly capabilityGatedApiGroups?: readonly string[];
  /** Metrics Services the monitoring stack must scrape for this component. Default: none. */
  readonly scrapeTargets?: readonly ScrapeTarget[];
  /**
   * Its pods, the Services that select them, and the network flows they need (who calls which
   * pods on which ports, what they call): phase 2 makes each platform namespace default-deny
   * with one allow rule per flow (`platform/model/network.ts`). Required for a component that
   * runs pods. Default: none.
   */
  readonly network?: ComponentNetwork;
  /**
   * The component's Application gets an AppProject of its own (`edge-idp-<name>`), granting
   * exactly what it deploys, instead of sharing its layer's: for a component that writes one
   * kind into many namespaces (every namespace's network policy), which in the layer's project
   * would let every other Application of the layer write all of the layer's kinds there too.
   * The value is the project's description. Default: its layer's project.
   */
  readonly ownProject?: string;
  /**
   * The namespace this component loads other components' Grafana dashboards from (ConfigMaps
   * with the dashboard label): charts that ship dashboards put them there. Default: none.
   */
  readonly dashboardsNamespace?: string;
  /** Kubernetes identities of this component that log in to Vault, with their policies. Default: none. */
  readonly vaultRoles?: readonly VaultKubernetesRole[];
  /**
   * Vault identities beyond reading secrets (configuring an auth method), which only a root
   * token may create: Vault's bootstrap writes each role and policy once, while it still holds
   * the root token at Vault's first start (Vault's configurer manages readers only). A site that
   * declares one after that needs a root token once more (README, "Security model"). Default: none.
   */
  readonly vaultBootstrapRoles?: readonly VaultKubernetesRole[];
  /** Credentials this component reads that Vault's seeder generates in the cluster. Default: none. */
  readonly generatedCredentials?: readonly GeneratedCredential[];
  /**
   * Images the component's pods start at run time that no pod template names (an executor a
   * controller launches, a sidecar an operator injects): the air-gap inventory lists them,
   * since rendering cannot find them. Default: none.
   */
  readonly runtimeImages?: readonly string[];
  /**
   * What the values key check (docs/design.md#d8-values-keys-exist-upstream) must accept beyond the chart's values.yaml,
   * each entry with its reason: `freeForm` maps the chart passes through verbatim (their inner
   * keys are not the chart's), `undeclared` keys the templates read but values.yaml only
   * mentions in a comment (or subchart keys the upstream data lacks). Default: none.
   */
  readonly valuesAllowances?: { readonly freeForm?: readonly ValuesAllowance[]; readonly undeclared?: readonly ValuesAllowance[] };
  /**
   * Facts bootstrap.sh needs to install the component itself before ArgoCD exists (published in
   * `bootstrap.env` by `platform/synth/bootstrap-env.ts`), for a component bootstrap installs
   * from something other than its source. Default: none.
   */
  readonly bootstrap?: BootstrapFacts;
  /**
   * For a chart bootstrap installs itself before ArgoCD exists (Cilium, ArgoCD): what tells it
   * the release is up. Written into `bootstrap.env`; the chart's own names, stated once with the
   * component. Default: none.
   */
  readonly bootstrapRollout?: BootstrapRollout;
}

/** What bootstrap waits for after installing a component's chart itself. */
export interface BootstrapRollout {
  /** `kind/name` of the workloads that must be rolled out; the first one's image shows which release runs. */
  readonly workloads: readonly string[];
  /** Image tag the chart's workloads run at the resolved chart version. Default: not checked. */
  readonly imageTag?: string;
  /** Label selector of every Deployment and StatefulSet of the release. Default: none. */
  readonly workloadSelector?: string;
  /** CRDs (`plural.group`) the chart installs that must be established. Default: none. */
  readonly crds?: readonly string[];
}

/**
 * How bootstrap installs a component whose source ArgoCD reads in a form bootstrap cannot (a
 * git directory): one manifest file per release, and how to tell which release is live.
 */
export interface BootstrapFacts {
  /**
   * URL of one manifest holding what the source holds, with `{version}` standing for the
   * source's resolved version (a chart's `version`, a git source's `targetRevision`, after any
   * `components.<name>.version` override), e.g.
   * `https://github.com/kubernetes-sigs/gateway-api/releases/download/{version}/standard-install.yaml`.
   */
  readonly manifestUrl: string;
  /** Annotation every object of that manifest carries with the release's version. */
  readonly versionAnnotation: string;
}

/** A values path the key check accepts beyond the chart's values.yaml, and why. */
export interface ValuesAllowance {
  readonly path: ValuesPath;
  readonly why: string;
}

/**
 * A metrics Service of a component that cannot ship its own ServiceMonitor (it syncs before
 * the Prometheus Operator CRDs exist): the monitoring stack creates one for it.
 */
export interface ScrapeTarget {
  /** ServiceMonitor name, unique in the component's namespace. */
  readonly name: string;
  /** Labels of the metrics Service. */
  readonly selector: Readonly<Record<string, string>>;
  /** Name of the Service port serving metrics (plain HTTP). */
  readonly port: string;
  /** The pod group (`network.pods`) the Service selects: Prometheus' scrapes are a network flow to it. */
  readonly pods: string;
  /** The pods' port behind {@link port}. */
  readonly podPort: number;
}

/** An API group and kind, as AppProject allow-lists take them (`''` is the core group). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

const DEFAULT_REPLICA_KINDS: ReadonlySet<WorkloadKind> = new Set(['Deployment', 'StatefulSet']);

/**
 * Base class of every platform component. Subclasses compute their declaration from typed
 * props and add extra resources (cdk8s ApiObjects) to `this`.
 */
export class PlatformComponent extends Chart {
  readonly componentName: string;
  readonly layer: LayerId;
  /**
   * Namespace the component's pods run in (the Application's destination). Not cdk8s'
   * `Chart.namespace`, which would stamp itself on cluster-scoped objects too.
   */
  readonly targetNamespace: string;
  readonly tier: TierName;
  readonly podSecurity: PodSecurityLevel;
  readonly holdsState: boolean;
  readonly source: ComponentSource | undefined;
  readonly upstreamValues: string | undefined;
  readonly releaseName: string;
  readonly sync: Required<Pick<SyncSpec, 'serverSideApply' | 'prune'>> & SyncSpec;
  readonly delivery: Delivery;
  readonly description: string;
  readonly extraNamespaces: readonly string[];
  private readonly destinations: string[];
  readonly dashboardsNamespace: string | undefined;
  readonly clusterScopedKinds: readonly GroupKind[];
  /**
   * Namespaced kinds the chart renders (see {@link ComponentDeclaration.namespacedKinds});
   * `undefined` for a component without a chart that declares none (nothing to render).
   */
  readonly namespacedKinds: readonly GroupKind[] | undefined;
  readonly ui: readonly UiEndpoint[];
  readonly uiProxy: UiProxyFacts | undefined;
  readonly oidcClients: readonly OidcClient[];
  readonly providesApis: readonly string[];
  /** The API groups of {@link providesApis}, sorted. */
  readonly providesApiGroups: readonly string[];
  readonly capabilityGatedApiGroups: readonly string[];
  readonly runtimeImages: readonly string[];
  readonly scrapeTargets: readonly ScrapeTarget[];
  readonly network: ComponentNetwork | undefined;
  /** The description of its own AppProject, or undefined: its layer's (see {@link ComponentDeclaration.ownProject}). */
  readonly ownProject: string | undefined;
  readonly vaultRoles: readonly VaultKubernetesRole[];
  readonly vaultBootstrapRoles: readonly VaultKubernetesRole[];
  readonly generatedCredentials: readonly GeneratedCredential[];
  readonly valuesAllowances: { readonly freeForm: readonly ValuesAllowance[]; readonly undeclared: readonly ValuesAllowance[] };
  private readonly resolvedParts: ResolvedPodPart[] = [];
  readonly bootstrap: BootstrapFacts | undefined;
  readonly bootstrapRollout: BootstrapRollout | undefined;
  private readonly baseValues: Record<string, unknown>;
  protected readonly context: PlatformContext;
  private aggregated = false;
  private exposures: readonly UiExposure[] = [];
  private apps: readonly TenantAppDelivery[] = [];

  constructor(scope: Construct, props: PlatformComponentProps, decl: ComponentDeclaration) {
    const id = props.definition.name;
    super(scope, id, {
      labels: { [LABELS.partOf]: PLATFORM_NAME, [LABELS.component]: id },
      disableResourceNameHashes: true,
    });
    this.componentName = id;
    this.context = props.context;
    this.layer = props.definition.layer;
    this.targetNamespace = decl.namespace;
    this.tier = props.definition.tier;
    this.podSecurity = decl.podSecurity ?? props.context.config.podSecurity.defaultLevel;
    this.holdsState = decl.holdsState ?? false;
    this.source = withVersionOverride(id, decl.source, props);
    this.upstreamValues = decl.upstreamValues;
    this.releaseName = decl.releaseName ?? id;
    this.sync = { serverSideApply: false, prune: true, ...decl.sync };
    this.delivery = decl.delivery ?? { kind: 'applicationset' };
    this.description = props.definition.description;
    this.extraNamespaces = decl.extraNamespaces ?? [];
    this.destinations = [...(decl.extraDestinations ?? [])];
    this.dashboardsNamespace = decl.dashboardsNamespace;
    this.clusterScopedKinds = decl.clusterScopedKinds ?? [];
    // A Helm component without it stays undefined and synth refuses it (`describeDelivery`): its
    // AppProject could not allow-list what it deploys.
    this.namespacedKinds = decl.namespacedKinds;
    this.ui = decl.ui ?? [];
    this.uiProxy = decl.uiProxy;
    this.oidcClients = decl.oidcClients ?? [];
    this.providesApis = decl.providesApis ?? [];
    this.providesApiGroups = [...new Set(this.providesApis.map((a) => a.split('/')[0]!))].sort();
    this.capabilityGatedApiGroups = decl.capabilityGatedApiGroups ?? [];
    this.runtimeImages = decl.runtimeImages ?? [];
    this.scrapeTargets = decl.scrapeTargets ?? [];
    this.network = decl.network;
    this.ownProject = decl.ownProject;
    this.vaultRoles = decl.vaultRoles ?? [];
    this.vaultBootstrapRoles = decl.vaultBootstrapRoles ?? [];
    this.generatedCredentials = decl.generatedCredentials ?? [];
    this.valuesAllowances = { freeForm: decl.valuesAllowances?.freeForm ?? [], undeclared: decl.valuesAllowances?.undeclared ?? [] };
    this.baseValues = decl.values ?? {};
    this.bootstrap = decl.bootstrap;
    this.bootstrapRollout = decl.bootstrapRollout;
    this.addParts(decl.parts ?? []);
  }

  /** Namespaces the chart writes objects into without owning them (see {@link ComponentDeclaration.extraDestinations}). */
  get extraDestinations(): readonly string[] {
    return this.destinations;
  }

  /** Adds namespaces the chart writes into (phase 2, e.g. another component's dashboards namespace). */
  protected addExtraDestinations(namespaces: readonly string[]): void {
    for (const ns of namespaces) if (!this.destinations.includes(ns)) this.destinations.push(ns);
  }

  /**
   * Every UI of the site with how it is exposed, as the component that routes them (the
   * gateway) decided in phase 2; empty for every other component. The synth summary, the site
   * README and bootstrap read it.
   */
  get uiExposures(): readonly UiExposure[] {
    return this.exposures;
  }

  /** Publishes the UI exposures this component routes by (phase 2; see {@link uiExposures}). */
  protected publishUiExposures(list: readonly UiExposure[]): void {
    this.exposures = list;
  }

  /**
   * The teams' apps this component generates, each a chart of its own delivered by its own
   * Application in its team's project (written to `tenantAppDir`, not to the component's
   * resources); empty for every other component.
   */
  get tenantApps(): readonly TenantAppDelivery[] {
    return this.apps;
  }

  /** Publishes the tenant apps this component generated (phase 1; see {@link tenantApps}). */
  protected publishTenantApps(list: readonly TenantAppDelivery[]): void {
    this.apps = list;
  }

  /** Pod-bearing parts, resolved to the component's tier. */
  get parts(): readonly ResolvedPodPart[] {
    return this.resolvedParts;
  }

  /**
   * Phase 2 of the build: called once for every component after every enabled component was
   * built (phase 1). A component derived from others (namespaces, routes, scrape targets,
   * Vault's roles and credentials) overrides {@link aggregate} and adds its objects, parts and
   * values there, from `site`'s phase-1 facts only.
   */
  runAggregate(site: PlatformSite): void {
    if (this.aggregated) throw new Error(`component '${this.componentName}': phase 2 ran twice`);
    this.aggregated = true;
    this.aggregate(site);
  }

  /** Phase 2 for this component: see {@link runAggregate}. Default: nothing to aggregate. */
  protected aggregate(_site: PlatformSite): void {}

  /**
   * The start of phase 2, before any component aggregates: refuses a site this component cannot
   * be part of, from `site`'s phase-1 facts only (the tenants component: a team named like a
   * platform namespace), so the user sees that error rather than an aggregator's failure on the
   * bad site.
   */
  runCheck(site: PlatformSite): void {
    this.check(site);
  }

  /** See {@link runCheck}. Default: nothing to check. */
  protected check(_site: PlatformSite): void {}

  /** Adds pod parts (phase 1 from the declaration, or phase 2 from aggregated facts). */
  protected addParts(parts: readonly PodPart[]): void {
    for (const p of parts) {
      if (this.resolvedParts.some((q) => q.name === p.name)) {
        throw new Error(`component '${this.componentName}': two pod parts are named '${p.name}'`);
      }
      this.resolvedParts.push(resolvePart(p, this.tier));
    }
  }

  /**
   * Sets one value before tier mapping (phase 2). Setting a key the declaration already holds
   * keeps its place in the values file, so declare the key (e.g. with an empty list) in phase 1.
   */
  protected setValue(path: ValuesPath, value: unknown): void {
    setPath(this.baseValues, path, value);
  }

  /** The chart values: the component's own values with every part's tier settings applied. */
  get values(): Record<string, unknown> {
    const out = mergeValues(this.baseValues);
    for (const part of this.parts) applyPartValues(out, part);
    return out;
  }

  get isHelm(): boolean {
    return this.source?.type === 'helm';
  }
}


/** Applies `components.<name>.version` from the config to the component's chart (or git tag). */
function withVersionOverride(id: string, source: ComponentSource | undefined, props: PlatformComponentProps): ComponentSource | undefined {
  const version = props.settings.version;
  if (version === undefined) return source;
  if (!source) {
    throw new ConfigError(props.context.configFile, [
      { path: `components.${id}.version`, message: `'${version}' cannot apply: ${id} has no chart or git source to version; remove the key` },
    ]);
  }
  return source.type === 'helm' ? { ...source, version } : { ...source, targetRevision: version };
}

function resolvePart(part: PodPart, tier: TierName): ResolvedPodPart {
  const s = schedulingFor(tier, { nodeAgent: part.nodeAgent ?? false });
  const key = (name: keyof PodPartKeys, fallback: ValuesPath | null): ValuesPath | null =>
    part.keys && name in part.keys ? (part.keys[name] ?? null) : fallback;
  return {
    ...part,
    tier,
    replicas: part.kind === 'DaemonSet' ? 1 : (part.replicas ?? 1),
    priorityClassName: s.priorityClassName,
    tolerations: withChartTolerations(part.chartTolerations ?? [], s.tolerations),
    keyPaths: {
      priorityClassName: key('priorityClassName', [...part.path, 'priorityClassName']),
      tolerations: key('tolerations', [...part.path, 'tolerations']),
      affinity: s.affinity ? key('affinity', [...part.path, 'affinity']) : null,
      resources: key('resources', [...part.path, 'resources']),
      replicas: key('replicas', DEFAULT_REPLICA_KINDS.has(part.kind) ? [...part.path, 'replicas'] : null),
    },
  };
}

/**
 * The chart's default tolerations followed by the tier's, without repeats: adding to the
 * chart's list, never replacing it.
 */
export function withChartTolerations(chart: readonly Toleration[], tier: readonly Toleration[]): readonly Toleration[] {
  const seen = new Set<string>();
  const out: Toleration[] = [];
  for (const t of [...chart, ...tier]) {
    const key = JSON.stringify([t.key ?? '', t.operator, t.value ?? '', t.effect ?? '', t.tolerationSeconds ?? null]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

/** Writes one part's tier settings onto its keys. Affinity merges into what the values already set. */
function applyPartValues(values: Record<string, unknown>, part: ResolvedPodPart): void {
  const k = part.keyPaths;
  if (k.priorityClassName) setPath(values, k.priorityClassName, part.priorityClassName);
  if (k.tolerations) setPath(values, k.tolerations, structuredClone(part.tolerations));
  if (k.affinity) {
    const s = schedulingFor(part.tier, { nodeAgent: part.nodeAgent ?? false });
    const existing = getPath(values, k.affinity);
    setPath(values, k.affinity, mergeValues((existing as Record<string, unknown>) ?? {}, structuredClone(s.affinity) as Record<string, unknown>));
  }
  if (k.resources) setPath(values, k.resources, structuredClone(part.resources));
  for (const c of part.extraContainers ?? []) setPath(values, c.resourcesKey, structuredClone(c.resources));
  if (k.replicas && part.kind !== 'DaemonSet') setPath(values, k.replicas, part.replicas);
}

/**
 * A part that runs at the cluster's default PriorityClass by design: its chart has no key for
 * the class (said in its `note`), and that is acceptable only for a workloads-tier part (the
 * default class is the workloads tier's). A hook Job of a higher tier is no exception: it would
 * run untiered (and, on a full node, wait behind every workload); switch it off or give it a key.
 */
export function acceptsDefaultPriorityClass(part: ResolvedPodPart): boolean {
  return part.keyPaths.priorityClassName === null && !!part.note && part.tier === 'workloads';
}

/** Shorthand for a resource spec: requests and a memory limit. */
export function resources(cpu: string, memory: string, memoryLimit: string): ResourceSpec {
  return { requests: { cpu, memory }, limits: { memory: memoryLimit } };
}

/**
 * `instanceof` for component classes. cdk8s' Chart defines `Symbol.hasInstance` so that
 * `x instanceof AnyChartSubclass` is true for every Chart; this checks the real prototype chain.
 */
export function isComponentOf<T>(cls: abstract new (...args: never[]) => T, value: unknown): value is T {
  return typeof value === 'object' && value !== null && Object.prototype.isPrototypeOf.call(cls.prototype, value);
}
