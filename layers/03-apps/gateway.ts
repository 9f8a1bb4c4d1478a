import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { Type } from '@sinclair/typebox';
import { PlatformComponent, type PlatformComponentProps, type PlatformSite } from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { ANNOTATIONS, LABELS } from '../../platform/model/labels.js';
import { TENANTS_COMPONENT, type SiteTenant } from '../../platform/model/tenants.js';
import { ConfigError } from '../../platform/config/errors.js';
import { uiExposures, type UiAccess, type UiExposure } from '../../platform/model/ui.js';
import { CA_ISSUER } from '../01-services/cert-manager.js';
import { CR_SYNC_OPTIONS } from '../../platform/argocd/constants.js';

export const GATEWAY_API = 'gateway.networking.k8s.io/v1';
export const GATEWAY_NAMESPACE = 'gateway';
/** The site's one Gateway. */
export const GATEWAY_NAME = 'edge-idp';
/** The GatewayClass the Cilium chart creates (`gatewayAPI.enabled`). */
export const GATEWAY_CLASS = 'cilium';
export const HTTPS_LISTENER = 'https';
export const HTTP_LISTENER = 'http';
/** The wildcard certificate's Secret, in the gateway namespace (Cilium copies it to its secrets namespace). */
export const WILDCARD_TLS_SECRET = 'wildcard-tls';
/** Kind of {@link CA_ISSUER}: it signs certificates in several namespaces, so it is cluster-wide. */
export const CA_ISSUER_KIND = 'ClusterIssuer';

/** Label every namespace carries with its own name (set by the API server since Kubernetes 1.22). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The wildcard certificate must exist before the Gateway references it (else its listener is Degraded). */
const CERTIFICATE_WAVE = '-1';

/** One route the gateway makes: `https://<subdomain>.<domain>` → `<service>.<namespace>:<port>`. */
export interface UiRoute {
  readonly component: string;
  readonly subdomain: string;
  readonly hostname: string;
  /** Namespace of the backend Service (the UI's own, or its proxy's), where the HTTPRoute lives. */
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
  /** Name of the HTTPRoute. */
  readonly routeName: string;
  /** How users sign in on this route. */
  readonly access: UiAccess;
}

/**
 * The routes of the given UI exposures (see `uiExposures`): one per routed UI, to its backend
 * (the UI itself, or the SSO proxy in front of it), sorted by hostname. UIs without a login
 * that are neither behind the proxy nor listed in `publicUis` get none.
 */
export function uiRoutes(exposures: readonly UiExposure[]): UiRoute[] {
  return exposures.flatMap((e): UiRoute[] =>
    e.backend && e.access
      ? [
          {
            component: e.component,
            subdomain: e.name,
            hostname: e.hostname,
            namespace: e.backend.namespace,
            service: e.backend.service,
            port: e.backend.port,
            routeName: `ui-${e.name}`,
            access: e.access,
          },
        ]
      : [],
  );
}

/** Gateway API's limit on a Gateway's listeners (`spec.listeners` maxItems in the CRD). */
export const MAX_GATEWAY_LISTENERS = 64;

/** One team's HTTPS listener: a hostname it may serve, admitting routes from its namespace only. */
export interface TenantListener {
  readonly team: string;
  readonly name: string;
  readonly hostname: string;
  readonly namespace: string;
  /** The team's certificate Secret (every hostname of the team), in the gateway namespace. */
  readonly secretName: string;
}

/** The team's certificate and its Secret: `tenant-<team>`, `tenant-<team>-tls`. */
export function tenantCertificateName(team: string): string {
  return `tenant-${team}`;
}

/** One listener per hostname of every team, `tenant-<team>-<n>` in the team's hostname order. */
export function tenantListeners(tenants: readonly SiteTenant[]): TenantListener[] {
  return tenants.flatMap((t) =>
    t.hostnames.map((hostname, i) => ({
      team: t.name,
      name: `${tenantCertificateName(t.name)}-${i}`,
      hostname,
      namespace: t.namespace,
      secretName: `${tenantCertificateName(t.name)}-tls`,
    })),
  );
}

export interface PlatformGatewayProps extends PlatformComponentProps {
  /**
   * A fixed IPv4 address for the Gateway's LoadBalancer Service (`spec.addresses`), taken by
   * Cilium LB IPAM from a CiliumLoadBalancerIPPool. Default: none (LB IPAM picks one).
   */
  readonly address?: string;
  /**
   * The teams whose routes the Gateway admits (the site's tenants when the tenants component is
   * enabled): each gets a certificate for its hostnames and one HTTPS listener per hostname that
   * admits HTTPRoutes from its namespace only. Default: none.
   */
  readonly tenants?: readonly SiteTenant[];
}

