/**
 * Checks on rendered chart output: does every pod the chart will run carry the tier settings,
 * explicit resources and pinned images the component declared? Values files can only say what
 * we *asked* for; a chart that ignores a key (or renders a part we never declared) is only
 * visible in the rendered objects, which is why these checks run on `helm template` output.
 *
 * Pure functions over parsed objects: no I/O, deterministic output (sorted, no timestamps).
 */
import { acceptsDefaultPriorityClass, type GroupKind, type ResolvedPodPart } from '../model/component.js';
import { apiGroup, CLUSTER_SCOPED_KINDS } from '../model/kinds.js';
import { isPinnedImage } from '../model/images.js';
import { compareText } from '../model/order.js';
import { schedulingFor, type TierName, type Toleration } from '../model/tiers.js';
import { getPath, isPlainObject, type ValuesPath } from '../model/values.js';
import type { K8sObject } from './render.js';

/** Kinds whose pod template is at `spec.template.spec`. */
const TEMPLATE_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** prometheus-operator kinds: the operator builds the pods; scheduling and resources sit in `spec`. */
const OPERATOR_KINDS: ReadonlySet<string> = new Set(['Prometheus', 'Alertmanager']);
const OPERATOR_GROUP = 'monitoring.coreos.com/';

/** A pod template found in rendered output. */
export interface PodTemplate {
  readonly object: K8sObject;
  readonly kind: string;
  readonly name: string;
  /** The object's own `metadata.namespace`, `undefined` when the chart leaves it to the Application. */
  readonly namespace: string | undefined;
  /** `Kind/name`, how reports name the object. */
  readonly ref: string;
  /** True for Prometheus/Alertmanager: `spec` is the custom resource's spec, not a PodSpec. */
  readonly operatorManaged: boolean;
  /** The PodSpec, or the custom resource's spec for operator-managed kinds. */
  readonly spec: Readonly<Record<string, unknown>>;
  /** The `helm.sh/hook` annotation, or `null` for a normal resource. */
  readonly hook: string | null;
}

/** What a miss is about. */
export type CheckRule = 'undeclared' | 'kind' | 'namespace' | 'priorityClassName' | 'tolerations' | 'resources' | 'image' | 'network';

const RULE_ORDER: readonly CheckRule[] = ['undeclared', 'kind', 'namespace', 'priorityClassName', 'tolerations', 'resources', 'image', 'network'];

/** One thing wrong with one rendered object. */
export interface CheckMiss {
  /** `Kind/name` of the object. */
  readonly object: string;
  readonly rule: CheckRule;
  /** The declared part the object was matched to, or `null` (undeclared part, or not a workload). */
  readonly part: string | null;
  /** The container concerned, for `resources` and `image`. */
  readonly container?: string;
  /** The values key that would fix it, dotted (`cache.priorityClassName`), or `null` when none is known. */
  readonly fixKey: string | null;
  /** The same key as a path. */
  readonly fixPath: ValuesPath | null;
  /** One line naming the object, what is wrong and the fix. */
  readonly message: string;
}

/** The check of one pod template. */
export interface PodTemplateReport {
  readonly object: string;
  readonly kind: string;
  readonly name: string;
  /** The declared part it was matched to, or `null` for an undeclared part. */
  readonly part: string | null;
  readonly hook: string | null;
  readonly compliant: boolean;
  readonly misses: readonly CheckMiss[];
}

/** The check of one component's rendered chart. */
export interface ComponentCheckReport {
  readonly component: string;
  readonly namespace: string;
  /** Pod templates found in the rendered output (hooks included). */
  readonly partsFound: number;
  /** Pod templates with no miss. */
  readonly partsCompliant: number;
  /** Every pod template, sorted by kind then name. */
  readonly workloads: readonly PodTemplateReport[];
  /** Every miss (workloads' and other objects' namespace misses), sorted by object, rule, container. */
  readonly misses: readonly CheckMiss[];
  /**
   * Declared parts no rendered workload was matched to: a part that the values turned off, or a
   * declaration whose name/kind does not match the chart (so its settings went nowhere).
   */
  readonly unrenderedParts: readonly string[];
  /** True when there is no miss. */
  readonly ok: boolean;
}

/**
 * What the check needs of a component; a `PlatformComponent` fits as is.
 */
