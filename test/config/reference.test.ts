import { describe, expect, it } from 'vitest';
import { expectedReadme } from '../../platform/synth/docs.js';
import { configReference } from '../../platform/config/reference.js';
import { CATALOG } from '../../layers/catalog.js';
import { REPO_ROOT } from '../helpers/site.js';

describe('README config reference', () => {
  it('is generated from the schema and up to date (run `npm run docs`)', async () => {
    const { current, expected } = await expectedReadme(REPO_ROOT, CATALOG);
    expect(current).toBe(expected);
  });

  it('documents every component and every top-level key', () => {
    const ref = configReference(CATALOG);
    for (const c of CATALOG) expect(ref).toContain(`| \`${c.name}\` |`);
    for (const key of ['site.domain', 'git.repoURL', 'cluster.apiServer.host', 'nodes[].role']) expect(ref).toContain(`\`${key}\``);
  });
});
