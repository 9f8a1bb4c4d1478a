/**
 * The teams' commands: `tenant new`, `app new` (a new file under tenants/, written only when
 * synth would take it) and `apps` (every app per site, with the cluster's status where it can be
 * asked). Argument parsing and printing around one library call each.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { ConfigError, EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import { FleetConfigError } from '../fleet/load.js';
import { CapacityError, FleetCapacityError } from '../synth/capacity.js';
import type { ComponentDefinition } from '../model/definition.js';
import { loadPlatformFleet, selectSites } from '../synth/synthesize.js';
import { appsReport, ClusterUnavailable, formatAppsReport, readClusterApplications, withClusterStatus } from '../tenants/apps-report.js';
import { appFile, APP_DEFAULTS, tenantFile } from '../tenants/load.js';
import { NEW_TENANT_QUOTA, newApp, newTenant, type ScaffoldResult } from '../tenants/scaffold.js';
import { defineCommand, type Command, type CommandIO, type OptionSpec } from './command.js';

/** A string option (its value a string, or a list with `multiple`). */
type StringOption = OptionSpec & { readonly type: 'string' };

/** What the commands share with the others (commands.ts). */
export interface SharedOptions {
  readonly common: { readonly config: StringOption; readonly root: StringOption };
  readonly site: StringOption & { readonly multiple: true };
  readonly location: (
    values: { root?: string | undefined; config?: string | undefined; site?: string[] | undefined },
    io: CommandIO,
  ) => { repoRoot: string; configFile?: string; catalog: readonly ComponentDefinition[]; sites?: readonly string[] };
}

/** Whether kubectl has a kubeconfig of its own to read: `$KUBECONFIG` (any of its files), else `~/.kube/config`. */
function defaultKubeconfigExists(env: NodeJS.ProcessEnv): boolean {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).some((f) => f !== '' && existsSync(f));
  return existsSync(join(homedir(), '.kube', 'config'));
}

/** What synth would refuse, saying the file was not written. */
function refused(e: unknown, file: string): unknown {
  const synthError = e instanceof ConfigError || e instanceof FleetConfigError || e instanceof CapacityError || e instanceof FleetCapacityError;
  return synthError ? new EdgeIdpError(`${e.message}\n${file} not written.`, e.exitCode) : e;
}

function sitesLine(r: ScaffoldResult, what: string): string {
  return r.sites.length ? `${what} runs on ${r.sites.length === 1 ? 'site' : `${r.sites.length} sites`}: ${r.sites.join(', ')}` : `${what} runs on no site yet (runsOn names no site of the repository)`;
}