/**
 * The site's entry point: one Gateway (class `cilium`) with
 * - an HTTPS listener on 443 for `*.<domain>`, terminating TLS with a wildcard certificate
 *   signed by the site CA ({@link CA_ISSUER}), accepting HTTPRoutes only from the namespaces
 *   of the routed UIs (selected by their `kubernetes.io/metadata.name` label, so a tenant
 *   namespace cannot attach a route and claim `argocd.<domain>`);
 * - an HTTP listener on 80 whose only route (in the gateway namespace, the only namespace that
 *   listener accepts) redirects to HTTPS with a 301;
 * - one HTTPRoute per routed UI of every enabled component, at `<subdomain>.<domain>`, to the
 *   UI itself or, for a UI without a login of its own, to the SSO proxy in front of it; a UI
 *   without a login is not routed at all unless the config says so (`uiExposures`,
 *   `platform/model/ui.ts`). Routes derive from every enabled component in phase 2, so a
 *   disabled component has no route. Each route lives in its backend's namespace: a route may attach to a Gateway in
 *   another namespace (the listener's `allowedRoutes` decides), but a backendRef to another
 *   namespace would need a ReferenceGrant there — one more object per backend, in the same
 *   foreign namespace anyway. The routes stay in this (layer-03) Application rather than in
 *   each backend's: ArgoCD reports an HTTPRoute Progressing until its Gateway accepts it, so a
 *   route in an earlier layer's Application would hold that layer (and every later one,
 *   including the Gateway) back forever. The layer-03 AppProject must therefore allow the
 *   backend namespaces as destinations (the namespaces of its objects); they are not
 *   `extraNamespaces`, which would make this component a co-owner of `argocd`, `vault`… and
 *   fail the one-tier-per-namespace rule.
 *
 * Backends must speak plain HTTP: ArgoCD runs `server.insecure`, Vault has a plain listener for
 * the gateway (`VAULT_GATEWAY_PORT`), the other UIs serve HTTP. A TLS-only backend would need a
 * BackendTLSPolicy (`caCertificateRefs` to a ConfigMap holding the site CA — Cilium silently
 * ignores `wellKnownCACertificates`), which the gateway does not make.
 *
 * The Gateway makes Cilium create a LoadBalancer Service (`cilium-gateway-<name>`); on a bare
 * edge site it gets an address only from Cilium LB IPAM (a CiliumLoadBalancerIPPool, plus L2
 * announcements so the LAN can reach it) — cluster-scoped, so layer 00's business. Without an
 * address the Gateway is never Programmed and ArgoCD keeps it Progressing.
 *
 * - per team (issue 17), a certificate for the team's hostnames (`*.<team>.<domain>` by
 *   default) signed by the site CA, and one HTTPS listener per hostname that admits HTTPRoutes
 *   from the team's namespace only: a team routes its own hostnames and nothing else, and no
 *   other namespace can attach to them. A listener for `*.<team>.<domain>` is more specific than
 *   the platform's `*.<domain>`, so requests for the team's hosts pick it (and its certificate);
 *   the platform's listener still admits only the platform's UIs. The HTTP listener's redirect
 *   covers the teams' hosts under the site domain.
 *
 * No pods: no parts, no requests.
 */
export class PlatformGateway extends PlatformComponent {
  /** The routes this gateway makes (set in phase 2). */
  routes: readonly UiRoute[] = [];
  private readonly address: string | undefined;

  constructor(scope: Construct, props: PlatformGatewayProps) {
    super(scope, props, {
      namespace: GATEWAY_NAMESPACE,
      parts: [],
      // No pods of its own: Cilium's Envoy serves the Gateway and calls each UI's pods as
      // Cilium's `ingress` identity, so every `ui` becomes a flow from the gateway.
      network: { pods: {}, routesUis: true },
    });
    this.address = props.address;
    this.tenants = props.tenants ?? [];
  }

  private readonly tenants: readonly SiteTenant[];

  /** Phase 2: the certificate, the Gateway and one route per routed UI of every enabled component. */
  protected override aggregate(site: PlatformSite): void {
    const domain = site.config.site.domain;
    const exposures = uiExposures(site, this.context.configFile);
    this.publishUiExposures(exposures);
    this.routes = uiRoutes(exposures);
    const wildcard = `*.${domain}`;

    new ApiObject(this, 'wildcard-certificate', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: {
        name: 'wildcard',
        namespace: GATEWAY_NAMESPACE,
        annotations: { ...CR_SYNC_OPTIONS, [ANNOTATIONS.syncWave]: CERTIFICATE_WAVE },
      },
      spec: {
        secretName: WILDCARD_TLS_SECRET,
        dnsNames: [wildcard],
        issuerRef: { group: 'cert-manager.io', kind: CA_ISSUER_KIND, name: CA_ISSUER },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      },
    });

