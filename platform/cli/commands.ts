/** The CLI's commands: argument parsing and printing around one library call each. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  buildInventory,
  findHelm,
  formatSiteRenderReport,
  HelmNotFoundError,
  inventoryFile,
  inventoryYaml,
  mirrorList,
  renderedManifestFiles,
  renderSite,
  siteRenderOk,
  unionInventory,
  type HelmBinary,
  type InventoryDoc,
} from '../render/index.js';
import { capacityBlocks, CapacityError, FleetCapacityError, type FailingSite } from '../synth/capacity.js';
import { diffFleet, propose, renderFleetDiff } from '../review/index.js';
import { recoverInterruptedWrite, SynthWriter } from '../synth/write.js';
import { EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import { buildSites, builtFacts, checkDrift, loadPlatformFleet, selectSites, synthesize, type SynthState } from '../synth/synthesize.js';
import { renderCapacityShort, renderCapacityTerminal } from '../planner/index.js';
import { formatDrift, formatUpToDate } from '../synth/drift.js';
import { formatSummary } from '../synth/summary.js';
import { formatFleetSummary, formatPlanTable, type PlanRow } from '../synth/fleet-summary.js';
import { updateReadmeReference } from '../synth/docs.js';
import { addSite } from '../fleet/site-add.js';
import type { Fleet } from '../fleet/load.js';
import { formatPromotion, formatRollout, promoteRing, promotionNextSteps, rolloutStatus } from '../fleet/rollout.js';
import type { ComponentDefinition } from '../model/definition.js';
import { bootstrapCommand } from './bootstrap.js';
import { defineCommand, formatUsage, type Command, type CommandIO, type OptionSpec } from './command.js';
import { loadRings, type LoadRings } from './rings-source.js';
import { tenantCommands } from './tenant-commands.js';

export type { Command, CommandIO, OptionSpec };

const COMMON_OPTIONS = {
  config: {
    type: 'string',
    arg: 'FILE',
    help: 'a one-site config file (default: fleet.yaml with sites/, else platform.yaml, in the --root directory); a relative path is relative to the current directory',
  },
  root: { type: 'string', arg: 'DIR', help: 'the repository root, where synth/ is (default: the current directory)' },
} as const satisfies Record<string, OptionSpec>;

const SITE_OPTION = {
  site: { type: 'string', multiple: true, arg: 'NAME', help: 'only this site of the fleet (default: every site)' },
} as const satisfies Record<string, OptionSpec>;

const FLEET_OPTIONS = { ...COMMON_OPTIONS, ...SITE_OPTION } as const;

/** A build state for commands that do not write (no folder is removed, no inventory carried). */
const READ_ONLY_STATE: SynthState = { ledger: [], orphans: [], foreign: [] };

/**
 * Where the repository and the config are: `--root` and `--config` are relative to the current
 * directory (absolute paths stay absolute); without `--config`, fleet.yaml or platform.yaml in
 * the root. A config inside the root is passed root-relative (git paths for diff and propose).
 */
function location(
  values: { root?: string | undefined; config?: string | undefined; site?: string[] | undefined },
  io: CommandIO,
): { repoRoot: string; configFile?: string; catalog: readonly ComponentDefinition[]; sites?: readonly string[] } {
  const repoRoot = resolve(io.cwd, values.root ?? '.');
  const { catalog } = io;
  const sites = values.site?.length ? { sites: values.site } : {};
  if (values.config === undefined) return { repoRoot, catalog, ...sites };
  const file = resolve(io.cwd, values.config);
  const rel = relative(repoRoot, file);
  const inside = rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
  return { repoRoot, configFile: inside ? rel.split(sep).join('/') : file, catalog, ...sites };
}

/** What is worth a look in the fleet (sites sharing a network), on stderr. */
function warn(io: CommandIO, fleet: Fleet): void {
  for (const w of fleet.warnings) io.err(`warning: ${w}`);
}

/** `## site NAME (ring)`: a section per site when a command reports on several. */
function siteHeading(fleet: Fleet, name: string): string {
  const site = fleet.sites.find((s) => s.name === name)!;
  return `## site ${name} (${site.file}, ring ${site.ring})`;
}

/**
 * `rollout` and `promote` over the rings `load` returns (the CLI's is `loadRings` in
 * rings-source.ts; tests hand in a fake).
 */
