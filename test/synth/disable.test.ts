/**
 * Disabling a component removes it cleanly: its Application, its namespace (when nothing else
 * uses it), its routes, its AppProject destinations and source repositories. Components that
 * need it must be disabled with it: the error names them, and the test follows that advice.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../platform/config/errors.js';
import type { SiteBuild } from '../../platform/synth/build.js';
import { CATALOG } from '../../layers/catalog.js';
import { buildTestSite } from '../helpers/site.js';

/** Build with `name` off, also switching off whatever a config error says needs it. */
async function buildWithout(name: string): Promise<{ build: SiteBuild; off: string[] }> {
  const off = [name];
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const build = await buildTestSite((cfg) => {
        cfg.components = Object.fromEntries(off.map((n) => [n, { enabled: false }]));
      });
      // Add-ons that follow a component by default go with it.
      const followers = CATALOG.filter((c) => c.defaultFollows && off.includes(c.defaultFollows)).map((c) => c.name);
      return { build, off: [...off, ...followers] };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const dependent = e.problems.map((p) => /^components\.([a-z0-9-]+)\.enabled$/.exec(p.path)?.[1]).find((n) => n && !off.includes(n));
      if (!dependent) throw e;
      off.push(dependent);
    }
  }
  throw new Error(`could not disable ${name}`);
}

const full = await buildTestSite();
const objectsOf = (b: SiteBuild, kind: string) => b.rootObjects.filter((o) => o.kind === kind) as any[];
const elements = (b: SiteBuild) =>
  objectsOf(b, 'ApplicationSet').flatMap((s) => s.spec.generators[0].list.elements.map((e: { name: string }) => e.name));
const rootApps = (b: SiteBuild) => objectsOf(b, 'Application').map((a) => a.metadata.name);
const namespaces = (b: SiteBuild) => (b.resources.get('namespaces') ?? []).map((o) => o.metadata.name);
const hosts = (b: SiteBuild) =>
  [...b.resources.values()].flat().filter((o) => o.kind === 'HTTPRoute').flatMap((o: any) => o.spec.hostnames ?? []);

const optional = CATALOG.filter((c) => !c.required && full.config.components[c.name]?.enabled).map((c) => c.name);

describe('disabling a component', () => {
  it('has components to disable', () => expect(optional.length).toBeGreaterThan(5));

  it.each(optional)('%s: removes its Application, namespace, routes and project entries', async (name) => {
    const { build, off } = await buildWithout(name);
    const gone = full.components.filter((c) => off.includes(c.componentName));
    for (const c of gone) {
      expect([...elements(build), ...rootApps(build)], c.componentName).not.toContain(c.componentName);
      expect(build.resources.has(c.componentName)).toBe(false);
      for (const u of c.ui) expect(hosts(build)).not.toContain(`${u.subdomain}.${build.config.site.domain}`);
      // Its namespace goes unless a remaining component still runs there.
      const stillUsed = build.components.some((k) => [k.targetNamespace, ...k.extraNamespaces].includes(c.targetNamespace));
      if (!stillUsed) {
        expect(namespaces(build), c.targetNamespace).not.toContain(c.targetNamespace);
        const destinations = objectsOf(build, 'AppProject').flatMap((p) => (p.spec.destinations ?? []).map((d: any) => d.namespace));
        expect(destinations, c.targetNamespace).not.toContain(c.targetNamespace);
      }
      if (c.source && !build.components.some((k) => k.source?.repoURL === c.source!.repoURL)) {
        const repos = objectsOf(build, 'AppProject').flatMap((p) => p.spec.sourceRepos);
        expect(repos).not.toContain(c.source.repoURL);
      }
    }
    // Nothing else went away.
    expect(build.components.map((c) => c.componentName).sort()).toEqual(
      full.components.map((c) => c.componentName).filter((n) => !off.includes(n)).sort(),
    );
  });
});