export function tenantCommands(shared: SharedOptions): Record<'tenant' | 'app' | 'apps', Command> {
  const { common, location } = shared;
  return {
    tenant: defineCommand('tenant', {
      summary: `tenant new TEAM --owner GROUP…: write tenants/TEAM/tenant.yaml, a new team (quota by default cpu ${NEW_TENANT_QUOTA.cpu}, memory ${NEW_TENANT_QUOTA.memory}, pods ${NEW_TENANT_QUOTA.pods}), only when synth would take it.`,
      args: [
        { name: 'new', help: 'the subcommand (only `new` exists)' },
        { name: 'TEAM', help: "the team's name: a DNS label, its folder tenants/TEAM/ and its namespace on every site" },
      ],
      options: {
        ...common,
        owner: { type: 'string', multiple: true, arg: 'GROUP', help: 'a group of the identity provider that owns the team (at least one)' },
        cpu: { type: 'string', arg: 'C', help: `CPU the team may request on each site (default: ${NEW_TENANT_QUOTA.cpu})` },
        memory: { type: 'string', arg: 'M', help: `memory the team may request on each site (default: ${NEW_TENANT_QUOTA.memory})` },
        pods: { type: 'string', arg: 'N', help: `pods the team may run on each site (default: ${NEW_TENANT_QUOTA.pods})` },
        site: { type: 'string', multiple: true, arg: 'S', help: 'a site the team runs on (default, with no --group either: every site)' },
        group: { type: 'string', multiple: true, arg: 'G', help: 'a group of fleet.yaml whose sites the team runs on' },
      },
      async run(values, io, [sub, team]) {
        if (sub !== 'new') throw new EdgeIdpError(`unknown subcommand 'tenant ${sub}': expected tenant new TEAM --owner GROUP`, EXIT_CODES.usage);
        const where = location(values, io);
        const file = tenantFile(team!);
        let r: ScaffoldResult;
        try {
          r = await newTenant({
            repoRoot: where.repoRoot,
            ...(where.configFile !== undefined ? { configFile: where.configFile } : {}),
            catalog: where.catalog,
            team: team!,
            owners: values.owner ?? [],
            ...(values.cpu !== undefined ? { cpu: values.cpu } : {}),
            ...(values.memory !== undefined ? { memory: values.memory } : {}),
            ...(values.pods !== undefined ? { pods: values.pods } : {}),
            sites: values.site ?? [],
            groups: values.group ?? [],
          });
        } catch (e) {
          throw refused(e, file);
        }
        io.out(`wrote ${r.file}`);
        io.out(sitesLine(r, `team ${r.team}`));
        io.out(
          [
            'next:',
            `  edge-idp app new ${r.team} APP --image IMAGE:TAG --port N [--route]   (its first app)`,
            '  npm run synth                                  (its namespace, quota, policies and project under synth/)',
            `  git add ${r.file} synth/ && git commit, then open a pull request: CI comments synth, check, diff and plan`,
          ].join('\n'),
        );
        return EXIT_CODES.ok;
      },
    }),
    app: defineCommand('app', {
      summary: 'app new TEAM APP --image IMAGE:TAG [--port N] [--route]…: write tenants/TEAM/apps/APP.yaml, a new app of a team, only when synth would take it.',
      args: [
        { name: 'new', help: 'the subcommand (only `new` exists)' },
        { name: 'TEAM', help: 'the team (tenants/TEAM/tenant.yaml must exist)' },
        { name: 'APP', help: "the app's name: a DNS label, its file tenants/TEAM/apps/APP.yaml" },
      ],
      options: {
        ...common,
        image: { type: 'string', arg: 'IMAGE:TAG', help: 'the container image, pinned: a tag other than latest, or @sha256:… (required)' },
        port: { type: 'string', arg: 'N', help: 'the port the container serves on (required unless --schedule)' },
        route: { type: 'boolean', default: false, help: "serve it over HTTPS on the site's gateway (https://APP.TEAM.<site domain>/)" },
        replicas: { type: 'string', arg: 'N', help: `pods of the app (default: ${APP_DEFAULTS.replicas})` },
        cpu: { type: 'string', arg: 'C', help: `CPU each pod requests (default: ${APP_DEFAULTS.cpu})` },
        memory: { type: 'string', arg: 'M', help: `memory each pod requests, and its limit (default: ${APP_DEFAULTS.memory})` },
        schedule: { type: 'string', arg: 'CRON', help: 'run it as a CronJob on this schedule (UTC) instead of a Deployment' },
      },
      async run(values, io, [sub, team, app]) {
        if (sub !== 'new') throw new EdgeIdpError(`unknown subcommand 'app ${sub}': expected app new TEAM APP --image IMAGE:TAG`, EXIT_CODES.usage);
        if (values.image === undefined) throw new EdgeIdpError('app new needs --image IMAGE:TAG (a pinned image: a tag other than latest, or a digest)', EXIT_CODES.usage);
        const where = location(values, io);
        const file = appFile(team!, app!);
        let r: ScaffoldResult;
        try {
          r = await newApp({
            repoRoot: where.repoRoot,
            ...(where.configFile !== undefined ? { configFile: where.configFile } : {}),
            catalog: where.catalog,
            team: team!,
            app: app!,
            image: values.image,
            route: values.route,
            ...(values.port !== undefined ? { port: values.port } : {}),
            ...(values.replicas !== undefined ? { replicas: values.replicas } : {}),
            ...(values.cpu !== undefined ? { cpu: values.cpu } : {}),
            ...(values.memory !== undefined ? { memory: values.memory } : {}),
            ...(values.schedule !== undefined ? { schedule: values.schedule } : {}),
          });
        } catch (e) {
          throw refused(e, file);
        }
        io.out(`wrote ${r.file}`);
        io.out(sitesLine(r, `app ${r.team}/${app}`));
        io.out(
          [
            'next:',
            '  npm run synth                                  (its objects and its Application under synth/)',
            `  git add ${r.file} synth/ && git commit, then open a pull request: CI comments synth, check, diff and plan`,
            `  once merged and synced: edge-idp apps${r.sites.length === 1 ? ` --site ${r.sites[0]}` : ''}   (its URL, requests and status)`,
          ].join('\n'),
        );
        return EXIT_CODES.ok;
      },
    }),
    apps: defineCommand('apps', {
      summary:
        "Print every app of every team per site (or --site): kind, URL, tier, requests and each team's quota use; with a kubeconfig, also each app's sync and health on the cluster it reaches (--format text|json).",
      options: {
        ...common,
        site: shared.site,
        kubeconfig: { type: 'string', arg: 'FILE', help: "the cluster to ask for the apps' status (default: kubectl's, $KUBECONFIG or ~/.kube/config, when there is one; else what is declared only)" },
        context: { type: 'string', arg: 'NAME', help: 'the kubeconfig context (default: its current context)' },
        format: { type: 'string', arg: 'text|json', default: 'text', help: 'output format (default: text)' },
      },
      async run(values, io) {
        if (values.format !== 'text' && values.format !== 'json') throw new EdgeIdpError(`--format must be text or json, not '${values.format}'`, EXIT_CODES.usage);
        const where = location(values, io);
        const fleet = await loadPlatformFleet(where);
        for (const w of fleet.warnings) io.err(`warning: ${w}`);
        let report = appsReport(fleet, selectSites(fleet, where.sites));
        const kubeconfig = values.kubeconfig !== undefined ? resolve(io.cwd, values.kubeconfig) : undefined;
        if (kubeconfig !== undefined || values.context !== undefined || defaultKubeconfigExists(process.env)) {
          try {
            const cluster = await readClusterApplications({
              ...(kubeconfig !== undefined ? { kubeconfig } : {}),
              ...(values.context !== undefined ? { context: values.context } : {}),
            });
            const live = withClusterStatus(report, cluster, fleet.sites.map((s) => s.name));
            report = live.report;
            for (const w of live.warnings) io.err(`warning: ${w}`);
          } catch (e) {
            if (!(e instanceof ClusterUnavailable)) throw e;
            io.err(`warning: the cluster cannot be asked (${e.message}): showing what is declared`);
          }
        }
        io.out(values.format === 'json' ? JSON.stringify(report, null, 2) : formatAppsReport(report));
        return EXIT_CODES.ok;
      },
    }),
  };
}
