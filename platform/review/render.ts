/**
 * A `SynthDiff` as Markdown for reviewers (a pull request comment, `edge-idp diff` output):
 * headline counts, then what changed per layer and component, chart versions, tiers,
 * requests, the capacity verdict, Applications that appear or disappear, and any other file.
 * A diff with no changes renders as exactly `No changes`.
 */
import Handlebars from 'handlebars';
import { formatCpu, formatMemory } from '../model/quantity.js';
import { verdictWord } from '../planner/format.js';
import type { VerdictStatus } from '../planner/index.js';
import type { Requests } from '../synth/summary.js';
import type { ApplicationChange, ComponentDiff, LeafChange, ObjectChange, SourceRef, SynthDiff, TierChange, VersionChange } from './diff.js';

/** What a clean tree renders as. */
export const NO_CHANGES = 'No changes';

export interface RenderOptions {
  /** Longest value shown before it is cut with `…`. Default 80. */
  readonly maxValueLength?: number;
  /** Most values keys listed per component. Default 40. */
  readonly maxValues?: number;
  /** Most objects or fields listed in one line. Default 12. */
  readonly maxItems?: number;
}

const TEMPLATE = `## edge-idp: synth diff

Compared with {{base}}.

**{{headline}}**
{{#if hasNotes}}

{{#each notes}}
> {{{this}}}
{{/each}}
{{/if}}
{{#if hasLayers}}

### Changes by layer
{{#each layers}}

#### {{title}}
{{#each components}}

**{{title}}**{{badge}}
{{#each items}}
- {{text}}
{{#each sub}}
  - {{this}}
{{/each}}
{{/each}}
{{/each}}
{{/each}}
{{/if}}
{{#if hasVersions}}

### Chart versions

| component | layer | source | from | to |
|---|---|---|---|---|
{{#each versions}}
| {{component}} | {{layer}} | {{source}} | {{from}} | {{to}} |
{{/each}}
{{/if}}
{{#if hasTiers}}

### Tiers

{{#each tiers}}
- {{this}}
{{/each}}
{{/if}}

### Requests

| | CPU | memory |
|---|---:|---:|
{{#each requests}}
| {{label}} | {{cpu}} | {{memory}} |
{{/each}}
{{#if requestsNote}}

{{requestsNote}}
{{/if}}

### Capacity verdict

{{verdict}}
{{#if hasApplications}}

### Applications

| change | Application | layer | delivered by | namespace |
|---|---|---|---|---|
{{#each applications}}
| {{change}} | {{name}} | {{layer}} | {{via}} | {{namespace}} |
{{/each}}
{{/if}}
{{#if hasOtherFiles}}

### Other files

{{#each otherFiles}}
- {{this}}
{{/each}}
{{/if}}
`;

const template = Handlebars.compile(TEMPLATE, { noEscape: true, strict: true });

// ---------------------------------------------------------------------------------------------
// Formatting helpers.

/** Inline code that survives backticks in the text. */
function code(s: string): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${s} ${fence}` : `${fence}${s}${fence}`;
}

/** Table cells must not contain raw pipes or line breaks. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function signed(n: number, format: (abs: number) => string): string {
  return n === 0 ? '±0' : `${n > 0 ? '+' : '-'}${format(Math.abs(n))}`;
}

function cpuDelta(m: number): string {
  return signed(m, (abs) => `${abs}m`);
}

function memoryDelta(b: number): string {
  return signed(b, formatMemory);
}

function list(items: readonly string[], max: number): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} … and ${items.length - max} more` : shown;
}

function verdictText(v?: VerdictStatus): string {
  return v ? verdictWord(v) : 'unknown';
}

// ---------------------------------------------------------------------------------------------
// The view model.

class Renderer {
  private readonly maxValueLength: number;
  private readonly maxValues: number;
  private readonly maxItems: number;

  constructor(
    private readonly diff: SynthDiff,
    opts: RenderOptions,
  ) {
    this.maxValueLength = opts.maxValueLength ?? 80;
    this.maxValues = opts.maxValues ?? 40;
    this.maxItems = opts.maxItems ?? 12;
  }

  value(v: unknown, present: boolean): string {
    if (!present) return '_(absent)_';
    return code(cut(v === undefined ? 'null' : JSON.stringify(v), this.maxValueLength));
  }

  leaf(c: LeafChange): string {
    return `${code(c.path)}: ${this.value(c.old, c.change !== 'added')} → ${this.value(c.new, c.change !== 'removed')}`;
  }

  tierValue(v: string | undefined): string {
    return v === undefined ? '_(absent)_' : code(cut(v, this.maxValueLength));
  }

  source(s: SourceRef): string {
    return s.type === 'chart' ? `chart ${code(s.name)}` : `git ${code(s.name)}`;
  }

