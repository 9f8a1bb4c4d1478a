/**
 * Issue 15, findings 1 and 2, proven from the committed synth/ alone (what ArgoCD applies):
 *
 * - no workload mounts or reads Vault's root token except the one-shot bootstrap Job, which
 *   revokes it and deletes it from the Secret; the configurer and seeder log in with their own
 *   ServiceAccounts;
 * - every consuming namespace has its own store, usable from that namespace only, logging in
 *   as its own identity, and the Vault policy that identity gets grants exactly the entries
 *   that namespace's ExternalSecrets read: derived here from the ExternalSecrets in synth/ and
 *   compared with the policies the configurer writes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { listFiles } from '../../platform/synth/write.js';
import { REPO_ROOT } from '../helpers/site.js';

type Obj = Record<string, any>;

// The components' own objects and the teams' apps (synth/<site>/tenants/<team>/<app>/).
const files = (await listFiles(REPO_ROOT)).filter((f) => f.startsWith('synth/') && f.endsWith('.yaml') && (f.includes('/resources/') || /^synth\/[^/]+\/tenants\//.test(f)));
const objects: Obj[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(REPO_ROOT, file), 'utf8'))
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => !!o),
);
const of = (kind: string) => objects.filter((o) => o.kind === kind);
const one = (kind: string, name: string) => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  expect(found, `${kind}/${name} in synth/`).toHaveLength(1);
  return found[0]!;
};

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];
const podSpec = (o: Obj): Obj => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec);

/** Every Secret key a pod can read: volumes (plain, projected) and env; `key` undefined = all keys. */
function secretReads(spec: Obj): { secret: string; key?: string; optional?: boolean; container?: string }[] {
  const reads: { secret: string; key?: string; optional?: boolean; container?: string }[] = [];
  for (const v of spec.volumes ?? []) {
    if (v.secret) for (const it of v.secret.items ?? [{}]) reads.push({ secret: v.secret.secretName, key: it.key, optional: v.secret.optional });
    for (const src of v.projected?.sources ?? []) if (src.secret) for (const it of src.secret.items ?? [{}]) reads.push({ secret: src.secret.name, key: it.key });
  }
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) reads.push({ secret: e.valueFrom.secretKeyRef.name, key: e.valueFrom.secretKeyRef.key, container: c.name });
    for (const e of c.envFrom ?? []) if (e.secretRef) reads.push({ secret: e.secretRef.name, container: c.name });
  }
  return reads;
}

/** Path → capabilities of a policy in the HCL subset the platform writes. */
function policyPaths(hcl: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of hcl.matchAll(/path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]/g)) {
    out.set(m[1]!, [...m[2]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]!));
  }
  return out;
}