    const teamListeners = tenantListeners(this.tenants);
    if (teamListeners.length + 2 > MAX_GATEWAY_LISTENERS) {
      throw new ConfigError(this.context.configFile, [
        {
          path: 'tenants',
          message: `the teams on this site declare ${teamListeners.length} hostnames, and the site Gateway has room for ${MAX_GATEWAY_LISTENERS - 2} (Gateway API allows ${MAX_GATEWAY_LISTENERS} listeners, 2 are the platform's): use fewer hostnames per team (one wildcard each is the default)`,
        },
      ]);
    }
    for (const t of this.tenants) {
      new ApiObject(this, `tenant-certificate-${t.name}`, {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: {
          name: tenantCertificateName(t.name),
          namespace: GATEWAY_NAMESPACE,
          labels: { [LABELS.team]: t.name },
          annotations: { ...CR_SYNC_OPTIONS, [ANNOTATIONS.syncWave]: CERTIFICATE_WAVE },
        },
        spec: {
          secretName: teamListeners.find((l) => l.team === t.name)!.secretName,
          dnsNames: [...t.hostnames],
          issuerRef: { group: 'cert-manager.io', kind: CA_ISSUER_KIND, name: CA_ISSUER },
          privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        },
      });
    }

    const routeNamespaces = [...new Set(this.routes.map((r) => r.namespace))].sort();
    const routeKinds = [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }];
    new ApiObject(this, 'gateway', {
      apiVersion: GATEWAY_API,
      kind: 'Gateway',
      metadata: { name: GATEWAY_NAME, namespace: GATEWAY_NAMESPACE, annotations: { ...CR_SYNC_OPTIONS } },
      spec: {
        gatewayClassName: GATEWAY_CLASS,
        ...(this.address ? { addresses: [{ type: 'IPAddress', value: this.address }] } : {}),
        listeners: [
          {
            name: HTTP_LISTENER,
            protocol: 'HTTP',
            port: 80,
            hostname: wildcard,
            allowedRoutes: { namespaces: { from: 'Same' }, kinds: routeKinds },
          },
          {
            name: HTTPS_LISTENER,
            protocol: 'HTTPS',
            port: 443,
            hostname: wildcard,
            tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: WILDCARD_TLS_SECRET }] },
            allowedRoutes: {
              namespaces: routeNamespaces.length
                ? {
                    from: 'Selector',
                    selector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: routeNamespaces }] },
                  }
                : { from: 'Same' },
              kinds: routeKinds,
            },
          },
          ...teamListeners.map((l) => ({
            name: l.name,
            protocol: 'HTTPS',
            port: 443,
            hostname: l.hostname,
            tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: l.secretName }] },
            allowedRoutes: {
              namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [l.namespace] }] } },
              kinds: routeKinds,
            },
          })),
        ],
      },
    });

    new ApiObject(this, 'https-redirect', {
      apiVersion: GATEWAY_API,
      kind: 'HTTPRoute',
      metadata: { name: 'https-redirect', namespace: GATEWAY_NAMESPACE, annotations: { ...CR_SYNC_OPTIONS } },
      spec: {
        parentRefs: [{ name: GATEWAY_NAME, sectionName: HTTP_LISTENER }],
        hostnames: [wildcard],
        rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
      },
    });

    for (const r of this.routes) {
      new ApiObject(this, `route-${r.subdomain}`, {
        apiVersion: GATEWAY_API,
        kind: 'HTTPRoute',
        metadata: { name: r.routeName, namespace: r.namespace, annotations: { ...CR_SYNC_OPTIONS } },
        spec: {
          parentRefs: [
            { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: GATEWAY_NAMESPACE, name: GATEWAY_NAME, sectionName: HTTPS_LISTENER },
          ],
          hostnames: [r.hostname],
          rules: [{ backendRefs: [{ name: r.service, port: r.port }] }],
        },
      });
    }
  }
}

export const gateway = defineComponent({
  file: import.meta.url,
  name: 'gateway',
  layer: '03-apps',
  tier: 'critical',
  description: 'The site Gateway: wildcard TLS on *.<domain>, HTTP→HTTPS redirect, one route per UI with a login (or behind the SSO proxy, or listed in publicUis).',
  defaultEnabled: true,
  settings: {
    address: Type.Optional(
      Type.String({
        format: 'host',
        pattern: '^(\\d{1,3}\\.){3}\\d{1,3}$',
        description: 'Fixed IPv4 address for the Gateway (from a Cilium LB IPAM pool). Default: LB IPAM picks one.',
      }),
    ),
  },
  requires: [{ component: 'cert-manager', why: 'the wildcard certificate is a cert-manager Certificate signed by the site CA' }],
  build: (scope, ctx) =>
    new PlatformGateway(scope, {
      ...ctx,
      ...(ctx.settings.address !== undefined ? { address: ctx.settings.address } : {}),
      tenants: ctx.enabled(TENANTS_COMPONENT) ? ctx.context.tenants : [],
    }),
});
