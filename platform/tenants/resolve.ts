/**
 * What the schemas cannot say about the tenant files, and their resolution for each site.
 *
 * A team's file: its name is its folder's, not a Kubernetes system namespace, short enough for
 * its AppProject; it has owners; `runsOn` names groups of fleet.yaml and sites that exist, and
 * some site; its hostnames are not the platform's. An app's file: its name is its file's, its
 * image is pinned, its shape is one of a served app (a port) or a scheduled one (no port, route,
 * replicas, volume, probe or metrics), a volume means one replica, a variable comes from `env` or
 * `secrets`, not both, and `sites` are sites its team runs on. Then, on each site: every route's
 * host is one its team may serve, no two apps share a host and path, no two teams' hostnames
 * overlap, and the apps fit their team's quota. Problems are collected for every file (see
 * problems.ts); when there are none, each site gets its teams with every default applied.
 */
import { compareText } from '../model/order.js';
import { isPinnedImage, unpinnedImageReason } from '../model/images.js';
import { isSystemNamespace } from '../model/namespaces.js';
import { formatCpu, formatMemory, parseCpu, parseMemory } from '../model/quantity.js';
import { tenantApplication, tenantProject, type SiteTenant, type TenantApp } from '../model/tenants.js';
import { FLEET_FILE, SINGLE_SITE_FILE } from '../fleet/schema.js';
import type { TeamFolder, ValidFile } from './files.js';
import { coversHost, expandSite, hostnamesOverlap, isWildcard, reservedHostnameReason, wildcardSuffix } from './hostnames.js';
import { SiteGroupedProblems, siteList, TenantProblems } from './problems.js';
import { SITE_DOMAIN_PLACEHOLDER, type AppFile, type TenantFile } from './schema.js';

/** A site as the tenants need it (see `TenantSiteInfo` in load.ts). */
export interface SiteInfo {
  readonly name: string;
  readonly groups: readonly string[];
  readonly domain: string;
}

/** Defaults of an app's keys, written once (the schema's descriptions say the same). */
export const APP_DEFAULTS = { replicas: 1, cpu: '100m', memory: '128Mi', routePath: '/', metricsPath: '/metrics' } as const;
/** A team's storage quota when it names none: no volumes. */
export const DEFAULT_STORAGE_QUOTA = '0';
/** The longest object name that is also a label value (an Application's name is both). */
export const LABEL_VALUE_MAX = 63;
/** The longest DNS name. */
const DNS_NAME_MAX = 253;

/** A team's default hostnames: `*.<team>.{site}`. */
export function defaultHostnames(team: string): string[] {
  return [`*.${team}.${SITE_DOMAIN_PLACEHOLDER}`];
}

/** Why a team may not be named so (a namespace Kubernetes owns), or undefined. */
function reservedTeamReason(team: string): string | undefined {
  if (isSystemNamespace(team) || team.startsWith('kube-')) {
    return `'${team}' is a Kubernetes system namespace (default, kube-*): a team's name is its namespace on every site; rename the team (its folder and its name)`;
  }
  return undefined;
}

interface Team {
  readonly folder: TeamFolder;
  readonly tenant: ValidFile<TenantFile>;
  /** The sites it runs on, in the order of the sites given. */
  readonly sites: readonly SiteInfo[];
  /** Their names, to look up. */
  readonly on: ReadonlySet<string>;
  /** Its hostnames as written (or the default), in that order. */
  readonly hostnames: readonly string[];
  /** Whether its hostnames were written (paths `hostnames[i]`) or defaulted (path `hostnames`). */
  readonly hostnamesWritten: boolean;
  /** Whether tenant.yaml has no problems: checks that span files run only then. */
  readonly ok: boolean;
}

interface App {
  readonly team: Team;
  readonly file: ValidFile<AppFile> & { readonly name: string };
  /** The sites it is placed on. */
  readonly sites: readonly SiteInfo[];
  /** Their names, to look up. */
  readonly on: ReadonlySet<string>;
  /** Whether the app file has no problems of its own. */
  readonly ok: boolean;
}

/** A route on one site: the host resolved, and the host as the team wrote it (with `{site}`), for messages. */
interface Route {
  readonly host: string;
  readonly shown: string;
  readonly path: string;
}

/** The host with the site's domain written back as `{site}` (messages stay the same on every site). */
function templated(host: string, domain: string): string {
  return host === domain ? SITE_DOMAIN_PLACEHOLDER : host.endsWith(`.${domain}`) ? `${host.slice(0, -domain.length - 1)}.${SITE_DOMAIN_PLACEHOLDER}` : host;
}