export interface CheckableComponent {
  readonly componentName: string;
  /** Namespace the component deploys to (the Application's destination). */
  readonly targetNamespace: string;
  /** The component tier: expected settings of pods that match no declared part. */
  readonly tier: TierName;
  readonly parts: readonly ResolvedPodPart[];
  /**
   * The values the chart was rendered with. Optional; when given, a message can tell "the key is
   * not set" from "the key is set but the chart does not apply it to this object".
   */
  readonly values?: Readonly<Record<string, unknown>>;
  /** Cluster-scoped kinds the chart creates beyond the platform's list (`model/kinds.ts`). */
  readonly clusterScopedKinds?: readonly GroupKind[];
  /**
   * The namespaced kinds the component declares its chart renders (its AppProject's
   * `namespaceResourceWhitelist`). When given, a rendered namespaced object of another kind is
   * a `kind` miss (ArgoCD would refuse to sync it), and so is a declared kind the chart does
   * not render (the project would allow more than the chart needs). Default: not checked.
   */
  readonly namespacedKinds?: readonly GroupKind[];
  /** Helm release name: `<release>-<part>` names a part's workload exactly. Default: unknown. */
  readonly releaseName?: string;
  /** Other namespaces the component legitimately writes into (its extra and destination namespaces). Default: none. */
  readonly extraNamespaces?: readonly string[];
  readonly extraDestinations?: readonly string[];
}

/** Options of {@link checkRendered}. */
export interface CheckOptions {
  /**
   * More cluster-scoped kinds exempt from the namespace check, on top of the platform's list
   * (`CLUSTER_SCOPED_KINDS` in `model/kinds.ts`) and the component's `clusterScopedKinds`.
   */
  readonly clusterScopedKinds?: Iterable<string>;
  /** Misses other checks found in the same rendered objects (the network check), reported with these. Default: none. */
  readonly extraMisses?: readonly CheckMiss[];
}

/**
 * Finds every pod template in rendered objects: Deployment, StatefulSet, DaemonSet, ReplicaSet,
 * Job, CronJob, Pod, and prometheus-operator's Prometheus and Alertmanager. Output order follows
 * the input.
 */
export function findPodTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const object of objects) {
    const kind = object.kind;
    let spec: unknown;
    let operatorManaged = false;
    if (TEMPLATE_KINDS.has(kind)) spec = getPath(object, ['spec', 'template', 'spec']);
    else if (kind === 'CronJob') spec = getPath(object, ['spec', 'jobTemplate', 'spec', 'template', 'spec']);
    else if (kind === 'Pod') spec = object.spec;
    else if (OPERATOR_KINDS.has(kind) && (object.apiVersion ?? '').startsWith(OPERATOR_GROUP)) {
      spec = object.spec;
      operatorManaged = true;
    } else continue;
    const name = typeof object.metadata?.name === 'string' ? object.metadata.name : '<unnamed>';
    const ns = object.metadata?.namespace;
    const hook = object.metadata?.annotations?.['helm.sh/hook'];
    out.push({
      object,
      kind,
      name,
      namespace: typeof ns === 'string' ? ns : undefined,
      ref: `${kind}/${name}`,
      operatorManaged,
      // A workload with no pod spec is malformed; checking it as empty reports what it lacks.
      spec: isPlainObject(spec) ? spec : {},
      hook: typeof hook === 'string' ? hook : null,
    });
  }
  return out;
}

/**
 * Every image the rendered objects run (containers, init and ephemeral containers of every pod
 * template; `spec.image` and container overrides of Prometheus/Alertmanager), sorted by code
 * point and unique, so the inventory diffs cleanly.
 */
export function collectImages(objects: readonly K8sObject[]): string[] {
  const images = new Set<string>();
  for (const t of findPodTemplates(objects)) {
    if (t.operatorManaged && typeof t.spec.image === 'string' && t.spec.image) images.add(t.spec.image);
    for (const { container } of containersOf(t.spec, true)) {
      if (typeof container.image === 'string' && container.image) images.add(container.image);
    }
  }
  return [...images].sort(compareText);
}

/**
 * Checks one component's rendered objects against its declaration: every pod template gets the
 * priorityClassName and tolerations of its part's tier, cpu and memory requests and a memory
 * limit on every container (for Prometheus/Alertmanager: `spec.resources`), and pinned images;
 * every namespaced object lands in the component's namespace (an object without a namespace
 * lands in the Application's destination namespace, which is the component's, so it passes;
 * cluster-scoped kinds are exempt).
 *
 * Rendered workloads are matched to declared parts by kind and name: the longest part name the
 * workload name contains (case-insensitive); then, per kind, one leftover workload and one
 * leftover part are paired. Anything else is an undeclared part, checked against the component
 * tier and reported as a miss of its own.
 */
