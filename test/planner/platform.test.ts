/** The default platform on the default three-node site meets docs/design.md#d6-sized-for-failure-scenarios. */
import { describe, expect, it } from 'vitest';
import { TIERS } from '../../platform/model/tiers.js';
import { buildTestSite } from '../helpers/site.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';

describe('the default platform', async () => {
  const { plan } = await buildTestSite();
  const byKind = (kind: string) => plan.outcomes.filter((o) => o.scenario.kind === kind);

  it('fits with every node up (Green) and with each worker down in turn (Yellow)', () => {
    expect(plan.verdict.status).toBe('passes');
    expect(byKind('yellow')).toHaveLength(2);
    for (const o of [...byKind('green'), ...byKind('yellow')]) {
      expect([o.placement.pending.length, o.placement.preempted.length], o.scenario.name).toEqual([0, 0]);
    }
  });

  it('keeps every core and critical part running on the control-plane node when both workers are down (Red)', () => {
    const [red] = byKind('red');
    const left = [...red!.placement.pending, ...red!.placement.preempted];
    // The only lifeboat pods left out are replicas a one-per-node part cannot add on one node
    // (the Cilium operator's second replica, as the real scheduler decides), and the part runs.
    const lifeboatLeft = left.filter((u) => TIERS[u.instance.pod.tier].lifeboat);
    expect(lifeboatLeft.filter((u) => !u.onePerNodeLimit).map((u) => u.instance.name)).toEqual([]);
    expect(lifeboatLeft.map((u) => u.instance.name)).toEqual(['cilium/operator#1']);
    expect(red!.placement.placements.map((p) => p.instance.name)).toContain('cilium/operator#0');
    expect(red!.placement.placements.every((p) => p.node === 'edge-cp-1')).toBe(true);
  });

  it('still fits with every optional component on', async () => {
    expect((await buildAllEnabled()).plan.verdict.status).not.toBe('fails');
  });
});
