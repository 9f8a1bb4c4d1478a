/**
 * `synth/README.md`: the index of the site folders under synth/ — per site its config file,
 * groups, ring, node count, components, requests and the capacity verdict per kind of scenario —
 * and the rings. It is also the ledger of what synth wrote: the config file each site folder came
 * from, so a later synth knows which folders are its own to remove (a site whose file is gone, or
 * whose config file now names another site) and which belong to another config (a second
 * `--config`), left alone. A synth that builds only some sites (`--site`) carries the other rows'
 * build columns over from the previous index.
 */
import { formatCpu, formatMemory } from '../model/quantity.js';
import { compareText } from '../model/order.js';
import type { ResolvedRing } from '../fleet/rings.js';
import { GENERATED_HEADER } from './files.js';
import type { ScenarioVerdict } from './capacity.js';
import type { Requests } from './summary.js';

/** What a row holds that only a build of the site knows. */
export interface BuiltFacts {
  readonly components: number;
  readonly requests: Requests;
  readonly green: ScenarioVerdict;
  readonly yellow: ScenarioVerdict;
  readonly red: ScenarioVerdict;
}

/** One site of the index. */
export interface IndexRow {
  readonly site: string;
  /** Its config file, repository-relative (or absolute). */
  readonly file: string;
  readonly groups: readonly string[];
  readonly ring: string;
  readonly ref: string;
  readonly nodes: number;
  /** Built facts, or the cells carried over from the previous index (`--site`), or none yet. */
  readonly built: BuiltFacts | readonly string[] | undefined;
}

/** A row of a previous index: the site, its config file, and its text. */
export interface LedgerEntry {
  readonly site: string;
  readonly file: string;
  /** The build columns (components … Red), as printed. */
  readonly builtCells: readonly string[];
  /** Its ring and the ring's ref, as printed. */
  readonly ring?: { readonly name: string; readonly ref: string };
  /** The whole line, for rows carried over verbatim (sites of another config). */
  readonly line: string;
}

const BUILT_COLUMNS = 6;
const ROW = /^\| \[([a-z0-9]([-a-z0-9]*[a-z0-9])?)\]\(\1\/README\.md\) \| `([^`]+)` \| (.*) \|$/;

/** The rows of a previous index; empty for anything else (no file, the site README of older versions). */
export function parseIndex(text: string | undefined): LedgerEntry[] {
  if (!text?.includes(GENERATED_HEADER)) return [];
  const out: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    const m = ROW.exec(line);
    if (!m) continue;
    const cells = m[4]!.split(' | ');
    const ring = /^(\S+) \(`([^`]+)`\)$/.exec(cells[1] ?? '');
    out.push({ site: m[1]!, file: m[3]!, builtCells: cells.slice(-BUILT_COLUMNS), line, ...(ring ? { ring: { name: ring[1]!, ref: ring[2]! } } : {}) });
  }
  return out;
}

const code = (s: string) => `\`${s}\``;

function rowLine(r: IndexRow): string {
  const built = r.built;
  const cells =
    built === undefined
      ? ['not synthesized yet', '—', '—', '—', '—', '—']
      : Array.isArray(built)
        ? [...(built as readonly string[])]
        : [
            String((built as BuiltFacts).components),
            formatCpu((built as BuiltFacts).requests.cpuMillis),
            formatMemory((built as BuiltFacts).requests.memoryBytes),
            (built as BuiltFacts).green,
            (built as BuiltFacts).yellow,
            (built as BuiltFacts).red,
          ];
  return `| [${r.site}](${r.site}/README.md) | ${code(r.file)} | ${r.groups.length ? r.groups.join(', ') : '—'} | ${r.ring} (${code(r.ref)}) | ${r.nodes} | ${cells.join(' | ')} |`;
}

export interface IndexInput {
  readonly rows: readonly IndexRow[];
  readonly rings: readonly ResolvedRing[];
  /** Rows of sites of another config, carried over as they were. */
  readonly foreign: readonly LedgerEntry[];
}

/**
 * The index text. Deterministic, and the same whichever config a run reads: rows by site name,
 * rings in the fleet's order, then those only rows of another config name.
 */
export function renderIndex(input: IndexInput): string {
  const lines = [
    ...input.rows.map((r) => ({ site: r.site, line: rowLine(r) })),
    ...input.foreign.map((f) => ({ site: f.site, line: f.line })),
  ].sort((a, b) => compareText(a.site, b.site));
  const count = lines.length;
  const rings = new Map(input.rings.map((r) => [`${r.name}\0${r.ref}`, { name: r.name, ref: r.ref, sites: [...r.sites] }]));
  for (const f of [...input.foreign].sort((a, b) => compareText(a.site, b.site))) {
    if (!f.ring) continue;
    const key = `${f.ring.name}\0${f.ring.ref}`;
    const ring = rings.get(key) ?? { ...f.ring, sites: [] };
    ring.sites = [...ring.sites, f.site].sort(compareText);
    rings.set(key, ring);
  }
  const ringLines = [...rings.values()].map((r) => `| ${r.name} | ${code(r.ref)} | ${r.sites.length ? r.sites.join(', ') : '—'} |`);
  return [
    `<!-- ${GENERATED_HEADER} -->`,
    '# The sites in synth/',
    '',
    `${count} site${count === 1 ? '' : 's'}. Each site's ArgoCD syncs its own folder, \`synth/<site>/\`, from the ref of its rollout ring;`,
    "the folder's README lists its components, their requests, the sync order and the capacity plan.",
    '',
    'Requests are steady state with every node up. Capacity per kind of scenario (a feasibility estimate, not the',
    'scheduler): **Green** all nodes up, **Yellow** each worker down in turn, **Red** only the control-plane node;',
    '`ok` every pod that must run is placed, `short` pods are left out (a warning: the site degrades), `FAILS` synth',
    'refuses the site unless its config says `capacity.onShortfall: warn`.',
    '',
    '| site | config | groups | ring | nodes | components | CPU request | memory request | Green | Yellow | Red |',
    '|---|---|---|---|---:|---:|---:|---:|---|---|---|',
    ...lines.map((l) => l.line),
    '',
    '## Rollout rings',
    '',
    'A merge to the default branch reaches the first ring; `edge-idp promote RING` moves a later ring to the commit of the one before.',
    '',
    '| ring | ref | sites |',
    '|---|---|---|',
    ...ringLines,
    '',
  ].join('\n');
}
