/**
 * The process side of the `edge-idp` command, shared by its two entry points (main.ts, every
 * command; bootstrap-main.ts, `edge-idp bootstrap` alone, which loads no cdk8s and no catalog):
 * signals, a closed stdout, the dispatch to one command and the mapping of errors to exit codes.
 */
import { EdgeIdpError, EXIT_CODES } from '../config/errors.js';
import type { ComponentDefinition } from '../model/definition.js';
import type { Command, CommandIO } from './command.js';

export interface CliTable {
  readonly commands: Readonly<Record<string, Command>>;
  /** The top-level usage (`edge-idp --help`). */
  readonly usage: () => string;
  /** One command's usage (`edge-idp help <command>`). */
  readonly commandUsage: (name: string) => string;
  /** The component catalog handed to the commands (`layers/catalog.ts`; empty when none needs it). */
  readonly catalog: readonly ComponentDefinition[];
}

/**
 * SIGINT/SIGTERM: a command that writes synth/ (`interruptible`) gets an aborted signal and
 * stops cleanly (synth/ as it was, or the swap completed); any other command, or a second
 * signal, exits at once (a killed write is finished or undone by the next synth).
 */
const interrupt = new AbortController();
let interruptible = false;

async function main(table: CliTable, argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const { commands, usage, commandUsage } = table;
  const io: CommandIO = {
    out: (s) => process.stdout.write(`${s}
`),
    err: (s) => process.stderr.write(`${s}
`),
    cwd: process.cwd(),
    signal: interrupt.signal,
    catalog: table.catalog,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
  if (name === 'help' && rest[0] !== undefined && commands[rest[0]]) {
    io.out(commandUsage(rest[0]));
    return EXIT_CODES.ok;
  }
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(usage());
    return name ? EXIT_CODES.ok : EXIT_CODES.usage;
  }
  const command = commands[name];
  if (!command) {
    io.err(`edge-idp: unknown command '${name}'\n\n${usage()}`);
    return EXIT_CODES.usage;
  }
  interruptible = command.interruptible === true;
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof EdgeIdpError) {
      io.err(`edge-idp ${name}: ${e.message}`);
      return e.exitCode;
    }
    io.err(`edge-idp ${name}: internal error (please report): ${(e as Error).stack ?? String(e)}`);
    return EXIT_CODES.internal;
  }
}

/** Runs the command named by the process's arguments and sets the exit code. */
export async function runCli(table: CliTable): Promise<void> {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(sig, () => {
      if (!interruptible || interrupt.signal.aborted) process.exit(code);
      interrupt.abort();
    });
  }
  // A reader that stops early (`edge-idp plan | head`) is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  process.exitCode = await main(table, process.argv.slice(2));
}
