/**
 * Credentials the platform's own apps need, generated in the cluster (never in git) and kept
 * in Vault. One list, read by Vault's seeder Job (which writes each entry once, with random
 * values) and by the consumers' ExternalSecrets (which read the same path and fields), so the
 * two cannot disagree and a fresh site converges without anyone typing a password.
 */

import { compareText } from '../../platform/model/order.js';

/** Folder under the Vault KV mount that holds the platform's own app credentials. */
export const VAULT_APPS_PREFIX = 'edge-idp';

/** A field's value: fixed (a user name), or random alphanumerics of the given length. */
export type CredentialField = { readonly value: string } | { readonly random: number };

export interface GeneratedCredential {
  /** The component that reads it (the seeder writes it only when that component is enabled). */
  readonly component: string;
  /** Path under the KV mount, e.g. `edge-idp/grafana`. */
  readonly vaultKey: string;
  readonly fields: Readonly<Record<string, CredentialField>>;
}

const PASSWORD: CredentialField = { random: 32 };

export const GENERATED_CREDENTIALS: readonly GeneratedCredential[] = [
  { component: 'grafana', vaultKey: `${VAULT_APPS_PREFIX}/grafana`, fields: { 'admin-user': { value: 'admin' }, 'admin-password': PASSWORD } },
  { component: 'sonarqube', vaultKey: `${VAULT_APPS_PREFIX}/sonarqube`, fields: { 'monitoring-passcode': PASSWORD } },
  { component: 'backstage', vaultKey: `${VAULT_APPS_PREFIX}/backstage`, fields: { 'admin-password': PASSWORD, 'user-password': PASSWORD } },
];

/** The credential a component reads. Throws when the list has none for it (a programming error). */
export function generatedCredential(component: string): GeneratedCredential {
  const c = GENERATED_CREDENTIALS.find((x) => x.component === component);
  if (!c) throw new Error(`no generated credential for component '${component}' in GENERATED_CREDENTIALS`);
  return c;
}

/** Where the seeder pod finds the root token (mounted from the unsealer's Secret). */
export const SEEDER_TOKEN_FILE = '/vault-token/root';

/**
 * The seeder's shell script: for each entry, leave it alone when it exists (a restarted Job
 * or a later sync never rotates a password behind the app's back), else write it with
 * check-and-set 0 (so two runs cannot both write). POSIX sh with the Vault CLI.
 */
export function seederScript(kvMount: string, credentials: readonly GeneratedCredential[], tokenFile = SEEDER_TOKEN_FILE): string {
  const lines = [
    'set -eu',
    `VAULT_TOKEN="$(cat ${tokenFile})"`,
    'export VAULT_TOKEN',
    "rand() { head -c 256 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c \"$1\"; }",
    'seed() {',
    '  path="$1"; shift',
    `  if vault kv get -mount=${kvMount} "$path" >/dev/null 2>&1; then echo "$path: present, kept"; return 0; fi`,
    `  vault kv put -mount=${kvMount} -cas=0 "$path" "$@" >/dev/null`,
    '  echo "$path: generated"',
    '}',
  ];
  for (const c of credentials) {
    const args = Object.entries(c.fields)
      .sort(([a], [b]) => compareText(a, b))
      .map(([k, f]) => ('value' in f ? `${k}='${f.value}'` : `${k}="$(rand ${f.random})"`));
    lines.push(`seed '${c.vaultKey}' ${args.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}
