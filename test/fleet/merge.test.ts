/** The layered merge of a fleet site (platform/fleet/merge.ts): maps deep, lists replace, provenance. */
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { mergeLayers } from '../../platform/fleet/merge.js';

const defaults = { origin: 'fleet.yaml defaults', data: { cluster: { podCIDR: '10.42.0.0/16', apiServer: { host: '10.0.0.1' } }, nodes: [{ name: 'a' }, { name: 'b' }] } };
const group = { origin: 'fleet.yaml groups.big', data: { cluster: { apiServer: { port: 7443 } }, nodes: [{ name: 'x' }], components: { loki: { retention: '14d' } } } };
const site = { origin: 'sites/s.yaml', data: { site: { name: 's' }, components: { loki: { volumeSize: '20Gi' } } } };

describe('mergeLayers', () => {
  const merged = mergeLayers([defaults, group, site]);

  it('merges maps key by key, deeply; a list replaces the list before it', () => {
    expect(merged.data).toEqual({
      cluster: { podCIDR: '10.42.0.0/16', apiServer: { host: '10.0.0.1', port: 7443 } },
      nodes: [{ name: 'x' }],
      components: { loki: { retention: '14d', volumeSize: '20Gi' } },
      site: { name: 's' },
    });
  });

  it('shares nothing with its layers (a validator may fill defaults in)', () => {
    (merged.data.nodes as { name: string }[])[0]!.name = 'changed';
    expect(group.data.nodes[0]!.name).toBe('x');
    (merged.data.nodes as { name: string }[])[0]!.name = 'x';
  });

  it('says where a value came from when not from the last layer (the site file)', () => {
    expect(merged.originOf('cluster.podCIDR')).toBe('from fleet.yaml defaults');
    expect(merged.originOf('cluster.apiServer.port')).toBe('from fleet.yaml groups.big');
    // A list belongs to the layer that set it, items and all; a path that does not exist asks its parent.
    expect(merged.originOf('nodes[0].memory')).toBe('from fleet.yaml groups.big');
    expect(merged.originOf('nodes')).toBe('from fleet.yaml groups.big');
    // A map that several layers filled.
    expect(merged.originOf('components.loki')).toBe('partly from fleet.yaml groups.big');
    expect(merged.originOf('cluster')).toBe('from fleet.yaml defaults, fleet.yaml groups.big');
    // The site's own values: nothing to add; nor for a key nobody set (a missing required key is the site's to add).
    expect(merged.originOf('components.loki.volumeSize')).toBeUndefined();
    expect(merged.originOf('site.name')).toBeUndefined();
    expect(merged.originOf('site.domain')).toBeUndefined();
    expect(merged.originOf('cluster.serviceCIDR')).toBeUndefined();
    expect(merged.originOf('(root)')).toBeUndefined();
  });

  it('a scalar over a map, and a map over a scalar, replace it and its provenance', () => {
    const m = mergeLayers([
      { origin: 'd', data: { a: { b: 1 }, c: 2 } },
      { origin: 'g', data: { a: 'flat', c: { d: 3 } } },
      { origin: 's', data: {} },
    ]);
    expect(m.data).toEqual({ a: 'flat', c: { d: 3 } });
    expect(m.originOf('a.b')).toBe('from g');
    expect(m.originOf('c.d')).toBe('from g');
  });

  it('reads a value as written in the layer that set it (the source spelling semantics checks)', () => {
    const doc = parseDocument('defaults:\n  cluster:\n    kubernetesVersion: 1.30\n');
    const m = mergeLayers([
      { origin: 'fleet.yaml defaults', data: { cluster: { kubernetesVersion: 1.3 } }, doc, docPath: ['defaults'] },
      { origin: 'sites/s.yaml', data: {} },
    ]);
    const node = m.doc.getIn(['cluster', 'kubernetesVersion'], true) as { source?: string };
    expect(node.source).toBe('1.30');
  });
});
