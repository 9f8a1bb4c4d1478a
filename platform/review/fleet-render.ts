/**
 * A `FleetDiff` as Markdown for reviewers. Sites with the same change (fleet-diff.ts,
 * `changeKey`) are shown once under "The same change in N sites: …"; a site whose change
 * differs gets its own section; then removed sites, the unchanged ones and the index. A
 * one-site repository renders exactly as before fleets; a fleet with no change renders as
 * exactly `No changes`.
 */
import { compareText } from '../model/order.js';
import { changeKey, type FleetDiff, type SiteDiff } from './fleet-diff.js';
import { NO_CHANGES, renderSynthDiff, type RenderOptions } from './render.js';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function names(sites: readonly SiteDiff[], max = 40): string {
  const shown = sites.slice(0, max).map((s) => s.site);
  return sites.length > max ? `${shown.join(', ')} … and ${sites.length - max} more` : shown.join(', ');
}

/** One site's diff inside the fleet's: its own title and base line dropped, headings one level down. */
function embedded(site: SiteDiff, opts: RenderOptions): string {
  const text = renderSynthDiff(site.diff, opts);
  return text
    .split('\n')
    .filter((line) => !line.startsWith('## edge-idp: synth diff') && !line.startsWith('Compared with '))
    .map((line) => (line.startsWith('#') ? `#${line}` : line))
    .join('\n')
    .replace(/^\n+/, '')
    .trimEnd();
}

/** Groups the changed sites by change, biggest group first, then by the first site's name. */
export function groupSites(sites: readonly SiteDiff[]): SiteDiff[][] {
  const groups = new Map<string, SiteDiff[]>();
  for (const s of sites) {
    if (s.diff.empty) continue;
    const key = changeKey(s);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].sort((a, b) => b.length - a.length || compareText(a[0]!.site, b[0]!.site));
}

/** The reviewer's Markdown for a fleet diff (no trailing newline). */
export function renderFleetDiff(diff: FleetDiff, opts: RenderOptions = {}): string {
  if (diff.kind === 'single' && diff.sites.length === 1) return renderSynthDiff(diff.sites[0]!.diff, opts);
  if (diff.empty) return NO_CHANGES;
  const changed = diff.sites.filter((s) => !s.diff.empty);
  const unchanged = diff.sites.filter((s) => s.diff.empty);
  const groups = groupSites(diff.sites);
  const shortCommit = diff.base.commit ? ` at \`${diff.base.commit.slice(0, 12)}\`` : '';
  const headline = [
    `${changed.length} of ${plural(diff.sites.length, 'site')} change`,
    ...(groups.length ? [`${plural(groups.length, 'distinct change')}`] : []),
    ...(diff.removed.length ? [`${plural(diff.removed.length, 'site')} removed`] : []),
    `${unchanged.length} unchanged`,
  ].join(' · ');
  const out = ['## edge-idp: fleet diff', '', `Compared with ${diff.base.reason}${shortCommit}.`, '', `**${headline}**`];
  for (const group of groups) {
    const rings = [...new Set(group.map((s) => `${s.ring} (\`${s.ref}\`)`))].join(', ');
    out.push(
      '',
      group.length > 1
        ? `### The same change in ${group.length} sites: ${names(group)}`
        : `### ${group[0]!.site}${group[0]!.change === 'added' ? ' — added' : ''}: a change of its own`,
      '',
      `Ring${rings.includes(', ') ? 's' : ''}: ${rings}.${group.length > 1 ? ` Requests and capacity below are ${group[0]!.site}'s; the change in them is the same in every site of the group.` : ''}`,
      '',
      embedded(group[0]!, opts),
    );
  }
  if (diff.removed.length) {
    out.push('', '### Removed sites', '', ...diff.removed.map((r) => `- \`${r.site}\`: \`synth/${r.site}/\` removed (${plural(r.files, 'file')}): the site's ArgoCD reads this folder, so remove a site once it is decommissioned`));
  }
  if (unchanged.length) out.push('', '### Unchanged', '', names(unchanged, 100));
  if (diff.index) out.push('', '### Other files', '', `- ${diff.index.change} \`${diff.index.path}\` (the fleet index)`);
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd();
}