export function checkRendered(
  component: CheckableComponent,
  objects: readonly K8sObject[],
  opts: CheckOptions = {},
): ComponentCheckReport {
  // One shared list (model/kinds.ts) rather than a discovery call: the check runs without a cluster.
  const clusterScoped = new Set([
    ...CLUSTER_SCOPED_KINDS,
    ...(component.clusterScopedKinds ?? []).map((gk) => gk.kind),
    ...(opts.clusterScopedKinds ?? []),
  ]);
  const templates = findPodTemplates(objects);
  // Parts that are the component's own manifests are not in the chart: nothing to match.
  const chartParts = component.parts.filter((p) => !p.manifest);
  const matches = matchParts(templates, chartParts, component.releaseName);
  const allowedNamespaces = new Set([component.targetNamespace, ...(component.extraNamespaces ?? []), ...(component.extraDestinations ?? [])]);
  const templateObjects = new Set<K8sObject>(templates.map((t) => t.object));
  const ctx: MissContext = { component };

  const workloads: PodTemplateReport[] = templates.map((t, i) => {
    const part = matches[i] ?? null;
    const misses = checkTemplate(ctx, t, part);
    if (t.namespace !== undefined && !allowedNamespaces.has(t.namespace)) {
      misses.unshift(namespaceMiss(component, t.ref, t.namespace, part?.name ?? null));
    }
    const sorted = sortMisses(misses);
    return {
      object: t.ref,
      kind: t.kind,
      name: t.name,
      part: part?.name ?? null,
      hook: t.hook,
      compliant: sorted.length === 0,
      misses: sorted,
    };
  });
  workloads.sort((a, b) => compareText(a.kind, b.kind) || compareText(a.name, b.name));

  const otherMisses: CheckMiss[] = [];
  for (const o of objects) {
    if (templateObjects.has(o) || clusterScoped.has(o.kind)) continue;
    const ns = o.metadata?.namespace;
    if (typeof ns === 'string' && !allowedNamespaces.has(ns)) {
      otherMisses.push(namespaceMiss(component, `${o.kind}/${o.metadata?.name ?? '<unnamed>'}`, ns, null));
    }
  }

  if (component.namespacedKinds) otherMisses.push(...kindMisses(component, component.namespacedKinds, objects, clusterScoped));

  const matched = new Set(matches.filter((p): p is ResolvedPodPart => p !== undefined).map((p) => p.name));
  const unrenderedParts = chartParts.map((p) => p.name).filter((n) => !matched.has(n)).sort(compareText);
  const misses = sortMisses([...workloads.flatMap((w) => w.misses), ...otherMisses, ...(opts.extraMisses ?? [])]);
  return {
    component: component.componentName,
    namespace: component.targetNamespace,
    partsFound: workloads.length,
    partsCompliant: workloads.filter((w) => w.compliant).length,
    workloads,
    misses,
    unrenderedParts,
    ok: misses.length === 0,
  };
}

/**
 * A plain-text report: one summary line, then one line per miss and per unrendered part.
 * Returned, never printed (the CLI decides where it goes).
 */
