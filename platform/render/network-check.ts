/**
 * Checks a component's network facts (`platform/model/network.ts`) against what its chart
 * really renders, and its own manifests: the pod labels and ports the policies select on are
 * declared, so only the rendered objects can prove them.
 *
 * - Every pod template in the component's namespace matches exactly one pod group (none: its
 *   pods would get no flow in a default-deny namespace; several: one group's rules would select
 *   the other's pods), with the group's host-network setting.
 * - Every group matches a pod template, or, for pods a controller makes at run time, a rendered
 *   Service selects by all of its labels.
 * - Every declared Service exists, selects the group's pods, and maps each declared port to the
 *   declared pod port (a named target port through the pods' container ports).
 * - Every metrics port (and scrape target's pod port) is a container port of the group's pods.
 *
 * Pure functions over parsed objects.
 */
import type { ScrapeTarget } from '../model/component.js';
import { servicePorts, type ComponentNetwork, type PodLabels } from '../model/network.js';
import { getPath, isPlainObject } from '../model/values.js';
import { findPodTemplates, type CheckMiss, type PodTemplate } from './check.js';
import type { K8sObject } from './render.js';

/** What the network check needs of a component; a `PlatformComponent` fits as is. */
export interface NetworkCheckable {
  readonly componentName: string;
  readonly targetNamespace: string;
  readonly network?: ComponentNetwork | undefined;
  readonly scrapeTargets?: readonly ScrapeTarget[];
}

function podLabels(t: PodTemplate): Readonly<Record<string, string>> {
  const path = t.kind === 'Pod' ? ['metadata', 'labels'] : t.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels'] : ['spec', 'template', 'metadata', 'labels'];
  const labels = getPath(t.object, path);
  return isPlainObject(labels) ? (labels as Record<string, string>) : {};
}

