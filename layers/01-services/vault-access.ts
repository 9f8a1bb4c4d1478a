/**
 * Who may do what in Vault, and the three scripts that make it so. No token at rest:
 *
 * 1. **Bootstrap** (PostSync wave 0, runs only while the unseal Secret still holds the root
 *    token bank-vaults stored at initialisation): with that token, once, it mounts the KV
 *    engine, enables Kubernetes auth, writes the configurer's and the seeder's roles and
 *    policies, removes the roles of earlier designs, and revokes the root token. A second
 *    container then deletes the token from the Secret.
 * 2. **Configurer** (wave 1, every sync): logs in with Kubernetes auth as `vault-configurer`
 *    and writes the readers' roles and policies (`edge-idp-*`, one per consuming namespace,
 *    declared by the components as `vaultRoles`), and removes the `edge-idp-*` ones no
 *    component declares any more.
 * 3. **Seeder** (wave 2, every sync): logs in as `vault-seeder` and creates each generated
 *    credential that does not exist yet (create-only: it can never read or overwrite one).
 *
 * Everything here is pure (strings in, strings out) so that tests can run the scripts under
 * /bin/sh against a stub Vault and evaluate the policies.
 */
import { compareText } from '../../platform/model/order.js';
import type { GeneratedCredential, VaultKubernetesRole } from '../../platform/model/credentials.js';

/** Mount path of the KV v2 secrets engine platform secrets live in. */
export const VAULT_KV_MOUNT = 'secret';

/** Mount path of Vault's Kubernetes auth method. */
export const VAULT_KUBERNETES_AUTH_PATH = 'kubernetes';

/** Folder under the Vault KV mount that holds the platform's own app credentials. */
export const VAULT_APPS_PREFIX = 'edge-idp';

/** The `aud` claim of every ServiceAccount token sent to Vault; every role requires it. */
export const VAULT_TOKEN_AUDIENCE = 'vault';

/**
 * Prefix of every role and policy the configurer manages: it writes those the components
 * declare and deletes the others with this prefix. Its own and the seeder's are outside it.
 */
export const VAULT_MANAGED_PREFIX = 'edge-idp-';

/** Prefix of the ServiceAccounts the configurer may bind a reader role to (in the readers' namespaces). */
export const VAULT_READER_SA_PREFIX = 'vault-reader-';

/** Where our Vault clients find their projected ServiceAccount token (audience {@link VAULT_TOKEN_AUDIENCE}). */
export const VAULT_TOKEN_FILE = '/var/run/secrets/vault/token';

/** Key under which bank-vaults stores the root token in the unseal Secret (`keyRootToken` in its source). */
export const VAULT_ROOT_TOKEN_KEY = 'vault-root';

/** The Kubernetes API as Vault reaches it to review ServiceAccount tokens. */
export const VAULT_KUBERNETES_HOST = 'https://kubernetes.default.svc';

/** Roles and policies of the single ClusterSecretStore design, removed by the bootstrap. */
export const LEGACY_VAULT_ROLES = [{ role: 'external-secrets', policy: 'external-secrets-read' }] as const;

/** Lifetime of the configurer's and seeder's Vault tokens (each run revokes its own at exit). */
const OWN_TOKEN_TTL = '10m';

/** What the bootstrap and configurer need to know about the Vault component's own identities. */
export interface VaultIdentities {
  /** Namespace of Vault and of its Jobs' ServiceAccounts. */
  readonly namespace: string;
  /** ServiceAccount (and role and policy name) of the configurer. */
  readonly configurer: string;
  /** ServiceAccount (and role and policy name) of the seeder. */
  readonly seeder: string;
}

/** One path rule of a Vault policy. */
export interface VaultPathRule {
  readonly path: string;
  readonly capabilities: readonly string[];
  /** Parameter → allowed values (`[]`: any value); every parameter not listed is denied. */
  readonly allowedParameters?: Readonly<Record<string, readonly string[]>>;
  /** Why the rule is there (written as a comment above it). */
  readonly why?: string;
}

