/**
 * The made-up site the committed policy files and their fixtures are rendered for, and builders
 * for fixture objects. A fixture starts from a *hardened* object that passes every check, and
 * changes the one thing it is about, so each failing fixture fails for exactly one reason.
 *
 * The policies a real site deploys are rendered by synth from that site's options; the files
 * under `policies/<policy>/` are the reference rendering `kyverno test policies/` runs.
 */
import type { ICronJob, IJob } from 'kubernetes-models/batch/v1';
import type { IDaemonSet, IDeployment, IStatefulSet } from 'kubernetes-models/apps/v1';
import type { IContainer, INamespace, IPod, IPodSpec, IPodTemplateSpec, ISecurityContext } from 'kubernetes-models/v1';
import { ARGOCD_NAMESPACE } from '../platform/argocd/constants.js';
import { LABELS, PLATFORM_NAME } from '../platform/model/labels.js';
import { SYSTEM_NAMESPACES } from '../platform/model/namespaces.js';
import { TIERS, type TierName } from '../platform/model/tiers.js';
import type { CheckName, PolicyName } from './checks.js';
import type { PlatformNamespace, PlatformPolicyOptions } from './options.js';

/** Any Kubernetes object a fixture may hold. */
export type KubeObject = {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
};

/** An object Kyverno should produce (typed loosely so that `kubernetes-models` interfaces fit). */
export interface ExpectedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}

/** A Kyverno CLI result a fixture expects from one rule. */
export interface ExpectedRuleResult {
  readonly rule: string;
  readonly result: 'pass' | 'fail' | 'skip';
  /** For a mutate rule: the object as Kyverno should leave it. */
  readonly patched?: ExpectedObject;
  /** For a generate rule: the object Kyverno should create. */
  readonly generated?: ExpectedObject;
}

/**
 * One fixture resource, written to `policies/<policy>/fixtures/<file>.yaml`. The prefix of `file`
 * says whether the object meets the policy's intent (`pass-`), does not (`fail-`), or is out of
 * scope or exempt (`skip-`); `kyverno` and `violations` say exactly what each tool reports.
 */
export interface PolicyFixture {
  readonly file: `${'pass' | 'fail' | 'skip'}-${string}`;
  /** One line, written as a comment at the top of the file. */
  readonly about: string;
  readonly object: KubeObject;
  readonly kyverno: readonly ExpectedRuleResult[];
  /** Checks `checkAgainstPolicies` reports for the object on the fixture site. */
  readonly violations: readonly CheckName[];
  /** Checks it reports as violated but exempted. Default: none. */
  readonly exempted?: readonly CheckName[];
}

export interface PolicyFixtureSet {
  readonly policy: PolicyName;
  /** The TypeScript module the set is defined in (named in the generated files' headers). */
  readonly source: string;
  readonly fixtures: readonly PolicyFixture[];
}

/** Owner and environment labels of the fixture site's namespaces. */
const FIXTURE_SITE = { owner: 'platform-team', environment: 'lab' } as const;

/** The fixture site's platform namespaces, by role. */
export const FIXTURE_NAMESPACES = {
  argocd: { name: ARGOCD_NAMESPACE, tier: 'critical' },
  kyverno: { name: 'kyverno', tier: 'important' },
  monitoring: { name: 'monitoring', tier: 'critical' },
  tenant: { name: 'team-a', tier: 'workloads' },
} as const satisfies Record<string, PlatformNamespace>;

/** The options the committed policy files are rendered with. */
export const FIXTURE_POLICY_OPTIONS: PlatformPolicyOptions = {
  systemNamespaces: SYSTEM_NAMESPACES,
  platformNamespaces: Object.values(FIXTURE_NAMESPACES),
  recoveryNamespaces: [FIXTURE_NAMESPACES.argocd.name, FIXTURE_NAMESPACES.kyverno.name],
  exemptions: [
    {
      check: 'pinned-images',
      kind: 'Deployment',
      namespace: FIXTURE_NAMESPACES.monitoring.name,
      name: 'legacy-exporter',
      reason: 'Fixture: the vendor publishes this exporter only as :latest; pin it once they tag releases.',
    },
    {
      check: 'namespace-labels',
      kind: 'Namespace',
      name: 'sandbox',
      reason: 'Fixture: a scratch namespace an operator creates by hand on site; deleted after each visit.',
    },
  ],
};

