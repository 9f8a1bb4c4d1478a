import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type PlatformComponentProps,
  type PodPart,
} from '../../platform/model/component.js';
import { defineComponent } from '../../platform/model/definition.js';
import { serviceMonitorCrdExists, serviceMonitorSetting } from './prometheus-operator-crds.js';
import { ANNOTATIONS } from '../../platform/model/labels.js';
import { SKIP_DRY_RUN_ON_MISSING_RESOURCE } from '../../platform/argocd/constants.js';
import { groupKinds } from '../../platform/model/kinds.js';
import { calledBy, calls, KUBE_APISERVER, tcp } from '../../platform/model/network.js';

/** cert-manager's namespace (the CA's key lives there). */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';
/** Self-signed bootstrap issuer: signs only the CA certificate. */
export const SELF_SIGNED_ISSUER = 'edge-idp-selfsigned';
/** The site CA issuer: signs every platform certificate (Vault TLS, the wildcard certificate). */
export const CA_ISSUER = 'edge-idp-ca';

/** The chart cert-manager comes from (CRDs included: `crds.enabled`). */
export const CERT_MANAGER_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://charts.jetstack.io',
  chart: 'cert-manager',
  version: 'v1.21.1',
};

/** cert-manager's API version for Certificates and (Cluster)Issuers. */
export const CERT_MANAGER_API = 'cert-manager.io/v1';

/**
 * The site CA: its Certificate and Secret in the cert-manager namespace (where a ClusterIssuer
 * reads its CA from: cert-manager's "cluster resource namespace" is its own namespace by
 * default). `ca.crt` is the CA certificate, what clients put in their trust store.
 */
export const SITE_CA = {
  certificate: 'edge-idp-ca',
  secretName: 'edge-idp-ca',
  namespace: CERT_MANAGER_NAMESPACE,
  caKey: 'ca.crt',
} as const;

/** `issuerRef` of every certificate the site CA signs (Vault's TLS, the gateway wildcard). */
export const CA_ISSUER_REF = { group: 'cert-manager.io', kind: 'ClusterIssuer', name: CA_ISSUER } as const;

/**
 * Sync waves of the PKI chain inside the cert-manager Application. The chart (CRDs, webhook)
 * is at wave 0; ArgoCD applies a wave only once the previous one is healthy, so the webhook is
 * serving before the first cert-manager object reaches it, and each link of the chain is
 * Ready before the next one needs it.
 */
export const PKI_WAVES = { selfSignedIssuer: 1, caCertificate: 2, caIssuer: 3 } as const;

/**
 * ArgoCD annotations of a cert-manager object synced with (or shortly after) its CRDs: the dry
 * run would fail while the CRD does not exist yet.
 */
export function certManagerObjectAnnotations(wave: number): Record<string, string> {
  return { [ANNOTATIONS.syncWave]: String(wave), [ANNOTATIONS.syncOptions]: SKIP_DRY_RUN_ON_MISSING_RESOURCE };
}

export interface CertManagerProps extends PlatformComponentProps {
  /**
   * Lifetime of the site CA certificate. Default: `87600h` (ten years): the CA must not rotate
   * on its own (see the class comment).
   */
  readonly caDuration?: string;
  /** How long before the CA expires cert-manager renews it. Default: `720h` (30 days). */
  readonly caRenewBefore?: string;
  /**
   * Create the chart's ServiceMonitor (controller, webhook, cainjector). Needs the Prometheus
   * Operator CRDs, which the root syncs before cert-manager. Default: true.
   */
  readonly serviceMonitor?: boolean;
}

/**
 * cert-manager with the site PKI chain: a self-signed ClusterIssuer signs one CA certificate,
 * and the CA ClusterIssuer (`CA_ISSUER`) signs every platform certificate (Vault's TLS, the
 * gateway's wildcard certificate, which the gateway component creates).
 *
 * Delivered by the root (wave 5, before layer 01's ApplicationSet) rather than by its layer's
 * ApplicationSet: its CRDs and issuers must exist before Vault and anything else in layer 01
 * asks for a certificate.
 *
 * The CA is long-lived on purpose (ten years, renewed 30 days before expiry, private key kept
 * on renewal). cert-manager's default of 90 days would make the self-signed CA re-issue itself
 * every 60 days, and with it the trust anchor everyone has (External Secrets' `caProvider`,
 * devices and browsers that imported the site CA): certificates issued before the rotation are
 * not re-issued, and a rotated key silently breaks every client that trusts the old CA. A CA
 * rotation must be a planned operation, not a side effect of the calendar.
 *
 * Requests are estimates for an idle edge site with a handful of certificates, not
 * measurements: the controller idles at a few tens of MiB (informers over Certificates and
 * Secrets), the cainjector similar (it caches the objects it injects into), the webhook and the
 * one-shot startupapicheck (`cmctl check api`) around 20 MiB. Memory limits leave 3–4× headroom
 * for the informer resync at start-up. The capacity planner shows what they add up to.
 *
 * Tier settings: the chart takes priorityClassName only under `global.` (one key for every
 * pod) and rejects unknown keys through its values schema. The leader-election lease lives in
 * the cert-manager namespace, not the chart's default `kube-system` (which the layer's
 * AppProject does not allow, and which is not ours).
 */
