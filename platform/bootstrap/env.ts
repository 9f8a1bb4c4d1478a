/**
 * bootstrap.env as the `edge-idp bootstrap` commands read it: parsed (never executed) with the
 * grammar bootstrap.sh uses, and checked for the keys the decisions need.
 */
import { EdgeIdpError, printable } from '../config/errors.js';
import { SECRETS_ENCRYPTION_MODES, type SecretsEncryptionMode } from '../config/secrets-encryption.js';
import { BOOTSTRAP_EXIT } from './exit-codes.js';

export type NodeRole = 'control-plane' | 'worker';

export interface ChartFacts {
  readonly repo: string;
  readonly chart: string;
  readonly version: string;
  readonly release: string;
  readonly namespace: string;
  readonly values: string;
}

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: string;
}

/** The facts of bootstrap.env the decisions and the plan use. */
export interface BootstrapEnv {
  /** Where it was read from (messages name it). */
  readonly file: string;
  readonly site: string;
  readonly kubernetesVersion: string;
  readonly nodes: readonly { readonly name: string; readonly role: NodeRole }[];
  /** `key[=value]:Effect` as written, and parsed. */
  readonly controlPlaneTaint: string;
  readonly taint: Taint;
  /** `cluster.secretsEncryption`: what the preflight requires of Secrets' encryption at rest. */
  readonly secretsEncryption: SecretsEncryptionMode;
  readonly gitRepoURL: string;
  readonly gitRevision: string;
  readonly gatewayApi: { readonly url: string; readonly version: string; readonly versionAnnotation: string };
  readonly priorityClasses: readonly string[];
  readonly bootstrapNamespaces: readonly string[];
  readonly helmApiVersions: readonly string[];
  readonly cilium: ChartFacts & { readonly workloads: readonly string[]; readonly imageTag: string };
  readonly argocd: ChartFacts & { readonly workloadSelector: string; readonly coreWorkloads: readonly string[]; readonly crds: readonly string[] };
  readonly fieldManager: string;
  readonly adminSecret: string;
  readonly rootProject: string;
  readonly rootApplication: string;
  readonly rootApplicationName: string;
  readonly applicationSets: readonly string[];
  readonly urls: readonly string[];
}

/** Every key {@link bootstrapEnv} reads. */
export const BOOTSTRAP_ENV_KEYS = [
  'EDGE_IDP_SITE', 'KUBERNETES_VERSION', 'NODES', 'CONTROL_PLANE_TAINT', 'SECRETS_ENCRYPTION', 'GIT_REPO_URL', 'GIT_REVISION',
  'GATEWAY_API_CRDS_URL', 'GATEWAY_API_VERSION', 'GATEWAY_API_VERSION_ANNOTATION', 'PRIORITY_CLASSES',
  'BOOTSTRAP_NAMESPACES', 'HELM_API_VERSIONS',
  'CILIUM_CHART_REPO', 'CILIUM_CHART', 'CILIUM_VERSION', 'CILIUM_RELEASE', 'CILIUM_NAMESPACE', 'CILIUM_VALUES',
  'CILIUM_WORKLOADS', 'CILIUM_IMAGE_TAG',
  'ARGOCD_CHART_REPO', 'ARGOCD_CHART', 'ARGOCD_VERSION', 'ARGOCD_RELEASE', 'ARGOCD_NAMESPACE', 'ARGOCD_VALUES',
  'ARGOCD_WORKLOAD_SELECTOR', 'ARGOCD_CORE_WORKLOADS', 'ARGOCD_CRDS', 'ARGOCD_FIELD_MANAGER', 'ARGOCD_ADMIN_SECRET',
  'ROOT_PROJECT', 'ROOT_APPLICATION', 'ROOT_APPLICATION_NAME', 'APPLICATIONSETS', 'URLS',
] as const;

type Key = (typeof BOOTSTRAP_ENV_KEYS)[number];

const usage = (message: string) => new EdgeIdpError(printable(message), BOOTSTRAP_EXIT.usage);
const REGENERATE = "regenerate it with 'npm run synth'";

/**
 * `KEY='value'` (or `KEY=bare-word`) lines, comments and blank lines, exactly what bootstrap.sh
 * accepts; anything else is refused with its line number.
 */
export function parseEnvText(text: string, file: string): Map<string, string> {
  const vars = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*(#.*)?$/.test(line)) return;
    const m = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw usage(`${file}:${i + 1}: not a KEY='value' line: ${line}; ${REGENERATE}`);
    const [, key, rawValue] = m as unknown as [string, string, string];
    const quoted = /^'((?:[^']|'\\'')*)'$/.exec(rawValue);
    let value: string;
    if (quoted) value = quoted[1]!.replace(/'\\''/g, "'");
    else if (/^[A-Za-z0-9_./:@%+,=-]*$/.test(rawValue)) value = rawValue;
    else throw usage(`${file}:${i + 1}: the value of ${key} must be single-quoted: ${line}`);
    vars.set(key, value);
  });
  return vars;
}

