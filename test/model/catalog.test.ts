/**
 * The component catalog: a component is one file plus one line in its layer's index, and it
 * reaches everything the platform derives from components (values, Applications, namespaces,
 * policies, Vault, monitoring, routes, the plan and the docs). A catalog that contradicts itself
 * fails at load, naming both places.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { defineCatalog, CatalogError, type LayerIndex } from '../../platform/model/catalog.js';
import { defineComponent, isComponentDefinition } from '../../platform/model/definition.js';
import { PlatformComponent } from '../../platform/model/component.js';
import { TIERS } from '../../platform/model/tiers.js';
import { LAYER_IDS } from '../../platform/model/layers.js';
import { buildSite } from '../../platform/synth/build.js';
import { parseConfig } from '../../platform/config/load.js';
import { configReference } from '../../platform/config/reference.js';
import { ConfigError } from '../../platform/config/errors.js';
import { CATALOG } from '../../layers/catalog.js';
import * as core from '../../layers/00-core/index.js';
import * as services from '../../layers/01-services/index.js';
import * as engines from '../../layers/02-engines/index.js';
import * as apps from '../../layers/03-apps/index.js';
import * as tenants from '../../layers/04-tenants/index.js';
import { velero } from '../fixtures/layers/02-engines/velero.js';
import { baseConfigObject } from '../helpers/site.js';

const index = (layer: LayerIndex['layer'], exports: Record<string, unknown>): LayerIndex => ({
  layer,
  file: new URL(`../../layers/${layer}/index.ts`, import.meta.url).href,
  exports,
});
const INDEXES = [index('00-core', core), index('01-services', services), index('02-engines', engines), index('03-apps', apps), index('04-tenants', tenants)];

/** The fixture needs no more than this: one line in its layer's index. */
const WITH_VELERO = defineCatalog([...INDEXES.slice(0, 2), index('02-engines', { ...engines, velero }), ...INDEXES.slice(3)]);

async function build(catalog: typeof CATALOG, patch: (c: Record<string, any>) => void = () => undefined) {
  const raw = baseConfigObject();
  patch(raw);
  const config = await parseConfig(stringify(raw), {
    file: 'platform.yaml',
    catalog,
    gitDefaults: async () => ({ repoURL: 'https://git.example.com/org/edge-idp.git', revision: 'main' }),
  });
  return buildSite({ config, configFile: 'platform.yaml', catalog });
}

