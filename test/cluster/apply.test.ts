/**
 * Every object in synth/ through the real API server (issue "A real Kubernetes control plane in
 * CI", item 2). The upstream CRDs are installed first, then every object the root and each
 * Application would apply is applied server-side under ArgoCD's field manager, in ArgoCD's order
 * (root waves, then each Application's resources by sync wave, hooks last, kinds in ArgoCD's
 * kind order). The API server is the oracle: CEL rules in CRDs, immutable and defaulted fields,
 * missing namespaces, RBAC escalation checks. With EDGE_IDP_CHARTS_DIR, every object every chart
 * renders with our values goes through it too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncOrder, waveOf } from '../../platform/argocd/ordering.js';
import { ROOT_NAME } from '../../platform/argocd/constants.js';
import { isClusterScoped } from '../../platform/model/kinds.js';
import { compareText } from '../../platform/model/order.js';
import { renderSite } from '../../platform/render/site.js';
import { parseRenderedYaml } from '../../platform/render/render.js';
import { buildTestSite } from '../helpers/site.js';
import { buildAllEnabled } from '../helpers/all-enabled.js';
import { startCluster, type TestCluster } from './harness.js';
import { bootstrapEnv, realChartsDir, REPO_ROOT, requireUpstream, SITE_DIR, siteNodes, summary } from './common.js';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** Templated files in a chart's crds/ folder (rare) are skipped: only plain manifests count. */
function parseRenderedYamlSafe(text: string): Obj[] {
  try {
    return parseRenderedYaml(text) as unknown as Obj[];
  } catch {
    return [];
  }
}

/** ArgoCD's apply order of kinds within a wave (gitops-engine's kind order); others come last. */
const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount',
  'Secret', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole',
  'ClusterRoleBinding', 'Role', 'RoleBinding', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment',
  'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
];
const kindRank = (k: string) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);
const isHook = (o: Obj) => !!o.metadata.annotations?.['argocd.argoproj.io/hook'] || !!o.metadata.annotations?.['helm.sh/hook'];
/** ArgoCD's order: sync wave, hooks after the sync phase, then kind, then name. */
const argoOrder = (a: Obj, b: Obj) =>
  waveOf(a) - waveOf(b) || Number(isHook(a)) - Number(isHook(b)) || kindRank(a.kind) - kindRank(b.kind) || compareText(a.metadata.name, b.metadata.name);

const readObjects = (dir: string): Obj[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Obj))
    .filter((o) => !!o?.kind);

/**
 * The extracts are made strict for offline validators (`additionalProperties: false` beside
 * `properties`), which a structural CRD schema forbids: drop that, so the API server prunes
 * unknown fields as Cilium's own CRDs do.
 */
function structural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(structural);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) out[k] = structural(v);
  if ('properties' in out && out.additionalProperties === false) delete out.additionalProperties;
  return out;
}

/**
 * CRDs for the Cilium kinds the platform creates, from the upstream openAPIV3Schema extracts
 * (Cilium's CRD YAML is not in the upstream data; its operator registers them at run time).
 */
function ciliumCrds(upstream: string, kinds: readonly string[]): Obj[] {
  const dir = join(upstream, 'crds', 'cilium.io');
  return readdirSync(dir)
    .map((f) => /^([a-z0-9]+)_(v[0-9a-z]+)\.schema\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => !!m)
    .flatMap(([file, lower, version]) => {
      const kind = kinds.find((k) => k.toLowerCase() === lower);
      if (!kind) return [];
      const plural = lower!.endsWith('y') ? `${lower!.slice(0, -1)}ies` : `${lower}s`;
      return [
        {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: `${plural}.cilium.io` },
          spec: {
            group: 'cilium.io',
            scope: isClusterScoped(kind) ? 'Cluster' : 'Namespaced',
            names: { kind, plural, singular: lower, listKind: `${kind}List` },
            versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: structural(JSON.parse(readFileSync(join(dir, file!), 'utf8'))) } }],
          },
        } as Obj,
      ];
    });
}

