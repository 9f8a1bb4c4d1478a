/**
 * A scanner for credentials in generated files (issue 15, finding 6: secrets must never reach
 * git, and synth/ is committed). Line-based and deliberately simple: it reads text, not
 * Kubernetes semantics, so it also catches a credential in a values file, a README or a Lua
 * script. Each finding names the file, the 1-based line and the rule.
 *
 * The rules (`RULES`), each a thing a credential looks like:
 * - `private-key`: a PEM private key header (RSA, EC, DSA, OPENSSH, PGP, ENCRYPTED, PKCS#8).
 * - `jwt`: three base64url segments, the first two starting `eyJ` (a JSON header and payload).
 * - `aws-access-key`: `AKIA`/`ASIA` and 16 upper-case letters or digits.
 * - `github-token`: `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` and 36+ characters, or `github_pat_`.
 * - `slack-token`: `xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-` tokens, and Slack webhook URLs.
 * - `url-credentials`: `scheme://user:password@host` with a literal password (not `${VAR}`,
 *   not `$(VAR)`, not `{{ … }}`).
 * - `secret-key-literal`: a YAML key named like a credential (`password`, `passwd`, `token`,
 *   `secret`, `apiKey`, `api_key`, `accessKey`, `secretKey`, `privateKey`, `clientSecret`,
 *   `credentials`, case-insensitive, the key itself, not a key merely containing the word such
 *   as `passwordSecretRef` or `existingSecret`) holding a literal scalar: not empty, not a
 *   reference (`${VAR}`, `$(VAR)`, `{{ … }}`, `vault:`/`ref+` URIs, ArgoCD's `$<secret>:<key>`)
 *   and not a mapping or list.
 * - `secret-object`: a `kind: Secret` document that carries `data:` or `stringData:` (a
 *   Secret's contents are credentials by definition; generated credentials live in Vault and
 *   reach the cluster through External Secrets, never through git).
 * - `high-entropy`: a value of 24+ base64/hex characters with high Shannon entropy (> 4.0 bits
 *   per character; > 3.0 for hex, whose ceiling is 4) under a key whose name mentions pass, token, secret, key, cred or auth,
 *   unless it is a path of lower-case segments (a Vault entry such as `edge-idp/sso/oauth2-proxy-cookie`).
 *
 * Known-safe matches are listed with their reason in `ALLOW`; an allow entry that no longer
 * matches anything is reported too (`stale-allow`), so the list cannot rot.
 */

export type CredentialRule =
  | 'private-key'
  | 'jwt'
  | 'aws-access-key'
  | 'github-token'
  | 'slack-token'
  | 'url-credentials'
  | 'secret-key-literal'
  | 'secret-object'
  | 'high-entropy';

export interface CredentialFinding {
  readonly file: string;
  readonly line: number;
  readonly rule: CredentialRule;
  /** `file:line: rule: what`, the text a failing test prints. */
  readonly message: string;
}

/** A known-safe match: a file (exact path relative to the scanned root), a rule, a line pattern, and why. */
export interface AllowEntry {
  readonly file: RegExp;
  readonly rule: CredentialRule;
  readonly line: RegExp;
  readonly why: string;
}

// `$<key>` and `$<secret>:<key>`: ArgoCD's references to a key of argocd-secret or of a Secret
// labelled for ArgoCD, in its settings (dex.config, oidc.config), resolved at run time.
const REFERENCE = /^(\$\{[^}]+\}|\$\([^)]+\)|\{\{.*\}\}|vault:.*|ref\+.*|\$[A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)?)$/;
/** A path of lower-case segments (a Vault entry, a URL path): words, not random characters. */
const LOWER_CASE_PATH = /^[a-z0-9-]+(\/[a-z0-9._-]+)+$/;

const CREDENTIAL_KEY = /^(password|passwd|pass|token|secret|api[-_]?key|access[-_]?key|secret[-_]?key|private[-_]?key|client[-_]?secret|credentials?|auth[-_]?token|bearer[-_]?token)$/i;
const SUSPICIOUS_KEY = /(pass|token|secret|key|cred|auth)/i;