export function ringCommands(load: LoadRings): { rollout: Command; promote: Command } {
  return {
    rollout: defineCommand('rollout', {
      summary: "Print the rollout rings in order: their sites, the commit each ring's branch points to and how far it is behind the default branch (exit 2 when a ring drifted).",
      options: COMMON_OPTIONS,
      async run(values, io) {
        const where = location(values, io);
        const report = await rolloutStatus({ repoRoot: where.repoRoot, rings: await load(where) });
        io.out(formatRollout(report));
        return report.ok ? EXIT_CODES.ok : EXIT_CODES.config;
      },
    }),
    promote: defineCommand('promote', {
      summary: "Fast-forward a ring's local branch to the previous ring's commit (nothing else moves; never pushes) and print the reviewer diff of exactly that ring's sites.",
      args: [{ name: 'RING', help: "the ring's name, or its branch (rings/NAME, as a pull request's base names it)" }],
      options: {
        ...COMMON_OPTIONS,
        to: { type: 'string', arg: 'COMMIT', help: "promote to this commit of the previous ring instead of its newest (default: the previous ring's commit)" },
        'dry-run': { type: 'boolean', default: false, help: 'check and print the diff, move nothing (CI on a pull request into the ring)' },
      },
      async run(values, io, [ring]) {
        const where = location(values, io);
        const promotion = await promoteRing({
          repoRoot: where.repoRoot,
          rings: await load(where),
          ring: ring!,
          ...(values.to !== undefined ? { to: values.to } : {}),
          dryRun: values['dry-run'],
        });
        io.err(promotionNextSteps(promotion));
        io.out(formatPromotion(promotion));
        return EXIT_CODES.ok;
      },
    }),
  };
}