/** Labels of a namespace of the fixture site: the required ones, plus `extra`. */
export function fixtureNamespaceLabels(tier: TierName, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    [LABELS.partOf]: PLATFORM_NAME,
    [LABELS.owner]: FIXTURE_SITE.owner,
    [LABELS.environment]: FIXTURE_SITE.environment,
    [LABELS.tier]: tier,
    ...extra,
  };
}

export function fixtureNamespace(name: string, labels: Readonly<Record<string, string>>): INamespace & KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels } } };
}

function tierOfFixtureNamespace(namespace: string): TierName {
  const ns = Object.values(FIXTURE_NAMESPACES).find((n) => n.name === namespace);
  if (!ns) throw new Error(`'${namespace}' is not a namespace of the fixture site`);
  return ns.tier;
}

/** A pinned image, distinct per container so a report names the right one. */
export const fixtureImage = (name: string): string => `ghcr.io/example/${name}:1.4.2`;

/** What the Pod Security Standard "restricted" asks of every container. */
function restrictedContainerSecurity(): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A container that passes every check; `serving` adds the readiness probe serving workloads need. */
export function hardenedContainer(name: string, opts: { readonly serving?: boolean } = {}): IContainer {
  return {
    name,
    image: fixtureImage(name),
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    ...(opts.serving === false ? {} : { readinessProbe: { httpGet: { path: '/healthz', port: 8080 } } }),
    securityContext: restrictedContainerSecurity(),
  };
}

/**
 * A pod spec that passes every check in `namespace` of the fixture site: the tier's class, its
 * own ServiceAccount, restricted security context, and `containers` (default: one serving one).
 */
export function hardenedPodSpec(namespace: string, overrides: Partial<IPodSpec> = {}): IPodSpec {
  return {
    priorityClassName: TIERS[tierOfFixtureNamespace(namespace)].priorityClassName,
    serviceAccountName: 'app',
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [hardenedContainer('app')],
    ...overrides,
  };
}

/** Label the fixture workloads select their pods by. */
const SELECTOR_LABEL = 'app.kubernetes.io/name';

export type FixtureWorkloadKind = 'Pod' | 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob';

/** A workload of `kind` running `podSpec` (batch kinds get `restartPolicy: Never`). */
export function fixtureWorkload(kind: FixtureWorkloadKind, namespace: string, name: string, podSpec: IPodSpec): KubeObject {
  const metadata = { name, namespace };
  const selector = { matchLabels: { [SELECTOR_LABEL]: name } };
  const template: IPodTemplateSpec = { metadata: { labels: { [SELECTOR_LABEL]: name } }, spec: podSpec };
  const batchTemplate: IPodTemplateSpec = { ...template, spec: { ...podSpec, restartPolicy: 'Never' } };
  switch (kind) {
    case 'Pod':
      return { apiVersion: 'v1', kind, metadata: { ...metadata, labels: { [SELECTOR_LABEL]: name } }, spec: podSpec } satisfies IPod;
    case 'Deployment':
      return { apiVersion: 'apps/v1', kind, metadata, spec: { replicas: 1, selector, template } } satisfies IDeployment;
    case 'StatefulSet':
      return { apiVersion: 'apps/v1', kind, metadata, spec: { serviceName: name, replicas: 1, selector, template } } satisfies IStatefulSet;
    case 'DaemonSet':
      return { apiVersion: 'apps/v1', kind, metadata, spec: { selector, template } } satisfies IDaemonSet;
    case 'Job':
      return { apiVersion: 'batch/v1', kind, metadata, spec: { template: batchTemplate } } satisfies IJob;
    case 'CronJob':
      return {
        apiVersion: 'batch/v1',
        kind,
        metadata,
        spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: batchTemplate } } },
      } satisfies ICronJob;
  }
}

/** `kind` as a Kyverno CLI result names it, and the resource reference (`namespace/name` or `name`). */
export function resourceRef(object: KubeObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
}