const LINE_RULES: readonly { readonly rule: CredentialRule; readonly re: RegExp; readonly what: string }[] = [
  { rule: 'private-key', re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----/, what: 'a PEM private key' },
  { rule: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, what: 'a JWT-like token' },
  { rule: 'aws-access-key', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, what: 'an AWS access key id' },
  { rule: 'github-token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/, what: 'a GitHub token' },
  { rule: 'slack-token', re: /\bxox[abprs]-[A-Za-z0-9-]{10,}|hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/, what: 'a Slack token or webhook' },
];

const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/([^\s:/@'"]+):([^\s/@'"]+)@/i;

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function unquote(v: string): string {
  const t = v.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  return t;
}

/** `key: value` on one YAML line (also `- key: value`), with any trailing comment removed. */
function keyValue(line: string): { key: string; value: string } | undefined {
  const m = /^\s*(?:-\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*:(?:\s+(.*))?$/.exec(line);
  if (!m) return undefined;
  let value = (m[2] ?? '').trim();
  if (!value.startsWith('"') && !value.startsWith("'")) value = value.replace(/\s+#.*$/, '');
  return { key: m[1]!, value };
}

/** Findings in one file's text. `file` is how messages name it. */
export function scanText(file: string, text: string): CredentialFinding[] {
  const out: CredentialFinding[] = [];
  const add = (line: number, rule: CredentialRule, what: string) => out.push({ file, line, rule, message: `${file}:${line}: ${rule}: ${what}` });
  const lines = text.split('\n');
  // Secret objects: per YAML document, `kind: Secret` with a top-level data/stringData key.
  let docStart = 0;
  const endDoc = (end: number) => {
    const doc = lines.slice(docStart, end);
    if (!doc.some((l) => /^kind:\s*["']?Secret["']?\s*$/.test(l))) return;
    doc.forEach((l, i) => {
      const m = /^(data|stringData):\s*(.*)$/.exec(l);
      if (m && m[2] !== '{}' && m[2] !== 'null') add(docStart + i + 1, 'secret-object', `a Secret with '${m[1]}' (credentials belong in Vault, synced by External Secrets)`);
    });
  };
  lines.forEach((line, i) => {
    const n = i + 1;
    if (/^---\s*$/.test(line)) {
      endDoc(i);
      docStart = i + 1;
    }
    for (const r of LINE_RULES) if (r.re.test(line)) add(n, r.rule, r.what);
    const url = URL_CREDENTIALS.exec(line);
    if (url && !REFERENCE.test(url[2]!)) add(n, 'url-credentials', `a URL with user '${url[1]}' and a literal password`);
    const kv = keyValue(line);
    if (!kv) return;
    const value = unquote(kv.value);
    const literal = value !== '' && !REFERENCE.test(value) && !/^[|>][-+]?$/.test(value) && value !== '[]' && value !== '{}' && value !== 'null' && value !== '~';
    if (CREDENTIAL_KEY.test(kv.key) && literal) {
      add(n, 'secret-key-literal', `key '${kv.key}' holds a literal value (use a reference: an existing Secret, \${VAR}, or Vault)`);
    } else if (SUSPICIOUS_KEY.test(kv.key) && literal && /^[A-Za-z0-9+/=_-]{24,}$/.test(value) && !LOWER_CASE_PATH.test(value) && entropy(value) > (/^[0-9a-f]+$/i.test(value) ? 3.0 : 4.0)) {
      add(n, 'high-entropy', `key '${kv.key}' holds a high-entropy value (${entropy(value).toFixed(2)} bits/char)`);
    }
  });
  endDoc(lines.length);
  return out;
}

/**
 * Scans files (path relative to the root → text), drops allow-listed findings and reports
 * allow entries that matched nothing.
 */
export function scanFiles(files: ReadonlyMap<string, string>, allow: readonly AllowEntry[]): { findings: CredentialFinding[]; staleAllow: AllowEntry[] } {
  const used = new Set<AllowEntry>();
  const findings: CredentialFinding[] = [];
  for (const [file, text] of files) {
    const lines = text.split('\n');
    for (const f of scanText(file, text)) {
      const entry = allow.find((a) => a.rule === f.rule && a.file.test(file) && a.line.test(lines[f.line - 1] ?? ''));
      if (entry) used.add(entry);
      else findings.push(f);
    }
  }
  return { findings, staleAllow: allow.filter((a) => !used.has(a)) };
}