export const commands: Record<string, Command> = {
  synth: defineCommand('synth', {
    summary: 'Write synth/<site>/ for every site (or --site) and the index synth/README.md (deterministic; old or new tree, even when killed) and print a summary.',
    options: FLEET_OPTIONS,
    interruptible: true,
    async run(values, io) {
      const result = await synthesize({ ...location(values, io), ...(io.signal ? { signal: io.signal } : {}) });
      warn(io, result.fleet);
      if (result.fleet.kind === 'single') {
        io.out(formatSummary(result.build, result.report));
        io.out(renderCapacityShort(result.build.plan));
      } else io.out(formatFleetSummary(result));
      return EXIT_CODES.ok;
    },
  }),
  check: defineCommand('check', {
    summary: 'Fail (exit 4) with a diff when synth/ in the working tree differs from a fresh synth (every site, or --site), or git does not track a generated file.',
    options: FLEET_OPTIONS,
    async run(values, io) {
      const { drifts, tracking } = await checkDrift(location(values, io));
      if (drifts.length > 0) {
        io.err(formatDrift(drifts));
        return EXIT_CODES.drift;
      }
      io.out(formatUpToDate(tracking));
      return EXIT_CODES.ok;
    },
  }),
  plan: defineCommand('plan', {
    summary:
      "Print the capacity plan: for one site every pod placed on the nodes in each failure scenario; for several, a table of every site's Green/Yellow/Red verdicts (exit 3 when a site fails).",
    options: FLEET_OPTIONS,
    async run(values, io) {
      const where = location(values, io);
      const fleet = await loadPlatformFleet(where);
      const selected = selectSites(fleet, where.sites);
      if (selected.length === 1) {
        for await (const { build } of buildSites(where, fleet, READ_ONLY_STATE)) {
          if (fleet.kind === 'fleet') io.out(siteHeading(fleet, build.config.site.name));
          io.out(renderCapacityTerminal(build.plan));
          return build.plan.verdict.status === 'fails' ? EXIT_CODES.capacity : EXIT_CODES.ok;
        }
      }
      const rows: PlanRow[] = [];
      const findings: string[] = [];
      for await (const { site, build } of buildSites(where, fleet, READ_ONLY_STATE)) {
        rows.push({ site: site.name, ring: site.ring, nodes: site.config.nodes.length, facts: builtFacts(build), verdict: build.plan.verdict.status });
        if (build.plan.verdict.status === 'fails') findings.push(`${site.name} (${site.file}):`, ...renderCapacityShort(build.plan).split('\n').map((l) => `  ${l}`));
      }
      io.out(formatPlanTable(rows));
      if (findings.length) io.out(['', ...findings, '', 'Details per site: edge-idp plan --site NAME'].join('\n'));
      return rows.some((r) => r.verdict === 'fails') ? EXIT_CODES.capacity : EXIT_CODES.ok;
    },
  }),
  render: defineCommand('render', {
    summary: 'Render every Helm chart of every site (or --site) with the generated values (real helm) and check every pod: exit 5 on a miss, 6 when a chart cannot be rendered.',
    options: {
      ...FLEET_OPTIONS,
      charts: { type: 'string', arg: 'DIR', help: 'read charts from this folder instead of their repositories' },
      out: { type: 'string', arg: 'DIR', help: 'also write the rendered manifests under this folder (synth/<site>/… below it)' },
    },
    async run(values, io) {
      const where = location(values, io);
      const fleet = await loadPlatformFleet(where);
      const several = selectSites(fleet, where.sites).length > 1;
      const helm = await requireHelm();
      const chartsDir = values.charts ? resolve(io.cwd, values.charts) : undefined;
      let errors = false;
      let misses = false;
      for await (const { site, build } of buildSites(where, fleet, READ_ONLY_STATE)) {
        const results = await renderSite(build, { helm, ...(chartsDir ? { chartsDir } : {}) });
        if (values.out) {
          const ok = results.filter((r) => !r.error);
          const okNames = new Set(ok.map((r) => r.component.componentName));
          const partial = { ...build, components: build.components.filter((c) => !c.isHelm || okNames.has(c.componentName)) };
          await writeFilesUnder(resolve(io.cwd, values.out), renderedManifestFiles(partial, ok));
        }
        if (several) io.out(siteHeading(fleet, site.name));
        io.out(formatSiteRenderReport(results));
        errors ||= results.some((r) => r.error);
        misses ||= !siteRenderOk(results);
      }
      if (errors) return EXIT_CODES.tool;
      return misses ? EXIT_CODES.conformance : EXIT_CODES.ok;
    },
  }),
  inventory: defineCommand('inventory', {
    summary:
      'Render the charts, refresh synth/<site>/inventory.yaml of every site (or --site) and print every image, chart and git source to mirror: the union over the sites, for one mirror (--format text|json).',
    interruptible: true,
    options: {
      ...FLEET_OPTIONS,
      charts: { type: 'string', arg: 'DIR', help: 'read charts from this folder instead of their repositories' },
      format: { type: 'string', arg: 'text|json', default: 'text', help: 'output format (default: text)' },
    },
    async run(values, io) {
      if (values.format !== 'text' && values.format !== 'json') {
        throw new EdgeIdpError(`--format must be text or json, not '${values.format}'\n\n${commandUsage('inventory')}`, EXIT_CODES.usage);
      }
      const where = location(values, io);
      await recoverInterruptedWrite(where.repoRoot);
      const fleet = await loadPlatformFleet(where);
      selectSites(fleet, where.sites);
      const helm = await requireHelm();
      const chartsDir = values.charts ? resolve(io.cwd, values.charts) : undefined;
      const writer = await SynthWriter.open(where.repoRoot, io.signal ? { signal: io.signal } : {});
      try {
        const failing: FailingSite[] = [];
        const docs: { site: string; doc: InventoryDoc }[] = [];
        const failed: string[] = [];
        for await (const { site, build } of buildSites(where, fleet, READ_ONLY_STATE, io.signal)) {
          if (capacityBlocks(build, build.plan)) failing.push({ site: site.name, file: site.file, plan: build.plan });
          if (failing.length) continue;
          const results = await renderSite(build, { helm, ...(chartsDir ? { chartsDir } : {}) });
          const path = inventoryFile(site.name);
          // Components that failed to render keep their previous images (and the file says stale).
          const doc = buildInventory(build, results, build.files.get(path));
          await writer.stageSite(site.name, new Map(build.files).set(path, inventoryYaml(doc)));
          docs.push({ site: site.name, doc });
          const errors = results.filter((r) => r.error);
          if (errors.length) failed.push(`${fleet.kind === 'fleet' ? `${site.name}: ` : ''}${formatSiteRenderReport(errors)}`);
        }
        if (failing.length) {
          throw fleet.kind === 'single' ? new CapacityError(failing[0]!.plan, failing[0]!.file) : new FleetCapacityError(failing);
        }
        await writer.commit();
        const union = docs.length === 1 ? docs[0]!.doc : unionInventory(docs);
        io.out(mirrorList(union, values.format).trimEnd());
        if (failed.length) io.err(failed.join('\n'));
        if (union.stale) io.err(`inventory is stale: ${union.staleReason}`);
        return failed.length ? EXIT_CODES.tool : EXIT_CODES.ok;
      } finally {
        await writer.close();
      }
    },
  }),
  diff: defineCommand('diff', {
    summary:
      'Show what the working tree does to synth/ against a base commit (default: the merge base with the default branch), as Markdown; over a fleet, sites with the same change are grouped.',
    options: {
      ...FLEET_OPTIONS,
      base: { type: 'string', arg: 'REF', help: 'the commit to compare with (default: the merge base with the default branch)' },
      json: { type: 'boolean', default: false, help: 'print JSON instead of Markdown' },
    },
    async run(values, io) {
      const diff = await diffFleet({ ...location(values, io), ...(values.base !== undefined ? { base: values.base } : {}) });
      const single = diff.kind === 'single' && diff.sites.length === 1;
      io.out(values.json ? JSON.stringify(single ? diff.sites[0]!.diff : diff, null, 2) : renderFleetDiff(diff));
      return EXIT_CODES.ok;
    },
  }),
  propose: defineCommand('propose', {
    summary: 'Synth, check and commit the platform change with synth/ on a new branch (never pushes); print the pull request summary.',
    options: {
      ...COMMON_OPTIONS,
      message: { type: 'string', short: 'm', arg: 'MSG', help: 'the commit message (required)' },
      branch: { type: 'string', arg: 'NAME', help: 'the new branch (default: derived from the message)' },
    },
    async run(values, io) {
      if (!values.message) throw new EdgeIdpError(`propose needs a commit message: -m "…"\n\n${commandUsage('propose')}`, EXIT_CODES.usage);
      const result = await propose({ ...location(values, io), message: values.message, branch: values.branch });
      io.err(
        `Created branch ${result.branch} (${result.files.length} files in commit ${result.commit.slice(0, 12)}); not pushed.\n` +
          `Publish it with: git push -u origin ${result.branch}`,
      );
      io.out(result.markdown);
      return EXIT_CODES.ok;
    },
  }),
  site: defineCommand('site', {
    summary: 'site add NAME [--group G]…: write sites/NAME.yaml, a new site of the fleet, from a small template listing what is still to set.',
    args: [{ name: 'add', help: 'the subcommand (only `add` exists)' }, { name: 'NAME', help: 'the new site: a DNS label, also the file name sites/NAME.yaml' }],
    options: {
      root: COMMON_OPTIONS.root,
      group: { type: 'string', multiple: true, arg: 'G', help: 'a group of fleet.yaml the site inherits, in order' },
    },
    async run(values, io, [sub, name]) {
      if (sub !== 'add') throw new EdgeIdpError(`unknown subcommand 'site ${sub}': expected site add NAME\n\n${commandUsage('site')}`, EXIT_CODES.usage);
      const repoRoot = resolve(io.cwd, values.root ?? '.');
      const r = await addSite({ repoRoot, name: name!, groups: values.group ?? [], catalog: io.catalog });
      io.out(`wrote ${r.file}${values.group?.length ? ` (groups: ${values.group.join(', ')})` : ''}`);
      if (r.todo.length) io.out(`still to set in it (required; synth fails until they are): ${r.todo.join(', ')}`);
      if (r.ring) io.out(`ring: ${r.ring} (through its groups)`);
      if (r.ringHint) io.out(`ring: ${r.ringHint}`);
      io.out('then: npm run synth, review, commit the site file with synth/');
      return EXIT_CODES.ok;
    },
  }),
  ...ringCommands(loadRings),
  ...tenantCommands({ common: COMMON_OPTIONS, site: SITE_OPTION.site, location }),
  bootstrap: bootstrapCommand,
  docs: defineCommand('docs', {
    summary: "Regenerate README.md's generated sections: the config reference (from the config schema) and the network policy table (from the components' network facts).",
    options: { root: COMMON_OPTIONS.root },
    async run(values, io) {
      const where = location(values, io);
      const changed = await updateReadmeReference(where.repoRoot, where.catalog);
      io.out(changed ? 'README.md: generated sections updated.' : 'README.md: generated sections already up to date.');
      return EXIT_CODES.ok;
    },
  }),
};

/** helm, or a usage-level error saying how to get it (exit 6). */
async function requireHelm(): Promise<HelmBinary> {
  try {
    return await findHelm();
  } catch (e) {
    if (e instanceof HelmNotFoundError) throw new EdgeIdpError(e.message, EXIT_CODES.tool);
    throw e;
  }
}

async function writeFilesUnder(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  for (const [path, content] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content, 'utf8');
  }
}

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'usage: edge-idp <command> [options]',
    '',
    'commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    '`edge-idp <command> --help` lists the options of a command.',
    `exit codes: ${Object.entries(EXIT_CODES).map(([k, v]) => `${v} ${k}`).join(', ')}`,
  ].join('\n');
}

/** One command's usage: what it does and every option. */
export function commandUsage(name: string): string {
  const command = commands[name];
  if (!command) return usage();
  return command.usage?.() ?? formatUsage(name, command.summary, command.options);
}
