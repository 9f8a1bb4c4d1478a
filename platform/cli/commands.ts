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
  type HelmBinary,
} from '../render/index.js';
import { enforceCapacity } from '../synth/capacity.js';
import { diffSynth, propose, renderSynthDiff } from '../review/index.js';
import { recoverInterruptedWrite, writeSynth } from '../synth/write.js';
import { EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import { buildPlatform, checkDrift, synthesize } from '../synth/synthesize.js';
import { renderCapacityShort, renderCapacityTerminal } from '../planner/index.js';
import { formatDrift, formatUpToDate } from '../synth/drift.js';
import { formatSummary } from '../synth/summary.js';
import { updateReadmeReference } from '../synth/docs.js';
import { formatPromotion, formatRollout, promoteRing, promotionNextSteps, rolloutStatus } from '../fleet/rollout.js';
import type { ComponentDefinition } from '../model/definition.js';
import { bootstrapCommand } from './bootstrap.js';
import { defineCommand, formatUsage, type Command, type CommandIO, type OptionSpec } from './command.js';
import { loadRings, type LoadRings } from './rings-source.js';

export type { Command, CommandIO, OptionSpec };

const COMMON_OPTIONS = {
  config: {
    type: 'string',
    arg: 'FILE',
    help: 'the config file (default: platform.yaml in the --root directory); a relative path is relative to the current directory',
  },
  root: { type: 'string', arg: 'DIR', help: 'the repository root, where synth/ is (default: the current directory)' },
} as const satisfies Record<string, OptionSpec>;


/**
 * Where the repository and the config are: `--root` and `--config` are relative to the current
 * directory (absolute paths stay absolute); without `--config`, platform.yaml in the root. A
 * config inside the root is passed root-relative (git paths for diff and propose).
 */
function location(
  values: { root?: string | undefined; config?: string | undefined },
  io: CommandIO,
): { repoRoot: string; configFile?: string; catalog: readonly ComponentDefinition[] } {
  const repoRoot = resolve(io.cwd, values.root ?? '.');
  const { catalog } = io;
  if (values.config === undefined) return { repoRoot, catalog };
  const file = resolve(io.cwd, values.config);
  const rel = relative(repoRoot, file);
  const inside = rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
  return { repoRoot, configFile: inside ? rel : file, catalog };
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
    summary: 'Write synth/ from platform.yaml (deterministic; old or new tree, even when killed) and print a summary.',
    options: COMMON_OPTIONS,
    interruptible: true,
    async run(values, io) {
      const { build, report } = await synthesize({ ...location(values, io), ...(io.signal ? { signal: io.signal } : {}) });
      io.out(formatSummary(build, report));
      io.out(renderCapacityShort(build.plan));
      return EXIT_CODES.ok;
    },
  }),
  check: defineCommand('check', {
    summary: 'Fail (exit 4) with a diff when synth/ in the working tree differs from a fresh synth, or git does not track a generated file.',
    options: COMMON_OPTIONS,
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
    summary: 'Print the capacity plan: every pod placed on the nodes in each failure scenario (exit 3 when it fails).',
    options: COMMON_OPTIONS,
    async run(values, io) {
      const build = await buildPlatform(location(values, io));
      io.out(renderCapacityTerminal(build.plan));
      return build.plan.verdict.status === 'fails' ? EXIT_CODES.capacity : EXIT_CODES.ok;
    },
  }),
  render: defineCommand('render', {
    summary: 'Render every Helm chart with the generated values (real helm) and check every pod: exit 5 on a miss, 6 when a chart cannot be rendered.',
    options: {
      ...COMMON_OPTIONS,
      charts: { type: 'string', arg: 'DIR', help: 'read charts from this folder instead of their repositories' },
      out: { type: 'string', arg: 'DIR', help: 'also write the rendered manifests under this folder' },
    },
    async run(values, io) {
      const build = await buildPlatform(location(values, io));
      const helm = await requireHelm();
      const chartsDir = values.charts ? resolve(io.cwd, values.charts) : undefined;
      const results = await renderSite(build, { helm, ...(chartsDir ? { chartsDir } : {}) });
      if (values.out) {
        const ok = results.filter((r) => !r.error);
        const okNames = new Set(ok.map((r) => r.component.componentName));
        const partial = { ...build, components: build.components.filter((c) => !c.isHelm || okNames.has(c.componentName)) };
        await writeFilesUnder(resolve(io.cwd, values.out), renderedManifestFiles(partial, ok));
      }
      io.out(formatSiteRenderReport(results));
      if (results.some((r) => r.error)) return EXIT_CODES.tool;
      return siteRenderOk(results) ? EXIT_CODES.ok : EXIT_CODES.conformance;
    },
  }),
  inventory: defineCommand('inventory', {
    summary: 'Render the charts, refresh synth/<site>/inventory.yaml and print every image and chart to mirror (--format text|json).',
    interruptible: true,
    options: {
      ...COMMON_OPTIONS,
      charts: { type: 'string', arg: 'DIR', help: 'read charts from this folder instead of their repositories' },
      format: { type: 'string', arg: 'text|json', default: 'text', help: 'output format (default: text)' },
    },
    async run(values, io) {
      if (values.format !== 'text' && values.format !== 'json') {
        throw new EdgeIdpError(`--format must be text or json, not '${values.format}'\n\n${commandUsage('inventory')}`, EXIT_CODES.usage);
      }
      const where = location(values, io);
      await recoverInterruptedWrite(where.repoRoot);
      const build = await buildPlatform(where);
      enforceCapacity(build, build.plan);
      const helm = await requireHelm();
      const chartsDir = values.charts ? resolve(io.cwd, values.charts) : undefined;
      const results = await renderSite(build, { helm, ...(chartsDir ? { chartsDir } : {}) });
      const path = inventoryFile(build.config.site.name);
      // Components that failed to render keep their previous images (and the file says stale).
      const doc = buildInventory(build, results, build.files.get(path));
      await writeSynth(where.repoRoot, new Map(build.files).set(path, inventoryYaml(doc)), io.signal ? { signal: io.signal } : {});
      io.out(mirrorList(doc, values.format).trimEnd());
      const failed = results.filter((r) => r.error);
      if (failed.length) io.err(formatSiteRenderReport(failed));
      if (doc.stale) io.err(`inventory is stale: ${doc.staleReason}`);
      return failed.length ? EXIT_CODES.tool : EXIT_CODES.ok;
    },
  }),
  diff: defineCommand('diff', {
    summary: 'Show what the working tree does to synth/ against a base commit (default: the merge base with the default branch), as Markdown.',
    options: {
      ...COMMON_OPTIONS,
      base: { type: 'string', arg: 'REF', help: 'the commit to compare with (default: the merge base with the default branch)' },
      json: { type: 'boolean', default: false, help: 'print JSON instead of Markdown' },
    },
    async run(values, io) {
      const diff = await diffSynth({ ...location(values, io), base: values.base });
      io.out(values.json ? JSON.stringify(diff, null, 2) : renderSynthDiff(diff));
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
  ...ringCommands(loadRings),
  bootstrap: bootstrapCommand,
  docs: defineCommand('docs', {
    summary: 'Regenerate the config reference in README.md from the config schema.',
    options: { root: COMMON_OPTIONS.root },
    async run(values, io) {
      const where = location(values, io);
      const changed = await updateReadmeReference(where.repoRoot, where.catalog);
      io.out(changed ? 'README.md: config reference updated.' : 'README.md: config reference already up to date.');
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