/** Policy HCL from its rules, in the order given. */
export function policyHcl(rules: readonly VaultPathRule[]): string {
  const q = (s: string) => JSON.stringify(s);
  const blocks = rules.map((r) => {
    const lines = [...(r.why ? [`# ${r.why}`] : []), `path ${q(r.path)} {`, `  capabilities = [${r.capabilities.map(q).join(', ')}]`];
    if (r.allowedParameters) {
      lines.push('  allowed_parameters = {');
      for (const [k, v] of Object.entries(r.allowedParameters)) lines.push(`    ${q(k)} = [${v.map(q).join(', ')}]`);
      lines.push('  }');
    }
    lines.push('}');
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

/** The data path of a KV v2 entry (`secret/data/<key>`). */
export const kvDataPath = (key: string) => `${VAULT_KV_MOUNT}/data/${key}`;
/** The metadata path of a KV v2 entry (`secret/metadata/<key>`). */
export const kvMetadataPath = (key: string) => `${VAULT_KV_MOUNT}/metadata/${key}`;

/** A reader's policy: `read` on exactly the KV entries it names, nothing else. */
export function readerPolicyRules(vaultKeys: readonly string[]): VaultPathRule[] {
  return [...new Set(vaultKeys)].sort(compareText).map((k) => ({ path: kvDataPath(k), capabilities: ['read'] }));
}

/** The role parameters the configurer writes for a reader (also what its policy allows, key by key). */
export function readerRoleParameters(role: VaultKubernetesRole): Record<string, string> {
  return {
    bound_service_account_names: role.serviceAccount,
    bound_service_account_namespaces: role.namespace,
    audience: role.audience,
    token_policies: role.policy.name,
    token_ttl: role.ttl ?? '1h',
  };
}

const ROLE_PARAMETER_VALUE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Problems with the readers' roles the components declare, each naming the role: the
 * configurer can write only roles and policies named `edge-idp-*`, bound to a
 * `vault-reader-*` ServiceAccount outside Vault's own namespace, with the Vault audience.
 */
export function readerRoleProblems(roles: readonly VaultKubernetesRole[], ids: VaultIdentities): string[] {
  const problems: string[] = [];
  const seen = new Map<string, VaultKubernetesRole>();
  for (const r of roles) {
    const where = `vault role '${r.name}'`;
    if (!r.name.startsWith(VAULT_MANAGED_PREFIX)) problems.push(`${where}: the configurer manages only roles named ${VAULT_MANAGED_PREFIX}*`);
    if (!r.policy.name.startsWith(VAULT_MANAGED_PREFIX)) problems.push(`${where}: policy '${r.policy.name}' is not named ${VAULT_MANAGED_PREFIX}*`);
    if (!r.serviceAccount.startsWith(VAULT_READER_SA_PREFIX)) problems.push(`${where}: ServiceAccount '${r.serviceAccount}' is not named ${VAULT_READER_SA_PREFIX}*`);
    if (r.namespace === ids.namespace) problems.push(`${where}: binds a ServiceAccount in Vault's own namespace '${ids.namespace}', which the configurer must never grant to`);
    if (r.audience !== VAULT_TOKEN_AUDIENCE) problems.push(`${where}: audience '${r.audience}' is not '${VAULT_TOKEN_AUDIENCE}'`);
    for (const [k, v] of Object.entries(readerRoleParameters(r))) {
      if (!ROLE_PARAMETER_VALUE.test(v)) problems.push(`${where}: ${k}='${v}' is not a plain word (letters, digits, '.', '_', '-')`);
    }
    const other = seen.get(r.name);
    if (other) problems.push(`${where}: declared twice (one namespace, one reader role: merge the reads into one declaration)`);
    seen.set(r.name, r);
  }
  return problems;
}

/** The namespaces whose `vault-reader-*` ServiceAccounts the configurer may bind roles to. */
export function readerNamespaces(roles: readonly VaultKubernetesRole[]): string[] {
  return [...new Set(roles.map((r) => r.namespace))].sort(compareText);
}

/**
 * The configurer's policy (written once, with the root token, by the bootstrap): write and
 * delete `edge-idp-*` policies and Kubernetes-auth roles, and list both. Role writes may set
 * only the five parameters the configurer uses; the ServiceAccount must be `vault-reader-*`
 * in a readers' namespace and the audience Vault's (`allowed_parameters`; Vault compares a
 * value without `*` exactly, so a comma list such as "a,vault-configurer" is refused). It
 * cannot touch its own role or the seeder's, mounts, auth methods, or any secret. It can read
 * its own policy, to warn when the one in git is newer.
 *
 * With no reader at all the role rule is left out: an empty allowed list would mean "any".
 */
export function configurerPolicy(ids: VaultIdentities, namespaces: readonly string[]): string {
  const authRoles = `auth/${VAULT_KUBERNETES_AUTH_PATH}/role`;
  const rules: VaultPathRule[] = [
    { path: `sys/policies/acl/${VAULT_MANAGED_PREFIX}*`, capabilities: ['create', 'update', 'delete'], why: 'the readers\' policies, edge-idp-* only' },
    { path: 'sys/policies/acl', capabilities: ['list'], why: 'to find edge-idp-* policies no component declares any more' },
    { path: `sys/policies/acl/${ids.configurer}`, capabilities: ['read'], why: 'its own policy, to warn when git holds a newer one' },
  ];
  if (namespaces.length > 0) {
    rules.push({
      path: `${authRoles}/${VAULT_MANAGED_PREFIX}*`,
      capabilities: ['create', 'update', 'delete'],
      allowedParameters: {
        bound_service_account_names: [`${VAULT_READER_SA_PREFIX}*`],
        bound_service_account_namespaces: [...namespaces],
        audience: [VAULT_TOKEN_AUDIENCE],
        token_policies: [],
        token_ttl: [],
      },
      why: 'the readers\' roles: vault-reader-* ServiceAccounts of the readers\' namespaces only, never its own or the seeder\'s',
    });
  }
  rules.push({ path: authRoles, capabilities: ['list'], why: 'to find edge-idp-* roles no component declares any more' });
  return policyHcl(rules);
}

/** Where the seeder may write: create-only under the apps' folder, and read metadata (existence, never values). */
export function seederPolicy(): string {
  return policyHcl([
    { path: kvDataPath(`${VAULT_APPS_PREFIX}/*`), capabilities: ['create'], why: 'create a missing credential; never read, update or delete one' },
    { path: kvMetadataPath(`${VAULT_APPS_PREFIX}/*`), capabilities: ['read'], why: 'whether a credential exists (versions and dates, not values)' },
  ]);
}

/** The bootstrap's files: its script and the policies it writes with the root token. */
export function bootstrapFiles(ids: VaultIdentities, namespaces: readonly string[], extra: readonly VaultKubernetesRole[] = []): Record<string, string> {
  return {
    'bootstrap.sh': bootstrapScript(ids, BOOTSTRAP_ROOT_TOKEN_FILE, BOOTSTRAP_DIR, extra),
    [`${ids.configurer}.hcl`]: configurerPolicy(ids, namespaces),
    [`${ids.seeder}.hcl`]: seederPolicy(),
    ...Object.fromEntries(extra.map((r) => [`${r.policy.name}.hcl`, r.policy.rules])),
  };
}

/**
 * Problems with the identities components ask the bootstrap to create (`vaultBootstrapRoles`),
 * each naming the role: they must stay outside what the configurer manages (`edge-idp-*`, which
 * it deletes when no reader declares it) and apart from its own and the seeder's, with the
 * Vault audience and plain parameter values.
 */
export function bootstrapRoleProblems(roles: readonly VaultKubernetesRole[], ids: VaultIdentities): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of roles) {
    const where = `vault bootstrap role '${r.name}'`;
    for (const name of [r.name, r.policy.name]) {
      if (name.startsWith(VAULT_MANAGED_PREFIX)) problems.push(`${where}: '${name}' is in the configurer's ${VAULT_MANAGED_PREFIX}* space, which it deletes when no reader declares it`);
      if (name === ids.configurer || name === ids.seeder) problems.push(`${where}: '${name}' is one of Vault's own identities`);
    }
    if (r.audience !== VAULT_TOKEN_AUDIENCE) problems.push(`${where}: audience '${r.audience}' is not '${VAULT_TOKEN_AUDIENCE}'`);
    for (const [k, v] of Object.entries(readerRoleParameters(r))) {
      if (!ROLE_PARAMETER_VALUE.test(v)) problems.push(`${where}: ${k}='${v}' is not a plain word (letters, digits, '.', '_', '-')`);
    }
    if (seen.has(r.name)) problems.push(`${where}: declared twice`);
    seen.add(r.name);
  }
  return problems;
}

/** Where the bootstrap pod finds the root token (the unseal Secret's key, mounted optional). */
export const BOOTSTRAP_ROOT_TOKEN_FILE = '/vault-root/token';
/** Where the bootstrap's and configurer's files are mounted. */
export const BOOTSTRAP_DIR = '/bootstrap';
export const CONFIGURER_DIR = '/config';

/** `vault write` arguments of one of our own roles (configurer, seeder): its SA, in Vault's namespace. */
function ownRoleArgs(ids: VaultIdentities, name: string): string {
  return [
    `bound_service_account_names=${name}`,
    `bound_service_account_namespaces=${ids.namespace}`,
    `audience=${VAULT_TOKEN_AUDIENCE}`,
    `token_policies=${name}`,
    `token_ttl=${OWN_TOKEN_TTL}`,
  ].join(' ');
}

/**
 * The bootstrap script (POSIX sh, Vault CLI). Without a root token in the Secret, or with one
 * Vault no longer accepts (HTTP 403: revoked), it does nothing. Otherwise, idempotently: KV v2
 * at `secret/`, Kubernetes auth, the configurer's and seeder's policies and roles, the legacy
 * roles removed, then `token revoke -self`. Any other failure (Vault unreachable) exits non-zero,
 * so the Job retries and the container that deletes the token never runs before the revocation.
 */
export function bootstrapScript(ids: VaultIdentities, tokenFile = BOOTSTRAP_ROOT_TOKEN_FILE, dir = BOOTSTRAP_DIR, extra: readonly VaultKubernetesRole[] = []): string {
  const auth = VAULT_KUBERNETES_AUTH_PATH;
  return `${[
    'set -eu',
    `if [ ! -s ${tokenFile} ]; then echo "no root token in the unseal Secret: Vault was bootstrapped before, nothing to do"; exit 0; fi`,
    `VAULT_TOKEN="$(cat ${tokenFile})"`,
    'export VAULT_TOKEN',
    'if ! out=$(vault token lookup 2>&1); then',
    '  case "$out" in',
    '    *"Code: 403"*) echo "the root token in the unseal Secret is revoked: nothing to do"; exit 0 ;;',
    '    *) printf \'%s\\n\' "$out" >&2; exit 1 ;;',
    '  esac',
    'fi',
    `vault read sys/mounts/${VAULT_KV_MOUNT} >/dev/null 2>&1 || vault secrets enable -path=${VAULT_KV_MOUNT} -version=2 -description='Platform secrets (read by External Secrets)' kv`,
    `vault read sys/auth/${auth} >/dev/null 2>&1 || vault auth enable -path=${auth} kubernetes`,
    '# No token_reviewer_jwt: Vault reviews tokens with its own ServiceAccount (system:auth-delegator).',
    `vault write auth/${auth}/config kubernetes_host=${VAULT_KUBERNETES_HOST} >/dev/null`,
    ...[ids.configurer, ids.seeder].flatMap((name) => [
      `vault policy write ${name} ${dir}/${name}.hcl >/dev/null`,
      `vault write auth/${auth}/role/${name} ${ownRoleArgs(ids, name)} >/dev/null`,
      `echo "role and policy ${name}: written"`,
    ]),
    // Identities components ask for (`vaultBootstrapRoles`): only a root token may create them.
    ...extra.flatMap((r) => [
      `vault policy write ${r.policy.name} ${dir}/${r.policy.name}.hcl >/dev/null`,
      `vault write auth/${auth}/role/${r.name} ${Object.entries(readerRoleParameters(r)).map(([k, v]) => `${k}=${v}`).join(' ')} >/dev/null`,
      `echo "role and policy ${r.name}: written"`,
    ]),
    ...LEGACY_VAULT_ROLES.flatMap((l) => [`vault delete auth/${auth}/role/${l.role} >/dev/null`, `vault policy delete ${l.policy} >/dev/null`]),
    'vault token revoke -self',
    'echo "root token revoked"',
  ].join('\n')}\n`;
}

/** The configurer's files: one `policy.<name>.hcl` and one `role.<name>` (key=value lines) per reader role. */
export function configurerFiles(roles: readonly VaultKubernetesRole[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const r of [...roles].sort((a, b) => compareText(a.name, b.name))) {
    files[`policy.${r.policy.name}.hcl`] = r.policy.rules;
    files[`role.${r.name}`] = `${Object.entries(readerRoleParameters(r))
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`;
  }
  return files;
}

/** The login every client script of ours starts with, and the revocation of its token at exit. */
function loginLines(role: string, tokenFile: string): string[] {
  return [
    `VAULT_TOKEN="$(vault write -field=token auth/${VAULT_KUBERNETES_AUTH_PATH}/login role=${role} jwt=@${tokenFile})"`,
    'export VAULT_TOKEN',
    "trap 'vault token revoke -self >/dev/null 2>&1 || true' EXIT",
  ];
}

/** `names PATH`: the keys a LIST returns, one a line (none when the list is empty). */
const NAMES_FUNCTION = [
  'names() {',
  '  if ! out=$(vault list -format=json "$1" 2>&1); then',
  '    case "$out" in *"No value found"*) return 0 ;; esac',
  '    printf \'%s\\n\' "$out" >&2; return 1',
  '  fi',
  '  printf \'%s\' "$out" | tr -d \'[]" \\n\\t\' | tr \',\' \'\\n\'',
  '}',
];

/**
 * The configurer script (POSIX sh, Vault CLI, static: what it writes comes from the files next
 * to it). Writes every `policy.*.hcl` and `role.*`, then deletes the `edge-idp-*` roles and
 * policies with no file. Warns when the configurer's policy in Vault differs from the one the
 * bootstrap would write (changing it needs a root token: README, "Security model").
 */
export function configurerScript(ids: VaultIdentities, dir = CONFIGURER_DIR, bootstrapDir = BOOTSTRAP_DIR, tokenFile = VAULT_TOKEN_FILE): string {
  const roles = `auth/${VAULT_KUBERNETES_AUTH_PATH}/role`;
  const p = VAULT_MANAGED_PREFIX;
  return `${[
    'set -eu',
    `cd ${dir}`,
    ...loginLines(ids.configurer, tokenFile),
    ...NAMES_FUNCTION,
    `if [ "$(vault read -field=policy sys/policies/acl/${ids.configurer} 2>/dev/null)" != "$(cat ${bootstrapDir}/${ids.configurer}.hcl)" ]; then`,
    `  echo "WARNING: the ${ids.configurer} policy in Vault differs from the one in git; only a root token can change it (README, Security model: changing Vault's own roles)" >&2`,
    'fi',
    "keep_policies=' '",
    'for f in policy.*.hcl; do',
    '  [ -e "$f" ] || continue',
    '  n=${f#policy.}; n=${n%.hcl}',
    '  vault policy write "$n" "$f" >/dev/null',
    '  keep_policies="$keep_policies$n "',
    '  echo "policy $n: written"',
    'done',
    "keep_roles=' '",
    'for f in role.*; do',
    '  [ -e "$f" ] || continue',
    '  n=${f#role.}',
    '  # One key=value word per line, plain words only (checked at synth time).',
    '  # shellcheck disable=SC2046',
    `  vault write "${roles}/$n" $(cat "$f") >/dev/null`,
    '  keep_roles="$keep_roles$n "',
    '  echo "role $n: written"',
    'done',
    `for n in $(names ${roles}); do`,
    `  case "$n" in ${p}*) ;; *) continue ;; esac`,
    '  case "$keep_roles" in *" $n "*) continue ;; esac',
    `  vault delete "${roles}/$n" >/dev/null`,
    '  echo "role $n: removed (no component declares it)"',
    'done',
    'for n in $(names sys/policies/acl); do',
    `  case "$n" in ${p}*) ;; *) continue ;; esac`,
    '  case "$keep_policies" in *" $n "*) continue ;; esac',
    '  vault policy delete "$n" >/dev/null',
    '  echo "policy $n: removed (no component declares it)"',
    'done',
  ].join('\n')}\n`;
}

