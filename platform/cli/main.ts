#!/usr/bin/env node
/**
 * The `edge-idp` command: a thin shell over the library. It parses arguments, calls one
 * library function, prints its result and maps errors to exit codes. Nothing else.
 * (`edge-idp bootstrap …` runs from bootstrap-main.ts instead: see bin/edge-idp.mjs.)
 */
import { commandUsage, commands, usage } from './commands.js';
import { runCli } from './run.js';
import { CATALOG } from '../../layers/catalog.js';

await runCli({ commands, usage, commandUsage, catalog: CATALOG });