/** The sites whose domain holds `name` (a suffix of it, or the name itself). */
function sitesInside(name: string, domains: ReadonlyMap<string, SiteInfo>): SiteInfo[] {
  const labels = name.split('.');
  const out: SiteInfo[] = [];
  for (let k = 0; k < labels.length; k++) {
    const site = domains.get(labels.slice(k).join('.'));
    if (site) out.push(site);
  }
  return out;
}

function checkTenant(
  folder: TeamFolder,
  tenant: ValidFile<TenantFile>,
  sites: readonly SiteInfo[],
  domains: ReadonlyMap<string, SiteInfo>,
  groups: readonly string[],
  problems: TenantProblems,
): Team {
  const file = tenant.path;
  const t = tenant.data;
  const team = folder.team;
  if (t.name !== team) {
    problems.add(file, 'name', `'${t.name}' is not the folder's name: the team in ${file} is named '${team}'; set name: ${team}, or rename the folder`);
  }
  const reserved = reservedTeamReason(team);
  if (reserved) problems.add(file, 'name', reserved);
  if (tenantProject(team).length > LABEL_VALUE_MAX) {
    problems.add(
      file,
      'name',
      `'${team}' is too long: its AppProject '${tenantProject(team)}' is ${tenantProject(team).length} characters, more than ${LABEL_VALUE_MAX} (a label value); shorten the team's name to at most ${LABEL_VALUE_MAX - tenantProject('').length} characters`,
    );
  }
  if ((t.owners.groups ?? []).length + (t.owners.users ?? []).length === 0) {
    problems.add(
      file,
      'owners',
      'no owners: list at least one group (owners.groups: [my-team]) or user (owners.users: [jane]) of the identity provider; they get the namespace and the AppProject of the team',
    );
  }

  // Where it runs.
  let runsOn: SiteInfo[] = [...sites];
  if (t.runsOn !== undefined) {
    const wanted = new Set<string>();
    let named = true;
    (t.runsOn.groups ?? []).forEach((g, i) => {
      if (!groups.includes(g)) {
        named = false;
        problems.add(
          file,
          `runsOn.groups[${i}]`,
          groups.length
            ? `'${g}' is not a group of ${FLEET_FILE}; groups: ${groups.join(', ')}`
            : `'${g}' is not a group: this repository has no groups (${sites.length === 1 ? `it is one site, ${SINGLE_SITE_FILE}` : `${FLEET_FILE} declares none`}); remove runsOn.groups (a team runs on every site by default)`,
        );
      } else for (const s of sites) if (s.groups.includes(g)) wanted.add(s.name);
    });
    (t.runsOn.sites ?? []).forEach((name, i) => {
      if (!sites.some((s) => s.name === name)) {
        named = false;
        problems.add(file, `runsOn.sites[${i}]`, `'${name}' is not a site; sites: ${siteList(sites.map((s) => s.name), 20)}`);
      } else wanted.add(name);
    });
    runsOn = sites.filter((s) => wanted.has(s.name));
    if (runsOn.length === 0 && named) {
      const listed = t.runsOn.groups ?? [];
      problems.add(
        file,
        'runsOn',
        `the team runs on no site${listed.length ? ` (no site is in ${listed.join(', ')})` : ''}: name groups of ${FLEET_FILE} or sites (runsOn.sites: [${sites[0]?.name ?? 'a-site'}]), or remove runsOn to run on every site`,
      );
    }
  }

  // Its hostnames: never the platform's, on any site.
  const written = t.hostnames !== undefined;
  const hostnames = t.hostnames ?? defaultHostnames(team);
  const at = (i: number) => (written ? `hostnames[${i}]` : 'hostnames');
  const shown = (h: string) => (written ? `'${h}'` : `'${h}' (the default)`);
  hostnames.forEach((h, i) => {
    const perSite = h.includes(SITE_DOMAIN_PLACEHOLDER);
    if (perSite) {
      const reason = reservedHostnameReason(h, SITE_DOMAIN_PLACEHOLDER);
      if (reason) problems.add(file, at(i), `${shown(h)} ${reason}; use at least two labels below it (*.${team}.${SITE_DOMAIN_PLACEHOLDER}) or a domain outside it`);
    }
    for (const s of perSite ? runsOn : [undefined]) {
      const name = s ? expandSite(h, s.domain) : h;
      if (name.length > DNS_NAME_MAX) {
        problems.add(file, at(i), `${shown(h)} is ${name.length} characters${s ? ` on site ${s.name} (${name})` : ''}, more than ${DNS_NAME_MAX}: shorten it`);
      }
      // Any site's domain the name is inside (its own one of a `{site}` name is checked above, in the words the team wrote).
      for (const other of sitesInside(name, domains)) {
        if (other === s) continue;
        const reason = reservedHostnameReason(name, other.domain);
        if (reason) {
          problems.add(
            file,
            at(i),
            `${shown(h)}${name !== h ? ` (${name} on site ${s!.name})` : ''} ${reason.replace("the site's domain", `the domain of site ${other.name}`)}; use at least two labels below it or a domain outside it`,
          );
        }
      }
    }
  });
  return { folder, tenant, sites: runsOn, on: new Set(runsOn.map((s) => s.name)), hostnames, hostnamesWritten: written, ok: !problems.has(file) };
}