describe('the catalog', () => {
  it('holds only definitions, each listed by the index of its own layer, in its layer folder', () => {
    for (const d of CATALOG) {
      expect(isComponentDefinition(d)).toBe(true);
      expect(d.file, d.name).toContain(`/layers/${d.layer}/`);
      expect(Object.keys(TIERS)).toContain(d.tier);
    }
    const listed = INDEXES.flatMap((i) => Object.values(i.exports));
    expect(listed.length).toBe(CATALOG.length);
  });

  it('orders components by layer, then name (an added line never reorders the others)', () => {
    const key = (d: (typeof CATALOG)[number]) => `${LAYER_IDS.indexOf(d.layer)}/${d.name}`;
    const keys = CATALOG.map(key);
    expect(keys).toEqual([...keys].sort());
    expect(WITH_VELERO.filter((d) => d !== velero)).toEqual(CATALOG);
  });

  it('refuses a definition listed in another layer’s index, naming the definition’s file and the index', () => {
    expect(() => defineCatalog([index('01-services', { velero })])).toThrow(CatalogError);
    expect(() => defineCatalog([index('01-services', { velero })])).toThrow(
      /component 'velero' says layer '02-engines' in test\/fixtures\/layers\/02-engines\/velero\.ts but is listed in layers\/01-services\/index\.ts \(layer '01-services'\); move its line to layers\/02-engines\/index\.ts/,
    );
  });

  it('refuses a definition whose layer contradicts its folder', () => {
    const wrong = defineComponent({ ...velero, layer: '03-apps' });
    expect(() => defineCatalog([index('03-apps', { wrong })])).toThrow(
      /component 'velero' says layer '03-apps' but its file is in another layer's folder: test\/fixtures\/layers\/02-engines\/velero\.ts/,
    );
  });

  it('refuses two definitions of one name, naming both files', () => {
    const twin = defineComponent({ ...velero, file: new URL('../../layers/02-engines/twin.ts', import.meta.url).href });
    expect(() => defineCatalog([index('02-engines', { velero, twin })])).toThrow(
      /component name 'velero' is defined twice: in layers\/02-engines\/twin\.ts and in test\/fixtures\/layers\/02-engines\/velero\.ts; rename one/,
    );
  });

  it('refuses the same definition in two indexes', () => {
    expect(() => defineCatalog([index('02-engines', { velero }), index('03-apps', { velero })])).toThrow(
      /component 'velero' \(test\/fixtures\/layers\/02-engines\/velero\.ts\) is listed twice: in layers\/02-engines\/index\.ts and in layers\/03-apps\/index\.ts/,
    );
  });

  it('refuses an unknown tier, an index export that is not a definition, and dependencies on what does not exist or sits higher', () => {
    const odd = defineComponent({ ...velero, name: 'odd', tier: 'gold' as never, requires: [{ component: 'nothing', why: 'x' }], defaultFollows: 'ghost' });
    const up = defineComponent({ ...velero, name: 'up', layer: '01-services', file: new URL('../../layers/01-services/up.ts', import.meta.url).href, requires: [{ component: 'velero', why: 'y' }] });
    let error: unknown;
    try {
      defineCatalog([index('02-engines', { odd, velero, HELPER: 42 }), index('01-services', { up })]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CatalogError);
    const problems = (error as CatalogError).problems.join('\n');
    expect(problems).toMatch(/layers\/02-engines\/index\.ts exports 'HELPER', which is not a component definition/);
    expect(problems).toMatch(/component 'odd' \(.*velero\.ts\) has tier 'gold', which is not one of core, critical, important, workloads/);
    expect(problems).toMatch(/component 'odd' \(.*\) requires 'nothing', which no layer index lists/);
    expect(problems).toMatch(/component 'odd' \(.*\) follows 'ghost' by default, which no layer index lists/);
    expect(problems).toMatch(/component 'up' \(layers\/01-services\/up\.ts, layer 01-services\) requires 'velero' of a higher layer \(02-engines/);
  });

  it('refuses a setting that every component already has', () => {
    const clash = defineComponent({ ...velero, settings: { version: velero.settings!.schedule! } });
    expect(() => defineCatalog([index('02-engines', { clash })])).toThrow(/declares setting 'version', which every component has already/);
  });

  it('refuses a build that does not use the identity it is handed', async () => {
    const liar = defineComponent({
      ...velero,
      build: (scope, ctx) => new PlatformComponent(scope, { ...ctx, definition: { ...ctx.definition, name: 'someone-else' } }, { namespace: 'velero' }),
    });
    const catalog = defineCatalog([...INDEXES.slice(0, 2), index('02-engines', { ...engines, velero: liar }), INDEXES[3]!]);
    await expect(build(catalog)).rejects.toThrow(/component 'velero' \(.*velero\.ts\) built a component named 'someone-else'/);
  });
});

describe('a component added as one file plus one index line (the velero fixture)', async () => {
  const site = await build(WITH_VELERO, (c) => (c.components = { ...c.components, velero: { schedule: '30 2 * * *' } }));
  const files = site.files;
  const yamlOf = (path: string) => files.get(path) ?? '';

  it('gets a typed, validated setting into its values, with its tier on every part', () => {
    const values = yamlOf('synth/edge-01/layers/02-engines/velero/values.yaml');
    expect(values).toContain("schedule: 30 2 * * *");
    expect(values).toContain(`priorityClassName: ${TIERS.important.priorityClassName}`);
  });

  it('refuses a bad setting with the path, the value and the rule', async () => {
    const err = await build(WITH_VELERO, (c) => (c.components = { ...c.components, velero: { schedule: 'daily' } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/components\.velero\.schedule.*'daily'/);
  });

  it('is delivered by its layer’s ApplicationSet', () => {
    expect(yamlOf('synth/edge-01/root/applicationset-edge-idp-engines.yaml')).toMatch(/name: velero\n/);
  });

  it('gets its namespace, labelled with its tier', () => {
    expect(yamlOf('synth/edge-01/layers/00-core/namespaces/resources/namespace-velero.yaml')).toContain(`edge-idp.io/tier: important`);
  });

  it('is covered by the platform policies (its namespace and tier)', () => {
    const policies = [...files].filter(([p]) => p.includes('/platform-policies/resources/')).map(([, t]) => t).join('\n');
    expect(policies).toMatch(/velero/);
  });

  it('has its facts aggregated by other components: Vault seeds its credential, Prometheus scrapes it, the gateway routes it', () => {
    const vaultFiles = [...files].filter(([p]) => p.includes('/01-services/vault/resources/')).map(([, t]) => t).join('\n');
    expect(vaultFiles).toContain("seed 'edge-idp/velero'");
    expect(yamlOf('synth/edge-01/layers/01-services/prometheus-stack/resources/servicemonitor-velero.yaml')).toContain('namespace: velero');
    expect(yamlOf('synth/edge-01/layers/03-apps/gateway/routes/httproute-ui-velero.yaml')).toContain('velero.edge.example.com');
  });

  it('is counted by the capacity plan', () => {
    const green = site.plan.outcomes[0]!.placement;
    expect(green.placements.some((p) => p.instance.pod.component === 'velero')).toBe(true);
    expect(yamlOf('synth/edge-01/README.md')).toMatch(/\| 02-engines \| velero \| important \| velero \|/);
  });

  it('is documented in the config reference, with its setting', () => {
    const ref = configReference(WITH_VELERO);
    expect(ref).toMatch(/\| `velero` \| 02-engines \| yes \| `vault` \| `schedule`: Backup schedule \(cron\)\. Default: 0 3 \* \* \*\. \| Velero backups \(fixture\)\. \|/);
  });
});