/** A fixed field value the seeder writes as is (a user name): a plain word, safe in JSON and sh. */
const FIXED_VALUE = /^[A-Za-z0-9._@-]*$/;

/**
 * The seeder script (POSIX sh, Vault CLI): for each credential, leave it alone when its
 * metadata exists (a restarted Job or a later sync never rotates a password behind the app's
 * back), else create it with check-and-set 0 (two runs cannot both write). It holds `create`
 * only: it never reads a value, and Vault refuses it an overwrite.
 */
export function seederScript(ids: VaultIdentities, credentials: readonly GeneratedCredential[], tokenFile = VAULT_TOKEN_FILE): string {
  const lines = [
    'set -eu',
    ...loginLines(ids.seeder, tokenFile),
    "rand() { head -c 256 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c \"$1\"; }",
    'seed() {',
    '  key="$1"',
    `  if out=$(vault read -format=json "${VAULT_KV_MOUNT}/metadata/$key" 2>&1); then echo "$key: present, kept"; return 0; fi`,
    '  case "$out" in *"No value found"*) ;; *) printf \'%s\\n\' "$out" >&2; return 1 ;; esac',
    `  printf '%s' "$2" | vault write "${VAULT_KV_MOUNT}/data/$key" - >/dev/null`,
    '  echo "$key: generated"',
    '}',
  ];
  for (const c of credentials) {
    if (!c.vaultKey.startsWith(`${VAULT_APPS_PREFIX}/`) || !/^[A-Za-z0-9/_-]+$/.test(c.vaultKey)) {
      throw new Error(`vault: generated credential '${c.vaultKey}' must live under ${VAULT_APPS_PREFIX}/ (the seeder may create nothing else) and be a plain path`);
    }
    const fields = Object.entries(c.fields)
      .sort(([a], [b]) => compareText(a, b))
      .map(([k, f]) => {
        if (!FIXED_VALUE.test(k)) throw new Error(`vault: credential '${c.vaultKey}': field name '${k}' is not a plain word`);
        if ('value' in f && !FIXED_VALUE.test(f.value)) throw new Error(`vault: credential '${c.vaultKey}': fixed value of '${k}' is not a plain word`);
        return `\\"${k}\\":\\"${'value' in f ? f.value : `$(rand ${f.random})`}\\"`;
      });
    lines.push(`seed '${c.vaultKey}' "{\\"options\\":{\\"cas\\":0},\\"data\\":{${fields.join(',')}}}"`);
  }
  return `${lines.join('\n')}\n`;
}
