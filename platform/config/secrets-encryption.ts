/**
 * `cluster.secretsEncryption`: what bootstrap requires of the cluster's encryption of Secrets at
 * rest. A module of its own, without dependencies, so the bootstrap decisions (which start often)
 * can read it without loading the config schema.
 */
export const SECRETS_ENCRYPTION_MODES = ['required', 'verified', 'none'] as const;
export type SecretsEncryptionMode = (typeof SECRETS_ENCRYPTION_MODES)[number];
