/**
 * The preflight on Secrets' encryption at rest: Vault's unseal key (or recovery key) is a
 * Kubernetes Secret, so on a cluster that stores Secrets in clear anyone with the datastore or
 * a server's disk can unseal Vault. Bootstrap cannot read the API server's flags from outside,
 * so it gathers the evidence kubectl can see, and the config says what it requires
 * (`cluster.secretsEncryption`):
 *
 * - **k3s**, on the control-plane nodes: `k3s.io/node-args` (the server's arguments, config
 *   file merged: `--secrets-encryption` turns it on, `--secrets-encryption false` off; a
 *   `--kube-apiserver-arg encryption-provider-config=…` brings its own config), and
 *   `k3s.io/encryption-config-hash`, which a k3s server with secrets encryption sets on its node.
 * - **any API server**: `apiserver_storage_transformation_operations_total` in `/metrics`. The
 *   API server records it only when an encryption config is loaded; a `to_storage` sample for
 *   `secrets` with a `k8s:enc:…` prefix means Secrets written since it started were encrypted;
 *   an empty prefix (identity first) means they were stored in clear; the provider's key-level
 *   transformers add samples of their own (`<key name>:`), which say nothing more. No sample: it
 *   cannot tell (no encryption config, or no Secret written since the start). Checked against a
 *   real kube-apiserver (test/cluster/bootstrap.test.ts; the samples in the unit tests are its).
 *
 * Evidence against encryption wins over evidence for it (k3s' `secrets-encrypt disable` keeps
 * the flag and the hash, but the metrics show identity writes).
 */
import type { SecretsEncryptionMode } from '../config/secrets-encryption.js';
import type { BootstrapEnv } from './env.js';
import type { KubeObject } from './kube.js';

export const K3S_NODE_ARGS = 'k3s.io/node-args';
export const K3S_ENCRYPTION_HASH = 'k3s.io/encryption-config-hash';
const TRANSFORMATION_METRIC = 'apiserver_storage_transformation_operations_total';

export type EncryptionEvidence = { readonly says: 'encrypted' | 'clear'; readonly why: string };

export type EncryptionVerdict =
  | { readonly status: 'ok'; readonly notes: readonly string[] }
  | { readonly status: 'warn'; readonly notes: readonly string[]; readonly warning: string }
  | { readonly status: 'refuse'; readonly notes: readonly string[]; readonly message: string };

/** What the control-plane nodes' k3s annotations say (nothing when the nodes are not k3s's). */
export function k3sEvidence(env: BootstrapEnv, nodes: readonly KubeObject[]): EncryptionEvidence[] {
  const out: EncryptionEvidence[] = [];
  const controlPlanes = new Set(env.nodes.filter((n) => n.role === 'control-plane').map((n) => n.name));
  for (const node of nodes) {
    if (!controlPlanes.has(node.metadata.name)) continue;
    const name = node.metadata.name;
    const annotations = node.metadata.annotations ?? {};
    const raw = annotations[K3S_NODE_ARGS];
    if (raw !== undefined) {
      const args = parseArgs(raw);
      if (!args) {
        out.push({ says: 'clear', why: `${name}: ${K3S_NODE_ARGS} is not a JSON list of strings, so the server's flags cannot be read` });
      } else {
        const flag = flagValue(args, '--secrets-encryption');
        const ownConfig = args.some((a, i) => a === '--kube-apiserver-arg' && (args[i + 1] ?? '').startsWith('encryption-provider-config='));
        if (ownConfig) out.push({ says: 'encrypted', why: `${name}: k3s passes the API server an --encryption-provider-config of its own (--kube-apiserver-arg)` });
        else if (flag === true) out.push({ says: 'encrypted', why: `${name}: the k3s server runs with --secrets-encryption` });
        else out.push({ says: 'clear', why: `${name}: the k3s server runs without --secrets-encryption${flag === false ? ' (set to false)' : ''}` });
      }
    }
    if (annotations[K3S_ENCRYPTION_HASH] !== undefined) {
      out.push({ says: 'encrypted', why: `${name}: k3s set ${K3S_ENCRYPTION_HASH} (it does so only with secrets encryption)` });
    }
  }
  return out;
}