describe('every object in synth/ through the real API server', () => {
  const upstream = requireUpstream();
  const env = bootstrapEnv();
  let cluster: TestCluster;
  const accepted: string[] = [];
  const rejected: { object: string; message: string }[] = [];
  const lines: string[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ nodes: siteNodes() });
  });
  afterAll(async () => {
    summary('every object through the real API server', lines);
    await cluster?.stop();
  });

  /** Server-side apply of one object, as ArgoCD with ServerSideApply; records the verdict. */
  async function apply(o: Obj, namespace?: string): Promise<void> {
    const ns = o.metadata.namespace ?? (isClusterScoped(o.kind) ? undefined : namespace);
    const id = `${o.kind}/${ns ? `${ns}/` : ''}${o.metadata.name}`;
    const args = ['apply', '--server-side', `--field-manager=${env.ARGOCD_FIELD_MANAGER}`, '--force-conflicts', ...(ns ? ['-n', ns] : []), '-f', '-'];
    // JSON: what the object is, with no YAML 1.1/1.2 ambiguity ("no", 0400) on the way to kubectl.
    const r = await cluster.kubectl(args, { input: JSON.stringify(o) });
    if (r.code === 0) accepted.push(id);
    else rejected.push({ object: id, message: r.stderr.trim().split('\n')[0]! });
  }

  it('installs the upstream CRDs the platform uses', async () => {
    const crdFiles = readdirSync(join(upstream, 'crds'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(upstream, 'crds', f));
    const build = await buildTestSite();
    const ciliumKinds = build.components.flatMap((c) => c.providesApis).filter((a) => a.startsWith('cilium.io/')).map((a) => a.split('/')[2]!);
    const crds = [...crdFiles.flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as Obj)), ...ciliumCrds(upstream, ciliumKinds)];
    for (const crd of crds) {
      const r = await cluster.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(crd) });
      expect(r.code, `${crd.metadata.name}: ${r.stderr}`).toBe(0);
    }
    await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=120s', 'crd', '--all'], { check: true });
    lines.push(`CRDs installed: ${crds.length} (upstream data, Cilium's from its schema extracts)`);
  });

  it('accepts every object of the root and of every Application, in ArgoCD order', async () => {
    // What bootstrap applies before ArgoCD exists.
    for (const f of [...env.PRIORITY_CLASSES!.split(' '), ...env.BOOTSTRAP_NAMESPACES!.split(' ')]) {
      await apply(parse(readFileSync(join(REPO_ROOT, f), 'utf8')) as Obj);
    }
    const root = readObjects(join(SITE_DIR, 'root'));
    for (const o of [...root].sort(argoOrder)) await apply(o, env.ARGOCD_NAMESPACE);
    // Then each Application in the root's order, with its own objects in ArgoCD's order.
    for (const app of syncOrder(root, ROOT_NAME).applications) {
      for (const source of app.sources) {
        const path = source.path as string | undefined;
        if (!path?.startsWith('synth/')) continue;
        for (const o of readObjects(join(REPO_ROOT, path)).sort(argoOrder)) await apply(o, app.namespace);
      }
    }
    lines.push(`synth/ objects: ${accepted.length} accepted, ${rejected.length} rejected`);
    for (const r of rejected) lines.push(`REJECTED ${r.object}: ${r.message}`);
    expect(rejected).toEqual([]);
    expect(accepted.length).toBeGreaterThan(50);
  });

  it('keeps every network policy rule as written: no field pruned, the default-deny `{}` entries included', async () => {
    const written = readdirSync(SITE_DIR, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => parse(readFileSync(join(SITE_DIR, f), 'utf8')) as Obj & { specs?: unknown })
      .filter((o) => o?.kind === 'CiliumNetworkPolicy');
    expect(written.length).toBeGreaterThan(5);
    const r = await cluster.kubectl(['get', 'ciliumnetworkpolicies', '--all-namespaces', '-o', 'json'], { check: true });
    const stored = new Map(
      (JSON.parse(r.stdout) as { items: (Obj & { specs?: unknown })[] }).items.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o.specs]),
    );
    for (const o of written) expect(stored.get(`${o.metadata.namespace}/${o.metadata.name}`), `${o.metadata.namespace}/${o.metadata.name}`).toEqual(o.specs);
    lines.push(`network policies read back unchanged: ${written.length}`);
  });

  it('with EDGE_IDP_CHARTS_DIR: accepts every object every chart renders with our values', async () => {
    const charts = realChartsDir();
    if (!charts) {
      lines.push('charts: not rendered (set EDGE_IDP_CHARTS_DIR to the unpacked upstream charts to apply their objects too)');
      return;
    }
    // The charts' own CRDs first (their crds/ folders, subcharts included), as with --include-crds.
    const crdDirs = readdirSync(charts, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)crds$/.test(f));
    let chartCrds = 0;
    for (const d of crdDirs) {
      for (const f of readdirSync(join(charts, d)).filter((x) => /\.ya?ml$/.test(x))) {
        for (const o of parseRenderedYamlSafe(readFileSync(join(charts, d, f), 'utf8'))) {
          if (o.kind !== 'CustomResourceDefinition') continue;
          const r = await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: JSON.stringify(o) });
          if (r.code !== 0) rejected.push({ object: `CustomResourceDefinition/${o.metadata.name} (${d})`, message: r.stderr.trim().split('\n')[0]! });
          chartCrds++;
        }
      }
    }
    await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=120s', 'crd', '--all'], { check: true });
    lines.push(`chart CRDs installed: ${chartCrds} (from ${crdDirs.length} crds/ folders)`);
    const build = await buildTestSite();
    const results = await renderSite(build, { chartsDir: charts });
    const failedRenders = results.filter((r) => r.error).map((r) => `${r.component.componentName}: ${r.error!.message.split('\n')[0]}`);
    const before = rejected.length;
    let count = 0;
    for (const r of results.filter((x) => x.objects)) {
      const objs = (r.objects as unknown as Obj[]).filter((o) => !isHook(o) || o.kind !== 'Pod');
      // CRDs first (as ArgoCD's kind order does), then the rest.
      for (const o of [...objs].sort(argoOrder)) {
        count++;
        await apply(o, r.component.targetNamespace);
      }
    }
    lines.push(`chart objects: ${count} applied, ${rejected.length - before} rejected; renders failed: ${failedRenders.length ? failedRenders.join('; ') : 'none'}`);
    expect(failedRenders).toEqual([]);
    expect(rejected.slice(before)).toEqual([]);
  });

  it("Vault's identities, as the real RBAC decides: the bootstrap's exact command deletes the root token and nothing else", async () => {
    const job = readObjects(join(SITE_DIR, 'layers', '01-services', 'vault', 'resources')).find((o) => o.kind === 'Job' && o.metadata.name === 'vault-bootstrap')!;
    const [kubectlContainer] = (job as Record<string, any>).spec.template.spec.containers;
    const unseal = kubectlContainer.args[2] as string;
    const as = (sa: string) => `--as=system:serviceaccount:vault:${sa}`;
    await cluster.kubectl(['create', 'secret', 'generic', unseal, '-n', 'vault', '--from-literal=vault-root=hvs.root', '--from-literal=vault-unseal-0=key'], { check: true });
    await cluster.kubectl(['create', 'secret', 'generic', 'another', '-n', 'vault', '--from-literal=a=b'], { check: true });
    // The Job's exact command, as its ServiceAccount: twice (the second sync finds nothing to remove).
    for (let i = 0; i < 2; i++) {
      const r = await cluster.kubectl([as('vault-bootstrap'), ...kubectlContainer.args]);
      expect(r.code, r.stderr).toBe(0);
    }
    const keys = Object.keys(JSON.parse((await cluster.kubectl(['get', 'secret', unseal, '-n', 'vault', '-o', 'json'], { check: true })).stdout).data).sort();
    expect(keys).toEqual(['vault-unseal-0']);
    const denied = async (args: string[]) => {
      const r = await cluster.kubectl(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/forbidden/i);
    };
    await denied([as('vault-bootstrap'), 'get', 'secret', 'another', '-n', 'vault']);
    await denied([as('vault-bootstrap'), 'patch', 'secret', 'another', '-n', 'vault', '--type=merge', '-p', '{"data":{"a":null}}']);
    await denied([as('vault-bootstrap'), 'delete', 'secret', unseal, '-n', 'vault']);
    // The configurer and the seeder hold no Kubernetes permission on Secrets at all.
    for (const sa of ['vault-configurer', 'vault-seeder']) {
      const r = await cluster.kubectl(['auth', 'can-i', 'get', 'secrets', '-n', 'vault', as(sa)]);
      expect(r.stdout.trim(), sa).toBe('no');
    }
    lines.push('vault RBAC: the bootstrap deleted vault-root and nothing else; other Secrets and delete forbidden; configurer and seeder cannot read Secrets');
    if (realChartsDir()) {
      // External Secrets' controller (its chart's ClusterRole) can mint each store's reader token.
      const r = await cluster.kubectl(['create', 'token', 'vault-reader-grafana', '-n', 'external-secrets', '--audience', 'vault', '--as=system:serviceaccount:external-secrets:external-secrets']);
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('with single sign-on (the bundled Dex, every component on): accepts every object of the site, the SSO ones included', async () => {
    // Not in synth/ (the committed config has no sso): built in memory, applied in the same
    // order (namespaces first, then the root, then each component's objects in ArgoCD's order).
    const build = await buildAllEnabled();
    const before = rejected.length;
    const acceptedBefore = accepted.length;
    const namespaces = (build.resources.get('namespaces') ?? []) as unknown as Obj[];
    for (const o of namespaces) await apply(o);
    for (const o of [...(build.rootObjects as unknown as Obj[])].sort(argoOrder)) await apply(o, env.ARGOCD_NAMESPACE);
    const sso = ['sso', 'vault-oidc'];
    let ssoObjects = 0;
    for (const c of build.components.filter((x) => x.componentName !== 'namespaces')) {
      for (const o of [...((build.resources.get(c.componentName) ?? []) as unknown as Obj[])].sort(argoOrder)) {
        if (sso.includes(c.componentName)) ssoObjects++;
        // A hook Job the first pass created is deleted before it is created again, as ArgoCD's
        // BeforeHookCreation policy does (a Job's pod template is immutable).
        if (isHook(o)) {
          const ns = o.metadata.namespace ?? c.targetNamespace;
          await cluster.kubectl(['delete', o.kind, o.metadata.name, '-n', ns, '--ignore-not-found', '--wait=true'], { check: true });
        }
        await apply(o, c.targetNamespace);
      }
    }
    lines.push(`sso site (in memory): ${accepted.length - acceptedBefore} accepted (${ssoObjects} of the sso components), ${rejected.length - before} rejected`);
    for (const r of rejected.slice(before)) lines.push(`REJECTED ${r.object}: ${r.message}`);
    expect(ssoObjects).toBeGreaterThan(5);
    expect(rejected.slice(before)).toEqual([]);
  });
});
