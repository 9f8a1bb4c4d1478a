/**
 * Vault's access model, executed: the bootstrap, configurer and seeder scripts run under /bin/sh
 * against a stand-in Vault (`test/fixtures/fake-vault/vault.mjs`) that enforces policies with
 * Vault's ACL rules, with the policies and roles the platform generates. What this proves: the
 * root token is used once and revoked; afterwards every identity can do what its job needs and
 * nothing the review worried about (the configurer binding a role to itself, the seeder reading
 * or overwriting a value, a reader reading another namespace's entry). What it does not prove:
 * that a real Vault behaves like the stand-in (see its header).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  VAULT_ROOT_TOKEN_KEY,
  bootstrapFiles,
  bootstrapScript,
  configurerFiles,
  configurerScript,
  readerNamespaces,
  readerRoleProblems,
  seederScript,
  VAULT_MANAGED_PREFIX,
} from '../../layers/01-services/vault-access.js';
import { VAULT_IDENTITIES, VAULT_NAMESPACE } from '../../layers/01-services/vault.js';
import { EXTERNAL_SECRETS_NAMESPACE, vaultReaderRole } from '../../layers/02-engines/external-secrets.js';
import type { VaultKubernetesRole } from '../../platform/model/credentials.js';
import { REPO_ROOT } from '../helpers/site.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';

const full = await buildAllEnabled();
const ROLES = full.components.flatMap((c) => c.vaultRoles);
const CREDENTIALS = full.components.flatMap((c) => c.generatedCredentials);
const ids = VAULT_IDENTITIES;
const ROOT = 'hvs.root-token-from-init';

/** A scratch Vault: state file, `vault` on PATH, the scripts' folders, ServiceAccount "JWTs". */
function scratch() {
  const dir = mkdtempSync(join(tmpdir(), 'edge-idp-vault-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'vault'), `#!/bin/sh\nexec "${process.execPath}" "${join(REPO_ROOT, 'test/fixtures/fake-vault/vault.mjs')}" "$@"\n`);
  chmodSync(join(bin, 'vault'), 0o755);
  const stateFile = join(dir, 'state.json');
  const state = () => JSON.parse(readFileSync(stateFile, 'utf8'));
  const setState = (s: unknown) => writeFileSync(stateFile, JSON.stringify(s));
  setState({
    tokens: { [ROOT]: { policies: ['root'] } },
    policies: { 'external-secrets-read': 'path "secret/data/*" {\n  capabilities = ["read"]\n}\n' },
    mounts: {},
    auth: {},
    roles: {},
    kv: {},
  });
  const env = { PATH: `${bin}:/usr/bin:/bin`, FAKE_VAULT_STATE: stateFile, VAULT_ADDR: 'https://vault.vault.svc:8200' };
  const sh = (script: string, extra: Record<string, string> = {}) => spawnSync('/bin/sh', ['-c', script], { env: { ...env, ...extra }, encoding: 'utf8' });
  /** The CLI as a token holder runs it: exit code, stdout and stderr. */
  const vault = (token: string, ...args: string[]) => spawnSync(join(bin, 'vault'), args, { env: { ...env, VAULT_TOKEN: token }, encoding: 'utf8' });
  /** A projected ServiceAccount token, as the fake reads it. */
  const jwt = (sa: string, ns: string, aud = ['vault']) => {
    const f = join(dir, `jwt-${sa}-${ns}-${aud.join('_').replace(/[^A-Za-z0-9_-]/g, '_')}`);
    writeFileSync(f, JSON.stringify({ sa, ns, aud }));
    return f;
  };
  const login = (role: string, jwtFile: string) => vault('', 'write', '-field=token', 'auth/kubernetes/login', `role=${role}`, `jwt=@${jwtFile}`);
  const files = (sub: string, content: Record<string, string>) => {
    const d = join(dir, sub);
    mkdirSync(d, { recursive: true });
    for (const [k, v] of Object.entries(content)) writeFileSync(join(d, k), v);
    return d;
  };
  return { dir, state, setState, sh, vault, jwt, login, files, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

type Scratch = ReturnType<typeof scratch>;

/** The bootstrap as the Job runs it: its files, the root token mounted as a file (or not). */
function runBootstrap(s: Scratch, withToken = true) {
  const bdir = s.files('bootstrap', bootstrapFiles(ids, readerNamespaces(ROLES)));
  const tokenFile = join(s.dir, 'vault-root', 'token');
  mkdirSync(join(s.dir, 'vault-root'), { recursive: true });
  if (withToken) writeFileSync(tokenFile, ROOT);
  else rmSync(tokenFile, { force: true });
  return s.sh(bootstrapScript(ids, tokenFile, bdir));
}

function runConfigurer(s: Scratch, roles: readonly VaultKubernetesRole[] = ROLES) {
  const cdir = join(s.dir, `config-${Math.random().toString(36).slice(2)}`);
  s.files(cdir.slice(s.dir.length + 1), configurerFiles(roles));
  return s.sh(configurerScript(ids, cdir, join(s.dir, 'bootstrap'), s.jwt(ids.configurer, ids.namespace)));
}

describe('the bootstrap: the root token, once', () => {
  const s = scratch();
  afterAll(() => s.cleanup());

  it('configures Vault with the root token, removes the single-store role, then revokes the token', () => {
    s.setState({ ...s.state(), roles: { 'external-secrets': { bound_service_account_names: 'external-secrets-vault' } } });
    const r = runBootstrap(s);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('root token revoked');
    const st = s.state();
    expect(st.tokens[ROOT]).toBeUndefined();
    expect(Object.keys(st.mounts)).toEqual(['secret/']);
    expect(st.mounts['secret/'].options.version).toBe('2');
    expect(Object.keys(st.auth)).toEqual(['kubernetes/']);
    expect(Object.keys(st.roles).sort()).toEqual([ids.configurer, ids.seeder]);
    expect(Object.keys(st.policies).sort()).toEqual([ids.configurer, ids.seeder]);
    // Its own roles bind exactly its own ServiceAccounts in Vault's namespace, with the Vault audience.
    for (const name of [ids.configurer, ids.seeder]) {
      expect(st.roles[name]).toMatchObject({ bound_service_account_names: name, bound_service_account_namespaces: VAULT_NAMESPACE, audience: 'vault', token_policies: name });
    }
  });

  it('finds the token revoked on the next sync and does nothing (exit 0, so the token is deleted from the Secret)', () => {
    const before = s.state();
    const r = runBootstrap(s);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('revoked: nothing to do');
    expect({ ...s.state(), log: [] }).toEqual({ ...before, log: [] });
  });

  it('does nothing once the token is gone from the Secret', () => {
    const r = runBootstrap(s, false);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('nothing to do');
  });

  it('fails (and the Job retries before the token is deleted) when Vault does not answer', () => {
    const t = scratch();
    try {
      t.setState({ ...t.state(), unreachable: true });
      const r = runBootstrap(t);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('connection refused');
    } finally {
      t.cleanup();
    }
  });
});

describe('after the bootstrap, every identity can do its job and nothing more', () => {
  const s = scratch();
  let configurer = '';
  beforeAll(() => {
    expect(runBootstrap(s).status).toBe(0);
    const l = s.login(ids.configurer, s.jwt(ids.configurer, ids.namespace));
    expect(l.status, l.stderr).toBe(0);
    configurer = l.stdout.trim();
  });
  afterAll(() => s.cleanup());

  it('the configurer writes every reader role and policy, removes stale edge-idp-* ones, keeps the rest, and revokes its token', () => {
    const st = s.state();
    st.roles['edge-idp-read-gone'] = { bound_service_account_names: 'vault-reader-gone' };
    st.policies['edge-idp-read-gone'] = 'path "secret/data/x" {\n  capabilities = ["read"]\n}\n';
    st.roles['someone-else'] = { bound_service_account_names: 'x' };
    s.setState(st);
    const r = runConfigurer(s);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('WARNING');
    const after = s.state();
    const managed = (o: Record<string, unknown>) => Object.keys(o).filter((k) => k.startsWith(VAULT_MANAGED_PREFIX)).sort();
    expect(managed(after.roles)).toEqual(ROLES.map((x) => x.name).sort());
    expect(managed(after.policies)).toEqual(ROLES.map((x) => x.policy.name).sort());
    for (const role of ROLES) expect(after.policies[role.policy.name]).toBe(role.policy.rules);
    expect(after.roles['someone-else']).toBeDefined();
    expect(after.roles[ids.configurer]).toBeDefined();
    // The configurer's own login token is revoked when it exits.
    const tokensOf = (p: string) => Object.values(after.tokens as Record<string, { policies: string[] }>).filter((t) => t.policies.includes(p));
    expect(tokensOf(ids.configurer)).toHaveLength(1); // the one this suite logged in with
  });

  it('the configurer warns when the policy the bootstrap would write is newer than Vault\'s', () => {
    writeFileSync(join(s.dir, 'bootstrap', `${ids.configurer}.hcl`), '# changed in git\n');
    const r = runConfigurer(s);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/WARNING: the vault-configurer policy in Vault differs from the one in git; only a root token can change it/);
    writeFileSync(join(s.dir, 'bootstrap', `${ids.configurer}.hcl`), bootstrapFiles(ids, readerNamespaces(ROLES))[`${ids.configurer}.hcl`]!);
  });

  it('the configurer cannot grant anything to itself, to the seeder or outside the readers\' namespaces', () => {
    const refused: [string, string[]][] = [
      ['a role bound to its own ServiceAccount', ['write', 'auth/kubernetes/role/edge-idp-x', 'bound_service_account_names=vault-configurer', 'bound_service_account_namespaces=vault']],
      ['its own name in a comma list, in its namespace', ['write', 'auth/kubernetes/role/edge-idp-x', 'bound_service_account_names=vault-reader-x,vault-configurer', 'bound_service_account_namespaces=vault']],
      ['a comma list of namespaces', ['write', 'auth/kubernetes/role/edge-idp-x', 'bound_service_account_names=vault-reader-x', `bound_service_account_namespaces=${EXTERNAL_SECRETS_NAMESPACE},vault`]],
      ['any namespace', ['write', 'auth/kubernetes/role/edge-idp-x', 'bound_service_account_names=vault-reader-x', 'bound_service_account_namespaces=*']],
      ['a parameter it does not use', ['write', 'auth/kubernetes/role/edge-idp-x', 'bound_service_account_names=vault-reader-x', `bound_service_account_namespaces=${EXTERNAL_SECRETS_NAMESPACE}`, 'token_no_default_policy=true']],
      ['another audience', ['write', 'auth/kubernetes/role/edge-idp-x', 'bound_service_account_names=vault-reader-x', `bound_service_account_namespaces=${EXTERNAL_SECRETS_NAMESPACE}`, 'audience=other']],
      ['the seeder\'s role', ['write', `auth/kubernetes/role/${ids.seeder}`, 'bound_service_account_names=vault-reader-x', `bound_service_account_namespaces=${EXTERNAL_SECRETS_NAMESPACE}`]],
      ['its own role', ['delete', `auth/kubernetes/role/${ids.configurer}`]],
      ['a secret', ['read', 'secret/data/edge-idp/grafana']],
      ['the KV mount', ['read', 'sys/mounts/secret']],
      ['the auth method\'s config', ['write', 'auth/kubernetes/config', 'kubernetes_host=https://evil']],
    ];
    for (const [what, args] of refused) {
      const r = s.vault(configurer, ...args);
      expect(r.status, `${what}: ${r.stdout}`).toBe(2);
      expect(r.stderr, what).toContain('Code: 403');
    }
    const own = join(s.dir, 'own.hcl');
    writeFileSync(own, 'path "*" {\n  capabilities = ["sudo", "read"]\n}\n');
    expect(s.vault(configurer, 'policy', 'write', ids.configurer, own).stderr, 'its own policy').toContain('Code: 403');
    expect(s.vault(configurer, 'policy', 'write', ids.seeder, own).stderr, 'the seeder\'s policy').toContain('Code: 403');
    // The honest limit: a comma list defeats the name glob, so it can bind a role to any
    // ServiceAccount of the readers' namespace (External Secrets'), never outside it.
    const wide = s.vault(configurer, 'write', 'auth/kubernetes/role/edge-idp-x', 'bound_service_account_names=vault-reader-x,external-secrets', `bound_service_account_namespaces=${EXTERNAL_SECRETS_NAMESPACE}`);
    expect(wide.status, wide.stderr).toBe(0);
    // What it is for: a reader role of the readers' namespace.
    const ok = s.vault(configurer, 'write', 'auth/kubernetes/role/edge-idp-read-x', 'bound_service_account_names=vault-reader-x', `bound_service_account_namespaces=${EXTERNAL_SECRETS_NAMESPACE}`, 'audience=vault', 'token_policies=edge-idp-read-x', 'token_ttl=1h');
    expect(ok.status, ok.stderr).toBe(0);
  });

  it('the seeder creates each missing credential once and keeps existing ones', () => {
    const run = () => s.sh(seederScript(ids, CREDENTIALS, s.jwt(ids.seeder, ids.namespace)));
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n').sort()).toEqual(CREDENTIALS.map((c) => `${c.vaultKey}: generated`).sort());
    const kv = s.state().kv;
    for (const c of CREDENTIALS) {
      const data = kv[c.vaultKey][0];
      expect(Object.keys(data).sort(), c.vaultKey).toEqual(Object.keys(c.fields).sort());
      for (const [k, f] of Object.entries(c.fields)) {
        if ('value' in f) expect(data[k]).toBe(f.value);
        else expect(data[k]).toMatch(new RegExp(`^[A-Za-z0-9]{${f.random}}$`));
      }
    }
    const second = run();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout.trim().split('\n').sort()).toEqual(CREDENTIALS.map((c) => `${c.vaultKey}: present, kept`).sort());
    expect(s.state().kv).toEqual(kv);
  });

  it('the seeder can neither read a value nor overwrite one', () => {
    const seeder = s.login(ids.seeder, s.jwt(ids.seeder, ids.namespace)).stdout.trim();
    const key = CREDENTIALS[0]!.vaultKey;
    expect(s.vault(seeder, 'read', `secret/data/${key}`).stderr).toContain('Code: 403');
    const overwrite = spawnSync(join(s.dir, 'bin', 'vault'), ['write', `secret/data/${key}`, '-'], {
      env: { PATH: `${join(s.dir, 'bin')}:/usr/bin:/bin`, FAKE_VAULT_STATE: join(s.dir, 'state.json'), VAULT_TOKEN: seeder },
      input: '{"data":{"x":"y"}}',
      encoding: 'utf8',
    });
    expect(overwrite.stderr).toContain('Code: 403');
    // Outside the apps' folder it cannot even create.
    expect(s.vault(seeder, 'read', 'secret/metadata/other').stderr).toContain('Code: 403');
  });

  it('each reader reads exactly its own entries, and no identity gets a root token', () => {
    for (const role of ROLES) {
      const l = s.login(role.name, s.jwt(role.serviceAccount, role.namespace));
      expect(l.status, `${role.name}: ${l.stderr}`).toBe(0);
      const token = l.stdout.trim();
      const mine = CREDENTIALS.filter((c) => role.policy.rules.includes(`"secret/data/${c.vaultKey}"`));
      expect(mine.length, role.name).toBeGreaterThan(0);
      for (const c of CREDENTIALS) {
        const r = s.vault(token, 'read', `secret/data/${c.vaultKey}`);
        if (mine.includes(c)) expect(r.status, `${role.name} reads ${c.vaultKey}`).toBe(0);
        else expect(r.stderr, `${role.name} must not read ${c.vaultKey}`).toContain('Code: 403');
      }
      // Its ServiceAccount in another namespace, or a token for another audience, cannot log in.
      expect(s.login(role.name, s.jwt(role.serviceAccount, 'grafana')).status).toBe(2);
      expect(s.login(role.name, s.jwt(role.serviceAccount, role.namespace, ['https://kubernetes.default.svc'])).status).toBe(2);
    }
    const tokens = Object.values(s.state().tokens as Record<string, { policies: string[] }>);
    expect(tokens.filter((t) => t.policies.includes('root'))).toEqual([]);
  });
});

describe('what the configurer may be asked to write is checked at build time', () => {
  const good = vaultReaderRole('grafana', ['edge-idp/grafana']);
  it.each<[string, VaultKubernetesRole, RegExp]>([
    ['a role outside edge-idp-*', { ...good, name: 'grafana' }, /vault role 'grafana': the configurer manages only roles named edge-idp-\*/],
    ['a policy outside edge-idp-*', { ...good, policy: { ...good.policy, name: 'root' } }, /policy 'root' is not named edge-idp-\*/],
    ['a ServiceAccount that is not a reader', { ...good, serviceAccount: 'external-secrets' }, /ServiceAccount 'external-secrets' is not named vault-reader-\*/],
    ['Vault\'s own namespace', { ...good, namespace: VAULT_NAMESPACE }, /binds a ServiceAccount in Vault's own namespace 'vault', which the configurer must never grant to/],
    ['another audience', { ...good, audience: 'kubernetes' }, /audience 'kubernetes' is not 'vault'/],
    ['a value with a blank', { ...good, ttl: '1 h' }, /token_ttl='1 h' is not a plain word/],
  ])('%s', (_what, role, message) => {
    expect(readerRoleProblems([role], ids).join('\n')).toMatch(message);
  });

  it('two declarations of one role', () => {
    expect(readerRoleProblems([good, good], ids)).toEqual([expect.stringMatching(/declared twice/)]);
  });

  it('accepts what the platform declares', () => {
    expect(readerRoleProblems(ROLES, ids)).toEqual([]);
  });

  it('a generated credential outside the apps\' folder or with an unsafe value is refused', () => {
    expect(() => seederScript(ids, [{ vaultKey: 'other/x', fields: { a: { random: 8 } } }])).toThrow(/must live under edge-idp\/ \(the seeder may create nothing else\)/);
    expect(() => seederScript(ids, [{ vaultKey: 'edge-idp/x', fields: { a: { value: 'a"b' } } }])).toThrow(/fixed value of 'a' is not a plain word/);
    expect(() => seederScript(ids, [{ vaultKey: 'edge-idp/x', fields: { 'a b': { random: 8 } } }])).toThrow(/field name 'a b' is not a plain word/);
  });

  it('the root token key is bank-vaults\' own', () => {
    // bank-vaults v1.33.1, internal/vault/operator_client.go: keyRootToken = "vault-root".
    expect(VAULT_ROOT_TOKEN_KEY).toBe('vault-root');
    expect(existsSync(join(REPO_ROOT, 'test/fixtures/fake-vault/vault.mjs'))).toBe(true);
  });
});
