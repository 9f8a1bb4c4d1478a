/**
 * Regenerates the committed files under `policies/<policy>/` (policy manifests, fixtures, Kyverno
 * CLI tests) from the TypeScript sources. Run: `npx tsx policies/write-policy-files.ts`.
 */
import { POLICIES_DIR, writePolicyFiles } from './policy-files.js';

const written = writePolicyFiles(POLICIES_DIR);
console.log(`wrote ${written.length} files under policies/`);
