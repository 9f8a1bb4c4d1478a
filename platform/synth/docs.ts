/** Keeps README.md's config reference in step with the schema. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configReference, withConfigReference } from '../config/reference.js';
import { CATALOG } from '../../layers/catalog.js';

/** The README text as it should be. */
export async function expectedReadme(repoRoot: string): Promise<{ current: string; expected: string }> {
  const current = await readFile(join(repoRoot, 'README.md'), 'utf8');
  return { current, expected: withConfigReference(current, configReference(CATALOG)) };
}

/** Rewrites the reference block; returns whether the file changed. */
export async function updateReadmeReference(repoRoot: string): Promise<boolean> {
  const { current, expected } = await expectedReadme(repoRoot);
  if (current === expected) return false;
  await writeFile(join(repoRoot, 'README.md'), expected, 'utf8');
  return true;
}
