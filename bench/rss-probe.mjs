// Loaded with NODE_OPTIONS=--import by bench/synth.ts: appends this process's peak resident
// memory (VmHWM) and its argv to the file named by EDGE_IDP_RSS_PROBE when it exits.
import { appendFileSync, readFileSync } from 'node:fs';

const out = process.env.EDGE_IDP_RSS_PROBE;
if (out) {
  process.on('exit', () => {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) appendFileSync(out, `${hwm[1]}\t${process.argv.slice(1).join(' ')}\n`);
  });
}