export function formatCheckReport(report: ComponentCheckReport): string {
  const lines = [
    `${report.component} (namespace ${report.namespace}): ${report.partsCompliant}/${report.partsFound} pod templates compliant` +
      (report.ok ? '' : `, ${report.misses.length} miss${report.misses.length === 1 ? '' : 'es'}`),
  ];
  for (const m of report.misses) lines.push(`  - ${m.message}`);
  for (const p of report.unrenderedParts) {
    lines.push(`  ! declared part '${p}' matched no rendered workload (turned off by values, or its name/kind do not match the chart)`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

interface MissContext {
  readonly component: CheckableComponent;
}

interface ContainerRef {
  readonly container: Readonly<Record<string, unknown>>;
  readonly list: 'containers' | 'initContainers' | 'ephemeralContainers';
}

function containersOf(spec: Readonly<Record<string, unknown>>, withEphemeral: boolean): ContainerRef[] {
  const lists: ContainerRef['list'][] = withEphemeral
    ? ['initContainers', 'containers', 'ephemeralContainers']
    : ['initContainers', 'containers'];
  const out: ContainerRef[] = [];
  for (const list of lists) {
    const items = spec[list];
    if (!Array.isArray(items)) continue;
    for (const c of items) if (isPlainObject(c)) out.push({ container: c, list });
  }
  return out;
}

/** Pairs each template with a declared part (or `undefined`), by index. */
function matchParts(templates: readonly PodTemplate[], parts: readonly ResolvedPodPart[], release?: string): (ResolvedPodPart | undefined)[] {
  const result: (ResolvedPodPart | undefined)[] = templates.map((t) => {
    const name = t.name.toLowerCase();
    // An exact name first: `<part>` or `<release>-<part>` (so `policy-reporter-ui` is the `ui` part,
    // not the `policy-reporter` part whose name it also contains).
    const exact = parts.find(
      (p) => p.kind === t.kind && (name === p.name.toLowerCase() || (release !== undefined && name === `${release}-${p.name}`.toLowerCase())),
    );
    if (exact) return exact;
    let best: ResolvedPodPart | undefined;
    for (const p of parts) {
      if (p.kind !== t.kind || !name.includes(p.name.toLowerCase())) continue;
      // Longest wins so `repo-server` beats `server` for `argocd-repo-server`; ties keep declaration order.
      if (!best || p.name.length > best.name.length) best = p;
    }
    return best;
  });
  // Charts often name their main workload after the release alone (`cert-manager` for the
  // `controller` part): when exactly one workload and one part of a kind are left, they belong together.
  const used = new Set(result.filter((p) => p !== undefined).map((p) => p!.name));
  const kinds = new Set(templates.map((t) => t.kind));
  for (const kind of kinds) {
    const leftT = templates.map((t, i) => ({ t, i })).filter(({ t, i }) => t.kind === kind && result[i] === undefined);
    const leftP = parts.filter((p) => p.kind === kind && !used.has(p.name));
    if (leftT.length === 1 && leftP.length === 1) result[leftT[0]!.i] = leftP[0];
  }
  return result;
}

function checkTemplate(ctx: MissContext, t: PodTemplate, part: ResolvedPodPart | null): CheckMiss[] {
  const { component } = ctx;
  const misses: CheckMiss[] = [];
  const partName = part?.name ?? null;
  const where = part ? `${t.ref} (part '${part.name}')` : `${t.ref} (undeclared part)`;
  const expected = part
    ? { priorityClassName: part.priorityClassName, tolerations: part.tolerations }
    : schedulingFor(component.tier);
  const tierName = part?.tier ?? component.tier;

  if (!part) {
    const declared = component.parts.map((p) => `${p.kind} '${p.name}'`).join(', ') || 'none';
    misses.push({
      object: t.ref,
      rule: 'undeclared',
      part: null,
      fixKey: null,
      fixPath: null,
      message:
        `${where}: matches no declared part of component '${component.componentName}' (declared: ${declared}); ` +
        `add a ${t.kind} part whose name the workload name contains, so its tier, resources and capacity are set and counted`,
    });
  }

  // priorityClassName (a documented default-class part runs unset: see acceptsDefaultPriorityClass)
  const pcn = t.spec.priorityClassName;
  const defaultClassOk = part !== null && acceptsDefaultPriorityClass(part) && (pcn === undefined || pcn === '');
  if (pcn !== expected.priorityClassName && !defaultClassOk) {
    const actual = typeof pcn === 'string' && pcn ? `'${pcn}'` : 'not set';
    misses.push(
      withFix(ctx, {
        object: t.ref,
        rule: 'priorityClassName',
        part: partName,
        what: `${where}: priorityClassName is ${actual}, expected '${expected.priorityClassName}' (tier ${tierName})`,
        key: part ? part.keyPaths.priorityClassName : null,
        expectedValue: expected.priorityClassName,
        partNote: part?.note,
        undeclared: !part,
      }),
    );
  }

  // tolerations
  const actualTolerations = Array.isArray(t.spec.tolerations) ? t.spec.tolerations.filter(isPlainObject) : [];
  const missing = expected.tolerations.filter((e) => !actualTolerations.some((a) => tolerationCovers(a, e)));
  if (missing.length > 0) {
    misses.push(
      withFix(ctx, {
        object: t.ref,
        rule: 'tolerations',
        part: partName,
        what: `${where}: tolerations lack ${missing.map(formatToleration).join(', ')} (tier ${tierName}${part?.nodeAgent ? ', node agent' : ''})`,
        key: part ? part.keyPaths.tolerations : null,
        expectedValue: expected.tolerations,
        partNote: part?.note,
        undeclared: !part,
      }),
    );
  }

  // resources
  if (t.operatorManaged) {
    const lacking = lackingResources(t.spec.resources);
    if (lacking.length > 0) {
      misses.push(
        withFix(ctx, {
          object: t.ref,
          rule: 'resources',
          part: partName,
          what: `${where}: spec.resources lacks ${lacking.join(', ')}`,
          key: part ? part.keyPaths.resources : null,
          expectedValue: part?.resources,
          partNote: part?.note,
          undeclared: !part,
        }),
      );
    }
  } else {
    // The main container is the first regular container that is not a declared extra one; its
    // resources come from the part's resources key. Others need an ExtraContainer declaration.
    const extras = new Map((part?.extraContainers ?? []).map((c) => [c.name, c] as const));
    let mainSeen = false;
    for (const { container, list } of containersOf(t.spec, false)) {
      const cname = typeof container.name === 'string' ? container.name : '<unnamed>';
      const lacking = lackingResources(container.resources);
      const extra = extras.get(cname);
      let key: ValuesPath | null = null;
      let expectedValue: unknown;
      let keyless: string | undefined;
      if (extra) {
        key = extra.resourcesKey;
        expectedValue = extra.resources;
      } else if (list === 'containers' && !mainSeen) {
        mainSeen = true;
        key = part ? part.keyPaths.resources : null;
        expectedValue = part?.resources;
      } else if (part) {
        keyless = `declare ${list === 'initContainers' ? 'init container' : 'container'} '${cname}' in part '${part.name}' extraContainers with the value key that sets its resources`;
      }
      if (lacking.length === 0) continue;
      misses.push(
        withFix(ctx, {
          object: t.ref,
          rule: 'resources',
          part: partName,
          container: cname,
          what: `${where}: ${list === 'initContainers' ? 'init container' : 'container'} '${cname}' lacks resources ${lacking.join(', ')}`,
          key,
          expectedValue,
          partNote: keyless ?? part?.note,
          undeclared: !part,
        }),
      );
    }
  }

  // images
  const images: { image: unknown; container: string }[] = [];
  if (t.operatorManaged && t.spec.image !== undefined) images.push({ image: t.spec.image, container: 'spec.image' });
  for (const { container } of containersOf(t.spec, true)) {
    const cname = typeof container.name === 'string' ? container.name : '<unnamed>';
    // Operator container entries are patches merged into the operator's own containers; one
    // without an image keeps the operator's (pinned) image.
    if (t.operatorManaged && container.image === undefined) continue;
    images.push({ image: container.image, container: cname });
  }
  for (const { image, container } of images) {
    if (typeof image === 'string' && isPinnedImage(image)) continue;
    const shown = typeof image === 'string' && image ? `'${image}'` : 'missing';
    misses.push({
      object: t.ref,
      rule: 'image',
      part: partName,
      container,
      fixKey: null,
      fixPath: null,
      message: `${where}: image of '${container}' is ${shown}, not pinned; set the chart's image tag (or digest) for it to an exact version, never 'latest'`,
    });
  }
  return misses;
}

interface FixSpec {
  readonly object: string;
  readonly rule: CheckRule;
  readonly part: string | null;
  readonly container?: string;
  /** What is wrong, naming the object. */
  readonly what: string;
  readonly key: ValuesPath | null;
  readonly expectedValue: unknown;
  readonly partNote: string | undefined;
  readonly undeclared: boolean;
}

/** Builds a miss whose message ends with the fix: the key to set, or why there is none. */
function withFix(ctx: MissContext, f: FixSpec): CheckMiss {
  let fix: string;
  const dotted = f.key ? f.key.join('.') : null;
  if (f.undeclared) {
    fix = 'declare the part to get a value key for it';
  } else if (f.key && dotted) {
    const current = ctx.component.values ? getPath(ctx.component.values, f.key) : undefined;
    // When our values already hold the expected setting, setting the key again will not help:
    // the chart does not read that key for this object, so the declaration points at the wrong key.
    fix =
      current !== undefined && f.expectedValue !== undefined && deepEqual(current, f.expectedValue)
        ? `values key ${dotted} is already set, but the chart does not apply it to this object: find the key the chart reads here (or report the chart bug) and point the part's keys at it`
        : `set values key ${dotted}`;
  } else {
    fix = `no value key is declared for it${f.partNote ? ` (${f.partNote})` : ''}`;
  }
  const miss: CheckMiss = {
    object: f.object,
    rule: f.rule,
    part: f.part,
    fixKey: dotted,
    fixPath: f.key,
    message: `${f.what}; fix: ${fix}`,
  };
  return f.container !== undefined ? { ...miss, container: f.container } : miss;
}

/** `kind` misses: rendered namespaced kinds not declared, and declared kinds not rendered. */
function kindMisses(component: CheckableComponent, declared: readonly GroupKind[], objects: readonly K8sObject[], clusterScoped: ReadonlySet<string>): CheckMiss[] {
  const key = (gk: GroupKind): string => (gk.group ? `${gk.group}/${gk.kind}` : gk.kind);
  const allowed = new Set(declared.map(key));
  const rendered = new Set<string>();
  const misses: CheckMiss[] = [];
  for (const o of objects) {
    if (clusterScoped.has(o.kind)) continue;
    const gk = key({ group: apiGroup(o.apiVersion ?? ''), kind: o.kind });
    rendered.add(gk);
    if (allowed.has(gk)) continue;
    const ref = `${o.kind}/${o.metadata?.name ?? '<unnamed>'}`;
    misses.push({
      object: ref,
      rule: 'kind',
      part: null,
      fixKey: null,
      fixPath: null,
      message:
        `${ref}: namespaced kind '${gk}' is not in component '${component.componentName}''s namespacedKinds, so its AppProject ` +
        `would refuse to sync it; fix: add '${gk}' to namespacedKinds in its declaration (or turn the object off in its values)`,
    });
  }
  for (const gk of [...allowed].sort(compareText)) {
    if (rendered.has(gk)) continue;
    misses.push({
      object: `<namespacedKinds ${gk}>`,
      rule: 'kind',
      part: null,
      fixKey: null,
      fixPath: null,
      message:
        `namespacedKinds of component '${component.componentName}' lists '${gk}', but the chart renders no such object; ` +
        `fix: remove it, so the AppProject allows no more than the chart deploys`,
    });
  }
  return misses;
}

function namespaceMiss(component: CheckableComponent, ref: string, actual: string, part: string | null): CheckMiss {
  return {
    object: ref,
    rule: 'namespace',
    part,
    fixKey: null,
    fixPath: null,
    message:
      `${ref}: namespace is '${actual}', but component '${component.componentName}' deploys to '${component.targetNamespace}'; ` +
      `fix: unset the chart's namespace override value (or declare the component in namespace '${actual}')`,
  };
}

/** The missing members of `requests.cpu`, `requests.memory`, `limits.memory`. */
function lackingResources(resources: unknown): string[] {
  const has = (path: ValuesPath): boolean => {
    const v = getPath(resources, path);
    return (typeof v === 'string' && v.trim() !== '') || typeof v === 'number';
  };
  const lacking: string[] = [];
  if (!has(['requests', 'cpu'])) lacking.push('requests.cpu');
  if (!has(['requests', 'memory'])) lacking.push('requests.memory');
  if (!has(['limits', 'memory'])) lacking.push('limits.memory');
  return lacking;
}

/**
 * Kubernetes toleration semantics, applied to tolerations: `actual` covers `expected` when every
 * taint `expected` tolerates is tolerated by `actual` too (an empty key with `Exists` tolerates
 * every key; an empty effect tolerates every effect).
 */
function tolerationCovers(actual: Readonly<Record<string, unknown>>, expected: Toleration): boolean {
  const aKey = typeof actual.key === 'string' ? actual.key : '';
  const aOp = actual.operator === 'Exists' ? 'Exists' : 'Equal';
  const aEffect = typeof actual.effect === 'string' ? actual.effect : '';
  const aValue = typeof actual.value === 'string' ? actual.value : '';
  if (aEffect !== '' && aEffect !== (expected.effect ?? '')) return false;
  if (aKey === '') return aOp === 'Exists';
  if (aKey !== (expected.key ?? '')) return false;
  if (aOp === 'Exists') return true;
  return expected.operator === 'Equal' && aValue === (expected.value ?? '');
}

function formatToleration(t: Toleration): string {
  const parts = [`operator=${t.operator}`];
  if (t.key) parts.unshift(`key=${t.key}`);
  if (t.value) parts.push(`value=${t.value}`);
  if (t.effect) parts.push(`effect=${t.effect}`);
  return `{${parts.join(' ')}}`;
}

function sortMisses(misses: CheckMiss[]): CheckMiss[] {
  return [...misses].sort(
    (a, b) =>
      compareText(a.object, b.object) ||
      RULE_ORDER.indexOf(a.rule) - RULE_ORDER.indexOf(b.rule) ||
      compareText(a.container ?? '', b.container ?? ''),
  );
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

