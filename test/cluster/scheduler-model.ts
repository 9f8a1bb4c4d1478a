/**
 * The model side of test/cluster/scheduler.test.ts: turns the platform's declared pod parts
 * (the same parts the capacity planner reads) into real Kubernetes workloads for the test
 * cluster, and compares what the real kube-scheduler did with what the planner says.
 *
 * Pure: no cluster access here. What reaches the cluster:
 * - one Deployment, StatefulSet (podManagementPolicy Parallel, also for the operator-managed
 *   Prometheus and Alertmanager) or DaemonSet per steady-state part; Jobs and CronJobs are left
 *   out, as the planner leaves them out of the steady state;
 * - per pod: the part's requests (main container, sidecars as containers, init containers as
 *   classic init containers), its PriorityClass, tolerations, the tier's lifeboat affinity, and
 *   the chart's own default affinity / nodeSelector where Helm keeps it next to ours (Helm
 *   merges a values map into the chart's default map: setting `operator.affinity.nodeAffinity`
 *   keeps the chart's `operator.affinity.podAntiAffinity`);
 * - for parts whose values declare a `local-path` volume: a volumeClaimTemplate.
 */
import { TIER_LIST, TIERS, schedulingFor, type TierName, type Toleration } from '../../platform/model/tiers.js';
import { parseCpu, parseMemory } from '../../platform/model/quantity.js';
import { compareText } from '../../platform/model/order.js';
import { getPath, isPlainObject } from '../../platform/model/values.js';
import { upstreamValues } from '../../platform/conformance/upstream.js';
import type { PlatformComponent, ResolvedPodPart, WorkloadKind } from '../../platform/model/component.js';
import { podsFromParts, type PlacementResult, type PlannedPod } from '../../platform/planner/index.js';
import { parse as parseYaml } from 'yaml';

// ---------------------------------------------------------------------------------------------
// Labels and names

/** Label carrying `<component>.<part>` on every test pod (and the selector of its workload). */
export const INSTANCE_LABEL = 'edge-idp.test/instance';
export const COMPONENT_LABEL = 'edge-idp.test/component';
export const PART_LABEL = 'edge-idp.test/part';
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
export const LOCAL_PATH_CLASS = 'local-path';
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
export const HOSTNAME_KEY = 'kubernetes.io/hostname';

export function instanceLabel(component: string, part: string): string {
  return `${component}.${part}`;
}

