/** The CLI's commands: argument parsing and printing around one library call each. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
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

export interface CommandIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM (only for `interruptible` commands). */
  readonly signal?: AbortSignal;
}

export interface Command {
  readonly summary: string;
  readonly run: (args: string[], io: CommandIO) => Promise<number>;
  /** Handles `io.signal` itself (stops cleanly); other commands exit at once on SIGINT. */
  readonly interruptible?: boolean;
}

const COMMON_OPTIONS = {
  config: { type: 'string', default: 'platform.yaml' },
  root: { type: 'string' },
} as const;

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (e) {
    throw new EdgeIdpError(`${(e as Error).message}\n\n${usage()}`, EXIT_CODES.usage);
  }
}

export const commands: Record<string, Command> = {
  synth: {
    summary: 'Write synth/ from platform.yaml (deterministic; old or new tree, even when killed) and print a summary.',
    interruptible: true,
    async run(args, io) {
      const { values } = parse(args, COMMON_OPTIONS);
      const { build, report } = await synthesize({ repoRoot: values.root ?? io.cwd, configFile: values.config, ...(io.signal ? { signal: io.signal } : {}) });
      io.out(formatSummary(build, report));
      io.out(renderCapacityShort(build.plan));
      return EXIT_CODES.ok;
    },
  },
  check: {
    summary: 'Fail (exit 4) with a diff when synth/ in the working tree differs from a fresh synth, or git does not track a generated file.',
    async run(args, io) {
      const { values } = parse(args, COMMON_OPTIONS);
      const { drifts, tracking } = await checkDrift({ repoRoot: values.root ?? io.cwd, configFile: values.config });
      if (drifts.length > 0) {
        io.err(formatDrift(drifts));
        return EXIT_CODES.drift;
      }
      io.out(formatUpToDate(tracking));
      return EXIT_CODES.ok;
    },
  },
  plan: {
    summary: 'Print the capacity plan: every pod placed on the nodes in each failure scenario (exit 3 when it fails).',
    async run(args, io) {
      const { values } = parse(args, COMMON_OPTIONS);
      const build = await buildPlatform({ repoRoot: values.root ?? io.cwd, configFile: values.config });
      io.out(renderCapacityTerminal(build.plan));
      return build.plan.verdict.status === 'fails' ? EXIT_CODES.capacity : EXIT_CODES.ok;
    },
  },
  render: {
    summary: 'Render every Helm chart with the generated values (real helm) and check every pod: exit 5 on a miss, 6 when a chart cannot be rendered.',
    async run(args, io) {
      const { values } = parse(args, { ...COMMON_OPTIONS, charts: { type: 'string' }, out: { type: 'string' } });
      const build = await buildPlatform({ repoRoot: values.root ?? io.cwd, configFile: values.config });
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
  },
  inventory: {
    summary: 'Render the charts, refresh synth/<site>/inventory.yaml and print every image and chart to mirror (--format text|json).',
    interruptible: true,
    async run(args, io) {
      const { values } = parse(args, { ...COMMON_OPTIONS, charts: { type: 'string' }, format: { type: 'string', default: 'text' } });
      if (values.format !== 'text' && values.format !== 'json') {
        throw new EdgeIdpError(`--format must be text or json, not '${values.format}'`, EXIT_CODES.usage);
      }
      const root = values.root ?? io.cwd;
      await recoverInterruptedWrite(root);
      const build = await buildPlatform({ repoRoot: root, configFile: values.config });
      enforceCapacity(build, build.plan);
      const helm = await requireHelm();
      const chartsDir = values.charts ? resolve(io.cwd, values.charts) : undefined;
      const results = await renderSite(build, { helm, ...(chartsDir ? { chartsDir } : {}) });
      const path = inventoryFile(build.config.site.name);
      // Components that failed to render keep their previous images (and the file says stale).
      const doc = buildInventory(build, results, build.files.get(path));
      await writeSynth(root, new Map(build.files).set(path, inventoryYaml(doc)), io.signal ? { signal: io.signal } : {});
      io.out(mirrorList(doc, values.format).trimEnd());
      const failed = results.filter((r) => r.error);
      if (failed.length) io.err(formatSiteRenderReport(failed));
      if (doc.stale) io.err(`inventory is stale: ${doc.staleReason}`);
      return failed.length ? EXIT_CODES.tool : EXIT_CODES.ok;
    },
  },
  diff: {
    summary: 'Show what the working tree does to synth/ against a base commit (default: the merge base with the default branch), as Markdown.',
    async run(args, io) {
      const { values } = parse(args, { ...COMMON_OPTIONS, base: { type: 'string' }, json: { type: 'boolean', default: false } });
      const diff = await diffSynth({ repoRoot: values.root ?? io.cwd, configFile: values.config, base: values.base });
      io.out(values.json ? JSON.stringify(diff, null, 2) : renderSynthDiff(diff));
      return EXIT_CODES.ok;
    },
  },
  propose: {
    summary: 'Synth, check and commit the platform change with synth/ on a new branch (never pushes); print the pull request summary.',
    async run(args, io) {
      const { values } = parse(args, { ...COMMON_OPTIONS, message: { type: 'string', short: 'm' }, branch: { type: 'string' } });
      if (!values.message) throw new EdgeIdpError(`propose needs a commit message: -m "…"\n\n${usage()}`, EXIT_CODES.usage);
      const result = await propose({ repoRoot: values.root ?? io.cwd, configFile: values.config, message: values.message, branch: values.branch });
      io.err(
        `Created branch ${result.branch} (${result.files.length} files in commit ${result.commit.slice(0, 12)}); not pushed.\n` +
          `Publish it with: git push -u origin ${result.branch}`,
      );
      io.out(result.markdown);
      return EXIT_CODES.ok;
    },
  },
  docs: {
    summary: 'Regenerate the config reference in README.md from the config schema.',
    async run(args, io) {
      const { values } = parse(args, { root: COMMON_OPTIONS.root });
      const changed = await updateReadmeReference(values.root ?? io.cwd);
      io.out(changed ? 'README.md: config reference updated.' : 'README.md: config reference already up to date.');
      return EXIT_CODES.ok;
    },
  },
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
    'usage: edge-idp <command> [--config platform.yaml] [--root DIR]',
    '',
    'commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    `exit codes: ${Object.entries(EXIT_CODES).map(([k, v]) => `${v} ${k}`).join(', ')}`,
  ].join('\n');
}
