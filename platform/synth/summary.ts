/** The short summary `npm run synth` prints: components, objects, files, total requests. */
import { formatCpu, formatMemory } from '../model/quantity.js';
import { expandPods, nodeFromSpec, podsFromParts } from '../planner/index.js';
import { inventoryFile, parseInventory } from '../render/inventory.js';
import type { SiteBuild } from './build.js';
import type { WriteReport } from './write.js';

export interface Requests {
  readonly cpuMillis: number;
  readonly memoryBytes: number;
}

/**
 * Steady-state requests with every node up: each pod once, DaemonSets once per node they
 * tolerate (the planner's expansion), Jobs and CronJobs left out (they run to completion).
 */
export function requestsByComponent(build: Pick<SiteBuild, 'config' | 'components'>): Map<string, Requests> {
  const nodes = build.config.nodes.map(nodeFromSpec);
  const out = new Map<string, Requests>();
  for (const c of build.components) {
    const instances = expandPods(nodes, podsFromParts(c.componentName, c.parts));
    out.set(c.componentName, {
      cpuMillis: instances.reduce((n, i) => n + i.pod.cpuMillicores, 0),
      memoryBytes: instances.reduce((n, i) => n + i.pod.memoryBytes, 0),
    });
  }
  return out;
}

export function platformRequests(build: SiteBuild): Requests {
  return [...requestsByComponent(build).values()].reduce(
    (a, b) => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes }),
    { cpuMillis: 0, memoryBytes: 0 },
  );
}

export function formatSummary(build: SiteBuild, report?: WriteReport): string {
  const objects = build.rootObjects.length + [...build.resources.values()].reduce((n, o) => n + o.length, 0);
  const total = platformRequests(build);
  const lines = [
    `site ${build.config.site.name}: ${build.components.length} components, ${objects} objects, ${build.files.size} files`,
    `requests (steady state, DaemonSets x nodes): cpu ${formatCpu(total.cpuMillis)}, memory ${formatMemory(total.memoryBytes)}`,
  ];
  const carried = inventoryCarriedLine(build);
  if (carried) lines.push(carried);
  if (report) {
    lines.push(
      report.written.length || report.removed.length
        ? `synth/: ${report.written.length} written, ${report.removed.length} removed, ${report.unchanged} unchanged`
        : `synth/: up to date (${report.unchanged} files unchanged)`,
    );
  }
  return lines.join('\n');
}

/**
 * When the site had no inventory and its image list came from another site folder (a rename),
 * one line that says so, how many images, and whether they are stale; otherwise `undefined`.
 */
export function inventoryCarriedLine(build: Pick<SiteBuild, 'config' | 'files' | 'inventoryCarriedFrom'>): string | undefined {
  if (!build.inventoryCarriedFrom) return undefined;
  const path = inventoryFile(build.config.site.name);
  const { doc } = parseInventory(build.files.get(path) ?? '');
  const images = doc?.images.length ?? 0;
  return (
    `inventory: ${path} did not exist (site renamed?): ${images} image(s) carried over from ${build.inventoryCarriedFrom}` +
    (doc?.stale
      ? '; marked stale until `edge-idp inventory` re-renders the charts (staleReason in the file says which)'
      : '; their render inputs are unchanged, so they are current')
  );
}
