/**
 * One image-pinning rule (platform/model/images.ts) for the rendered-chart check and the policy
 * evaluator, which used to disagree on digests: the check wanted 32+ hex digits after the `@`,
 * the evaluator took any `@` as a digest. Kyverno (the oracle, test/cluster/kyverno.test.ts)
 * checks no digest length, so the rule checks the digest's OCI syntax only. The Kyverno
 * pattern still passes two malformed references the rule refuses: an empty tag (`img:`) and a
 * digest without an algorithm after a tag (`img:1.2@abc`); neither can be pulled.
 */
import { describe, expect, it } from 'vitest';
import { resources } from '../../platform/model/component.js';
import { isPinnedImage, unpinnedImageReason } from '../../platform/model/images.js';
import { TIERS } from '../../platform/model/tiers.js';
import { checkRendered } from '../../platform/render/check.js';
import { checkAgainstPolicies } from '../../policies/evaluator.js';
import { FIXTURE_NAMESPACES, FIXTURE_POLICY_OPTIONS, fixtureWorkload, hardenedContainer, hardenedPodSpec } from '../../policies/fixture-site.js';
import { PINNED_IMAGE_PATTERN } from '../../policies/workload-standards.js';
import { kyvernoStringPatternMatches } from '../policies/kyverno-pattern.js';
import { makeComponent } from '../render/helpers.js';

const DIGEST = 'sha256:' + 'a'.repeat(64);

/** [image, pinned, why]. */
const CASES: readonly (readonly [string, boolean, string])[] = [
  ['img', false, 'no tag: whatever latest is at pull time'],
  ['img:latest', false, "the mutable tag 'latest'"],
  ['img:', false, 'an empty tag'],
  ['img:1.2', true, 'a tag other than latest'],
  ['img:LATEST', true, "tags are case-sensitive: only 'latest' is the mutable one"],
  ['img:latest-v2', true, "a tag that merely contains 'latest'"],
  [`img@${DIGEST}`, true, 'a digest'],
  [`img:1.2@${DIGEST}`, true, 'a digest; the tag is informative'],
  [`img:latest@${DIGEST}`, true, 'a digest wins over the latest tag'],
  ['img@sha256:0123456789abcdef', true, 'digest syntax is checked, not its length (the check wanted 32+ hex digits, Kyverno and the evaluator did not)'],
  ['img@', false, 'an empty digest (the evaluator took any @ as pinned)'],
  ['img@abc', false, 'no algorithm: not a digest (the evaluator took any @ as pinned)'],
  ['img:1.2@abc', false, 'a malformed digest is not saved by a tag'],
  ['host:5000/img', false, 'a registry port is not a tag'],
  ['host:5000/img:latest', false, "a registry port and the tag 'latest'"],
  ['host:5000/team/img:1.0', true, 'a registry port and a tag'],
  [`host:5000/img@${DIGEST}`, true, 'a registry port and a digest'],
  ['', false, 'no image'],
];

describe('image pinning: one rule', () => {
  it.each(CASES)('%s is pinned: %s (%s)', (image, pinned) => {
    expect(isPinnedImage(image)).toBe(pinned);
    expect(unpinnedImageReason(image) === undefined).toBe(pinned);
  });

  it('every unpinned reference says why', () => {
    for (const [image, pinned] of CASES) if (!pinned) expect(unpinnedImageReason(image), image).toMatch(/\S/);
  });

  it("the Kyverno pattern agrees, except on the malformed 'img:' and 'img:1.2@abc'", () => {
    const disagree = CASES.filter(([image, pinned]) => kyvernoStringPatternMatches(PINNED_IMAGE_PATTERN, image) !== pinned).map(([image]) => image);
    expect(disagree).toEqual(['img:', 'img:1.2@abc']);
  });

  it('the rendered check flags exactly the unpinned references', () => {
    const component = makeComponent('demo', {
      namespace: 'edge-demo',
      tier: 'workloads',
      parts: [{ name: 'server', kind: 'Deployment', path: ['server'], resources: resources('50m', '64Mi', '128Mi') }],
    });
    const okResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } };
    const report = checkRendered(component, [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'demo-server' },
        spec: {
          template: {
            spec: {
              priorityClassName: TIERS.workloads.priorityClassName,
              containers: CASES.map(([image], i) => ({ name: `c${String(i).padStart(2, '0')}`, image, resources: okResources })),
            },
          },
        },
      },
    ]);
    const flagged = report.misses.filter((m) => m.rule === 'image').map((m) => m.container);
    expect(flagged).toEqual(CASES.flatMap(([, pinned], i) => (pinned ? [] : [`c${String(i).padStart(2, '0')}`])));
  });

  it('the policy evaluator flags exactly the unpinned references', () => {
    const ns = FIXTURE_NAMESPACES.tenant.name;
    const pods = CASES.map(([image], i) =>
      fixtureWorkload('Pod', ns, `p${String(i).padStart(2, '0')}`, hardenedPodSpec(ns, { containers: [{ ...hardenedContainer('app'), image }] })),
    );
    const flagged = checkAgainstPolicies(pods, FIXTURE_POLICY_OPTIONS)
      .filter((v) => v.check === 'pinned-images')
      .map((v) => v.object.name);
    expect(flagged).toEqual(CASES.flatMap(([, pinned], i) => (pinned ? [] : [`p${String(i).padStart(2, '0')}`])));
  });
});