const SCHEDULED_ONLY_HINT = 'a scheduled app runs as a CronJob to completion and serves nothing';

/** The problems of an app file of its own (whatever its team's file holds). */
function checkAppFile(teamName: string, file: ValidFile<AppFile> & { name: string }, problems: TenantProblems): void {
  const a = file.data;
  const path = file.path;
  if (a.name !== file.name) {
    problems.add(path, 'name', `'${a.name}' is not the file's name: the app in ${path} is named '${file.name}'; set name: ${file.name}, or rename the file`);
  }
  const application = tenantApplication(teamName, file.name);
  if (application.length > LABEL_VALUE_MAX) {
    const room = LABEL_VALUE_MAX - tenantApplication(teamName, '').length;
    problems.add(
      path,
      'name',
      `its ArgoCD Application '${application}' (tenant-<team>-<app>) is ${application.length} characters, more than ${LABEL_VALUE_MAX} (a label value): ` +
        (room > 0 ? `shorten the app's name to at most ${room} characters, or the team's name` : `shorten the team's name '${teamName}' (and the app's)`),
    );
  }
  if (!isPinnedImage(a.image)) {
    const base = a.image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
    problems.add(path, 'image', `'${a.image}' ${unpinnedImageReason(a.image)}: pin it with a tag other than latest (${base}:1.2.3) or a digest (${base}@sha256:…)`);
  }
  if (a.schedule !== undefined) {
    const forbidden: [keyof AppFile, string][] = [
      ['port', 'remove port'],
      ['route', 'remove route'],
      ['replicas', 'it runs one pod at a time; remove replicas'],
      ['volume', 'remove volume'],
      ['probe', 'remove probe'],
      ['metrics', 'Prometheus cannot scrape it; remove metrics'],
    ];
    for (const [key, fix] of forbidden) {
      if (a[key] !== undefined) problems.add(path, key, `not allowed with schedule: ${SCHEDULED_ONLY_HINT}; ${fix} (or remove schedule to run a Deployment)`);
    }
  } else if (a.port === undefined) {
    problems.add(
      path,
      'port',
      `required field is missing: the app serves on a port (its Service${a.route !== undefined && a.route !== false ? ', its route' : ''} and its probe use it); set port (e.g. port: 8080), or set schedule to run it as a CronJob`,
    );
  }
  if (a.volume !== undefined && a.replicas !== undefined && a.replicas > 1) {
    problems.add(path, 'replicas', `${a.replicas} is not allowed with a volume: a ReadWriteOnce volume mounts on one node, so the app runs one replica; remove replicas (or the volume)`);
  }
  for (const name of Object.keys(a.secrets ?? {}).sort(compareText)) {
    if (a.env !== undefined && Object.hasOwn(a.env, name)) {
      problems.add(path, `secrets.${name}`, `'${name}' is also set in env: a variable comes from one place; remove it from env or from secrets`);
    }
  }
}

/** An app of a valid team: placed on a subset of the team's sites. */
function placeApp(team: Team, file: ValidFile<AppFile> & { name: string }, sites: readonly SiteInfo[], problems: TenantProblems): App {
  const a = file.data;
  const path = file.path;
  const teamName = team.folder.team;
  let placed = team.sites;
  if (a.sites !== undefined && team.ok) {
    a.sites.forEach((name, i) => {
      if (!sites.some((s) => s.name === name)) {
        problems.add(path, `sites[${i}]`, `'${name}' is not a site; the team runs on: ${siteList(team.sites.map((s) => s.name), 20)}`);
      } else if (!team.on.has(name)) {
        problems.add(
          path,
          `sites[${i}]`,
          `'${name}' is a site team ${teamName} does not run on (it runs on: ${siteList(team.sites.map((s) => s.name), 20)}); remove it, or add it to runsOn in ${team.tenant.path}`,
        );
      }
    });
    placed = team.sites.filter((s) => a.sites!.includes(s.name));
  }
  return { team, file, sites: placed, on: new Set(placed.map((s) => s.name)), ok: !problems.has(path) };
}

