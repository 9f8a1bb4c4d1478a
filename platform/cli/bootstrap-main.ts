#!/usr/bin/env node
/**
 * `edge-idp bootstrap …` alone: the entry bin/edge-idp.mjs runs for it. bootstrap.sh calls it
 * several times per run, so it loads only platform/bootstrap/ and the command around it (no
 * cdk8s, no catalog, no renderer): a fraction of main.ts's start-up time. Same command, same
 * output and exit codes as through main.ts, which lists it in `edge-idp --help`.
 */
import { bootstrapCommand, bootstrapUsage } from './bootstrap.js';
import { runCli } from './run.js';

await runCli({ commands: { bootstrap: bootstrapCommand }, usage: bootstrapUsage, commandUsage: bootstrapUsage, catalog: [] });
