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

/** A required positional argument (e.g. `promote RING`). */
export interface ArgumentSpec {
  /** Its placeholder in the usage, e.g. `RING`. */
  readonly name: string;
  readonly help: string;
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


const HELP_OPTION = { help: { type: 'boolean', short: 'h', help: 'print this help and exit' } } as const satisfies Record<string, OptionSpec>;

function parseError(e: unknown): string {
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
    /** Required positional arguments, in order (default: none; the command takes options only). */
    args?: readonly ArgumentSpec[];
    run: (values: Values<O>, io: CommandIO, args: readonly string[]) => Promise<number>;
  },
): Command {
  const positionals = def.args ?? [];
  const usage = () => formatUsage(name, def.summary, def.options, positionals);
  return {
    summary: def.summary,
    options: def.options,
    ...(def.interruptible ? { interruptible: true } : {}),
    ...(positionals.length ? { usage } : {}),
    async run(args, io) {
      const options = { ...def.options, ...HELP_OPTION } as unknown as NonNullable<ParseArgsConfig['options']>;
      const usageError = (message: string) => new EdgeIdpError(`${message}\n\n${usage()}`, def.usageExit ?? EXIT_CODES.usage);
      let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
      let given: string[];
      try {
        ({ values, positionals: given } = parseArgs({ args, options, allowPositionals: positionals.length > 0, strict: true }));
      } catch (e) {
        throw usageError(parseError(e));
      }
      if (values.help) {
        io.out(usage());
        return EXIT_CODES.ok;
      }
      if (given.length < positionals.length) throw usageError(`missing ${positionals.slice(given.length).map((a) => a.name).join(' ')}`);
      if (given.length > positionals.length) throw usageError(`unexpected argument '${given[positionals.length]}': this command takes ${positionals.map((a) => a.name).join(' ')} and options`);
      return def.run(values as Values<O>, io, given);
    },
  };
}

export function formatUsage(
  name: string,
  summary: string,
  commandOptions: Readonly<Record<string, OptionSpec>>,
  args: readonly ArgumentSpec[] = [],
): string {
  const options: Record<string, OptionSpec> = { ...commandOptions, ...HELP_OPTION };
  const flags = Object.entries(options).map(([key, o]) => [`${o.short ? `-${o.short}, ` : ''}--${key}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`, `${o.help}${o.multiple ? ' (repeatable)' : ''}`] as const);
  const width = Math.max(...flags.map(([f]) => f.length), ...args.map((a) => a.name.length));
  return [
    `usage: edge-idp ${name}${args.map((a) => ` ${a.name}`).join('')} [options]`,
    '',
    summary,
    '',
    ...(args.length ? ['arguments:', ...args.map((a) => `  ${a.name.padEnd(width)}  ${a.help}`), ''] : []),
    'options:',
    ...flags.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`),
  ].join('\n');
}
