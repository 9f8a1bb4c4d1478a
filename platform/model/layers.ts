/**
 * The layers, in the order they come up. The id is also the folder name under `layers/` and
 * under `synth/<site>/layers/`: a path contract (renaming one makes ArgoCD prune what moved).
 */
export const LAYER_IDS = ['00-core', '01-services', '02-engines', '03-apps', '04-tenants'] as const;
export type LayerId = (typeof LAYER_IDS)[number];

export interface Layer {
  readonly id: LayerId;
  /** Short name used in ArgoCD object names (`edge-idp-core`). */
  readonly shortName: string;
  readonly description: string;
}

export const LAYERS: readonly Layer[] = [
  { id: '00-core', shortName: 'core', description: 'Network and cluster basics: Cilium, Gateway API CRDs, namespaces.' },
  { id: '01-services', shortName: 'services', description: 'Platform services: PKI, secrets, metrics, logs.' },
  { id: '02-engines', shortName: 'engines', description: 'Engines: GitOps, policy, secret sync, workflows.' },
  { id: '03-apps', shortName: 'apps', description: 'User-facing apps: dashboards, the site gateway and its routes, the optional portal.' },
  { id: '04-tenants', shortName: 'tenants', description: "The teams' namespaces, quotas, access and secrets stores; their apps follow in one ApplicationSet, each in its team's AppProject." },
];

export function layerIndex(id: LayerId): number {
  return LAYER_IDS.indexOf(id);
}

export function layerById(id: LayerId): Layer {
  const layer = LAYERS.find((l) => l.id === id);
  if (!layer) throw new Error(`unknown layer '${id}'`);
  return layer;
}