/** DNS-1123 object name for a part's workload. */
function workloadName(component: string, part: string): string {
  const name = `${component}-${part}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (name.length > 52) throw new Error(`workload name ${name} is too long for a StatefulSet (52)`);
  return name;
}

// ---------------------------------------------------------------------------------------------
// Local-path volumes

/** A persistent volume a part's pods claim (one per replica, from a volumeClaimTemplate). */
export interface LocalVolume {
  /** Name of the volumeClaimTemplate (PVC: `<claim>-<statefulset>-<ordinal>`). */
  readonly claim: string;
  readonly size: string;
  /** `undefined`: the chart sets none, so the cluster's default StorageClass applies (local-path on k3s). */
  readonly storageClassName: string | undefined;
  /** Where in the values the volume is declared (for the report). */
  readonly source: string;
}

/**
 * Parts that may hold a persistent volume. The component model has no per-part "volume" fact
 * (only `holdsState` per component, which also covers keys and Secrets), so this list is
 * hard-coded: each entry reads the component's generated values to decide whether the volume
 * is really on and which StorageClass it uses, so a config that turns a volume off (or moves it
 * to another class) is followed. Alertmanager is listed on purpose: our values give it no
 * `alertmanagerSpec.storage`, so prometheus-operator runs it on an emptyDir (no pinning).
 */
export const VOLUME_PARTS: readonly {
  readonly component: string;
  readonly part: string;
  readonly volume: (values: Record<string, unknown>) => LocalVolume | undefined;
}[] = [
  {
    component: 'prometheus-stack',
    part: 'prometheus',
    volume: (values) => {
      const path = ['prometheus', 'prometheusSpec', 'storageSpec', 'volumeClaimTemplate', 'spec'];
      const spec = getPath(values, path);
      if (!isPlainObject(spec)) return undefined;
      return {
        claim: 'prometheus-db',
        size: String(getPath(spec, ['resources', 'requests', 'storage']) ?? '10Gi'),
        storageClassName: spec.storageClassName as string | undefined,
        source: path.join('.'),
      };
    },
  },
  {
    component: 'prometheus-stack',
    part: 'alertmanager',
    volume: (values) => {
      const path = ['alertmanager', 'alertmanagerSpec', 'storage', 'volumeClaimTemplate', 'spec'];
      const spec = getPath(values, path);
      if (!isPlainObject(spec)) return undefined;
      return {
        claim: 'alertmanager-db',
        size: String(getPath(spec, ['resources', 'requests', 'storage']) ?? '1Gi'),
        storageClassName: spec.storageClassName as string | undefined,
        source: path.join('.'),
      };
    },
  },
  {
    component: 'loki',
    part: 'loki',
    volume: (values) => {
      const p = getPath(values, ['singleBinary', 'persistence']);
      if (!isPlainObject(p) || p.enabled === false) return undefined;
      return { claim: 'storage', size: String(p.size ?? '10Gi'), storageClassName: p.storageClass as string | undefined, source: 'singleBinary.persistence' };
    },
  },
  {
    component: 'vault',
    part: 'server',
    volume: (values) => {
      const p = getPath(values, ['server', 'dataStorage']);
      if (!isPlainObject(p) || p.enabled === false) return undefined;
      return { claim: 'data', size: String(p.size ?? '10Gi'), storageClassName: p.storageClass as string | undefined, source: 'server.dataStorage' };
    },
  },
];

/** Whether a volume of this class is node-local on the edge site (k3s: local-path is also the default class). */
export function isLocalPath(volume: LocalVolume): boolean {
  return (volume.storageClassName ?? LOCAL_PATH_CLASS) === LOCAL_PATH_CLASS;
}

// ---------------------------------------------------------------------------------------------
// Chart defaults Helm keeps next to our values

/**
 * Helm's values coalescing (`coalesceTables`): a user map merges key by key into the chart's
 * default map; a user `null` deletes the default; any other user value (a map over a chart
 * string included) replaces the default.
 */
export function helmCoalesce(user: unknown, chart: unknown): unknown {
  if (user === undefined) return chart;
  if (user === null) return undefined;
  if (isPlainObject(user) && isPlainObject(chart)) {
    const out: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(chart), ...Object.keys(user)])) {
      const merged = key in user ? helmCoalesce(user[key], chart[key]) : chart[key];
      if (merged !== undefined) out[key] = merged;
    }
    return out;
  }
  return user;
}

/**
 * Chart label selectors (in pod (anti-)affinity terms of the charts' default values) and the part
 * whose pods they select. Templated label values (`{{ .Release.Name }}`) are ignored when matching.
 * A selector not in this list fails the test, so a chart bump that adds a term is noticed.
 */
const CHART_SELECTORS: readonly { component: string; matchLabels: Record<string, string>; part: string }[] = [
  { component: 'cilium', matchLabels: { 'k8s-app': 'cilium' }, part: 'agent' },
  { component: 'cilium', matchLabels: { 'k8s-app': 'cilium-envoy' }, part: 'envoy' },
  { component: 'cilium', matchLabels: { 'io.cilium/app': 'operator' }, part: 'operator' },
  { component: 'loki', matchLabels: { 'app.kubernetes.io/component': 'single-binary' }, part: 'loki' },
  { component: 'vault', matchLabels: { component: 'server' }, part: 'server' },
];

function translateSelector(component: string, selector: unknown, where: string): Record<string, unknown> {
  const labels = isPlainObject(selector) && isPlainObject(selector.matchLabels) ? selector.matchLabels : undefined;
  if (!labels || (isPlainObject(selector) && selector.matchExpressions !== undefined)) {
    throw new Error(`${where}: chart affinity selector ${JSON.stringify(selector)} is not a plain matchLabels; teach scheduler-model.ts CHART_SELECTORS`);
  }
  const fixed = Object.fromEntries(Object.entries(labels).filter(([, v]) => !String(v).includes('{{') && !String(v).includes('TEMPLATED')));
  const hit = CHART_SELECTORS.find(
    (s) => s.component === component && JSON.stringify(Object.entries(s.matchLabels).sort()) === JSON.stringify(Object.entries(fixed).sort()),
  );
  if (!hit) throw new Error(`${where}: unknown chart selector ${JSON.stringify(labels)}; add it to scheduler-model.ts CHART_SELECTORS`);
  return { matchLabels: { [INSTANCE_LABEL]: instanceLabel(component, hit.part) } };
}

/** Rewrites the label selectors of pod (anti-)affinity terms onto the test pods' labels. */
function translateAffinity(component: string, affinity: Record<string, unknown>, where: string): Record<string, unknown> {
  const out = structuredClone(affinity);
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const block = out[kind];
    if (!isPlainObject(block)) continue;
    const required = block.requiredDuringSchedulingIgnoredDuringExecution;
    if (Array.isArray(required)) {
      for (const term of required) term.labelSelector = translateSelector(component, term.labelSelector, `${where}.${kind}`);
    }
    const preferred = block.preferredDuringSchedulingIgnoredDuringExecution;
    if (Array.isArray(preferred)) {
      for (const w of preferred) w.podAffinityTerm.labelSelector = translateSelector(component, w.podAffinityTerm?.labelSelector, `${where}.${kind}`);
    }
  }
  return out;
}

/** A chart's default affinity may be a template string (Vault) that survives when we set none: parse it with the templates blanked out. */
function affinityValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return parseYaml(value.replace(/\{\{[^}]*\}\}/g, 'TEMPLATED'));
}

// ---------------------------------------------------------------------------------------------
// Workloads

/** One steady-state part as the test cluster runs it. */
export interface PartWorkload {
  readonly component: string;
  readonly part: string;
  readonly namespace: string;
  readonly tier: TierName;
  readonly kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  readonly modelKind: WorkloadKind;
  readonly name: string;
  readonly replicas: number;
  /** The planner's pod for this part (replica 0; DaemonSet template). */
  readonly planned: PlannedPod;
  /** What the pods really get (as synth writes it into the values, merged with the chart's defaults by Helm). */
  readonly priorityClassName: string | undefined;
  readonly tolerations: readonly Toleration[];
  readonly affinity: Record<string, unknown> | undefined;
  readonly nodeSelector: Record<string, string> | undefined;
  /** The local-path volume its values declare (undefined: none, or not node-local). */
  readonly volume: LocalVolume | undefined;
  /** Where the scheduling settings deviate from the tier model (for the report). */
  readonly notes: readonly string[];
  /** Effective pod requests as the scheduler computes them from the containers below. */
  readonly cpuMillicores: number;
  readonly memoryBytes: number;
  readonly podSpec: Record<string, unknown>;
}

const TRANSIENT: ReadonlySet<WorkloadKind> = new Set<WorkloadKind>(['Job', 'CronJob']);

function containerResources(spec: ResolvedPodPart['resources']): Record<string, unknown> {
  return { requests: { cpu: spec.requests.cpu, memory: spec.requests.memory }, limits: { memory: spec.limits.memory } };
}

/** The scheduler's effective request: max(sum of containers, largest init container). */
export function effectivePodRequests(podSpec: Record<string, any>): { cpuMillicores: number; memoryBytes: number } {
  const req = (c: any, q: 'cpu' | 'memory'): number =>
    q === 'cpu' ? parseCpu(String(c.resources?.requests?.cpu ?? '0')) : parseMemory(String(c.resources?.requests?.memory ?? '0'));
  const sum = (q: 'cpu' | 'memory'): number => (podSpec.containers as any[]).reduce((s, c) => s + req(c, q), 0);
  const init = (q: 'cpu' | 'memory'): number => Math.max(0, ...((podSpec.initContainers as any[] | undefined) ?? []).map((c) => req(c, q)));
  return { cpuMillicores: Math.max(sum('cpu'), init('cpu')), memoryBytes: Math.max(sum('memory'), init('memory')) };
}

/**
 * Every steady-state part of the site as a workload for the test cluster. `upstreamDir`: the
 * upstream chart values (chart default affinity/nodeSelector); without it only our values count.
 */
export function partWorkloads(components: readonly PlatformComponent[], upstreamDir: string | undefined): PartWorkload[] {
  const out: PartWorkload[] = [];
  for (const c of components) {
    const values = c.values;
    const chartValues = upstreamDir && c.upstreamValues && c.isHelm ? upstreamValues(upstreamDir, c.upstreamValues) : undefined;
    const planned = podsFromParts(c.componentName, c.parts);
    for (const part of c.parts) {
      if (TRANSIENT.has(part.kind)) continue;
      const notes: string[] = [];
      const where = `${c.componentName}/${part.name}`;
      const fromManifest = part.manifest !== undefined; // the construct writes the tier settings into its own object
      const tier = schedulingFor(part.tier, { nodeAgent: part.nodeAgent ?? false });

      // PriorityClass: the tier's when synth writes it (a key, or our own manifest); else the cluster default.
      const priorityClassName = part.keyPaths.priorityClassName !== null || fromManifest ? part.priorityClassName : undefined;
      if (priorityClassName === undefined) notes.push('no priorityClassName key: runs at the global default class');
      const tolerations = part.keyPaths.tolerations !== null || fromManifest ? part.tolerations : (part.chartTolerations ?? []);
      if (part.keyPaths.tolerations === null && !fromManifest) notes.push('no tolerations key: chart default tolerations');

      // Affinity: ours (the tier's lifeboat preference) merged by Helm into the chart's default.
      const affinityPath = part.keyPaths.affinity ?? [...part.path, 'affinity'];
      const ours = part.keyPaths.affinity !== null || fromManifest ? (tier.affinity as unknown) : undefined;
      if (tier.affinity && part.keyPaths.affinity === null && !fromManifest) notes.push('lifeboat tier without an affinity key: no worker preference');
      const chartAffinity = chartValues && !fromManifest ? getPath(chartValues, affinityPath) : undefined;
      let affinity = affinityValue(helmCoalesce(ours === undefined ? undefined : structuredClone(ours), chartAffinity));
      if (isPlainObject(affinity) && Object.keys(affinity).length === 0) affinity = undefined;
      if (affinity !== undefined && !isPlainObject(affinity)) throw new Error(`${where}: affinity ${JSON.stringify(affinity)} is not a map`);
      if (isPlainObject(affinity)) {
        const extra = Object.keys(affinity).filter((k) => !(isPlainObject(ours) && k in ours));
        if (extra.length) notes.push(`chart default affinity kept by Helm: ${extra.join(', ')}`);
        affinity = translateAffinity(c.componentName, affinity, where);
      }
      const nodeSelectorRaw = chartValues && !fromManifest ? helmCoalesce(getPath(values, [...part.path, 'nodeSelector']), getPath(chartValues, [...part.path, 'nodeSelector'])) : undefined;
      const nodeSelector =
        isPlainObject(nodeSelectorRaw) && Object.keys(nodeSelectorRaw).length && Object.values(nodeSelectorRaw).every((v) => typeof v === 'string')
          ? (nodeSelectorRaw as Record<string, string>)
          : undefined;

      const entry = VOLUME_PARTS.find((v) => v.component === c.componentName && v.part === part.name);
      const declared = entry?.volume(values);
      const volume = declared && isLocalPath(declared) ? declared : undefined;

      const extras = part.extraContainers ?? [];
      const podSpec: Record<string, unknown> = {
        ...(priorityClassName ? { priorityClassName } : {}),
        tolerations: structuredClone(tolerations),
        ...(affinity ? { affinity } : {}),
        ...(nodeSelector ? { nodeSelector } : {}),
        terminationGracePeriodSeconds: 0,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        ...(extras.some((e) => e.init)
          ? { initContainers: extras.filter((e) => e.init).map((e) => ({ name: e.name, image: PAUSE_IMAGE, resources: containerResources(e.resources) })) }
          : {}),
        containers: [
          { name: 'main', image: PAUSE_IMAGE, resources: containerResources(part.resources), ...(volume ? { volumeMounts: [{ name: volume.claim, mountPath: '/data' }] } : {}) },
          ...extras.filter((e) => !e.init).map((e) => ({ name: e.name, image: PAUSE_IMAGE, resources: containerResources(e.resources) })),
        ],
      };
      const kind = part.kind === 'DaemonSet' ? 'DaemonSet' : part.kind === 'Deployment' ? 'Deployment' : 'StatefulSet';
      const template = planned.find((p) => p.part === part.name);
      if (!template) throw new Error(`${where}: the planner has no pod for it`);
      out.push({
        component: c.componentName,
        part: part.name,
        namespace: c.targetNamespace,
        tier: part.tier,
        kind,
        modelKind: part.kind,
        name: workloadName(c.componentName, part.name),
        replicas: part.replicas,
        planned: template,
        priorityClassName,
        tolerations,
        affinity: affinity as Record<string, unknown> | undefined,
        nodeSelector,
        volume,
        notes,
        ...effectivePodRequests(podSpec),
        podSpec,
      });
    }
  }
  return out;
}

/** The workload object; `withVolume` adds the part's volumeClaimTemplate (StatefulSets only). */
export function workloadManifest(w: PartWorkload, withVolume: boolean): Record<string, unknown> {
  const labels = { [INSTANCE_LABEL]: instanceLabel(w.component, w.part), [COMPONENT_LABEL]: w.component, [PART_LABEL]: w.part };
  const volume = withVolume ? w.volume : undefined;
  const podSpec = structuredClone(w.podSpec) as Record<string, any>;
  if (!volume) for (const c of podSpec.containers) delete c.volumeMounts;
  const template = { metadata: { labels }, spec: podSpec };
  const metadata = { name: w.name, namespace: w.namespace, labels };
  const selector = { matchLabels: { [INSTANCE_LABEL]: labels[INSTANCE_LABEL] } };
  if (w.kind === 'DaemonSet') return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata, spec: { selector, template } };
  if (w.kind === 'Deployment') return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { replicas: w.replicas, selector, template } };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata,
    spec: {
      replicas: w.replicas,
      serviceName: w.name,
      podManagementPolicy: 'Parallel',
      selector,
      template,
      ...(volume
        ? {
            volumeClaimTemplates: [
              {
                metadata: { name: volume.claim },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  ...(volume.storageClassName ? { storageClassName: volume.storageClassName } : {}),
                  resources: { requests: { storage: volume.size } },
                },
              },
            ],
          }
        : {}),
    },
  };
}

/** The tier model's PriorityClasses (as synth/<site>/root/priorityclass-*.yaml). */
export function priorityClassManifests(): Record<string, unknown>[] {
  return TIER_LIST.map((t) => ({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: t.priorityClassName },
    value: t.value,
    globalDefault: t.globalDefault,
    preemptionPolicy: t.preemptionPolicy,
    description: t.description,
  }));
}

/** k3s' local-path StorageClass (the cluster default there); no provisioner runs in the test cluster. */
export function localPathStorageClass(): Record<string, unknown> {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    volumeBindingMode: 'WaitForFirstConsumer',
    reclaimPolicy: 'Delete',
  };
}

/** The PV local-path-provisioner would make for a claim on the node the scheduler selected. */
export function localPathVolume(pvc: { namespace: string; name: string; uid: string; storageClassName: string; size: string }, node: string): Record<string, unknown> {
  const name = `pvc-${pvc.uid}`;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': LOCAL_PATH_PROVISIONER } },
    spec: {
      capacity: { storage: pvc.size },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: pvc.storageClassName,
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.namespace, name: pvc.name, uid: pvc.uid },
      hostPath: { path: `/var/lib/rancher/k3s/storage/${name}_${pvc.namespace}_${pvc.name}`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_KEY, operator: 'In', values: [node] }] }] } },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Observation and comparison

/** A pod of the test cluster, reduced to what the comparison needs. */
export interface ObservedPod {
  readonly namespace: string;
  readonly name: string;
  readonly component: string;
  readonly part: string;
  /** Bound node, or undefined while Pending. */
  readonly node: string | undefined;
  /** For a DaemonSet pod: the node the DaemonSet controller made it for. */
  readonly daemonSetNode: string | undefined;
  readonly phase: string;
  /** StatefulSet ordinal. */
  readonly ordinal: number | undefined;
  /** The scheduler's message while unschedulable. */
  readonly reason: string | undefined;
  readonly nominatedNode: string | undefined;
  readonly claims: readonly string[];
  readonly deleting: boolean;
  readonly createdAt: string;
}

export function observePod(pod: any): ObservedPod | undefined {
  const labels = pod.metadata?.labels ?? {};
  if (!labels[COMPONENT_LABEL] || !labels[PART_LABEL]) return undefined;
  const owner = (pod.metadata.ownerReferences ?? [])[0];
  const dsTerm = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0];
  const scheduled = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
  const m = owner?.kind === 'StatefulSet' ? /-(\d+)$/.exec(pod.metadata.name) : null;
  return {
    namespace: pod.metadata.namespace,
    name: pod.metadata.name,
    component: labels[COMPONENT_LABEL],
    part: labels[PART_LABEL],
    node: pod.spec?.nodeName || undefined,
    daemonSetNode: owner?.kind === 'DaemonSet' ? (dsTerm?.values?.[0] ?? pod.spec?.nodeName) : undefined,
    phase: pod.status?.phase ?? 'Unknown',
    ordinal: m ? Number(m[1]) : undefined,
    reason: scheduled?.status === 'False' ? `${scheduled.reason}: ${scheduled.message ?? ''}`.trim() : undefined,
    nominatedNode: pod.status?.nominatedNodeName || undefined,
    claims: (pod.spec?.volumes ?? []).flatMap((v: any) => (v.persistentVolumeClaim ? [`${pod.metadata.namespace}/${v.persistentVolumeClaim.claimName}`] : [])),
    deleting: !!pod.metadata.deletionTimestamp,
    createdAt: pod.metadata.creationTimestamp ?? '',
  };
}

/** Where one pod instance runs: a node name, or 'Pending'. */
export type Where = string;
export const PENDING = 'Pending';

export type Verdict =
  /** Both run it on the same node, or both leave it out. */
  | 'agree'
  /** Both run it, on different workers (first fit vs scoring): reported only. */
  | 'other-worker'
  /** Both run it, one on the control-plane node and one on a worker: reported only. */
  | 'other-node'
  /** One runs it, the other does not: a failure. */
  | 'whether'
  /** The scheduler leaves it Pending because its local-path volume is on a down node: the README caveat, reported only. */
  | 'volume';

export interface InstanceRow {
  /** Planner-style name: `component/part#replica` or `component/part@node`. */
  readonly name: string;
  readonly tier: TierName;
  readonly planner: Where;
  /** 'preempted' detail for the planner, when so. */
  readonly plannerNote: string | undefined;
  readonly scheduler: Where;
  readonly schedulerNote: string | undefined;
  readonly pod: string | undefined;
  readonly verdict: Verdict;
  /** Node of its local-path volume (volume pass). */
  readonly volumeNode: string | undefined;
}