const words = (s: string) => s.split(/\s+/).filter(Boolean);
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const TAINT = /^([A-Za-z0-9./-]+)(?:=([A-Za-z0-9._-]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/;
/** Words bootstrap.sh splits on blanks and passes to kubectl/helm unquoted. */
const SAFE_WORD = /^[A-Za-z0-9_./:@%+,=-]+$/;

/** The typed view of bootstrap.env, every key present and well-formed. */
export function bootstrapEnv(vars: ReadonlyMap<string, string>, file: string): BootstrapEnv {
  const missing = BOOTSTRAP_ENV_KEYS.filter((k) => !vars.get(k));
  if (missing.length) throw usage(`${file} lacks ${missing.join(' ')}: ${REGENERATE}`);
  const v = (k: Key) => vars.get(k)!;
  const list = (k: Key) => {
    const ws = words(v(k));
    const bad = ws.find((w) => !SAFE_WORD.test(w));
    if (bad !== undefined) throw usage(`${file}: ${k} holds '${bad}', which is not a plain word (letters, digits, ./:@%+,=-): ${REGENERATE}`);
    return ws;
  };

  const nodes = words(v('NODES')).map((entry) => {
    const i = entry.indexOf(':');
    const name = entry.slice(0, i);
    const role = entry.slice(i + 1);
    if (i < 0 || !NODE_NAME.test(name)) throw usage(`${file}: NODES entry '${entry}' is not name:role (e.g. edge-cp-1:control-plane): ${REGENERATE}`);
    if (role !== 'control-plane' && role !== 'worker') {
      throw usage(`${file}: NODES entry '${entry}' has role '${role}' (allowed: control-plane, worker): fix nodes[].role in platform.yaml and run 'npm run synth'`);
    }
    return { name, role: role as NodeRole };
  });
  if (!nodes.some((n) => n.role === 'control-plane')) throw usage(`${file}: NODES='${v('NODES')}' has no control-plane node: ${REGENERATE}`);
  const t = TAINT.exec(v('CONTROL_PLANE_TAINT'));
  if (!t) throw usage(`${file}: CONTROL_PLANE_TAINT='${v('CONTROL_PLANE_TAINT')}' is not key[=value]:Effect (Effect: NoSchedule, PreferNoSchedule or NoExecute): ${REGENERATE}`);
  const encryption = v('SECRETS_ENCRYPTION');
  if (!(SECRETS_ENCRYPTION_MODES as readonly string[]).includes(encryption)) {
    throw usage(`${file}: SECRETS_ENCRYPTION='${encryption}' is not one of ${SECRETS_ENCRYPTION_MODES.join(', ')}: set cluster.secretsEncryption in platform.yaml and run 'npm run synth'`);
  }
  const version = v('GATEWAY_API_VERSION');
  if (!v('GATEWAY_API_CRDS_URL').includes(version)) {
    throw usage(`${file}: GATEWAY_API_CRDS_URL='${v('GATEWAY_API_CRDS_URL')}' does not name GATEWAY_API_VERSION='${version}': the two must come from the same release; ${REGENERATE}`);
  }
  const chart = (p: 'CILIUM' | 'ARGOCD'): ChartFacts => ({
    repo: v(`${p}_CHART_REPO`),
    chart: v(`${p}_CHART`),
    version: v(`${p}_VERSION`),
    release: v(`${p}_RELEASE`),
    namespace: v(`${p}_NAMESPACE`),
    values: v(`${p}_VALUES`),
  });
  return {
    file,
    site: v('EDGE_IDP_SITE'),
    kubernetesVersion: v('KUBERNETES_VERSION'),
    nodes,
    controlPlaneTaint: v('CONTROL_PLANE_TAINT'),
    taint: { key: t[1]!, value: t[2] ?? '', effect: t[3]! },
    secretsEncryption: encryption as SecretsEncryptionMode,
    gitRepoURL: v('GIT_REPO_URL'),
    gitRevision: v('GIT_REVISION'),
    gatewayApi: { url: v('GATEWAY_API_CRDS_URL'), version, versionAnnotation: v('GATEWAY_API_VERSION_ANNOTATION') },
    priorityClasses: list('PRIORITY_CLASSES'),
    bootstrapNamespaces: list('BOOTSTRAP_NAMESPACES'),
    helmApiVersions: list('HELM_API_VERSIONS'),
    cilium: { ...chart('CILIUM'), workloads: list('CILIUM_WORKLOADS'), imageTag: v('CILIUM_IMAGE_TAG') },
    argocd: { ...chart('ARGOCD'), workloadSelector: v('ARGOCD_WORKLOAD_SELECTOR'), coreWorkloads: list('ARGOCD_CORE_WORKLOADS'), crds: list('ARGOCD_CRDS') },
    fieldManager: v('ARGOCD_FIELD_MANAGER'),
    adminSecret: v('ARGOCD_ADMIN_SECRET'),
    rootProject: v('ROOT_PROJECT'),
    rootApplication: v('ROOT_APPLICATION'),
    rootApplicationName: v('ROOT_APPLICATION_NAME'),
    applicationSets: list('APPLICATIONSETS'),
    urls: list('URLS'),
  };
}

/** Parse and check bootstrap.env's text. */
export function readBootstrapEnv(text: string, file: string): BootstrapEnv {
  return bootstrapEnv(parseEnvText(text, file), file);
}
