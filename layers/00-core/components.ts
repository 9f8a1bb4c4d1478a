import { Type } from '@sinclair/typebox';
import type { ComponentDefinition } from '../../platform/model/definition.js';
import { Cilium } from './cilium.js';
import { GatewayApiCrds } from './gateway-api.js';
import { Namespaces } from './namespaces.js';

/** Layer 00-core, in build order. */
export const CORE_COMPONENTS: readonly ComponentDefinition[] = [
  {
    name: 'gateway-api',
    layer: '00-core',
    description: 'Gateway API standard-channel CRDs (Cilium serves them).',
    defaultEnabled: true,
    required: true,
    create: (scope, p) => new GatewayApiCrds(scope, 'gateway-api', p),
  },
  {
    name: 'cilium',
    layer: '00-core',
    description: 'Cilium CNI: kube-proxy replacement, Hubble relay and UI, Gateway API.',
    defaultEnabled: true,
    required: true,
    settings: {
      operatorReplicas: Type.Optional(
        Type.Integer({ minimum: 1, description: 'Cilium operator replicas. Default: one per node, at most 2.' }),
      ),
    },
    create: (scope, p) =>
      new Cilium(scope, 'cilium', { ...p, operatorReplicas: p.settings.operatorReplicas as number | undefined }),
  },
  {
    name: 'namespaces',
    layer: '00-core',
    description: 'Every platform namespace, with ownership, tier and Pod Security labels.',
    defaultEnabled: true,
    required: true,
    buildLast: true,
    create: (scope, p) => new Namespaces(scope, 'namespaces', { ...p, components: p.built }),
  },
];