export interface ScenarioComparison {
  readonly scenario: string;
  readonly upNodes: readonly string[];
  readonly controlPlane: string;
  readonly rows: readonly InstanceRow[];
}

/**
 * Pairs the scheduler's pods with the planner's instances, pod by pod. DaemonSet pods pair by
 * node; StatefulSet pods by ordinal; Deployment pods (random names) by node where the planner
 * has a replica there, then the remaining running pods, then the pending ones.
 */
export function compareScenario(opts: {
  scenario: string;
  placement: PlacementResult;
  observed: readonly ObservedPod[];
  upNodes: readonly string[];
  controlPlane: string;
  workloads: readonly PartWorkload[];
  volumeNodeOf?: ReadonlyMap<string, string>;
}): ScenarioComparison {
  const { placement, upNodes, controlPlane } = opts;
  const up = new Set(upNodes);
  const plannerWhere = new Map<string, { where: Where; note?: string }>();
  for (const p of placement.placements) plannerWhere.set(p.instance.name, { where: p.node });
  for (const u of placement.pending) plannerWhere.set(u.instance.name, { where: PENDING, note: 'pending' });
  for (const u of placement.preempted) plannerWhere.set(u.instance.name, { where: PENDING, note: `preempted by ${u.preemptedBy}` });

  const rows: InstanceRow[] = [];
  for (const w of opts.workloads) {
    const base = `${w.component}/${w.part}`;
    const pods = opts.observed.filter((p) => p.component === w.component && p.part === w.part && !p.deleting);
    const volumeNode = (pod: ObservedPod | undefined): string | undefined =>
      pod?.claims.map((c) => opts.volumeNodeOf?.get(c)).find((n) => n !== undefined);
    const row = (name: string, pod: ObservedPod | undefined): InstanceRow => {
      const planned = plannerWhere.get(name) ?? { where: PENDING, note: 'not in the plan' };
      const scheduler: Where = pod?.node && pod.phase !== 'Failed' ? pod.node : PENDING;
      const vNode = volumeNode(pod);
      let verdict: Verdict;
      if (planned.where === scheduler) verdict = 'agree';
      else if (planned.where === PENDING || scheduler === PENDING) verdict = scheduler === PENDING && vNode !== undefined && !up.has(vNode) ? 'volume' : 'whether';
      else verdict = planned.where !== controlPlane && scheduler !== controlPlane ? 'other-worker' : 'other-node';
      return {
        name,
        tier: w.tier,
        planner: planned.where,
        plannerNote: planned.note,
        scheduler,
        schedulerNote: pod ? (scheduler === PENDING ? (pod.reason ?? pod.phase) : undefined) : 'no pod',
        pod: pod ? `${pod.namespace}/${pod.name}` : undefined,
        verdict,
        volumeNode: vNode,
      };
    };
    if (w.kind === 'DaemonSet') {
      const nodes = new Set<string>([
        ...[...plannerWhere.keys()].filter((n) => n.startsWith(`${base}@`)).map((n) => n.slice(base.length + 1)),
        ...pods.map((p) => p.daemonSetNode ?? '').filter((n) => up.has(n)),
      ]);
      for (const node of [...nodes].sort()) rows.push(row(`${base}@${node}`, pods.find((p) => p.daemonSetNode === node)));
      continue;
    }
    // Pods bound to a down node do not count (the planner does not see down nodes).
    const live = pods.filter((p) => p.node === undefined || up.has(p.node));
    const names = Array.from({ length: w.replicas }, (_, r) => `${base}#${r}`);
    const assigned = new Map<string, ObservedPod>();
    if (w.kind === 'StatefulSet') {
      for (const p of live) if (p.ordinal !== undefined && p.ordinal < w.replicas) assigned.set(`${base}#${p.ordinal}`, p);
    } else {
      const free = [...live].sort((a, b) => compareText(a.name, b.name));
      const take = (pred: (p: ObservedPod) => boolean): ObservedPod | undefined => {
        const i = free.findIndex(pred);
        return i === -1 ? undefined : free.splice(i, 1)[0];
      };
      for (const n of names) {
        const where = plannerWhere.get(n)?.where;
        const p = where && where !== PENDING ? take((x) => x.node === where) : undefined;
        if (p) assigned.set(n, p);
      }
      for (const n of names) if (!assigned.has(n)) { const p = take((x) => x.node !== undefined); if (p) assigned.set(n, p); }
      for (const n of names) if (!assigned.has(n)) { const p = take(() => true); if (p) assigned.set(n, p); }
    }
    for (const n of names) rows.push(row(n, assigned.get(n)));
  }
  return { scenario: opts.scenario, upNodes, controlPlane, rows };
}

