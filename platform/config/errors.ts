/** Errors the generator reports to a user, each with an exit code the CLI maps them to. */

/** One problem in the config: where, what was found, what is allowed. */
export interface ConfigProblem {
  /** Path in the config, e.g. `nodes[2].role`; `(root)` for the document itself. */
  readonly path: string;
  readonly message: string;
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

/** Invalid platform.yaml: every problem found, not just the first. */
export class ConfigError extends EdgeIdpError {
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
      EXIT_CODES.config,
    );
  }
}

/** Generated output broke an invariant (a component declaration is inconsistent, a value key is unknown…). */
export class ConformanceError extends EdgeIdpError {
  constructor(readonly problems: readonly string[]) {
    super(`generated output failed ${problems.length} check(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`, EXIT_CODES.conformance);
  }
}
