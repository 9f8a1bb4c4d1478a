/**
 * `synth/<site>/README.md`: what the site runs, for reviewers and operators — one row per component
 * with its requests, the totals, a Mermaid diagram of layers and ordering, and the capacity
 * plan. Rendered with handlebars from the same build that writes the manifests.
 */
import Handlebars from 'handlebars';
import type { CapacityPlan } from '../planner/index.js';
import { renderCapacityMarkdown } from '../planner/index.js';
import { formatCpu, formatMemory } from '../model/quantity.js';
import { LAYERS } from '../model/layers.js';
import { TIERS } from '../model/tiers.js';
import { layerWave, rootApplicationWave } from '../argocd/root.js';
import type { PlatformComponent } from '../model/component.js';
import { UI_ACCESS_TEXT } from '../model/ui.js';
import { GENERATED_HEADER } from './files.js';
import type { Requests } from './summary.js';

const TEMPLATE = `<!-- {{header}} -->
# {{site}}: what this site runs

Domain \`{{domain}}\`, {{nodeCount}} nodes, {{componentCount}} components. Requests are steady state
with every node up (DaemonSets once per node they run on; Jobs and CronJobs left out).

| layer | component | tier | namespace | chart / source | delivered by | CPU request | memory request |
|---|---|---|---|---|---|---:|---:|
{{#each rows}}
| {{layer}} | {{name}} | {{tier}} | {{namespace}} | {{source}} | {{delivery}} | {{cpu}} | {{memory}} |
{{/each}}
| **total** | | | | | | **{{totalCpu}}** | **{{totalMemory}}** |

## UIs

How each UI is reached through the gateway and how users sign in (README, "Security model").

| UI | component | its own login | on the gateway |
|---|---|---|---|
{{#each uis}}
| {{url}} | {{component}} | {{login}} | {{access}} |
{{/each}}

## Layers and ordering

The root Application syncs in waves and waits for each to be Healthy (see the health checks in
\`argocd/health-customizations.yaml\`). Arrows: "comes up before".

\`\`\`mermaid
flowchart TD
{{#each layers}}
  subgraph {{id}}["{{title}}"]
{{#each members}}
    {{id}}["{{label}}"]
{{/each}}
  end
{{/each}}
{{#each edges}}
  {{from}} --> {{to}}
{{/each}}
\`\`\`

{{{capacity}}}
`;

const render = Handlebars.compile(TEMPLATE, { noEscape: true, strict: true });

const nodeId = (name: string) => `c_${name.replace(/[^A-Za-z0-9]/g, '_')}`;

function sourceText(c: PlatformComponent): string {
  if (c.source?.type === 'helm') return `${c.source.chart}@${c.source.version}`;
  if (c.source?.type === 'git') return `${c.source.path}@${c.source.targetRevision}`;
  return 'manifests';
}

export function siteReadme(opts: {
  site: string;
  domain: string;
  nodeCount: number;
  components: readonly PlatformComponent[];
  requests: ReadonlyMap<string, Requests>;
  resourcesOf: (component: string) => readonly { apiVersion: string }[];
  plan: CapacityPlan;
}): string {
  const { components, requests } = opts;
  const wave = (c: PlatformComponent) => (c.delivery.kind === 'root' ? rootApplicationWave(c) : layerWave(c.layer));
  const rows = components.map((c) => {
    const r = requests.get(c.componentName) ?? { cpuMillis: 0, memoryBytes: 0 };
    return {
      layer: c.layer,
      name: c.componentName,
      tier: c.tier,
      namespace: c.targetNamespace,
      source: sourceText(c),
      delivery: c.delivery.kind === 'root' ? `root, wave ${wave(c)}` : `ApplicationSet, wave ${wave(c)}`,
      cpu: formatCpu(r.cpuMillis),
      memory: formatMemory(r.memoryBytes),
    };
  });
  const total = [...requests.values()].reduce((a, b) => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes }), { cpuMillis: 0, memoryBytes: 0 });
  const layers = LAYERS.map((l) => ({
    id: `layer_${l.id.replace('-', '_')}`,
    title: `${l.id} (ApplicationSet wave ${layerWave(l.id)})`,
    members: components
      .filter((c) => c.layer === l.id)
      .map((c) => ({ id: nodeId(c.componentName), label: `${c.componentName}<br/>${TIERS[c.tier].name}, wave ${wave(c)}` })),
  })).filter((l) => l.members.length > 0);
  const edges: { from: string; to: string }[] = [];
  for (let i = 1; i < layers.length; i++) edges.push({ from: layers[i - 1]!.id, to: layers[i]!.id });
  // CRD providers before the components whose resources use their API groups.
  const provider = new Map(components.flatMap((c) => c.providesApiGroups.map((g) => [g, c] as const)));
  const seen = new Set<string>();
  for (const c of components) {
    for (const o of opts.resourcesOf(c.componentName)) {
      const p = provider.get(o.apiVersion.split('/')[0]!);
      const key = `${p?.componentName}->${c.componentName}`;
      if (p && p !== c && !seen.has(key)) {
        seen.add(key);
        edges.push({ from: nodeId(p.componentName), to: nodeId(c.componentName) });
      }
    }
  }
  return render({
    header: GENERATED_HEADER,
    site: opts.site,
    domain: opts.domain,
    nodeCount: opts.nodeCount,
    componentCount: components.length,
    rows,
    totalCpu: formatCpu(total.cpuMillis),
    totalMemory: formatMemory(total.memoryBytes),
    layers,
    edges,
    capacity: renderCapacityMarkdown(opts.plan),
    uis: components
      .flatMap((c) => c.uiExposures)
      .map((e) => ({ url: e.url, component: e.component, login: e.login, access: e.access ? UI_ACCESS_TEXT[e.access] : 'not routed' })),
  });
}
