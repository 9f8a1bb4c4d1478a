/** Hostname rules of the tenants (platform/tenants/hostnames.ts): coverage, overlap, the platform's names. */
import { describe, expect, it } from 'vitest';
import { coversHost, expandSite, hostnamesOverlap, labelsBelow, reservedHostnameReason } from '../../platform/tenants/hostnames.js';

describe('hostname patterns', () => {
  it.each([
    ['*.a.example.com', 'x.a.example.com', true],
    ['*.a.example.com', 'a.example.com', false],
    ['*.a.example.com', 'y.x.a.example.com', false],
    ['*.a.example.com', 'xa.example.com', false],
    ['shop.example.com', 'shop.example.com', true],
    ['shop.example.com', 'x.shop.example.com', false],
  ])('%s covers %s: %s (a wildcard stands for exactly one label)', (pattern, host, covered) => {
    expect(coversHost(pattern, host)).toBe(covered);
  });

  it.each([
    ['*.a.example.com', '*.a.example.com', true],
    ['*.a.example.com', 'x.a.example.com', true],
    ['x.a.example.com', '*.a.example.com', true],
    ['*.a.example.com', '*.x.a.example.com', false],
    ['*.a.example.com', 'a.example.com', false],
    ['a.example.com', 'b.example.com', false],
  ])('%s and %s overlap: %s', (a, b, overlap) => {
    expect(hostnamesOverlap(a, b)).toBe(overlap);
    expect(hostnamesOverlap(b, a)).toBe(overlap);
  });

  it('counts the labels below a domain; a name outside it has none', () => {
    expect(labelsBelow('example.com', 'example.com')).toBe(0);
    expect(labelsBelow('*.example.com', 'example.com')).toBe(1);
    expect(labelsBelow('x.y.example.com', 'example.com')).toBe(2);
    expect(labelsBelow('notexample.com', 'example.com')).toBeUndefined();
  });

  it("the platform's names: the domain, its wildcard and every single label under it", () => {
    const domain = 'edge.example.com';
    expect(reservedHostnameReason('edge.example.com', domain)).toMatch(/site's domain/);
    expect(reservedHostnameReason('*.edge.example.com', domain)).toMatch(/platform's own wildcard/);
    expect(reservedHostnameReason('grafana.edge.example.com', domain)).toMatch(/single label under the site's domain/);
    for (const ok of ['*.shop.edge.example.com', 'a.shop.edge.example.com', 'shop.example.com', 'example.com']) expect(reservedHostnameReason(ok, domain), ok).toBeUndefined();
  });

  it('expands every {site}', () => {
    expect(expandSite('*.a.{site}', 's1.example.com')).toBe('*.a.s1.example.com');
    expect(expandSite('shop.example.org', 's1.example.com')).toBe('shop.example.org');
  });
});
