/**
 * What a component publishes about its Vault needs (phase-1 facts that Vault's phase 2
 * aggregates): the Kubernetes identities that log in to Vault, and the credentials Vault's
 * seeder generates in the cluster for it (never in git).
 */

/**
 * A Kubernetes identity Vault lets log in (Kubernetes auth), with the policy it gets. Consumers
 * (External Secrets) declare theirs; Vault's configurer writes it into Vault.
 */
export interface VaultKubernetesRole {
  /** Role name the client logs in with. */
  readonly name: string;
  /** ServiceAccount the client's token belongs to. */
  readonly serviceAccount: string;
  /** Namespace of that ServiceAccount. */
  readonly namespace: string;
  /** `aud` claim the client's token must carry (a token minted for something else is refused). */
  readonly audience: string;
  /** Vault policy attached to the role: its name and HCL rules. */
  readonly policy: { readonly name: string; readonly rules: string };
  /** Lifetime of the Vault token a login gives. Default: `1h`. */
  readonly ttl?: string;
}

/** A field's value: fixed (a user name), or random alphanumerics of the given length. */
export type CredentialField = { readonly value: string } | { readonly random: number };

/** A credential generated once in Vault, at `vaultKey` under the KV mount, for the component that reads it. */
export interface GeneratedCredential {
  /** Path under the KV mount, e.g. `edge-idp/grafana`. */
  readonly vaultKey: string;
  readonly fields: Readonly<Record<string, CredentialField>>;
}
