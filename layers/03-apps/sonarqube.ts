import type { Construct } from 'constructs';
import { APPS_DECLARED_KEYS } from './conformance.js';
import {
  PlatformComponent,
  resources,
  type ChartSource,
  type PlatformComponentProps,
  type PodPart,
} from '../../platform/model/component.js';
import { vaultCredentialsRequire, vaultExternalSecret, vaultReaderRoles, type VaultSecretProps } from './app-credentials.js';
import { appCredential, GENERATED_PASSWORD } from '../01-services/vault.js';
import { defineComponent } from '../../platform/model/definition.js';
import { groupKinds } from '../../platform/model/kinds.js';

export const SONARQUBE_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://SonarSource.github.io/helm-chart-sonarqube',
  chart: 'sonarqube',
  version: '2026.4.0',
};

export const SONARQUBE_NAMESPACE = 'sonarqube';

/** The chart names its Service `<release>-sonarqube`; the release is the component name. */
export const SONARQUBE_SERVICE = { name: 'sonarqube-sonarqube', port: 9000 } as const;

/** Secret with the monitoring passcode the chart's probes need, created by External Secrets. */
export const SONARQUBE_PASSCODE_SECRET = 'sonarqube-monitoring-passcode';
const PASSCODE_KEY = 'passcode';

export interface SonarQubeProps extends PlatformComponentProps {
  /**
   * Vault entry holding the monitoring passcode as property `monitoring-passcode`.
   * Default: `edge-idp/sonarqube`.
   */
  readonly passcodeVaultKey?: string;
}

/**
 * SonarQube Community Build: optional (off by default), application-workloads tier.
 *
 * Database: none configured, so SonarQube runs its embedded H2 database, in an emptyDir (the
 * chart's default without persistence). That is for evaluation only: SonarQube does not
 * support H2 in production and everything is lost when the pod moves. For real use, point
 * `jdbcOverwrite` at a PostgreSQL (password from an existing Secret) and enable persistence.
 *
 * Pod Security: the chart's `init-sysctl` container (privileged, root) raises
 * `vm.max_map_count` for the embedded Elasticsearch; it is turned off, so the namespace stays
 * at the restricted level, and Elasticsearch's bootstrap checks are disabled instead
 * (`elasticsearch.bootstrapChecks: false`, which the chart applies through its
 * `concat-properties` init container). On nodes with `vm.max_map_count` ≥ 262144 the checks
 * could stay on.
 *
 * The monitoring passcode the probes use is a required chart value; it comes from Vault
 * (never from values in git, where the chart would render it into a Secret).
 *
 * No ServiceMonitor: the chart only offers a PodMonitor for its JMX exporter, which downloads
 * the agent from Maven Central at pod start (not something an edge site should depend on).
 *
 * Requests are estimates, not measurements: three JVMs (web, compute engine, embedded
 * Elasticsearch) idle around 1.5–2 GiB together with their default 512 MiB heaps; the chart's
 * own defaults (400m/2 GB requests, 6 GB limit) size a busy server.
 */
export class SonarQube extends PlatformComponent {
  constructor(scope: Construct, props: SonarQubeProps) {
    const credential = appCredential(props.definition.name, { 'monitoring-passcode': GENERATED_PASSWORD });
    const passcodeSecret: VaultSecretProps = {
      name: SONARQUBE_PASSCODE_SECRET,
      namespace: SONARQUBE_NAMESPACE,
      vaultKey: props.passcodeVaultKey ?? credential.vaultKey,
      keys: { [PASSCODE_KEY]: 'monitoring-passcode' },
    };
    const parts: PodPart[] = [
      {
        name: 'sonarqube',
        kind: 'StatefulSet',
        path: [],
        resources: resources('200m', '2Gi', '4Gi'),
        keys: { replicas: ['replicaCount'] },
        extraContainers: [
          {
            name: 'concat-properties',
            init: true,
            resourcesKey: ['initContainers', 'resources'],
            resources: resources('10m', '32Mi', '64Mi'),
          },
        ],
        note: '`priorityClassName` is documented (commented out) in values.yaml and read by _pod.tpl; `initContainers.resources` serves every init container the chart adds.',
      },
    ];
    super(scope, props, {
      generatedCredentials: [credential],
      // What Vault lets its ExternalSecret read: exactly that entry.
      vaultRoles: vaultReaderRoles([passcodeSecret]),
      namespace: SONARQUBE_NAMESPACE,
      // The namespace holds SonarQube's database volume.
      holdsState: true,
      source: SONARQUBE_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('ConfigMap', 'Secret', 'Service', 'apps/StatefulSet'),
      upstreamValues: 'sonarqube',
      valuesAllowances: { undeclared: APPS_DECLARED_KEYS.sonarqube },
      parts,
      // Its own login (local accounts; the first login as admin/admin must change the password).
      ui: [{ subdomain: 'sonarqube', service: SONARQUBE_SERVICE.name, port: SONARQUBE_SERVICE.port, login: 'local' }],
      // It calls nothing: egress is DNS only (no update centre, no marketplace at the edge).
      network: {
        pods: { sonarqube: { labels: { app: 'sonarqube', release: props.definition.name } } },
        services: { [SONARQUBE_SERVICE.name]: { pods: 'sonarqube', ports: [SONARQUBE_SERVICE.port] } },
      },
      values: {
        community: { enabled: true },
        initSysctl: { enabled: false },
        elasticsearch: { bootstrapChecks: false },
        monitoringPasscodeSecretName: SONARQUBE_PASSCODE_SECRET,
        monitoringPasscodeSecretKey: PASSCODE_KEY,
        tests: { enabled: false },
      },
    });
    vaultExternalSecret(this, 'monitoring-passcode', passcodeSecret);
  }
}

export const sonarqube = defineComponent({
  file: import.meta.url,
  name: 'sonarqube',
  layer: '03-apps',
  tier: 'workloads',
  description: 'SonarQube Community Build (embedded H2, evaluation only). Optional.',
  defaultEnabled: false,
  requires: vaultCredentialsRequire('its monitoring passcode'),
  build: (scope, ctx) => new SonarQube(scope, ctx),
});
