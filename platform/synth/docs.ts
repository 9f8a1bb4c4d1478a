/** Keeps README.md's config reference in step with the schema. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configReference, withConfigReference } from '../config/reference.js';
import type { ComponentDefinition } from '../model/definition.js';

/** The README text as it should be. */
export async function expectedReadme(repoRoot: string, catalog: readonly ComponentDefinition[]): Promise<{ current: string; expected: string }> {
  const current = await readFile(join(repoRoot, 'README.md'), 'utf8');
  return { current, expected: withConfigReference(current, configReference(catalog)) };
}

/** Rewrites the reference block; returns whether the file changed. */
export async function updateReadmeReference(repoRoot: string, catalog: readonly ComponentDefinition[]): Promise<boolean> {
  const { current, expected } = await expectedReadme(repoRoot, catalog);
  if (current === expected) return false;
  await writeFile(join(repoRoot, 'README.md'), expected, 'utf8');
  return true;
}
