/**
 * Git facts that default `git.repoURL` and `git.revision` (read only when the config leaves them
 * unset), and the credential rule for every repository URL that reaches synth/.
 *
 * `git.repoURL` is written into committed files (the root Application, bootstrap.env), so it
 * must never carry a secret:
 * - written in platform.yaml, a URL with credentials is refused ({@link repoUrlCredentialProblem}):
 *   a person put the secret in a committed file, rewriting it silently would hide the leak;
 * - taken from the `origin` remote, credentials are stripped ({@link stripUrlCredentials}): they
 *   belong to this checkout (CI clones with a job token in `origin`), not to the site, and the
 *   stripped URL is what ArgoCD needs; it gets its credentials from bootstrap's
 *   `EDGE_IDP_GIT_USERNAME` / `EDGE_IDP_GIT_PASSWORD` / `EDGE_IDP_GIT_SSH_KEY`. Stripping also
 *   keeps synth/ the same in every clone of the repository.
 */

/** The fix every credential message gives. */
export const CREDENTIAL_FREE_FIX =
  'use the URL without credentials (e.g. https://host/org/repo.git) and give ArgoCD access through ' +
  "bootstrap's EDGE_IDP_GIT_USERNAME and EDGE_IDP_GIT_PASSWORD (a token), or EDGE_IDP_GIT_SSH_KEY";

/** `scheme://userinfo@rest`: the parts of a URL with an authority that has userinfo. */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]*)@(.*)$/i;

/**
 * The credentials a URL carries, or `undefined`. For http(s) any userinfo counts (a token is
 * often given as the user name: `https://ghp_…@github.com/…`); for ssh only a password does
 * (`ssh://git@host/…` names the login, it is no secret). `git@host:org/repo` has no password.
 */
function credentialsOf(url: string): { scheme: string; userinfo: string; rest: string } | undefined {
  const m = USERINFO.exec(url);
  if (!m) return undefined;
  const [, scheme, userinfo, rest] = m as unknown as [string, string, string, string];
  const web = /^https?:\/\/$/i.test(scheme);
  if (web ? userinfo === '' : !userinfo.includes(':')) return undefined;
  return { scheme, userinfo, rest };
}

/** The URL with its credentials removed (the login of an ssh URL is kept, its password dropped). */
export function stripUrlCredentials(url: string): string {
  const c = credentialsOf(url);
  if (!c) return url;
  if (/^https?:\/\/$/i.test(c.scheme)) return `${c.scheme}${c.rest}`;
  return `${c.scheme}${c.userinfo.slice(0, c.userinfo.indexOf(':'))}@${c.rest}`;
}

/** The URL with any secret replaced by `***`, safe to print in an error. */
export function maskUrlCredentials(url: string): string {
  const c = credentialsOf(url);
  if (!c) return url;
  const colon = c.userinfo.indexOf(':');
  const shown = colon >= 0 ? `${c.userinfo.slice(0, colon)}:***` : '***';
  return `${c.scheme}${shown}@${c.rest}`;
}

/** What is wrong with an explicit `git.repoURL` that carries credentials, or `undefined`. */
export function repoUrlCredentialProblem(url: string): string | undefined {
  if (!credentialsOf(url)) return undefined;
  return (
    `'${maskUrlCredentials(url)}' carries credentials, which would be written into the committed files under synth/; ` +
    `${CREDENTIAL_FREE_FIX}. If the secret was committed, rotate it`
  );
}

/** `git ARGS` in `dir`: its trimmed output, or undefined when git fails or is missing. */
async function gitLine(dir: string, args: readonly string[]): Promise<string | undefined> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('git', ['-C', dir, ...args], { encoding: 'utf8' }, (error, stdout) => resolve(error ? undefined : stdout.trim()));
  });
}

/**
 * The `origin` fetch URL (credentials stripped), the current branch and where `dir` sits in the
 * checkout at `dir`; each undefined when git cannot tell (not a checkout, detached HEAD: the
 * loader reports the unset fields with the fix). Three small git calls, run at once.
 */
export async function readGitDefaults(dir: string): Promise<GitDefaults> {
  const [url, branch, prefix] = await Promise.all([
    // As `git remote -v` shows it (insteadOf rules applied).
    gitLine(dir, ['remote', 'get-url', 'origin']),
    // symbolic-ref also names the branch of a repository without commits yet; fails when detached.
    gitLine(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD']),
    // Empty at the top of the checkout, `sub/dir/` below it.
    gitLine(dir, ['rev-parse', '--show-prefix']),
  ]);
  return {
    ...(url ? { repoURL: stripUrlCredentials(url) } : {}),
    ...(branch ? { revision: branch } : {}),
    ...(prefix !== undefined ? { path: prefix } : {}),
  };
}

/** Git facts used when `git.repoURL` / `git.revision` are not set. */
export interface GitDefaults {
  readonly repoURL?: string;
  readonly revision?: string;
  /** Where the repository root sits in the checkout (`git rev-parse --show-prefix`). */
  readonly path?: string;
}
