/**
 * Credentials of layer-03 apps come from Vault through External Secrets, never from git and
 * never from a chart's own random generator (a chart that generates a password with
 * `randAlphaNum` and `lookup` renders a new one on every ArgoCD refresh: ArgoCD renders with
 * `helm template`, where `lookup` finds nothing).
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { ANNOTATIONS } from '../../platform/model/labels.js';
import { CR_SYNC_OPTIONS } from '../../platform/argocd/constants.js';
import { compareText } from '../../platform/model/order.js';
import type { VaultKubernetesRole } from '../../platform/model/credentials.js';
import { EXTERNAL_SECRETS_API, vaultReaderRole, vaultStoreName } from '../02-engines/external-secrets.js';

export { EXTERNAL_SECRETS_API, vaultStoreName };

/**
 * Sync wave of a credential the chart's pods need: before the chart's objects (wave 0), so the
 * pods never start without their Secret and a missing Vault entry shows as a Degraded
 * ExternalSecret with Vault's error, not as a pod stuck in CreateContainerConfigError.
 */
export const CREDENTIALS_WAVE = '-1';

export interface VaultSecretProps {
  /** Kubernetes Secret name (and the ExternalSecret's). */
  readonly name: string;
  readonly namespace: string;
  /** Path of the Vault entry, relative to the store's KV mount, e.g. `edge-idp/grafana`. */
  readonly vaultKey: string;
  /** Secret key → property of the Vault entry. */
  readonly keys: Readonly<Record<string, string>>;
  /** How often ESO re-reads Vault. Default: `1h`. */
  readonly refreshInterval?: string;
}

/**
 * An ExternalSecret that materialises `keys` of one Vault entry as a Secret owned by ESO,
 * read through its namespace's own store. The component publishes {@link vaultReaderRoles} of
 * the same props, so Vault grants exactly what it reads.
 */
export function vaultExternalSecret(scope: Construct, id: string, props: VaultSecretProps): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: EXTERNAL_SECRETS_API,
    kind: 'ExternalSecret',
    metadata: {
      name: props.name,
      namespace: props.namespace,
      annotations: { ...CR_SYNC_OPTIONS, [ANNOTATIONS.syncWave]: CREDENTIALS_WAVE },
    },
    spec: {
      refreshInterval: props.refreshInterval ?? '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: vaultStoreName(props.namespace) },
      target: { name: props.name, creationPolicy: 'Owner' },
      data: Object.entries(props.keys)
        .sort(([a], [b]) => compareText(a, b))
        .map(([secretKey, property]) => ({ secretKey, remoteRef: { key: props.vaultKey, property } })),
    },
  });
}

/**
 * The Vault roles a component publishes (`vaultRoles`) for the ExternalSecrets it makes from
 * `secrets`: one per namespace, `read` on exactly the entries they read.
 */
export function vaultReaderRoles(secrets: readonly VaultSecretProps[]): VaultKubernetesRole[] {
  const byNamespace = new Map<string, string[]>();
  for (const s of secrets) byNamespace.set(s.namespace, [...(byNamespace.get(s.namespace) ?? []), s.vaultKey]);
  return [...byNamespace].sort(([a], [b]) => compareText(a, b)).map(([ns, keys]) => vaultReaderRole(ns, keys));
}

/** What an app whose credentials come from Vault through an ExternalSecret `requires`. */
export function vaultCredentialsRequire(what: string): { component: string; why: string }[] {
  const why = `${what} come from Vault through an ExternalSecret`;
  return [
    { component: 'vault', why },
    { component: 'external-secrets', why },
  ];
}
