/** Errors the generator reports to a user, each with an exit code the CLI maps them to. */

/** One problem in the config: where, what was found, what is allowed. */
export interface ConfigProblem {
  /** Path in the config, e.g. `nodes[2].role`; `(root)` for the document itself. */
  readonly path: string;
  readonly message: string;
  /**
   * Where the value at `path` came from when it is not the file the error names: in a fleet, a
   * site's value may come from `fleet.yaml` (its `defaults` or a group). Printed after the path.
   * Default: the file itself.
   */
  readonly origin?: string;
}

/** Exit codes, one per failure class, so scripts can tell them apart. */
export const EXIT_CODES = {
  ok: 0,
  /** Unexpected failure (a bug): report it. */
  internal: 1,
  /** platform.yaml is invalid, or the repository cannot be written (read-only, permissions, synth not a folder). */
  config: 2,
  /** The platform does not fit the nodes (capacity planner). */
  capacity: 3,
  /** Committed synth/ differs from a fresh synth. */
  drift: 4,
  /** Generated output failed a conformance check (a generator bug or a bad override). */
  conformance: 5,
  /** A required external tool is missing or failed (helm, git). */
  tool: 6,
  /** Wrong command-line usage. */
  usage: 64,
  /** Interrupted (SIGINT, SIGTERM) before anything was written. */
  interrupted: 130,
} as const;

/** An error that carries its exit code. */
export class EdgeIdpError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Longest run of a value (or any unbroken text) quoted in an error message. */
export const MAX_SHOWN_CHARS = 200;
/** Longest single problem line. */
const MAX_LINE_CHARS = 1000;
/** Problems listed in full; the rest are counted. */
const MAX_SHOWN_PROBLEMS = 20;
/** Budget for the listed problems, so stderr stays small however many there are. */
const MAX_PROBLEMS_CHARS = 3000;

/** `text` cut to `max` characters, saying how much was left out. */
export function clip(text: string, max: number = MAX_SHOWN_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

// C0/C1 controls (a terminal would act on escape sequences), line and paragraph separators, and
// bidirectional overrides (they reorder what the reader sees).
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]/g;

/** Control and invisible characters written as `\uXXXX` (`\n`, `\t` as such), so a message is one safe line. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}

/**
 * One problem's text made safe to print: unprintable characters escaped, every quoted value
 * and every unbroken run longer than `MAX_SHOWN_CHARS` cut, and the whole capped.
 */
export function shownText(text: string): string {
  const long = new RegExp(`'([^']{${MAX_SHOWN_CHARS + 1},})'|[^\\s']{${MAX_SHOWN_CHARS + 1},}`, 'g');
  const cut = printable(text).replace(long, (run, quoted: string | undefined) => (quoted === undefined ? clip(run) : `'${clip(quoted)}'`));
  return clip(cut, MAX_LINE_CHARS);
}

function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  const where = clip(printable(file), 300);
  const at = (p: ConfigProblem) => (p.origin ? `${p.path} (${p.origin})` : p.path);
  const line = (p: ConfigProblem) => (p.path === '(root)' ? shownText(p.message) : `${shownText(at(p))}: ${shownText(p.message)}`);
  if (problems.length === 1) return `${where}: ${line(problems[0]!)}`;
  const lines: string[] = [];
  let size = 0;
  for (const p of problems) {
    const text = `  - ${p.path === '(root)' ? '(root): ' : ''}${line(p)}`;
    if (lines.length > 0 && (lines.length >= MAX_SHOWN_PROBLEMS || size + text.length > MAX_PROBLEMS_CHARS)) break;
    lines.push(text);
    size += text.length + 1;
  }
  const rest = problems.length - lines.length;
  if (rest > 0) lines.push(`  … and ${rest} more problem${rest === 1 ? '' : 's'} (fix these, then run again)`);
  return `${where}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}

/**
 * Invalid platform.yaml: every problem found, not just the first (in `problems`, in full). The
 * message lists them one per line, each cut to a readable size (values longer than
 * `MAX_SHOWN_CHARS` are shortened, unprintable characters escaped), at most 20 of them; a
 * single problem is a single line.
 */
export class ConfigError extends EdgeIdpError {
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(formatProblems(file, problems), EXIT_CODES.config);
  }
}

/** Several config files have problems: each file's `ConfigError`, in file order. Exit 2. */
export class FleetConfigError extends EdgeIdpError {
  constructor(readonly errors: readonly ConfigError[]) {
    const MAX = 20;
    const shown = errors.slice(0, MAX).map((e) => e.message);
    if (errors.length > MAX) shown.push(`… and ${errors.length - MAX} more config files with problems (fix these, then run again)`);
    super(`${errors.length} config files have problems:\n${shown.join('\n')}`, EXIT_CODES.config);
  }
}

/** One error for the files with problems: the `ConfigError` itself when it is only one; nothing when none. */
export function throwConfigErrors(errors: readonly ConfigError[]): void {
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new FleetConfigError(errors);
}
