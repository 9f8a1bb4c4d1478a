/** The bootstrap contract: the real synth gives bootstrap.sh every key its tests' fixture has, and a dry run of the real site works. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChartSource } from '../../platform/model/component.js';
import { bootstrapEnv, bootstrapManifest } from '../../platform/synth/bootstrap-env.js';
import { readBootstrapEnv } from '../../platform/bootstrap/index.js';
import { buildTestSite, REPO_ROOT } from '../helpers/site.js';

const keys = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => l.slice(0, l.indexOf('=')))
    .sort();

describe('bootstrap.env', () => {
  const real = join(REPO_ROOT, 'synth', 'edge-01', 'bootstrap', 'bootstrap.env');

  it('has every key the bootstrap tests rely on', () => {
    const fixture = keys(join(REPO_ROOT, 'test', 'bootstrap', 'fixtures', 'synth', 'edge-lab', 'bootstrap', 'bootstrap.env'));
    expect(keys(real)).toEqual(expect.arrayContaining(fixture));
  });

  it('names files that exist in synth/', () => {
    const text = readFileSync(real, 'utf8');
    for (const key of ['CILIUM_VALUES', 'ARGOCD_VALUES', 'ROOT_PROJECT', 'ROOT_APPLICATION']) {
      const path = new RegExp(`^${key}='([^']+)'$`, 'm').exec(text)?.[1];
      expect(path, key).toBeDefined();
      expect(() => readFileSync(join(REPO_ROOT, path!)), `${key}=${path}`).not.toThrow();
    }
  });

  it('drives a dry run of the real site (no cluster, no tool call)', async () => {
    const r = spawnSync('bash', ['bootstrap.sh', '--dry-run'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` } });
    expect(r.status, r.stderr).toBe(0);
    // The Cilium chart it installs is the one the cilium component pins (what ArgoCD later manages).
    const cilium = (await buildTestSite()).components.find((c) => c.componentName === 'cilium')!.source as ChartSource;
    expect(r.stdout).toContain(`helm template cilium ${cilium.chart} --repo ${cilium.repoURL} --version ${cilium.version}`);
    expect(r.stdout).toContain('-f synth/edge-01/layers/00-core/cilium/values.yaml');
    expect(r.stdout).toContain('synth/edge-01/root/application-edge-idp-root.yaml');
  });

  it('follows a gateway-api version override: version and install URL both carry it', async () => {
    const build = await buildTestSite((cfg) => {
      cfg.components = { ...(cfg.components ?? {}), 'gateway-api': { ...(cfg.components?.['gateway-api'] ?? {}), version: 'v1.7.0' } };
    });
    const { content } = bootstrapEnv(build.config, build.components);
    expect(content).toContain("GATEWAY_API_VERSION='v1.7.0'\n");
    expect(content).toContain("GATEWAY_API_CRDS_URL='https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.7.0/standard-install.yaml'\n");
    expect(content).not.toContain('v1.6.1');
    // ArgoCD gets the same tag, and the contract reads back.
    const gw = build.components.find((c) => c.componentName === 'gateway-api')!;
    expect(gw.source).toMatchObject({ type: 'git', targetRevision: 'v1.7.0' });
    expect(readBootstrapEnv(content, 'bootstrap.env').gatewayApi).toMatchObject({ version: 'v1.7.0' });
  });

  it('follows a cilium version override: the chart version and the image tag bootstrap waits for', async () => {
    const build = await buildTestSite((cfg) => {
      cfg.components = { ...(cfg.components ?? {}), cilium: { ...(cfg.components?.cilium ?? {}), version: '1.20.3' } };
    });
    const { content } = bootstrapEnv(build.config, build.components);
    expect(content).toContain("CILIUM_VERSION='1.20.3'\n");
    expect(content).toContain("CILIUM_IMAGE_TAG='v1.20.3'\n");
  });

  it('takes the charts bootstrap waits for from their components (stated once, with the chart)', async () => {
    const build = await buildTestSite();
    const env = readBootstrapEnv(bootstrapEnv(build.config, build.components).content, 'bootstrap.env');
    const byName = (n: string) => build.components.find((c) => c.componentName === n)!;
    expect(env.argocd.coreWorkloads).toEqual(byName('argocd').bootstrapRollout!.workloads);
    for (const w of byName('argocd').bootstrapRollout!.workloads) expect(w).toContain(byName('argocd').releaseName);
    expect(byName('cilium').bootstrapRollout!.workloads.length).toBeGreaterThan(0);
  });

  it('refuses a bootstrap manifest URL that would not follow a version override', async () => {
    const build = await buildTestSite();
    const gw = build.components.find((c) => c.componentName === 'gateway-api')!;
    const pinned = Object.create(gw, { bootstrap: { value: { manifestUrl: 'https://example.com/v1.6.1/install.yaml', versionAnnotation: 'a' } } });
    expect(() => bootstrapManifest(pinned)).toThrow("component 'gateway-api': bootstrap.manifestUrl 'https://example.com/v1.6.1/install.yaml' has no {version}: it would not follow a version override");
  });
});
