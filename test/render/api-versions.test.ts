/**
 * `edge-idp render` renders every chart with the API versions the running platform serves,
 * the same list bootstrap passes (bootstrap.env HELM_API_VERSIONS): ArgoCD renders against the
 * live cluster, where Cilium's GatewayClass and the ServiceMonitors depend on them.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderSite } from '../../platform/render/site.js';
import { platformApiVersions } from '../../platform/argocd/capabilities.js';
import { REPO_ROOT, buildTestSite } from '../helpers/site.js';

const dir = mkdtempSync(join(tmpdir(), 'edge-idp-apiversions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('renderSite', () => {
  it('passes --api-versions with what the platform serves, the list bootstrap renders with', async () => {
    // A helm that records its arguments and renders one ConfigMap.
    const log = join(dir, 'args.log');
    const helm = join(dir, 'helm');
    writeFileSync(
      helm,
      `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> ${JSON.stringify(log)}\nprintf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: x\\n'\n`,
    );
    chmodSync(helm, 0o755);
    const build = await buildTestSite();
    await renderSite(build, { helm, concurrency: 1 });
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.length).toBe(build.components.filter((c) => c.source?.type === 'helm').length);
    const expected = platformApiVersions(build.components);
    const env = readFileSync(join(REPO_ROOT, 'synth', 'edge-01', 'bootstrap', 'bootstrap.env'), 'utf8');
    expect(/^HELM_API_VERSIONS='(.*)'$/m.exec(env)![1]!.split(' ')).toEqual(expected);
    for (const call of calls) {
      const passed = [...call.matchAll(/--api-versions (\S+)/g)].map((m) => m[1]);
      expect(passed).toEqual(expected);
    }
  });
});