/** Pod count, CPU and memory per node (and Pending) on each side, for the report. */
export function nodeSummary(cmp: ScenarioComparison, workloads: readonly PartWorkload[]): string[] {
  const req = new Map(workloads.map((w) => [`${w.component}/${w.part}`, w]));
  const base = (name: string): string => name.replace(/[#@].*$/, '');
  const places = [...cmp.upNodes, PENDING];
  const fmt = (rows: readonly InstanceRow[]): string => {
    const cpu = rows.reduce((s, r) => s + (req.get(base(r.name))?.cpuMillicores ?? 0), 0);
    const mem = rows.reduce((s, r) => s + (req.get(base(r.name))?.memoryBytes ?? 0), 0);
    return `${String(rows.length).padStart(3)} pods ${(cpu / 1000).toFixed(2).padStart(5)} cpu ${(mem / 1024 ** 3).toFixed(2).padStart(5)} GiB`;
  };
  const lines = [`  ${'node'.padEnd(12)} | ${'scheduler'.padEnd(30)} | planner`];
  for (const place of places) {
    lines.push(
      `  ${place.padEnd(12)} | ${fmt(cmp.rows.filter((r) => r.scheduler === place)).padEnd(30)} | ${fmt(cmp.rows.filter((r) => r.planner === place))}`,
    );
  }
  return lines;
}

/** One line per scenario for the suite summary: pods per node on each side, then the disagreements. */
export function summaryLine(cmp: ScenarioComparison, title = cmp.scenario): string {
  const side = (key: 'scheduler' | 'planner'): string =>
    [...cmp.upNodes, PENDING].map((n) => `${n} ${cmp.rows.filter((r) => r[key] === n).length}`).join(', ');
  const count = (v: Verdict): number => cmp.rows.filter((r) => r.verdict === v).length;
  return (
    `${title}: scheduler ${side('scheduler')} | planner ${side('planner')} | ` +
    `whether ${count('whether')}, volume ${count('volume')}, other node ${count('other-node')}, other worker ${count('other-worker')}`
  );
}

export function formatComparison(cmp: ScenarioComparison, workloads: readonly PartWorkload[], title = cmp.scenario): string {
  const out = [`=== ${title} (up: ${cmp.upNodes.join(', ')})`, ...nodeSummary(cmp, workloads)];
  const diffs = cmp.rows.filter((r) => r.verdict !== 'agree');
  const counts = (['whether', 'volume', 'other-node', 'other-worker'] as const).map((v) => `${v}: ${diffs.filter((r) => r.verdict === v).length}`);
  out.push(`  disagreements: ${diffs.length} (${counts.join(', ')})`);
  for (const r of diffs) {
    const note = [r.plannerNote ? `planner: ${r.plannerNote}` : '', r.schedulerNote ? `scheduler: ${r.schedulerNote}` : '', r.volumeNode ? `volume on ${r.volumeNode}` : '']
      .filter(Boolean)
      .join('; ');
    out.push(`  - [${r.verdict}] ${r.name} (${r.tier}): planner ${r.planner}, scheduler ${r.scheduler}${note ? ` — ${note}` : ''}`);
  }
  return out.join('\n');
}

/** Lifeboat tiers (core, critical): what must run on the control-plane node in Red. */
export function isLifeboat(tier: TierName): boolean {
  return TIERS[tier].lifeboat;
}
