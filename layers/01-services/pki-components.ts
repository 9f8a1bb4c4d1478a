import { Type } from '@sinclair/typebox';
import { isComponentOf, type PlatformComponent } from '../../platform/model/component.js';
import type { ComponentDefinition } from '../../platform/model/definition.js';
import { EXTERNAL_SECRETS_VAULT_ROLE } from '../02-engines/external-secrets.js';
import { CertManager } from './cert-manager.js';
import { PrometheusOperatorCrds } from './prometheus-operator-crds.js';
import { Vault } from './vault.js';
import { GENERATED_CREDENTIALS } from './generated-credentials.js';

const serviceMonitorSetting = Type.Optional(
  Type.Boolean({
    description:
      "Create the chart's ServiceMonitor. Default: on when the prometheus-operator-crds component is enabled (the ServiceMonitor CRD exists).",
  }),
);

/** The setting if given, else whether the ServiceMonitor CRD will exist (its component was built before this one). */
function serviceMonitorFor(setting: unknown, built: readonly PlatformComponent[]): boolean {
  return (setting as boolean | undefined) ?? built.some((c) => isComponentOf(PrometheusOperatorCrds, c));
}

/** cert-manager (with the PKI chain) and Vault, in build order. */
export const PKI_COMPONENTS: readonly ComponentDefinition[] = [
  {
    name: 'cert-manager',
    layer: '01-services',
    description: 'cert-manager and the site PKI: self-signed issuer, ten-year CA, CA ClusterIssuer.',
    defaultEnabled: true,
    settings: { serviceMonitor: serviceMonitorSetting },
    create: (scope, p) =>
      new CertManager(scope, 'cert-manager', { ...p, serviceMonitor: serviceMonitorFor(p.settings.serviceMonitor, p.built) }),
  },
  {
    name: 'vault',
    layer: '01-services',
    description: 'HashiCorp Vault (one replica, raft, TLS from the site CA, unsealed from a Kubernetes Secret).',
    defaultEnabled: true,
    requires: [{ component: 'cert-manager', why: 'its TLS certificate is issued by the site CA' }],
    settings: {
      storageSize: Type.Optional(
        Type.String({ format: 'memory-quantity', description: 'Size of the raft data volume. Default: 2Gi.' }),
      ),
      storageClass: Type.Optional(
        Type.String({ format: 'dns-subdomain', description: "StorageClass of the raft data volume. Default: the cluster's default." }),
      ),
      serviceMonitor: serviceMonitorSetting,
    },
    create: (scope, p) =>
      new Vault(scope, 'vault', {
        ...p,
        storageSize: p.settings.storageSize as string | undefined,
        storageClass: p.settings.storageClass as string | undefined,
        serviceMonitor: serviceMonitorFor(p.settings.serviceMonitor, p.built),
        // Only identities that will exist: External Secrets' role when it is enabled.
        kubernetesRoles: p.context.config.components['external-secrets']?.enabled ? [EXTERNAL_SECRETS_VAULT_ROLE] : [],
        generatedCredentials: GENERATED_CREDENTIALS.filter((c) => p.context.config.components[c.component]?.enabled),
      }),
  },
];