const subset = (sel: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
const show = (labels: PodLabels) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');

/** Container ports of a template, by number and by name. */
function containerPorts(t: PodTemplate): { readonly name?: string; readonly port: number }[] {
  const out: { name?: string; port: number }[] = [];
  for (const list of ['containers', 'initContainers'] as const) {
    const cs = t.spec[list];
    if (!Array.isArray(cs)) continue;
    for (const c of cs) {
      const ports = isPlainObject(c) ? c.ports : undefined;
      if (!Array.isArray(ports)) continue;
      for (const p of ports) {
        if (isPlainObject(p) && typeof p.containerPort === 'number') out.push({ ...(typeof p.name === 'string' ? { name: p.name } : {}), port: p.containerPort });
      }
    }
  }
  return out;
}

/** The network misses of one component, given its chart's rendered objects and its own objects. */
export function networkMisses(component: NetworkCheckable, rendered: readonly K8sObject[], own: readonly K8sObject[] = []): CheckMiss[] {
  const net = component.network;
  if (!net) return [];
  const c = component.componentName;
  const misses: CheckMiss[] = [];
  const miss = (object: string, message: string) => misses.push({ object, rule: 'network', part: null, fixKey: null, fixPath: null, message: `${object}: ${message}` });
  const objects = [...rendered, ...own];
  const inNamespace = (o: K8sObject) => (o.metadata?.namespace ?? component.targetNamespace) === component.targetNamespace;
  // Helm test pods are not deployed by ArgoCD; operator-managed custom resources are checked through their Services.
  const templates = findPodTemplates(objects).filter((t) => !t.operatorManaged && t.hook !== 'test' && inNamespace(t.object));
  const groups = Object.entries(net.pods);
  const byGroup = new Map<string, PodTemplate[]>();
  for (const t of templates) {
    const labels = podLabels(t);
    const hits = groups.filter(([, g]) => subset(g.labels, labels));
    if (hits.length === 0) {
      miss(t.ref, `its pods (${show(labels)}) match no network.pods group of component '${c}': in a default-deny namespace they would get no flow; declare a group with the chart's selector labels`);
    } else if (hits.length > 1) {
      miss(t.ref, `its pods match several network.pods groups of component '${c}' (${hits.map(([n]) => n).join(', ')}): one group's rules would select the other's pods; make the groups' labels tell them apart`);
    } else {
      const [name, g] = hits[0]!;
      byGroup.set(name, [...(byGroup.get(name) ?? []), t]);
      if ((t.spec.hostNetwork === true) !== (g.hostNetwork ?? false)) {
        miss(t.ref, `network.pods.${name} says hostNetwork ${String(g.hostNetwork ?? false)}, the pod template says ${String(t.spec.hostNetwork === true)}: fix the group`);
      }
    }
  }
  const services = objects.filter((o) => o.kind === 'Service' && inNamespace(o));
  const selectorOf = (svc: K8sObject): Readonly<Record<string, string>> => {
    const sel = getPath(svc, ['spec', 'selector']);
    return isPlainObject(sel) ? (sel as Record<string, string>) : {};
  };
  for (const [name, g] of groups) {
    if (g.createdAtRuntime) {
      if (!services.some((s) => subset(g.labels, selectorOf(s)))) {
        miss(`network.pods.${name}`, `made at run time, so a Service of component '${c}' must select pods by all of its labels (${show(g.labels)}), and none does: fix the labels`);
      }
    } else if (!byGroup.has(name)) {
      miss(`network.pods.${name}`, `its labels (${show(g.labels)}) match no pod template component '${c}' renders or makes: fix the labels (or drop the group)`);
    }
  }
  for (const [name, s] of Object.entries(net.services ?? {})) {
    const svc = services.find((o) => o.metadata?.name === name);
    const ref = `Service/${name}`;
    if (!svc) {
      miss(ref, `declared in network.services of component '${c}' but not rendered: fix the name`);
      continue;
    }
    const group = net.pods[s.pods];
    const pods = byGroup.get(s.pods) ?? [];
    const selector = selectorOf(svc);
    // The Service's pods are the group's when its selector holds every group label (it may add
    // labels the pods get at run time, such as Vault's `vault-active`), or when every pod of the
    // group carries its whole selector.
    const selects = (group !== undefined && subset(group.labels, selector)) || (pods.length > 0 && pods.every((t) => subset(selector, podLabels(t))));
    if (!selects) miss(ref, `its selector (${show(selector)}) does not select the pods of network.pods.${s.pods}: fix the service's pod group`);
    const specPorts = getPath(svc, ['spec', 'ports']);
    const ports = Array.isArray(specPorts) ? specPorts.filter(isPlainObject) : [];
    for (const [port, podPort] of servicePorts(s)) {
      const p = ports.find((x) => x.port === port);
      if (!p) {
        miss(ref, `has no port ${port} (it has ${ports.map((x) => String(x.port)).join(', ')}): fix network.services.${name}`);
        continue;
      }
      const target = p.targetPort ?? port;
      const resolved = typeof target === 'number' ? [target] : pods.flatMap((t) => containerPorts(t).filter((cp) => cp.name === target).map((cp) => cp.port));
      if (typeof target === 'string' && group?.createdAtRuntime) continue; // the operator's pods: their container ports are not rendered
      if (!resolved.includes(podPort)) {
        miss(ref, `port ${port} goes to ${typeof target === 'number' ? `pod port ${target}` : `'${target}' (${resolved.join(', ') || 'no such container port'})`}, not to the declared pod port ${podPort}: fix network.services.${name}`);
      }
    }
  }
  const metrics = [...(net.metrics ?? []), ...(component.scrapeTargets ?? []).map((t) => ({ pods: t.pods, port: t.podPort }))];
  for (const m of metrics) {
    if (net.pods[m.pods]?.createdAtRuntime) continue;
    const pods = byGroup.get(m.pods) ?? [];
    if (pods.length > 0 && !pods.some((t) => containerPorts(t).some((cp) => cp.port === m.port))) {
      miss(`network.pods.${m.pods}`, `metrics port ${m.port} is no container port of its pods (${pods.flatMap(containerPorts).map((cp) => cp.port).join(', ') || 'none'}): fix the port`);
    }
  }
  return misses;
}
