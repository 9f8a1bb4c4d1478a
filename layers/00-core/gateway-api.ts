import type { Construct } from 'constructs';
import { PlatformComponent, type BootstrapFacts, type GitDirectorySource, type PlatformComponentProps } from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';

/** Gateway API release whose standard-channel CRDs the platform installs. */
export const GATEWAY_API_VERSION = 'v1.6.1';

/** The standard-channel CRDs, straight from the Gateway API repository at the pinned tag. */
export const GATEWAY_API_CRDS: GitDirectorySource = {
  type: 'git',
  repoURL: 'https://github.com/kubernetes-sigs/gateway-api.git',
  path: 'config/crd/standard',
  targetRevision: GATEWAY_API_VERSION,
  include: 'gateway.networking.k8s.io_*.yaml',
};

/**
 * The same CRDs as one file, for bootstrap (which has no ArgoCD yet to read the repository): the
 * release asset of the tag the source resolves to (`{version}`: `targetRevision`, after any
 * `components.gateway-api.version` override). Every object in it carries the release in
 * `versionAnnotation`, which tells bootstrap which release is installed.
 */
export const GATEWAY_API_BOOTSTRAP: BootstrapFacts = {
  manifestUrl: 'https://github.com/kubernetes-sigs/gateway-api/releases/download/{version}/standard-install.yaml',
  versionAnnotation: 'gateway.networking.k8s.io/bundle-version',
};

/** The standard channel's kinds and served versions at {@link GATEWAY_API_VERSION}. */
const GATEWAY_API_APIS = [
  'gateway.networking.k8s.io/v1/BackendTLSPolicy',
  'gateway.networking.k8s.io/v1/GRPCRoute',
  'gateway.networking.k8s.io/v1/Gateway',
  'gateway.networking.k8s.io/v1/GatewayClass',
  'gateway.networking.k8s.io/v1/HTTPRoute',
  'gateway.networking.k8s.io/v1beta1/Gateway',
  'gateway.networking.k8s.io/v1beta1/GatewayClass',
  'gateway.networking.k8s.io/v1beta1/HTTPRoute',
  'gateway.networking.k8s.io/v1beta1/ReferenceGrant',
];

/**
 * Gateway API standard-channel CRDs. Cilium's operator looks for them when it starts (and the
 * Cilium chart creates a GatewayClass), so the root syncs this Application before the
 * 00-core ApplicationSet, and bootstrap applies the same CRDs before Cilium. Server-side apply:
 * the HTTPRoute CRD is over the client-side annotation limit.
 */
export class GatewayApiCrds extends PlatformComponent {
  constructor(scope: Construct, props: PlatformComponentProps) {
    super(scope, props, {
      namespace: 'kube-system',
      source: GATEWAY_API_CRDS,
      bootstrap: GATEWAY_API_BOOTSTRAP,
      // CRDs: deleting them would delete every route; never prune, never cascade.
      sync: { serverSideApply: true, prune: false },
      delivery: { kind: 'root' },
      providesApis: GATEWAY_API_APIS,
      clusterScopedKinds: [
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
        { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' },
        { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding' },
      ],
    });
  }
}

export const gatewayApi = defineComponent({
  file: import.meta.url,
  name: 'gateway-api',
  layer: '00-core',
  tier: 'core',
  description: 'Gateway API standard-channel CRDs (Cilium serves them).',
  defaultEnabled: true,
  required: true,
  build: (scope, ctx) => new GatewayApiCrds(scope, ctx),
});
