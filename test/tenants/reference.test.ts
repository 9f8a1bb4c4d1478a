/**
 * The tenant files' reference in README.md ("Teams and apps"), generated from the schemas. That
 * README is up to date is checked with the rest of its generated blocks (test/config/reference.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaRows } from '../../platform/config/reference.js';
import { AppSchema, TenantSchema } from '../../platform/tenants/schema.js';
import { TENANTS_REFERENCE_END, TENANTS_REFERENCE_START, tenantsReference, withTenantsReference } from '../../platform/tenants/reference.js';
import { REPO_ROOT } from '../helpers/site.js';

describe('the tenant files reference', () => {
  const reference = tenantsReference();

  it('documents every key of both files, nested ones (route.host, secrets.<NAME>.key) included', () => {
    for (const schema of [TenantSchema, AppSchema]) {
      for (const row of schemaRows(schema as unknown as Record<string, unknown>)) expect(reference).toContain(`| \`${row.path}\` |`);
    }
    for (const key of ['quota.storage', 'runsOn.groups', 'route.host', 'secrets.<NAME>.key', 'metrics.port', 'volume.size']) expect(reference).toContain(`| \`${key}\` |`);
  });

  it('every optional key says its default', () => {
    for (const schema of [TenantSchema, AppSchema]) {
      const rows = schemaRows(schema as unknown as Record<string, unknown>);
      const missing = rows.filter((r) => !r.required && !/Default: /.test(r.description)).map((r) => r.path);
      expect(missing).toEqual([]);
    }
  });

  it('sits in README "Teams and apps", right after "Fleets"', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const sections = [...readme.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
    expect(sections[sections.indexOf('Fleets') + 1]).toBe('Teams and apps');
    const section = readme.slice(readme.indexOf('## Teams and apps'));
    expect(section.indexOf(TENANTS_REFERENCE_START)).toBeLessThan(section.indexOf('\n## '));
    expect(withTenantsReference(readme, reference)).toBe(readme);
  });

  it('refuses a README without its markers', () => {
    expect(() => withTenantsReference('# no markers', reference)).toThrow(new RegExp(TENANTS_REFERENCE_END));
  });
});
