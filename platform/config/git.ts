/** Git facts that default `git.repoURL` and `git.revision` (read only when the config leaves them unset). */
import type { GitDefaults } from './load.js';

/** The `origin` fetch URL and the current branch of the checkout at `dir`. */
export async function readGitDefaults(dir: string): Promise<GitDefaults> {
  const { simpleGit } = await import('simple-git');
  const git = simpleGit({ baseDir: dir });
  const out: { repoURL?: string; revision?: string } = {};
  try {
    const remotes = await git.getRemotes(true);
    const origin = remotes.find((r) => r.name === 'origin');
    if (origin?.refs.fetch) out.repoURL = origin.refs.fetch;
    const branch = (await git.revparse(['--abbrev-ref', 'HEAD'])).trim();
    if (branch && branch !== 'HEAD') out.revision = branch;
  } catch {
    // Not a git checkout: the loader reports the unset fields with the fix.
  }
  return out;
}
