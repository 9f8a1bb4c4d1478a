/**
 * Global setup of `npm run test:cluster`: a summary file every test appends to, printed once
 * at the end (Kubernetes version, bootstrap, objects applied/rejected, scheduler vs planner,
 * Kyverno), with each phase's duration.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'edge-idp-cluster-summary-'));
  const file = join(dir, 'summary.md');
  writeFileSync(file, '');
  process.env.EDGE_IDP_CLUSTER_SUMMARY = file;
  const t0 = Date.now();
  return () => {
    const text = readFileSync(file, 'utf8');
    console.log(`\n===== edge-idp real control plane: summary (${((Date.now() - t0) / 1000).toFixed(0)} s) =====\n${text}`);
    rmSync(dir, { recursive: true, force: true });
  };
}
