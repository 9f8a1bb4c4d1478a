/**
 * Credentials of layer-03 apps come from Vault through External Secrets (the helpers live with
 * External Secrets, in layer 02, so that layer's components use them too).
 */
export { EXTERNAL_SECRETS_API, vaultStoreName } from '../02-engines/external-secrets.js';
export { CREDENTIALS_WAVE, vaultExternalSecret, vaultReaderRoles, type VaultSecretProps } from '../02-engines/vault-secret.js';

/** What an app whose credentials come from Vault through an ExternalSecret `requires`. */
export function vaultCredentialsRequire(what: string): { component: string; why: string }[] {
  const why = `${what} come from Vault through an ExternalSecret`;
  return [
    { component: 'vault', why },
    { component: 'external-secrets', why },
  ];
}