function parseArgs(raw: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) && v.every((a) => typeof a === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** The last value of a boolean flag in k3s' list (`--flag`, `--flag true|false`); undefined when absent. */
function flagValue(args: readonly string[], flag: string): boolean | undefined {
  let value: boolean | undefined;
  args.forEach((a, i) => {
    if (a !== flag) return;
    const next = args[i + 1];
    value = next === 'false' ? false : true;
  });
  return value;
}

/** What the API server's storage metrics say about Secrets written since it started. */
export function metricsEvidence(metrics: string | undefined): EncryptionEvidence[] {
  if (metrics === undefined) return [];
  const prefixes = new Set<string>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${TRANSFORMATION_METRIC}{`)) continue;
    const labels = Object.fromEntries([...line.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.resource !== 'secrets' || labels.transformation_type !== 'to_storage' || labels.status !== 'OK') continue;
    prefixes.add(labels.transformer_prefix ?? '');
  }
  const out: EncryptionEvidence[] = [];
  // A provider's prefix is `k8s:enc:<provider>:v<n>:`; an empty one is identity (clear). Other
  // prefixes are the key-level transformers inside a provider (`<key name>:`), recorded as well.
  const encrypting = [...prefixes].filter((p) => p.startsWith('k8s:enc:')).sort();
  const clear = [...prefixes].filter((p) => p === '');
  if (encrypting.length) out.push({ says: 'encrypted', why: `the API server encrypted Secrets it wrote (${encrypting.join(', ')}, ${TRANSFORMATION_METRIC})` });
  if (clear.length) out.push({ says: 'clear', why: `the API server wrote Secrets in clear (an identity provider first in its encryption config, ${TRANSFORMATION_METRIC})` });
  return out;
}

const HOW =
  "On k3s start the server with --secrets-encryption (README, 'Install k3s for this platform'), or set cluster.secretsEncryption in platform.yaml: 'verified' when you checked it another way, 'none' to accept the risk (a lab); then run 'npm run synth'";

/** The verdict for the mode the config asks for. */
export function secretsEncryptionVerdict(mode: SecretsEncryptionMode, evidence: readonly EncryptionEvidence[], metricsError?: string): EncryptionVerdict {
  const notes = [...evidence.map((e) => `${e.says === 'encrypted' ? 'encrypted' : 'not encrypted'}: ${e.why}`), ...(metricsError ? [`the API server's /metrics could not be read: ${metricsError}`] : [])];
  const clear = evidence.filter((e) => e.says === 'clear');
  const encrypted = evidence.filter((e) => e.says === 'encrypted');
  const risk = "Vault's unseal key is a Kubernetes Secret: stored in clear, anyone with the datastore or a server's disk can unseal Vault";
  if (mode === 'none') {
    return {
      status: 'warn',
      notes,
      warning: `Secrets are not required to be encrypted at rest (cluster.secretsEncryption: none). ${risk}.${encrypted.length && !clear.length ? " (The cluster does seem to encrypt them: set 'required'.)" : ''}`,
    };
  }
  if (clear.length) {
    return {
      status: 'refuse',
      notes,
      message: `Secrets are not encrypted at rest (${clear.map((e) => e.why).join('; ')}), and cluster.secretsEncryption is '${mode}'. ${risk}. ${HOW}`,
    };
  }
  if (encrypted.length) return { status: 'ok', notes: [...notes, 'Secrets are encrypted at rest'] };
  if (mode === 'verified') {
    return { status: 'ok', notes: [...notes, 'nothing seen either way; taken on the config\'s word (cluster.secretsEncryption: verified)'] };
  }
  return {
    status: 'refuse',
    notes,
    message: `cannot tell whether the cluster encrypts Secrets at rest: no k3s annotation on the control-plane nodes and no storage transformation in the API server's metrics (no encryption config, or no Secret written since it started), and cluster.secretsEncryption is 'required'. ${risk}. ${HOW}`,
  };
}
