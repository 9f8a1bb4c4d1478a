/**
 * `edge-idp apps`: every app of every team, per site, as declared (its kind, URL, tier and
 * requests, and each team's quota use), and, where a cluster can be asked, the sync and health
 * of each app's Application there.
 *
 * A kubeconfig reaches one cluster, which is one site: the site is read from the cluster's root
 * Application (its source path is `…/synth/<site>/root`), so statuses are shown for that site
 * only, however many sites the report lists. Library functions return data; the CLI prints.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARGOCD_NAMESPACE, ROOT_NAME } from '../argocd/constants.js';
import { parseKubeObjects } from '../bootstrap/kube.js';
import { clip, printable } from '../config/errors.js';
import type { Fleet, FleetSite } from '../fleet/load.js';
import { compareText } from '../model/order.js';
import { parseCpu, parseMemory } from '../model/quantity.js';
import { TENANT_TIER, tenantApplication, type SiteTenant, type TenantApp } from '../model/tenants.js';
import { TIERS, type TierName } from '../model/tiers.js';
import { rootDir } from '../synth/paths.js';

/** CPU or memory: the quantity as written, and the number sums are made of. */
export interface Amount {
  /** A Kubernetes quantity (`300m`, `384Mi`). */
  readonly quantity: string;
  /** Millicores for CPU, bytes for memory and storage. */
  readonly value: number;
}

/** The sync and health ArgoCD reports for an app's Application. */
export interface AppStatus {
  readonly sync: string;
  readonly health: string;
}

export interface AppRow {
  readonly team: string;
  readonly app: string;
  readonly kind: 'Deployment' | 'CronJob';
  /** `https://host/path`; absent when the app is not routed. */
  readonly url?: string;
  readonly tier: TierName;
  /** The tier's PriorityClass, which the app's pods name. */
  readonly priorityClass: string;
  /** Pods (1 for a scheduled app: one run at a time). */
  readonly replicas: number;
  /** Per pod. */
  readonly cpu: string;
  /** Per pod. */
  readonly memory: string;
  /** replicas × cpu and replicas × memory. */
  readonly requests: { readonly cpu: Amount; readonly memory: Amount };
  /** Its Application in ArgoCD (`tenant-<team>-<app>`). */
  readonly application: string;
  /**
   * What the cluster says, when the site's cluster was asked: the Application's status, or
   * `missing` when the cluster has no such Application (not merged, not synced yet). Absent when
   * the cluster was not asked.
   */
  readonly status?: AppStatus | 'missing';
}

/** A team on a site: its requests there against its quota. */
export interface TeamUse {
  readonly team: string;
  /** Its tenant.yaml's one line; absent when it has none. */
  readonly description?: string;
  readonly cpu: { readonly used: Amount; readonly quota: Amount };
  readonly memory: { readonly used: Amount; readonly quota: Amount };
  readonly pods: { readonly used: number; readonly quota: number };
  readonly storage: { readonly used: Amount; readonly quota: Amount };
}

export interface SiteApps {
  readonly site: string;
  /** Its config file. */
  readonly file: string;
  readonly ring: string;
  /** Sorted by team, then app. */
  readonly apps: readonly AppRow[];
  /** One per team on the site, sorted. */
  readonly teams: readonly TeamUse[];
  /** Whether the statuses come from the site's cluster. */
  readonly live: boolean;
}

export interface AppsReport {
  /** One-site repository or fleet (a fleet's report names each site). */
  readonly kind: Fleet['kind'];
  /** The sites asked for, sorted. */
  readonly sites: readonly SiteApps[];
}

