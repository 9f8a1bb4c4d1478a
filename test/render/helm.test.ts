import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findHelm,
  HELM_ENV_VAR,
  HelmNotFoundError,
  isSupportedHelmVersion,
  MIN_HELM_VERSION,
  parseHelmVersion,
} from '../../platform/render/helm.js';
import { describeWithHelm } from './helpers.js';

describe('parseHelmVersion / isSupportedHelmVersion', () => {
  it('parses what `helm version --template {{.Version}}` prints', () => {
    expect(parseHelmVersion('v3.17.3')).toEqual([3, 17, 3]);
    expect(parseHelmVersion('v3.12.0-rc.1+gabc\n')).toEqual([3, 12, 0]);
    expect(parseHelmVersion('4.0.1')).toEqual([4, 0, 1]);
    expect(parseHelmVersion('Client: &version.Version{}')).toBeUndefined();
  });

  it(`accepts ${MIN_HELM_VERSION} and newer, refuses older`, () => {
    expect(isSupportedHelmVersion([3, 12, 0])).toBe(true);
    expect(isSupportedHelmVersion([3, 17, 3])).toBe(true);
    expect(isSupportedHelmVersion([4, 0, 0])).toBe(true);
    expect(isSupportedHelmVersion([3, 11, 9])).toBe(false);
    expect(isSupportedHelmVersion([2, 99, 0])).toBe(false);
  });
});

describe('findHelm with fake binaries', () => {
  let dir: string;
  const fake = async (name: string, version: string): Promise<string> => {
    const path = join(dir, name, 'helm');
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(path, `#!/bin/sh\nprintf '%s' '${version}'\n`);
    await chmod(path, 0o755);
    return path;
  };
  // No PATH and no cache roots: only the candidates a test names are seen.
  const isolated = { env: { PATH: '' }, cacheRoots: [] as string[] };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edge-idp-helm-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses an explicit path and reports its version', async () => {
    const path = await fake('new', 'v3.15.2');
    await expect(findHelm({ ...isolated, helmPath: path })).resolves.toEqual({ path, version: '3.15.2', source: 'option' });
  });

  it(`reads ${HELM_ENV_VAR}`, async () => {
    const path = await fake('env', 'v3.14.0');
    const found = await findHelm({ ...isolated, env: { PATH: '', [HELM_ENV_VAR]: path } });
    expect(found).toMatchObject({ path, source: 'env' });
  });

  it('refuses a too-old explicit helm with the fix in the message', async () => {
    const path = await fake('old', 'v3.8.0');
    const err = await findHelm({ ...isolated, helmPath: path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmNotFoundError);
    const msg = (err as Error).message;
    expect(msg).toContain('3.8.0 is older than 3.12.0');
    expect(msg).toContain('bash scripts/install-helm.sh');
    expect(msg).toContain(HELM_ENV_VAR);
  });

  it('does not fall back when the explicit path is missing', async () => {
    // A usable helm on PATH must not hide a typo in an explicit choice.
    await fake('fallback', 'v3.16.0');
    const err = await findHelm({ env: { PATH: join(dir, 'fallback') }, cacheRoots: [], helmPath: join(dir, 'nope', 'helm') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmNotFoundError);
    expect((err as Error).message).toContain('no executable file there');
  });

  it('skips a too-old helm on PATH for a newer one later on PATH', async () => {
    await fake('path-old', 'v3.2.0');
    const newer = await fake('path-new', 'v3.13.1');
    const found = await findHelm({ env: { PATH: [join(dir, 'path-old'), join(dir, 'path-new')].join(':') }, cacheRoots: [] });
    expect(found).toEqual({ path: newer, version: '3.13.1', source: 'path' });
  });

  it('finds the copy install-helm.sh leaves in node_modules/.cache/edge-idp', async () => {
    const root = join(dir, 'repo');
    const cached = join(root, 'node_modules', '.cache', 'edge-idp');
    await mkdir(cached, { recursive: true });
    await writeFile(join(cached, 'helm'), "#!/bin/sh\nprintf v3.12.0\n");
    await chmod(join(cached, 'helm'), 0o755);
    await expect(findHelm({ env: { PATH: '' }, cacheRoots: [root] })).resolves.toMatchObject({ source: 'cache', version: '3.12.0' });
  });

  it('says plainly when there is no helm at all', async () => {
    const err = await findHelm(isolated).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmNotFoundError);
    expect((err as Error).message).toMatch(/^helm not found/);
    expect((err as Error).message).toContain("run 'bash scripts/install-helm.sh'");
  });
});

describeWithHelm('findHelm on this machine', (helm) => {
  it('finds a real helm >= 3.12', () => {
    expect(isSupportedHelmVersion(parseHelmVersion(helm.version)!)).toBe(true);
  });
});
