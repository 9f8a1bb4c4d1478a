/**
 * What the schema cannot say about the `sso` section: exactly one provider, unique connector
 * ids, and no secret written into the config (a Dex connector's secrets come from Vault, listed
 * by key under `secrets`). Each problem names the path, the bad value and the fix.
 */
import type { ConfigProblem } from './errors.js';
import { connectorSecretsVaultKey, SSO_VAULT, type SsoConfig } from './schema.js';

/**
 * Keys of a connector's `config` that hold a secret in Dex's connectors (clientSecret, bindPW,
 * password, a private key or token…). Matched case-insensitively on the key name.
 */
const SECRET_KEY = /(secret|password|passwd|bindpw|privatekey|token|apikey)$/i;

/** Every problem of the `sso` section (after the schema passed); none when it is absent. */
export function ssoProblems(sso: SsoConfig | undefined): ConfigProblem[] {
  if (!sso) return [];
  const problems: ConfigProblem[] = [];
  if ((sso.dex === undefined) === (sso.oidc === undefined)) {
    problems.push({
      path: 'sso',
      message: `${sso.dex ? 'both `dex` and `oidc` are set' : 'neither `dex` nor `oidc` is set'}; set exactly one: \`dex\` (the Dex bundled with ArgoCD, with upstream connectors) or \`oidc\` (an external OIDC provider)`,
    });
  }
  const firstById = new Map<string, number>();
  (sso.dex?.connectors ?? []).forEach((c, i) => {
    const at = `sso.dex.connectors[${i}]`;
    const first = firstById.get(c.id);
    if (first !== undefined) problems.push({ path: `${at}.id`, message: `'${c.id}' is already used by sso.dex.connectors[${first}]; connector ids must be unique` });
    else firstById.set(c.id, i);
    const vault = `vault kv put -mount=${SSO_VAULT.mount} ${connectorSecretsVaultKey(c.id)}`;
    for (const key of c.secrets) {
      if (key in c.config) {
        problems.push({
          path: `${at}.config.${key}`,
          message: `is listed under secrets, so it must not have a value here (it would be committed to git); remove it from config: Dex reads it from Vault (${vault} ${key}=…)`,
        });
      }
    }
    for (const key of Object.keys(c.config)) {
      if (SECRET_KEY.test(key) && !c.secrets.includes(key)) {
        problems.push({
          path: `${at}.config.${key}`,
          message: `looks like a secret, and platform.yaml is committed to git; remove the value, add '${key}' to ${at}.secrets and write it to Vault once: ${vault} ${key}=…`,
        });
      }
    }
  });
  return problems;
}