/** `key=value` lines of a role file. */
const roleParams = (text: string) => Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('synth/: Vault\'s root token is used once and never kept', () => {
  const unsealer = one('Deployment', 'vault-unsealer');
  const unsealSecret = (unsealer.spec.template.spec.containers[0].args as string[]).find((a) => a.startsWith('--k8s-secret-name='))!.split('=')[1]!;
  const bootstrapFiles = one('ConfigMap', 'vault-bootstrap').data as Record<string, string>;

  it('the unseal Secret is read by no workload but the bootstrap Job, and by it only for the root-token key', () => {
    const readers = of('Job')
      .concat(WORKLOADS.filter((k) => k !== 'Job').flatMap(of))
      .filter((w) => secretReads(podSpec(w)).some((r) => r.secret === unsealSecret));
    expect(readers.map((w) => `${w.kind}/${w.metadata.name}`)).toEqual(['Job/vault-bootstrap']);
    const bootstrap = readers[0]!;
    expect(secretReads(podSpec(bootstrap)).filter((r) => r.secret === unsealSecret)).toEqual([{ secret: unsealSecret, key: 'vault-root', optional: true }]);
    expect(bootstrap.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
  });

  it('the bootstrap revokes the token it used, and then deletes it from the Secret', () => {
    const spec = podSpec(one('Job', 'vault-bootstrap'));
    expect(spec.initContainers.map((c: Obj) => c.command.join(' '))).toEqual(['/bin/sh /bootstrap/bootstrap.sh']);
    const script = bootstrapFiles['bootstrap.sh']!;
    const revoke = script.indexOf('vault token revoke -self');
    expect(revoke).toBeGreaterThan(0);
    // Nothing after the revocation uses the token.
    expect(script.slice(revoke).split('\n').filter((l) => /^vault /.test(l))).toEqual(['vault token revoke -self']);
    // The kubectl container runs after the init container succeeded, and removes exactly that key.
    expect(spec.containers).toHaveLength(1);
    expect(spec.containers[0].args.slice(0, 3)).toEqual(['patch', 'secret', unsealSecret]);
    expect(JSON.parse(spec.containers[0].args.at(-1))).toEqual({ data: { 'vault-root': null } });
  });

  it('the later Vault clients (configurer, seeder) authenticate with their own ServiceAccount token, audience vault', () => {
    for (const name of ['vault-configurer', 'vault-seeder']) {
      const spec = podSpec(one('Job', name));
      expect(secretReads(spec).map((r) => r.secret), name).not.toContain(unsealSecret);
      expect(spec.serviceAccountName, name).toBe(name);
      expect(spec.automountServiceAccountToken, name).toBe(false);
      const sources = spec.volumes.flatMap((v: Obj) => v.projected?.sources ?? []);
      expect(sources, name).toEqual([{ serviceAccountToken: { audience: 'vault', expirationSeconds: 600, path: 'token' } }]);
    }
    expect(one('ConfigMap', 'vault-configurer').data['configure.sh']).toMatch(/auth\/kubernetes\/login role=vault-configurer jwt=@/);
    expect(podSpec(one('Job', 'vault-seeder')).containers[0].command[2]).toMatch(/auth\/kubernetes\/login role=vault-seeder jwt=@/);
  });

  it('the seeder may create generated credentials and see whether they exist, nothing else', () => {
    const paths = policyPaths(bootstrapFiles['vault-seeder.hcl']!);
    expect([...paths]).toEqual([
      ['secret/data/edge-idp/*', ['create']],
      ['secret/metadata/edge-idp/*', ['read']],
    ]);
  });

  it('the configurer may manage only edge-idp-* roles and policies', () => {
    const paths = policyPaths(bootstrapFiles['vault-configurer.hcl']!);
    for (const [path, caps] of paths) {
      const allowed = /^(sys\/policies\/acl|auth\/kubernetes\/role)(\/edge-idp-\*)?$/.test(path) || (path === 'sys/policies/acl/vault-configurer' && caps.join() === 'read');
      expect(allowed, `${path}: ${caps.join(', ')}`).toBe(true);
      expect(caps, path).not.toContain('sudo');
    }
  });
});

describe('synth/: one store, one identity, one policy per consuming namespace', () => {
  const externalSecrets = of('ExternalSecret');
  const stores = of('ClusterSecretStore');
  const configurer = one('ConfigMap', 'vault-configurer').data as Record<string, string>;
  /** What each namespace's ExternalSecrets read, derived from synth/. */
  const reads = new Map<string, Set<string>>();
  for (const es of externalSecrets) {
    const keys = reads.get(es.metadata.namespace) ?? new Set<string>();
    for (const d of es.spec.data) keys.add(d.remoteRef.key);
    reads.set(es.metadata.namespace, keys);
  }

  it('there are consumers to check', () => {
    expect(externalSecrets.length).toBeGreaterThan(0);
  });

  it('every ExternalSecret names a store usable from its own namespace only', () => {
    for (const es of externalSecrets) {
      const ref = es.spec.secretStoreRef;
      expect(ref.kind).toBe('ClusterSecretStore');
      const store = stores.find((st) => st.metadata.name === ref.name);
      expect(store, `${es.metadata.namespace}/${es.metadata.name} → ${ref.name}`).toBeDefined();
      expect(store!.spec.conditions).toEqual([{ namespaces: [es.metadata.namespace] }]);
    }
    // One store per consuming namespace, and none unused.
    expect(stores.map((st) => st.spec.conditions[0].namespaces[0]).sort()).toEqual([...reads.keys()].sort());
  });

  it('each store logs in as its own ServiceAccount, which Vault binds to one role whose policy grants exactly what that namespace reads', () => {
    const identities = new Set<string>();
    for (const store of stores) {
      const ns = store.spec.conditions[0].namespaces[0];
      const auth = store.spec.provider.vault.auth.kubernetes;
      const sa = `${auth.serviceAccountRef.namespace}/${auth.serviceAccountRef.name}`;
      expect(identities.has(sa), `${sa} shared`).toBe(false);
      identities.add(sa);
      expect(one('ServiceAccount', auth.serviceAccountRef.name).metadata.namespace).toBe(auth.serviceAccountRef.namespace);

      const role = roleParams(configurer[`role.${auth.role}`] ?? '');
      expect(role, `role ${auth.role} for ${ns}`).toEqual({
        bound_service_account_names: auth.serviceAccountRef.name,
        bound_service_account_namespaces: auth.serviceAccountRef.namespace,
        audience: auth.serviceAccountRef.audiences[0],
        token_policies: expect.any(String),
        token_ttl: expect.any(String),
      });
      const policy = policyPaths(configurer[`policy.${role.token_policies}.hcl`] ?? '');
      const mount = store.spec.provider.vault.path;
      const expected = [...reads.get(ns)!].sort().map((k) => [`${mount}/data/${k}`, ['read']]);
      expect([...policy].sort(), `policy of ${ns}`).toEqual(expected);
    }
  });

  it('the configurer writes no reader role that no store uses', () => {
    const used = new Set(stores.map((st) => st.spec.provider.vault.auth.kubernetes.role));
    const written = Object.keys(configurer).filter((k) => k.startsWith('role.')).map((k) => k.slice('role.'.length));
    expect(written.sort()).toEqual([...used].sort());
  });
});