export class CertManager extends PlatformComponent {
  constructor(scope: Construct, props: CertManagerProps) {
    const serviceMonitor = props.serviceMonitor ?? true;
    const pcn = { priorityClassName: ['global', 'priorityClassName'] } as const;
    const parts: PodPart[] = [
      {
        name: 'controller',
        kind: 'Deployment',
        path: [],
        resources: resources('10m', '64Mi', '256Mi'),
        keys: { ...pcn, replicas: ['replicaCount'] },
        note: 'priorityClassName only exists as global.priorityClassName in this chart.',
      },
      {
        name: 'webhook',
        kind: 'Deployment',
        path: ['webhook'],
        resources: resources('10m', '32Mi', '128Mi'),
        keys: { ...pcn, replicas: ['webhook', 'replicaCount'] },
        note: 'priorityClassName only exists as global.priorityClassName in this chart.',
      },
      {
        name: 'cainjector',
        kind: 'Deployment',
        path: ['cainjector'],
        resources: resources('10m', '64Mi', '256Mi'),
        keys: { ...pcn, replicas: ['cainjector', 'replicaCount'] },
        note: 'priorityClassName only exists as global.priorityClassName in this chart.',
      },
      {
        name: 'startupapicheck',
        kind: 'Job',
        path: ['startupapicheck'],
        resources: resources('10m', '32Mi', '64Mi'),
        keys: pcn,
        note: 'Helm post-install hook (an ArgoCD PostSync hook): checks the API answers. priorityClassName only exists as global.priorityClassName.',
      },
    ];
    super(scope, props, {
      namespace: CERT_MANAGER_NAMESPACE,
      // The namespace holds CA's private key (the Secret cert-manager issued).
      holdsState: true,
      source: CERT_MANAGER_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('Service', 'ServiceAccount', 'apps/Deployment', 'batch/Job', 'monitoring.coreos.com/ServiceMonitor', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding'),
      upstreamValues: 'cert-manager',
      parts,
      network: {
        pods: Object.fromEntries(
          (['controller', 'cainjector', 'webhook', 'startupapicheck'] as const).map((part) => [part, { labels: certManagerPodLabels(part, props.definition.name) }]),
        ),
        // The chart's one ServiceMonitor scrapes the controller, cainjector and webhook.
        metrics: serviceMonitor ? (['controller', 'cainjector', 'webhook'] as const).map((pods) => ({ pods, port: 9402 })) : [],
        flows: [
          calledBy('webhook', KUBE_APISERVER, tcp(10250), 'admission webhook: validates and mutates cert-manager resources'),
          calls('controller', KUBE_APISERVER, 'issues certificates into Secrets'),
          calls('cainjector', KUBE_APISERVER, 'injects CA bundles into webhooks and CRDs'),
          calls('webhook', KUBE_APISERVER, 'reads its serving CA'),
          calls('startupapicheck', KUBE_APISERVER, 'checks the cert-manager API answers (PostSync hook)'),
        ],
      },
      delivery: { kind: 'root' },
      providesApis: [
        ...['Certificate', 'CertificateRequest', 'ClusterIssuer', 'Issuer'].map((k) => `cert-manager.io/v1/${k}`),
        ...['Challenge', 'Order'].map((k) => `acme.cert-manager.io/v1/${k}`),
      ],
      // The Issuer/ClusterIssuer CRDs are over the client-side apply annotation limit.
      sync: { serverSideApply: true },
      clusterScopedKinds: [
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
        { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
        { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
      ],
      values: {
        crds: { enabled: true, keep: true },
        global: { leaderElection: { namespace: CERT_MANAGER_NAMESPACE } },
        // Gateway API support (a Gateway listener can ask for a certificate by annotation). The
        // flag sets the same field as `config.gatewayAPI.enabled` in the controller's config
        // file; `config` is a free-form map the values-key check cannot see into.
        extraArgs: ['--enable-gateway-api'],
        prometheus: { enabled: true, servicemonitor: { enabled: serviceMonitor } },
      },
    });

    new ApiObject(this, 'selfsigned-issuer', {
      apiVersion: CERT_MANAGER_API,
      kind: 'ClusterIssuer',
      metadata: { name: SELF_SIGNED_ISSUER, annotations: certManagerObjectAnnotations(PKI_WAVES.selfSignedIssuer) },
      spec: { selfSigned: {} },
    });

    const site = props.context.config.site;
    new ApiObject(this, 'ca-certificate', {
      apiVersion: CERT_MANAGER_API,
      kind: 'Certificate',
      metadata: {
        name: SITE_CA.certificate,
        namespace: SITE_CA.namespace,
        annotations: certManagerObjectAnnotations(PKI_WAVES.caCertificate),
      },
      spec: {
        isCA: true,
        commonName: caCommonName(site.name),
        subject: { organizations: [site.owner], organizationalUnits: [site.name] },
        secretName: SITE_CA.secretName,
        duration: props.caDuration ?? '87600h',
        renewBefore: props.caRenewBefore ?? '720h',
        // Keep the key on renewal: certificates signed before it still chain to the renewed CA.
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never' },
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: SELF_SIGNED_ISSUER },
      },
    });

    new ApiObject(this, 'ca-issuer', {
      apiVersion: CERT_MANAGER_API,
      kind: 'ClusterIssuer',
      metadata: { name: CA_ISSUER, annotations: certManagerObjectAnnotations(PKI_WAVES.caIssuer) },
      spec: { ca: { secretName: SITE_CA.secretName } },
    });
  }
}

/**
 * The chart's selector labels of each part's pods (`app.kubernetes.io/name` is `cert-manager`
 * for the controller, the part's name otherwise; the instance is the release; the component
 * label says which part).
 */
function certManagerPodLabels(part: 'controller' | 'cainjector' | 'webhook' | 'startupapicheck', release: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': part === 'controller' ? 'cert-manager' : part,
    'app.kubernetes.io/instance': release,
    'app.kubernetes.io/component': part,
  };
}

/**
 * A namespace's copy of the site CA certificate, for pods there that call a server the site CA
 * signed (Vault's API, the gateway): a Certificate the CA issuer signs, whose Secret carries the
 * CA as `ca.crt` (cert-manager writes the issuing CA beside every certificate it signs). Its own
 * key pair serves nothing; it is how the trust anchor reaches the namespace without a copy in
 * git (trust-manager would distribute it without one; the platform does not run it). Synced
 * before the chart (wave -1), so pods that mount it never start without it. Returns the Secret
 * and the key pods mount.
 */
export function siteCaTrust(scope: Construct, props: { readonly name: string; readonly namespace: string }): { readonly secretName: string; readonly key: string } {
  new ApiObject(scope, `site-ca-trust-${props.namespace}`, {
    apiVersion: CERT_MANAGER_API,
    kind: 'Certificate',
    metadata: { name: props.name, namespace: props.namespace, annotations: { [ANNOTATIONS.syncWave]: String(SITE_CA_TRUST_WAVE) } },
    spec: {
      secretName: props.name,
      dnsNames: [`${props.name}.${props.namespace}.svc`],
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['digital signature'],
      issuerRef: CA_ISSUER_REF,
    },
  });
  return { secretName: props.name, key: SITE_CA.caKey };
}

/** Sync wave of {@link siteCaTrust}: before the chart's pods (wave 0). */
const SITE_CA_TRUST_WAVE = -1;

/** cert-manager refuses a commonName over 64 characters (an X.509 limit). */
export const COMMON_NAME_MAX_LENGTH = 64;

/**
 * The site CA's commonName: `<site> edge-idp CA`, or just the site name when that does not fit
 * in {@link COMMON_NAME_MAX_LENGTH} (a site name is at most 63 characters, and the subject's
 * organizational unit names the site either way).
 */
export function caCommonName(site: string): string {
  const full = `${site} edge-idp CA`;
  return full.length <= COMMON_NAME_MAX_LENGTH ? full : site;
}

export const certManager = defineComponent({
  file: import.meta.url,
  name: 'cert-manager',
  layer: '01-services',
  tier: 'critical',
  description: 'cert-manager and the site PKI: self-signed issuer, ten-year CA, CA ClusterIssuer.',
  defaultEnabled: true,
  settings: { serviceMonitor: serviceMonitorSetting },
  build: (scope, ctx) =>
    new CertManager(scope, { ...ctx, serviceMonitor: ctx.settings.serviceMonitor ?? serviceMonitorCrdExists(ctx.enabled) }),
});