  versionLine(v: VersionChange): string {
    const what = this.source((v.new ?? v.old)!);
    if (!v.old) return `${what} ${code(v.new!.revision)} (new) from ${code(v.new!.repoURL)}`;
    if (!v.new) return `${what} ${code(v.old.revision)} removed`;
    const moved = [
      v.old.name !== v.new.name ? `renamed from ${code(v.old.name)}` : '',
      v.old.repoURL !== v.new.repoURL ? `repository ${code(v.old.repoURL)} → ${code(v.new.repoURL)}` : '',
    ].filter(Boolean);
    return `${what}: ${code(v.old.revision)} → ${code(v.new.revision)}${moved.length ? ` (${moved.join('; ')})` : ''}`;
  }

  via(d: ApplicationChange['old']): string {
    if (!d) return '—';
    return d.via === 'root' ? `root (wave ${d.wave})` : `ApplicationSet ${code(d.via)} (wave ${d.wave})`;
  }

  applicationLine(a: ApplicationChange): string {
    if (a.change === 'added') return `Application ${code(a.name)} appears: ${this.via(a.new)}, namespace ${code(a.new!.namespace)}`;
    if (a.change === 'removed') return `Application ${code(a.name)} disappears (was ${this.via(a.old)}, namespace ${code(a.old!.namespace)})`;
    return `Application ${code(a.name)} delivered differently: ${this.via(a.old)} in ${code(a.old!.namespace)} → ${this.via(a.new)} in ${code(a.new!.namespace)}`;
  }

  tierLine(t: TierChange, withComponent: boolean): string {
    const who = withComponent ? `${code(t.component)} (${t.layer}): ` : '';
    return `${who}${t.subject}: ${this.tierValue(t.old)} → ${this.tierValue(t.new)}`;
  }

  requestsLine(r: NonNullable<ComponentDiff['requests']>): string {
    const both = (q: Requests) => `CPU ${formatCpu(q.cpuMillis)}, memory ${formatMemory(q.memoryBytes)}`;
    if (!r.old && r.new) return `Requests: ${both(r.new)}`;
    if (r.old && !r.new) return `Requests released: ${both(r.old)}`;
    const cpu = `${formatCpu(r.old!.cpuMillis)} → ${formatCpu(r.new!.cpuMillis)}`;
    const mem = `${formatMemory(r.old!.memoryBytes)} → ${formatMemory(r.new!.memoryBytes)}`;
    return `Requests: CPU ${cpu}, memory ${mem} (${this.delta(r.old, r.new)})`;
  }

  delta(a?: Requests, b?: Requests): string {
    const d = { cpuMillis: (b?.cpuMillis ?? 0) - (a?.cpuMillis ?? 0), memoryBytes: (b?.memoryBytes ?? 0) - (a?.memoryBytes ?? 0) };
    return `${this.diff.requests.approximate ? '≈ ' : ''}CPU ${cpuDelta(d.cpuMillis)}, memory ${memoryDelta(d.memoryBytes)}`;
  }

  objectItems(objects: readonly ObjectChange[]): { text: string; sub: string[] }[] {
    const items: { text: string; sub: string[] }[] = [];
    const ids = (change: string) => objects.filter((o) => o.change === change).map((o) => code(o.id));
    const added = ids('added');
    if (added.length) items.push({ text: `Objects added (${added.length}): ${list(added, this.maxItems)}`, sub: [] });
    const changed = objects.filter((o) => o.change === 'changed');
    if (changed.length) {
      items.push({
        text: `Objects changed (${changed.length}):`,
        sub: changed.map((o) => `${code(o.id)}: ${list(o.fields.map((f) => code(f.path)), this.maxItems)}`),
      });
    }
    const removed = ids('removed');
    if (removed.length) items.push({ text: `Objects removed (${removed.length}): ${list(removed, this.maxItems)}`, sub: [] });
    return items;
  }

  componentView(c: ComponentDiff) {
    const items: { text: string; sub: string[] }[] = [];
    if (c.application) items.push({ text: this.applicationLine(c.application), sub: [] });
    for (const v of c.versions) items.push({ text: this.versionLine(v).replace(/^./, (ch) => ch.toUpperCase()), sub: [] });
    if (c.valuesFile) items.push({ text: `${code('values.yaml')} ${c.valuesFile} (${plural(c.valuesFileKeys, 'key')})`, sub: [] });
    if (c.values.length) {
      const shown = c.values.slice(0, this.maxValues).map((v) => this.leaf(v));
      if (c.values.length > this.maxValues) shown.push(`… and ${c.values.length - this.maxValues} more`);
      items.push({ text: `Values (${plural(c.values.length, 'key')}):`, sub: shown });
    }
    items.push(...this.objectItems(c.objects));
    if (c.tiers.length) items.push({ text: 'Tiers:', sub: c.tiers.map((t) => this.tierLine(t, false)) });
    if (c.requests) items.push({ text: this.requestsLine(c.requests), sub: [] });
    const badge = c.change === 'changed' ? '' : ` — ${c.change}`;
    return { title: c.component, badge, items };
  }

