/** How a CLI command is declared: its options, help and argument parsing (shared by every command module). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import type { ComponentDefinition } from '../model/definition.js';

export interface CommandIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM (only for `interruptible` commands). */
  readonly signal?: AbortSignal;
  /** The component catalog, handed in by the entry point (`layers/catalog.ts`). */
  readonly catalog: readonly ComponentDefinition[];
  /** All of standard input (for commands that read `-`). */
  readonly readStdin?: () => Promise<string>;
}

export interface Command {
  readonly summary: string;
  /** Options, each with the help line `--help` prints. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly run: (args: string[], io: CommandIO) => Promise<number>;
  /** Handles `io.signal` itself (stops cleanly); other commands exit at once on SIGINT. */
  readonly interruptible?: boolean;
  /** Its usage, when not the one made from `options` (a command with subcommands). */
  readonly usage?: () => string;
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly default?: string | boolean;
  /** May be given several times (a string option only): the value is the list. Default: false. */
  readonly multiple?: boolean;
  /** The value's placeholder in the help, e.g. `FILE`. */
  readonly arg?: string;
  readonly help: string;
}

type Values<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K] extends { multiple: true }
    ? string[] | undefined
    : (O[K]['type'] extends 'boolean' ? boolean : string) | (O[K] extends { default: string | boolean } ? never : undefined);
};

/** Words a command takes after its name (`site add NAME`). */
export interface PositionalSpec {
  /** For the usage line, e.g. `add NAME`. */
  readonly usage: string;
  readonly min: number;
  readonly max: number;
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h', help: 'print this help and exit' } } as const satisfies Record<string, OptionSpec>;function parseError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const quoted = /'([^']*)'/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted) return `unknown option '${quoted}'`;
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted) return `unexpected argument '${quoted}': this command takes options only`;
  return err.message.split('\n')[0]!;
}

export function defineCommand<const O extends Record<string, OptionSpec>>(
  name: string,
  def: {
    summary: string;
    options: O;
    interruptible?: boolean;
    /** Exit code of a usage error (default: EXIT_CODES.usage). */
    usageExit?: number;
    /** Words after the command name. Default: none (options only). */
    positionals?: PositionalSpec;
    run: (values: Values<O>, io: CommandIO, positionals: readonly string[]) => Promise<number>;
  },
): Command {
  const usage = () => formatUsage(def.positionals ? `${name} ${def.positionals.usage}` : name, def.summary, def.options);
  return {
    summary: def.summary,
    options: def.options,
    ...(def.interruptible ? { interruptible: true } : {}),
    ...(def.positionals ? { usage } : {}),
    async run(args, io) {
      const options = { ...def.options, ...HELP_OPTION } as unknown as NonNullable<ParseArgsConfig['options']>;
      let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
      let positionals: string[];
      try {
        ({ values, positionals } = parseArgs({ args, options, allowPositionals: def.positionals !== undefined, strict: true }));
      } catch (e) {
        throw new EdgeIdpError(`${parseError(e)}\n\n${usage()}`, def.usageExit ?? EXIT_CODES.usage);
      }
      if (values.help) {
        io.out(usage());
        return EXIT_CODES.ok;
      }
      if (def.positionals && (positionals.length < def.positionals.min || positionals.length > def.positionals.max)) {
        throw new EdgeIdpError(`expected ${def.positionals.usage} after '${name}'\n\n${usage()}`, def.usageExit ?? EXIT_CODES.usage);
      }
      return def.run(values as Values<O>, io, positionals);
    },
  };
}

export function formatUsage(name: string, summary: string, commandOptions: Readonly<Record<string, OptionSpec>>): string {
  const options: Record<string, OptionSpec> = { ...commandOptions, ...HELP_OPTION };
  const flags = Object.entries(options).map(
    ([key, o]) => [`${o.short ? `-${o.short}, ` : ''}--${key}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`, `${o.help}${o.multiple ? ' (repeatable)' : ''}`] as const,
  );
  const width = Math.max(...flags.map(([f]) => f.length));
  return [
    `usage: edge-idp ${name} [options]`,
    '',
    summary,
    '',
    'options:',
    ...flags.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`),
  ].join('\n');
}
