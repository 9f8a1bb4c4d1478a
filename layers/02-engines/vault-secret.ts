/**
 * A platform app's credentials come from Vault through External Secrets, never from git and
 * never from a chart's own random generator (a chart that generates a password with
 * `randAlphaNum` and `lookup` renders a new one on every ArgoCD refresh: ArgoCD renders with
 * `helm template`, where `lookup` finds nothing). Here, in the layer of External Secrets, so that
 * its own layer's components (Argo Workflows' and the SSO proxy's client secrets) use the same
 * helper as the apps of layer 03 (`layers/03-apps/app-credentials.ts` re-exports it).
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { ANNOTATIONS } from '../../platform/model/labels.js';
import { CR_SYNC_OPTIONS } from '../../platform/argocd/constants.js';
import { compareText } from '../../platform/model/order.js';
import type { VaultKubernetesRole } from '../../platform/model/credentials.js';
import { EXTERNAL_SECRETS_API, vaultReaderRole, vaultStoreName } from './external-secrets.js';

/**
 * Sync wave of a credential the chart's pods need: before the chart's objects (wave 0), so the
 * pods never start without their Secret and a missing Vault entry shows as a Degraded
 * ExternalSecret with Vault's error, not as a pod stuck in CreateContainerConfigError.
 */
export const CREDENTIALS_WAVE = '-1';

/** One property of one Vault entry (under the store's KV mount). */
export interface VaultRef {
  readonly vaultKey: string;
  readonly property: string;
}

/** An ExternalSecret's `spec.data`: Secret key → Vault entry and property, sorted by key. */
export function vaultSecretData(refs: Readonly<Record<string, VaultRef>>): { secretKey: string; remoteRef: { key: string; property: string } }[] {
  return Object.entries(refs)
    .sort(([a], [b]) => compareText(a, b))
    .map(([secretKey, ref]) => ({ secretKey, remoteRef: { key: ref.vaultKey, property: ref.property } }));
}

export interface VaultSecretProps {
  /** Kubernetes Secret name (and the ExternalSecret's). */
  readonly name: string;
  readonly namespace: string;
  /** Path of the Vault entry, relative to the store's KV mount, e.g. `edge-idp/grafana`. */
  readonly vaultKey: string;
  /** Secret key → property of the Vault entry. */
  readonly keys: Readonly<Record<string, string>>;
  /**
   * Further Secret keys → Vault entry and property, for a Secret that gathers several entries.
   * Default: none.
   */
  readonly moreKeys?: Readonly<Record<string, VaultRef>>;
  /** Secret keys with fixed values that are no secret (a client id beside its secret). Default: none. */
  readonly literals?: Readonly<Record<string, string>>;
  /** Labels of the Secret (e.g. what makes ArgoCD read it). Default: none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** How often ESO re-reads Vault. Default: `1h`. */
  readonly refreshInterval?: string;
}

/**
 * An ExternalSecret that materialises `keys` of one Vault entry (and any `moreKeys`) as a Secret
 * owned by ESO, read through its namespace's own store. The component publishes
 * {@link vaultReaderRoles} of the same props, so Vault grants exactly what it reads.
 */
export function vaultExternalSecret(scope: Construct, id: string, props: VaultSecretProps): ApiObject {
  const refs: Record<string, VaultRef> = {
    ...Object.fromEntries(Object.entries(props.keys).map(([k, property]) => [k, { vaultKey: props.vaultKey, property }])),
    ...props.moreKeys,
  };
  const template =
    props.literals || props.labels
      ? {
          template: {
            engineVersion: 'v2',
            // Keep the keys read from Vault beside the templated ones.
            mergePolicy: 'Merge',
            ...(props.labels ? { metadata: { labels: { ...props.labels } } } : {}),
            ...(props.literals ? { data: { ...props.literals } } : {}),
          },
        }
      : {};
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
      target: { name: props.name, creationPolicy: 'Owner', ...template },
      data: vaultSecretData(refs),
    },
  });
}

/** Every Vault entry an ExternalSecret of these props reads. */
function vaultKeysOf(s: VaultSecretProps): string[] {
  return [...(Object.keys(s.keys).length ? [s.vaultKey] : []), ...Object.values(s.moreKeys ?? {}).map((r) => r.vaultKey)];
}

/**
 * The Vault roles a component publishes (`vaultRoles`) for the ExternalSecrets it makes from
 * `secrets`: one per namespace, `read` on exactly the entries they read. A namespace's role is
 * declared by one component, so one component makes all of a namespace's ExternalSecrets.
 */
export function vaultReaderRoles(secrets: readonly VaultSecretProps[]): VaultKubernetesRole[] {
  const byNamespace = new Map<string, string[]>();
  for (const s of secrets) byNamespace.set(s.namespace, [...(byNamespace.get(s.namespace) ?? []), ...vaultKeysOf(s)]);
  return [...byNamespace].sort(([a], [b]) => compareText(a, b)).map(([ns, keys]) => vaultReaderRole(ns, keys));
}