/** Bytes as a Kubernetes quantity: the largest binary unit that divides it. */
export function memoryQuantity(bytes: number): string {
  for (const [unit, size] of [['Ti', 1024 ** 4], ['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}`;
}

/** Millicores as a Kubernetes quantity. */
export function cpuQuantity(millicores: number): string {
  return millicores % 1000 === 0 ? `${millicores / 1000}` : `${millicores}m`;
}

const cpuAmount = (m: number): Amount => ({ quantity: cpuQuantity(m), value: m });
const memoryAmount = (b: number): Amount => ({ quantity: memoryQuantity(b), value: b });

function appRow(team: SiteTenant, app: TenantApp): AppRow {
  const cpu = parseCpu(app.cpu) * app.replicas;
  const memory = parseMemory(app.memory) * app.replicas;
  return {
    team: team.name,
    app: app.name,
    kind: app.schedule !== undefined ? 'CronJob' : 'Deployment',
    ...(app.route ? { url: `https://${app.route.host}${app.route.path}` } : {}),
    tier: TENANT_TIER,
    priorityClass: TIERS[TENANT_TIER].priorityClassName,
    replicas: app.replicas,
    cpu: app.cpu,
    memory: app.memory,
    requests: { cpu: cpuAmount(cpu), memory: memoryAmount(memory) },
    application: tenantApplication(team.name, app.name),
  };
}

function teamUse(team: SiteTenant): TeamUse {
  const sum = (f: (a: TenantApp) => number) => team.apps.reduce((n, a) => n + f(a), 0);
  return {
    team: team.name,
    ...(team.description !== undefined ? { description: team.description } : {}),
    cpu: { used: cpuAmount(sum((a) => parseCpu(a.cpu) * a.replicas)), quota: cpuAmount(parseCpu(team.quota.cpu)) },
    memory: { used: memoryAmount(sum((a) => parseMemory(a.memory) * a.replicas)), quota: memoryAmount(parseMemory(team.quota.memory)) },
    pods: { used: sum((a) => a.replicas), quota: team.quota.pods },
    storage: { used: memoryAmount(sum((a) => (a.volume ? parseMemory(a.volume.size) : 0))), quota: memoryAmount(parseMemory(team.quota.storage)) },
  };
}

/** What the repository declares for `sites` (every app, each team's quota use), sorted. */
export function appsReport(fleet: Pick<Fleet, 'kind'>, sites: readonly FleetSite[]): AppsReport {
  const byTeam = (a: { team: string }, b: { team: string }) => compareText(a.team, b.team);
  return {
    kind: fleet.kind,
    sites: [...sites]
      .sort((a, b) => compareText(a.name, b.name))
      .map((site) => ({
        site: site.name,
        file: site.file,
        ring: site.ring,
        apps: site.tenants.flatMap((t) => t.apps.map((a) => appRow(t, a))).sort((a, b) => byTeam(a, b) || compareText(a.app, b.app)),
        teams: site.tenants.map(teamUse).sort(byTeam),
        live: false,
      })),
  };
}

// ---------------------------------------------------------------------------------------------
// The cluster

/** What the cluster's ArgoCD reports: the site its root Application syncs, and every Application's status. */
export interface ClusterApplications {
  /** The root Application's source path (`…/synth/<site>/root`); absent when it has none. */
  readonly rootPath?: string;
  /** Application name → status. */
  readonly statuses: ReadonlyMap<string, AppStatus>;
}

/** Environment variable naming the kubectl binary to use (as bootstrap.sh reads it). */
export const KUBECTL_ENV_VAR = 'EDGE_IDP_KUBECTL';

export interface ReadClusterOptions {
  /** The kubeconfig file. Default: kubectl's (`$KUBECONFIG`, else `~/.kube/config`). */
  readonly kubeconfig?: string;
  /** The kubeconfig context. Default: its current context. */
  readonly context?: string;
  /** Environment: `EDGE_IDP_KUBECTL`, `PATH`, `KUBECONFIG`. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Folders whose `node_modules/.cache/edge-idp/kubectl` (scripts/install-helm.sh puts one
   * there) is tried when there is none on PATH. Default: this module's folder and its parents.
   */
  readonly cacheRoots?: readonly string[];
  /** How long the API server may take to answer, in seconds. Default: 10. */
  readonly timeoutSeconds?: number;
}

/** Where scripts/install-helm.sh puts kubectl, relative to the repository root. */
export const KUBECTL_CACHE_RELATIVE_PATH = join('node_modules', '.cache', 'edge-idp', 'kubectl');

/** `dir` and each of its parents, nearest first. */
function ancestors(dir: string): string[] {
  const out = [dir];
  while (dirname(out.at(-1)!) !== out.at(-1)) out.push(dirname(out.at(-1)!));
  return out;
}

/** The cluster could not be asked: why, in one line. */
export class ClusterUnavailable extends Error {
  override readonly name = 'ClusterUnavailable';
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ stdout: string; stderr: string; code: number | string | null }> {
  return new Promise((resolve) => {
    execFile(file, [...args], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? ((error as NodeJS.ErrnoException).code ?? (error as { status?: number }).status ?? 1) : 0;
      resolve({ stdout, stderr, code: code as number | string | null });
    });
  });
}

const str = (x: unknown): string => (typeof x === 'string' && x !== '' ? x : 'Unknown');

/**
 * Every Application in ArgoCD's namespace, through kubectl (`EDGE_IDP_KUBECTL`, else kubectl on
 * PATH, else the one scripts/install-helm.sh puts in node_modules/.cache/edge-idp/). Throws
 * {@link ClusterUnavailable} when there is no kubectl or the cluster does not answer.
 */
export async function readClusterApplications(opts: ReadClusterOptions = {}): Promise<ClusterApplications> {
  const env = opts.env ?? process.env;
  const timeout = opts.timeoutSeconds ?? 10;
  const args = [
    ...(opts.kubeconfig !== undefined ? ['--kubeconfig', opts.kubeconfig] : []),
    ...(opts.context !== undefined ? ['--context', opts.context] : []),
    `--request-timeout=${timeout}s`,
    'get',
    'applications.argoproj.io',
    '--namespace',
    ARGOCD_NAMESPACE,
    '--output',
    'json',
  ];
  const cached = (opts.cacheRoots ?? ancestors(dirname(fileURLToPath(import.meta.url)))).map((r) => join(r, KUBECTL_CACHE_RELATIVE_PATH)).filter((p) => existsSync(p));
  const candidates = env[KUBECTL_ENV_VAR] ? [env[KUBECTL_ENV_VAR]!] : ['kubectl', ...cached];
  let result: Awaited<ReturnType<typeof run>> | undefined;
  for (const kubectl of candidates) {
    result = await run(kubectl, args, env, (timeout + 5) * 1000);
    if (result.code !== 'ENOENT' && result.code !== 'EACCES') break;
  }
  if (!result || result.code === 'ENOENT' || result.code === 'EACCES') {
    throw new ClusterUnavailable(`no kubectl (looked at ${candidates.join(', ')}): install it, or set ${KUBECTL_ENV_VAR}`);
  }
  if (result.code !== 0) {
    const why = result.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `kubectl exited with ${String(result.code)}`;
    throw new ClusterUnavailable(`kubectl: ${clip(printable(why), 300)}`);
  }
  let objects;
  try {
    objects = parseKubeObjects(result.stdout, 'the Applications');
  } catch (e) {
    throw new ClusterUnavailable((e as Error).message);
  }
  const statuses = new Map<string, AppStatus>();
  let rootPath: string | undefined;
  for (const o of objects) {
    statuses.set(o.metadata.name, { sync: str(o.status?.sync?.status), health: str(o.status?.health?.status) });
    if (o.metadata.name === ROOT_NAME) {
      const sources = [o.spec?.source, ...(Array.isArray(o.spec?.sources) ? o.spec.sources : [])];
      rootPath = sources.map((s) => s?.path).find((p): p is string => typeof p === 'string');
    }
  }
  return { ...(rootPath !== undefined ? { rootPath } : {}), statuses };
}

/** The site whose root folder `rootPath` is (`synth/<site>/root`, below the repository's path or not). */
function siteOfRoot(rootPath: string | undefined, sites: readonly string[]): string | undefined {
  if (rootPath === undefined) return undefined;
  const path = rootPath.replace(/\/+$/, '');
  return sites.find((s) => path === rootDir(s) || path.endsWith(`/${rootDir(s)}`));
}

/**
 * The report with the cluster's statuses on the site the cluster is (see the file comment), and
 * what is worth a warning: a cluster that is none of the listed sites.
 */
export function withClusterStatus(report: AppsReport, cluster: ClusterApplications, allSites: readonly string[]): { report: AppsReport; warnings: string[] } {
  const site = siteOfRoot(cluster.rootPath, allSites);
  if (site === undefined) {
    const why = cluster.rootPath === undefined ? `it has no ${ROOT_NAME} Application in ${ARGOCD_NAMESPACE}` : `its ${ROOT_NAME} Application syncs ${cluster.rootPath}, no site of this repository`;
    return { report, warnings: [`the cluster is not a site of this repository (${why}): statuses not shown`] };
  }
  if (!report.sites.some((s) => s.site === site)) {
    return { report, warnings: [`the cluster is site ${site}, which is not listed (--site): statuses not shown`] };
  }
  return {
    report: {
      ...report,
      sites: report.sites.map((s) => (s.site !== site ? s : { ...s, live: true, apps: s.apps.map((a) => ({ ...a, status: cluster.statuses.get(a.application) ?? 'missing' })) })),
    },
    warnings: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Text

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

const percent = (used: number, quota: number) => (quota > 0 ? ` (${Math.round((used / quota) * 100)}%)` : '');

function statusText(status: AppRow['status']): string {
  if (status === undefined) return '';
  return status === 'missing' ? 'not on the cluster' : `${status.sync}/${status.health}`;
}

/** The report as text: per site, a table of the apps, then each team (its description) and its quota use. */
export function formatAppsReport(report: AppsReport): string {
  const out: string[] = [];
  for (const s of report.sites) {
    if (out.length) out.push('');
    if (report.kind === 'fleet') out.push(`## site ${s.site} (${s.file}, ring ${s.ring})`);
    if (s.apps.length === 0) {
      out.push(s.teams.length ? `  no apps (teams: ${s.teams.map((q) => q.team).join(', ')})` : '  no teams run here');
      continue;
    }
    const header = ['team', 'app', 'kind', 'url', 'tier', 'requests', ...(s.live ? ['status'] : [])];
    const rows = s.apps.map((a) => [
      a.team,
      a.app,
      a.kind,
      a.url ?? '-',
      `${a.tier} (${a.priorityClass})`,
      `${a.requests.cpu.quantity} cpu, ${a.requests.memory.quantity} (${a.replicas} x ${a.cpu}/${a.memory})`,
      ...(s.live ? [statusText(a.status)] : []),
    ]);
    out.push(...table(header, rows));
    out.push('  quota use:');
    for (const q of s.teams) {
      const storage = q.storage.quota.value > 0 || q.storage.used.value > 0 ? `, storage ${q.storage.used.quantity} of ${q.storage.quota.quantity}${percent(q.storage.used.value, q.storage.quota.value)}` : '';
      out.push(
        `    ${q.team}${q.description !== undefined ? ` (${printable(q.description)})` : ''}: cpu ${q.cpu.used.quantity} of ${q.cpu.quota.quantity}${percent(q.cpu.used.value, q.cpu.quota.value)}, ` +
          `memory ${q.memory.used.quantity} of ${q.memory.quota.quantity}${percent(q.memory.used.value, q.memory.quota.value)}, ` +
          `pods ${q.pods.used} of ${q.pods.quota}${storage}`,
      );
    }
  }
  return out.join('\n');
}
