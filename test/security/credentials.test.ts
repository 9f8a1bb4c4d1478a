/**
 * Issue 15, finding 6: no credential in git, by construction. Every file under synth/ (what
 * ArgoCD and bootstrap read, committed) is scanned with the rules of `credential-scan.ts`; a
 * match fails with file, line and rule. Runs in `npm test` and therefore in CI (`.ci/run`).
 * The scanner itself is proven below on planted credentials and on near-misses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanFiles, scanText, type AllowEntry, type CredentialRule } from './credential-scan.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';

const REPO = join(import.meta.dirname, '..', '..');

/** Known-safe matches in synth/, each with its reason. */
const ALLOW: readonly AllowEntry[] = [
  {
    // A component's resources, or a team's app (synth/<site>/tenants/<team>/<app>/).
    file: /^synth\/[^/]+\/(layers\/[^/]+\/[^/]+\/resources|tenants\/[^/]+\/[^/]+)\/externalsecret-[^/]+\.yaml$/,
    rule: 'secret-key-literal',
    line: /^\s*-?\s*secretKey: [A-Za-z0-9._-]+$/,
    why: "an ExternalSecret's spec.data[].secretKey names a key of the Secret it creates; the value comes from Vault at run time",
  },
];

function synthFiles(): Map<string, string> {
  const root = join(REPO, 'synth');
  const files = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(REPO, path), readFileSync(path, 'utf8'));
  }
  return files;
}

describe('synth/ holds no credential', () => {
  it('no file under synth/ matches a credential rule (beyond the documented allow-list)', () => {
    const files = synthFiles();
    expect(files.size).toBeGreaterThan(0);
    const { findings, staleAllow } = scanFiles(files, ALLOW);
    expect(findings.map((f) => f.message)).toEqual([]);
    expect(staleAllow.map((a) => `${String(a.file)} ${a.rule}: ${a.why}`), 'allow entries that match nothing: remove them').toEqual([]);
  });
});

describe('a site with single sign-on holds no credential either', () => {
  it('no generated file of a site with every component and the bundled Dex matches a credential rule (beyond the same allow-list)', async () => {
    const build = await buildAllEnabled();
    const { findings } = scanFiles(build.files, ALLOW);
    expect(findings.map((f) => f.message)).toEqual([]);
    // It has what is scanned for: Dex client secrets referenced, never written.
    const argocd = [...build.files].find(([path]) => path.endsWith('/argocd/values.yaml'))![1];
    expect(argocd).toMatch(/secret: \$edge-idp-sso:grafana/);
  });
});

describe('the credential scanner', () => {
  const planted: readonly { rule: CredentialRule; text: string; line: number }[] = [
    { rule: 'private-key', text: 'tls.key: |\n  -----BEGIN RSA PRIVATE KEY-----\n  MIIE\n', line: 2 },
    { rule: 'private-key', text: 'key: |\n  -----BEGIN OPENSSH PRIVATE KEY-----\n', line: 2 },
    { rule: 'private-key', text: '-----BEGIN PRIVATE KEY-----\n', line: 1 },
    { rule: 'jwt', text: 'a: 1\nheader: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\n', line: 2 },
    { rule: 'aws-access-key', text: 'env:\n  - value: AKIAIOSFODNN7EXAMPLE\n', line: 2 },
    { rule: 'github-token', text: 'x: ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n', line: 1 },
    { rule: 'github-token', text: 'x: github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz\n', line: 1 },
    { rule: 'slack-token', text: 'x: xoxb-123456789012-abcdefghijkl\n', line: 1 },
    { rule: 'slack-token', text: 'url: https://hooks.slack.com/services/T0000AAAA/B0000BBBB/XXXXXXXXXXXXXXXXXXXXXXXX\n', line: 1 },
    { rule: 'url-credentials', text: 'repoURL: https://deploy:hunter2@git.example.com/x.git\n', line: 1 },
    { rule: 'url-credentials', text: 'dsn: postgres://app:s3cr3t@db:5432/app\n', line: 1 },
    { rule: 'secret-key-literal', text: 'auth:\n  password: hunter2\n', line: 2 },
    { rule: 'secret-key-literal', text: 'token: "abc123"\n', line: 1 },
    { rule: 'secret-key-literal', text: '  - clientSecret: plain-text # oops\n', line: 1 },
    { rule: 'secret-key-literal', text: 'apiKey: 12345\n', line: 1 },
    { rule: 'secret-object', text: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  a: aGVsbG8=\n', line: 5 },
    { rule: 'secret-object', text: 'a: 1\n---\nkind: Secret\nstringData:\n  a: b\n', line: 4 },
    { rule: 'high-entropy', text: 'adminKey: Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo\n', line: 1 },
    { rule: 'high-entropy', text: 'webhookAuth: 9f8e7d6c5b4a39281706f5e4d3c2b1a0\n', line: 1 },
  ];
  for (const p of planted) {
    it(`catches ${p.rule}: ${JSON.stringify(p.text.split('\n')[p.line - 1]).slice(0, 60)}`, () => {
      const findings = scanText('planted.yaml', p.text);
      const hit = findings.find((f) => f.rule === p.rule);
      expect(hit, JSON.stringify(findings)).toBeDefined();
      expect(hit!.line).toBe(p.line);
      expect(hit!.message).toMatch(new RegExp(`^planted\\.yaml:${p.line}: ${p.rule}: `));
    });
  }

  const nearMisses: readonly string[] = [
    'passwordSecretRef:\n  name: grafana-admin\n  key: password\n',
    'existingSecret: grafana-admin\n',
    'password: ${GRAFANA_PASSWORD}\n',
    'token: $(TOKEN)\n',
    'password: "{{ .Values.password }}"\n',
    'password: ""\n',
    'password:\n  secretKeyRef:\n    name: x\n    key: password\n',
    'secret: {}\n',
    'token: null\n',
    'secretName: vault-server-tls\n',
    'credentials: []\n',
    'repoURL: https://github.com/example/edge-idp.git\n',
    'url: http://vault.vault.svc:8200\n',
    'image: quay.io/cilium/cilium:v1.20.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n',
    'kind: ConfigMap\ndata:\n  a: b\n',
    '# -----BEGIN CERTIFICATE-----\n',
    'keyPath: [server, tls]\n',
    'tokenTTL: 24h\n',
    'authMethod: kubernetes\n',
    'password: |\n',
    // ArgoCD's reference to a key of a Secret labelled for it, resolved at run time.
    'clientSecret: $edge-idp-sso:connector-github.clientSecret\n',
    'secret: $dex.github.clientSecret\n',
    // A Vault path under a key named `key`.
    'key: edge-idp/sso/oauth2-proxy-cookie\n',
  ];
  for (const text of nearMisses) {
    it(`passes the near-miss ${JSON.stringify(text).slice(0, 60)}`, () => {
      expect(scanText('near-miss.yaml', text).map((f) => f.message)).toEqual([]);
    });
  }

  it('drops allow-listed findings and reports allow entries that matched nothing', () => {
    const files = new Map([['synth/a.yaml', 'password: hunter2\ntoken: abc\n']]);
    const used: AllowEntry = { file: /^synth\/a\.yaml$/, rule: 'secret-key-literal', line: /^password: hunter2$/, why: 'test' };
    const stale: AllowEntry = { file: /^synth\/b\.yaml$/, rule: 'jwt', line: /./, why: 'test' };
    const { findings, staleAllow } = scanFiles(files, [used, stale]);
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/^synth\/a\.yaml:2: secret-key-literal: key 'token'/)]);
    expect(staleAllow).toEqual([stale]);
  });
});