  headline(): string {
    const d = this.diff;
    const n = d.counts;
    const parts: string[] = [];
    if (n.applications.added) parts.push(`${plural(n.applications.added, 'Application')} added`);
    if (n.applications.removed) parts.push(`${plural(n.applications.removed, 'Application')} removed`);
    if (n.applications.changed) parts.push(`${plural(n.applications.changed, 'Application')} delivered differently`);
    if (n.versions) parts.push(`${plural(n.versions, 'chart version')} changed`);
    if (n.values) parts.push(`${plural(n.values, 'values key')} changed`);
    const objects = [
      n.objects.added ? `${n.objects.added} added` : '',
      n.objects.changed ? `${n.objects.changed} changed` : '',
      n.objects.removed ? `${n.objects.removed} removed` : '',
    ].filter(Boolean);
    if (objects.length) parts.push(`objects: ${objects.join(', ')}`);
    if (n.tiers) parts.push(plural(n.tiers, 'tier change'));
    const delta = d.requests.delta;
    if (delta && (delta.cpuMillis !== 0 || delta.memoryBytes !== 0)) {
      parts.push(`requests ${d.requests.approximate ? '≈ ' : ''}CPU ${cpuDelta(delta.cpuMillis)}, memory ${memoryDelta(delta.memoryBytes)}`);
    }
    if (d.verdict.old !== d.verdict.new) parts.push(`capacity ${verdictText(d.verdict.old)} → ${verdictText(d.verdict.new)}`);
    parts.push(`${plural(n.files, 'file')} under synth/ ${n.files === 1 ? 'differs' : 'differ'}`);
    return parts.join(' · ');
  }

  view() {
    const d = this.diff;
    const shortCommit = d.base.commit ? ` at ${code(d.base.commit.slice(0, 12))}` : '';
    const layers = d.layers.map((l) => ({ title: l.layer, components: l.components.map((c) => this.componentView(c)) }));
    if (d.root.length) {
      const site = d.site.new ?? d.site.old ?? '<site>';
      layers.unshift({
        title: `root (${code(`synth/${site}/root`)})`,
        components: [{ title: 'root objects', badge: '', items: this.objectItems(d.root) }],
      });
    }
    const r = d.requests;
    const requests = [
      { label: 'base', cpu: r.old ? formatCpu(r.old.cpuMillis) : 'unknown', memory: r.old ? formatMemory(r.old.memoryBytes) : 'unknown' },
      { label: 'this change', cpu: r.new ? formatCpu(r.new.cpuMillis) : 'unknown', memory: r.new ? formatMemory(r.new.memoryBytes) : 'unknown' },
      ...(r.delta
        ? [{ label: 'difference', cpu: `${r.approximate ? '≈ ' : ''}${cpuDelta(r.delta.cpuMillis)}`, memory: `${r.approximate ? '≈ ' : ''}${memoryDelta(r.delta.memoryBytes)}` }]
        : []),
    ];
    const requestsNote =
      r.oldSource === 'readme'
        ? "Base requests are read back from the base's site README (`synth/<site>/README.md`; memory rounded there): the difference is approximate."
        : r.oldSource === 'none'
          ? 'The base has no synth/ to compare requests with.'
          : '';
    const v = d.verdict;
    const verdict = v.old === v.new ? `${verdictText(v.new)} (unchanged)` : `${verdictText(v.old)} → **${verdictText(v.new)}**`;
    const fileLine = (f: { path: string; change: string; note?: string }) => `${f.change} ${code(f.path)}${f.note ? ` (${f.note})` : ''}`;
    return {
      base: `${d.base.reason}${shortCommit}`,
      headline: this.headline(),
      hasNotes: d.notes.length > 0,
      notes: d.notes,
      hasLayers: layers.length > 0,
      layers,
      hasVersions: d.versions.length > 0,
      versions: d.versions.map((x) => {
        const s = (x.new ?? x.old)!;
        return {
          component: cell(x.application),
          layer: cell(x.layer),
          source: cell(this.source(s)),
          from: x.old ? cell(code(x.old.revision)) : '—',
          to: x.new ? cell(code(x.new.revision)) : '—',
        };
      }),
      hasTiers: d.tiers.length > 0,
      tiers: d.tiers.map((t) => this.tierLine(t, true)),
      requests,
      requestsNote,
      verdict,
      hasApplications: d.applications.length > 0,
      applications: d.applications.map((a) => ({
        change: a.change === 'added' ? 'appears' : a.change === 'removed' ? 'disappears' : 'moves',
        name: cell(code(a.name)),
        layer: cell(a.layer ?? '—'),
        via: cell(a.change === 'changed' ? `${this.via(a.old)} → ${this.via(a.new)}` : this.via(a.new ?? a.old)),
        namespace: cell(a.change === 'changed' && a.old!.namespace !== a.new!.namespace ? `${a.old!.namespace} → ${a.new!.namespace}` : (a.new ?? a.old)!.namespace),
      })),
      hasOtherFiles: d.otherFiles.length > 0,
      otherFiles: d.otherFiles.map(fileLine),
    };
  }
}

/** The reviewer's Markdown for a diff (no trailing newline); exactly `No changes` when synth/ would not change. */
export function renderSynthDiff(diff: SynthDiff, opts: RenderOptions = {}): string {
  if (diff.empty) return NO_CHANGES;
  return template(new Renderer(diff, opts).view()).replace(/\n{3,}/g, '\n\n').trimEnd();
}