/** An app's route on a site, or a problem (grouped by site) and undefined. */
function routeOn(app: App, site: SiteInfo, hostnames: readonly string[], grouped: SiteGroupedProblems): Route | undefined {
  const a = app.file.data;
  if (a.route === undefined || a.route === false) return undefined;
  const spec = a.route === true ? {} : a.route;
  const path = spec.path ?? APP_DEFAULTS.routePath;
  const team = app.team;
  const teamFile = team.tenant.path;
  const at = spec.host === undefined ? 'route' : 'route.host';
  const written = spec.host ?? app.file.name;
  let host: string;
  if (!written.includes('.') && written !== SITE_DOMAIN_PLACEHOLDER) {
    const wildcard = hostnames.find(isWildcard);
    if (wildcard === undefined) {
      grouped.add(
        site.name,
        app.file.path,
        at,
        `the host${spec.host === undefined ? ` (the app's name, '${written}')` : ` '${written}'`} is one label, to go in the team's first wildcard hostname, and team ${team.folder.team} has none (hostnames: ${team.hostnames.join(', ')}): ` +
          `write a full host one of them covers, or add a wildcard (*.${team.folder.team}.${SITE_DOMAIN_PLACEHOLDER}) to hostnames in ${teamFile}`,
      );
      return undefined;
    }
    host = `${written}.${wildcardSuffix(wildcard)}`;
  } else {
    host = expandSite(written, site.domain);
    if (!hostnames.some((h) => coversHost(h, host))) {
      grouped.add(
        site.name,
        app.file.path,
        at,
        `'${written}' is not covered by the hostnames of team ${team.folder.team} (${team.hostnames.join(', ')}): use one label (${app.file.name} → ${app.file.name}.${wildcardSuffix(team.hostnames.find(isWildcard) ?? `*.${team.folder.team}.${SITE_DOMAIN_PLACEHOLDER}`)}), a host they cover, or add it to hostnames in ${teamFile}`,
      );
      return undefined;
    }
  }
  if (host.length > DNS_NAME_MAX) {
    grouped.add(site.name, app.file.path, at, `the host ${templated(host, site.domain)} is ${host.length} characters on site ${site.name}, more than ${DNS_NAME_MAX}: use a shorter label or host`);
    return undefined;
  }
  return { host, shown: templated(host, site.domain), path };
}

/** One term of a quota sum, for messages: `web 2 × 250m`, or `job 100m`. */
function term(app: App, quantity: string, replicas: number): string {
  return replicas === 1 ? `${app.file.name} ${quantity}` : `${app.file.name} ${replicas} × ${quantity}`;
}

/** Pods an app counts against the quota: its replicas; a CronJob one (it forbids concurrent runs). */
export function quotaPods(a: AppFile): number {
  return a.schedule !== undefined ? 1 : (a.replicas ?? APP_DEFAULTS.replicas);
}

function quotaOn(team: Team, apps: readonly App[], site: SiteInfo, grouped: SiteGroupedProblems): void {
  const q = team.tenant.data.quota;
  const file = team.tenant.path;
  const on = apps.filter((a) => a.on.has(site.name));
  if (on.length === 0) return;
  const cpu = on.reduce((sum, a) => sum + quotaPods(a.file.data) * parseCpu(a.file.data.cpu ?? APP_DEFAULTS.cpu), 0);
  const memory = on.reduce((sum, a) => sum + quotaPods(a.file.data) * parseMemory(a.file.data.memory ?? APP_DEFAULTS.memory), 0);
  const pods = on.reduce((sum, a) => sum + quotaPods(a.file.data), 0);
  const withVolumes = on.filter((a) => a.file.data.volume !== undefined);
  const storage = withVolumes.reduce((sum, a) => sum + parseMemory(a.file.data.volume!.size), 0);
  const storageQuota = q.storage ?? DEFAULT_STORAGE_QUOTA;
  const terms = (f: (a: App) => string) => on.map((a) => term(a, f(a), quotaPods(a.file.data))).join(', ');
  if (cpu > parseCpu(q.cpu)) {
    grouped.add(site.name, file, 'quota.cpu', `${q.cpu} is less than the CPU the apps request, ${formatCpu(cpu)} (${terms((a) => a.file.data.cpu ?? APP_DEFAULTS.cpu)}): raise quota.cpu, or lower the apps' cpu or replicas`);
  }
  if (memory > parseMemory(q.memory)) {
    grouped.add(
      site.name,
      file,
      'quota.memory',
      `${q.memory} is less than the memory the apps request, ${formatMemory(memory)} (${terms((a) => a.file.data.memory ?? APP_DEFAULTS.memory)}): raise quota.memory, or lower the apps' memory or replicas`,
    );
  }
  if (pods > q.pods) {
    grouped.add(site.name, file, 'quota.pods', `${q.pods} is fewer than the pods of the apps, ${pods} (${on.map((a) => `${a.file.name} ${quotaPods(a.file.data)}`).join(', ')}; a CronJob counts one): raise quota.pods, or lower the apps' replicas`);
  }
  if (storage > parseMemory(storageQuota)) {
    grouped.add(
      site.name,
      file,
      'quota.storage',
      `${q.storage === undefined ? `not set (${DEFAULT_STORAGE_QUOTA}: no volumes)` : q.storage}, less than the volumes of the apps, ${formatMemory(storage)} (${withVolumes.map((a) => `${a.file.name} ${a.file.data.volume!.size}`).join(', ')}): ` +
        `${q.storage === undefined ? 'set' : 'raise'} quota.storage, or make the volumes smaller`,
    );
  }
}

/** The resolved app (every default applied) on one site. */
function resolvedApp(app: App, route: Route | undefined): TenantApp {
  const a = app.file.data;
  const sortedRecord = <T>(r: Readonly<Record<string, T>> | undefined): Record<string, T> =>
    Object.fromEntries(Object.entries(r ?? {}).sort(([x], [y]) => compareText(x, y)));
  const scheduled = a.schedule !== undefined;
  return {
    name: app.file.name,
    team: app.team.folder.team,
    file: app.file.path,
    image: a.image,
    ...(a.port !== undefined ? { port: a.port } : {}),
    replicas: scheduled ? 1 : (a.replicas ?? APP_DEFAULTS.replicas),
    cpu: a.cpu ?? APP_DEFAULTS.cpu,
    memory: a.memory ?? APP_DEFAULTS.memory,
    env: sortedRecord(a.env),
    secrets: Object.fromEntries(Object.entries(sortedRecord(a.secrets)).map(([k, v]) => [k, { key: v.key, property: v.property }])),
    ...(route ? { route: { host: route.host, path: route.path } } : {}),
    ...(a.probe ? { probePath: a.probe.path } : {}),
    ...(a.metrics ? { metrics: { path: a.metrics.path ?? APP_DEFAULTS.metricsPath, port: a.metrics.port ?? a.port! } } : {}),
    ...(a.volume ? { volume: { size: a.volume.size, mountPath: a.volume.mountPath } } : {}),
    ...(scheduled ? { schedule: a.schedule } : {}),
    ...(a.command ? { command: [...a.command] } : {}),
  };
}

/**
 * Checks the valid files of every team (recording problems) and, when nothing anywhere has a
 * problem, resolves each site's teams. `sites` in the order given; a site no team runs on maps to `[]`.
 */
export function resolveTenants(
  folders: readonly TeamFolder[],
  sites: readonly SiteInfo[],
  groups: readonly string[],
  problems: TenantProblems,
): Map<string, SiteTenant[]> {
  const teams: Team[] = [];
  const apps: App[] = [];
  const domains = new Map(sites.map((s) => [s.domain, s]));
  for (const folder of folders) {
    for (const file of folder.apps) checkAppFile(folder.team, file, problems);
    if (!folder.tenant) continue;
    const team = checkTenant(folder, folder.tenant, sites, domains, groups, problems);
    teams.push(team);
    for (const file of folder.apps) apps.push(placeApp(team, file, sites, problems));
  }

  // An Application name is `tenant-<team>-<app>`: `a` + `b-c` and `a-b` + `c` would share one.
  const applications = new Map<string, App>();
  for (const app of apps) {
    const name = tenantApplication(app.team.folder.team, app.file.name);
    const other = applications.get(name);
    if (!other) {
      applications.set(name, app);
      continue;
    }
    problems.add(
      app.file.path,
      'name',
      `its ArgoCD Application '${name}' would be that of app ${other.file.name} of team ${other.team.folder.team} (${other.file.path}) too (tenant-<team>-<app>): rename one of the apps`,
    );
  }

  const appsOf = new Map<Team, App[]>();
  for (const app of apps) appsOf.set(app.team, [...(appsOf.get(app.team) ?? []), app]);
  const grouped = new SiteGroupedProblems();
  const routes = new Map<App, Map<string, Route>>();
  for (const site of sites) {
    const here = teams.filter((t) => t.ok && t.on.has(site.name));
    const expanded = new Map(here.map((t) => [t, t.hostnames.map((h) => expandSite(h, site.domain))]));
    // Two teams may not serve the same names: reported in both files.
    for (let i = 0; i < here.length; i++) {
      for (let j = i + 1; j < here.length; j++) {
        const [a, b] = [here[i]!, here[j]!];
        a.hostnames.forEach((ha, ia) => {
          b.hostnames.forEach((hb, ib) => {
            if (!hostnamesOverlap(expanded.get(a)![ia]!, expanded.get(b)![ib]!)) return;
            const say = (t: Team, h: string, i: number, o: Team, oh: string) =>
              grouped.add(
                site.name,
                t.tenant.path,
                t.hostnamesWritten ? `hostnames[${i}]` : 'hostnames',
                `'${h}'${t.hostnamesWritten ? '' : ' (the default)'} overlaps '${oh}' of team ${o.folder.team} (${o.tenant.path}): two teams cannot serve the same names; give one of them other hostnames`,
              );
            say(a, ha, ia, b, hb);
            say(b, hb, ib, a, ha);
          });
        });
      }
    }
    // Routes: each host and path serves one app.
    const served = new Map<string, App>();
    for (const app of apps) {
      if (!app.ok || !app.team.ok || !app.on.has(site.name)) continue;
      const route = routeOn(app, site, expanded.get(app.team)!, grouped);
      if (!route) continue;
      const key = `${route.host}${route.path}`;
      const other = served.get(key);
      if (other) {
        grouped.add(
          site.name,
          app.file.path,
          'route',
          `${route.shown}${route.path} is also the route of app ${other.file.name} of team ${other.team.folder.team} (${other.file.path}): each host and path serves one app; choose another host or path`,
        );
        continue;
      }
      served.set(key, app);
      const bySite = routes.get(app) ?? new Map<string, Route>();
      bySite.set(site.name, route);
      routes.set(app, bySite);
    }
    // Quotas: only for a team whose every app file is valid (else the totals would mislead).
    for (const team of here) {
      const own = appsOf.get(team) ?? [];
      if (team.folder.allAppsValid && own.every((a) => a.ok)) quotaOn(team, own, site, grouped);
    }
  }
  const sitesOfFile = new Map<string, readonly string[]>();
  for (const t of teams) sitesOfFile.set(t.tenant.path, t.sites.map((s) => s.name));
  for (const a of apps) sitesOfFile.set(a.file.path, a.sites.map((s) => s.name));
  grouped.flush(problems, (file) => sitesOfFile.get(file) ?? []);

  const out = new Map<string, SiteTenant[]>(sites.map((s) => [s.name, []]));
  if (problems.size > 0) return out;
  for (const team of [...teams].sort((a, b) => compareText(a.folder.team, b.folder.team))) {
    const t = team.tenant.data;
    for (const site of team.sites) {
      const own = (appsOf.get(team) ?? [])
        .filter((a) => a.on.has(site.name))
        .sort((a, b) => compareText(a.file.name, b.file.name))
        .map((a) => resolvedApp(a, routes.get(a)?.get(site.name)));
      out.get(site.name)!.push({
        name: team.folder.team,
        file: team.tenant.path,
        ...(t.description !== undefined ? { description: t.description } : {}),
        namespace: team.folder.team,
        owners: { groups: [...(t.owners.groups ?? [])].sort(compareText), users: [...(t.owners.users ?? [])].sort(compareText) },
        quota: { cpu: t.quota.cpu, memory: t.quota.memory, pods: t.quota.pods, storage: t.quota.storage ?? DEFAULT_STORAGE_QUOTA },
        hostnames: [...new Set(team.hostnames.map((h) => expandSite(h, site.domain)))].sort(compareText),
        apps: own,
      });
    }
  }
  return out;
}
