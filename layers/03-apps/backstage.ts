import type { Construct } from 'constructs';
import { KubeConfigMap } from 'cdk8s-plus-28/lib/imports/k8s.js';
import { stringify } from 'yaml';
import { APPS_DECLARED_KEYS, APPS_FREE_FORM_PATHS } from './conformance.js';
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
import { calls, service } from '../../platform/model/network.js';
import { FORMATS, type PlatformConfig } from '../../platform/config/schema.js';
import { compareText } from '../../platform/model/order.js';
import type { SiteTenant } from '../../platform/model/tenants.js';
import { APP_FILE_TEMPLATE, type AppFileValues } from '../../platform/tenants/app-template.js';
import { APPS_DIR, AppSchema, TENANTS_DIR } from '../../platform/tenants/schema.js';

export const BACKSTAGE_CHART: ChartSource = {
  type: 'helm',
  repoURL: 'https://backstage.github.io/charts',
  chart: 'backstage',
  version: '2.8.2',
};

export const BACKSTAGE_NAMESPACE = 'backstage';

/** The chart's Service (release `backstage`, so the fullname is `backstage`). */
export const BACKSTAGE_SERVICE = { name: 'backstage', port: 7007 } as const;

/** The PostgreSQL subchart's Service (`<release>-postgresql`). */
const BACKSTAGE_DB_SERVICE = { name: 'backstage-postgresql', port: 5432 } as const;

/** Secret with the PostgreSQL passwords (keys as the chart's `auth.secretKeys` name them), from Vault. */
export const BACKSTAGE_DB_SECRET = 'backstage-postgresql';

/** A container image, pinned by tag or digest. */
export interface BackstageImage {
  readonly registry: string;
  readonly repository: string;
  /** Exact tag (never `latest`); ignored by the chart when `digest` is set. */
  readonly tag?: string;
  /** `sha256:…`; takes precedence over `tag`. */
  readonly digest?: string;
}

/**
 * The upstream demo image, pinned by the digest the chart's own CI uses
 * (`charts/backstage/ci/image-digest-values.yaml` at backstage-2.8.2): the chart default is
 * `latest`. A vanilla demo instance; real use needs an image built with the site's plugins.
 */
export const BACKSTAGE_DEMO_IMAGE: BackstageImage = {
  registry: 'ghcr.io',
  repository: 'backstage/backstage',
  digest: 'sha256:f9ffa809e2c3f351699129d57edd6e64ca9ea5a4d4dd6339fed1ec80a30bc042',
};

/**
 * The Software Template that opens the pull request `edge-idp app new` would (a new
 * `tenants/<team>/apps/<app>.yaml`): its entity and the app file template, in a ConfigMap mounted
 * into the backstage container, and registered as a catalog file location.
 */
export const BACKSTAGE_APP_TEMPLATE = {
  /** The Template entity's name. */
  name: 'edge-idp-tenant-app',
  configMap: 'backstage-edge-idp-templates',
  volume: 'edge-idp-templates',
  mountPath: '/app/edge-idp-templates',
  /** The Template entity's file. */
  entityFile: 'tenant-app.yaml',
  /** The app file template (`fetch:template:file` renders it). */
  skeletonFile: 'tenant-app.yaml.njk',
} as const;

/**
 * `host?owner=O&repo=R`, as Backstage's GitHub actions take a repository, from the site's
 * `git.repoURL` (`https://host/O/R(.git)`, `ssh://git@host/O/R(.git)`, `git@host:O/R(.git)`);
 * absent for any other shape (the template then asks for the repository).
 */
export function backstageRepoUrl(repoURL: string): string | undefined {
  const m =
    /^(?:https?|ssh):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(repoURL) ??
    /^[^@/]+@([^/:]+):([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(repoURL);
  return m ? `${m[1]}?owner=${m[2]}&repo=${m[3]}` : undefined;
}

/** What the form asks, each the template value of the same name. */
const FORM_VALUES = ['team', 'app', 'image', 'port', 'route'] as const satisfies readonly (keyof AppFileValues)[];

/**
 * The Template entity (scaffolder.backstage.io/v1beta3): a form asking for the team (one of the
 * site's teams), the app, its image, port and whether it is routed; then the app file, rendered
 * from the same template text as `edge-idp app new`'s ({@link APP_FILE_TEMPLATE}), and a pull
 * request with it (`publish:github:pull-request`: Backstage needs a GitHub integration with a
 * token that may push branches, `integrations.github` in its app-config). The form's patterns
 * come from the app file's schema, so what it accepts the loader reads as such.
 */
export function backstageAppTemplate(config: PlatformConfig, tenants: readonly SiteTenant[]): Record<string, unknown> {
  const repoUrl = backstageRepoUrl(config.git.repoURL);
  const teams = tenants.map((t) => t.name).sort(compareText);
  const dnsLabel = { type: 'string', pattern: FORMATS['dns-label'].pattern.source };
  const image = AppSchema.properties.image;
  const port = AppSchema.properties.port;
  const file = `${TENANTS_DIR}/\${{ parameters.team }}/${APPS_DIR}/\${{ parameters.app }}.yaml`;
  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: {
      name: BACKSTAGE_APP_TEMPLATE.name,
      title: 'New app of a team',
      description: `A pull request adding ${TENANTS_DIR}/<team>/${APPS_DIR}/<app>.yaml, the file \`edge-idp app new\` writes: CI comments synth, check, diff and plan on it; once merged, ArgoCD deploys the app.`,
      tags: ['edge-idp'],
    },
    spec: {
      owner: config.site.owner,
      type: 'service',
      parameters: [
        {
          title: 'The app',
          required: ['team', 'app', 'image', 'port'],
          properties: {
            team: teams.length
              ? { title: 'Team', type: 'string', enum: teams, description: `The team (${TENANTS_DIR}/<team>/tenant.yaml).` }
              : { title: 'Team', ...dnsLabel, description: `The team (${TENANTS_DIR}/<team>/tenant.yaml must exist).` },
            app: { title: 'App', ...dnsLabel, description: 'Its name: a DNS label, the name of its Deployment, Service and route.' },
            image: { title: 'Image', type: 'string', pattern: image.pattern, maxLength: image.maxLength, description: image.description },
            port: { title: 'Port', type: 'integer', minimum: port.minimum, maximum: port.maximum, description: 'The port the container serves on.' },
            route: { title: 'Route', type: 'boolean', default: false, description: "Serve it over HTTPS on the site's gateway (https://<app>.<team>.<site domain>/)." },
          },
        },
        ...(repoUrl
          ? []
          : [{ title: 'The repository', required: ['repoUrl'], properties: { repoUrl: { title: 'Repository', type: 'string', 'ui:field': 'RepoUrlPicker' } } }]),
      ],
      steps: [
        {
          id: 'app-file',
          name: 'Write the app file',
          action: 'fetch:template:file',
          input: {
            url: `./${BACKSTAGE_APP_TEMPLATE.skeletonFile}`,
            targetPath: file,
            values: Object.fromEntries(FORM_VALUES.map((k) => [k, `\${{ parameters.${k} }}`])),
          },
        },
        {
          id: 'pull-request',
          name: 'Open the pull request',
          action: 'publish:github:pull-request',
          input: {
            repoUrl: repoUrl ?? '${{ parameters.repoUrl }}',
            branchName: 'app-${{ parameters.team }}-${{ parameters.app }}',
            title: 'New app ${{ parameters.team }}/${{ parameters.app }}',
            description: `Adds ${file}, from the Backstage template ${BACKSTAGE_APP_TEMPLATE.name}. CI comments synth, check, diff and plan; once merged, the sites' ArgoCD deploys it.`,
          },
        },
      ],
      output: { links: [{ title: 'Pull request', url: "${{ steps['pull-request'].output.remoteUrl }}" }] },
    },
  };
}

export interface BackstageProps extends PlatformComponentProps {
  /** The Backstage image. Default: {@link BACKSTAGE_DEMO_IMAGE}. */
  readonly image?: BackstageImage;
  /**
   * Vault entry holding the database passwords as properties `admin-password` and
   * `user-password`. Default: `edge-idp/backstage`.
   */
  readonly databaseVaultKey?: string;
}

/**
 * Backstage developer portal: optional (off by default), application-workloads tier.
 *
 * Database: the chart's PostgreSQL subchart (Bitnami postgresql 12.10.0, image from
 * `bitnamilegacy`, as the chart sets it since Bitnami withdrew its free images — frozen, no
 * security updates: use an external PostgreSQL for anything beyond a trial). Its passwords
 * come from Vault (`auth.existingSecret`): left empty, the subchart would generate random ones
 * on every ArgoCD render, which never match the database initialised on the PVC. The PVC uses
 * the cluster's default StorageClass.
 *
 * The backstage container gets a restricted-level security context (the chart sets none, and
 * the namespace enforces `restricted`); the chart has no priorityClassName key for it, which
 * is harmless here: the workloads tier is the cluster's default PriorityClass.
 *
 * Requests are estimates, not measurements: a Node.js backend with the demo plugins idles at
 * 250–400 MiB; PostgreSQL with a small catalog at 50–100 MiB (shared_buffers 128 MiB).
 */
export class Backstage extends PlatformComponent {
  constructor(scope: Construct, props: BackstageProps) {
    const url = `https://backstage.${props.context.config.site.domain}`;
    const image = props.image ?? BACKSTAGE_DEMO_IMAGE;
    const credential = appCredential(props.definition.name, { 'admin-password': GENERATED_PASSWORD, 'user-password': GENERATED_PASSWORD });
    const dbSecret: VaultSecretProps = {
      name: BACKSTAGE_DB_SECRET,
      namespace: BACKSTAGE_NAMESPACE,
      vaultKey: props.databaseVaultKey ?? credential.vaultKey,
      keys: { 'admin-password': 'admin-password', 'user-password': 'user-password' },
    };
    const parts: PodPart[] = [
      {
        name: 'backstage',
        kind: 'Deployment',
        path: ['backstage'],
        resources: resources('50m', '384Mi', '1Gi'),
        keys: { priorityClassName: null },
        note: 'the chart has no priorityClassName key for Backstage; the workloads tier is the default PriorityClass, so its pods get it anyway.',
      },
      {
        name: 'postgresql',
        kind: 'StatefulSet',
        path: ['postgresql', 'primary'],
        resources: resources('25m', '128Mi', '512Mi'),
        keys: { replicas: null },
        note: 'Bitnami postgresql 12.10.0 subchart keys (`primary.*`); standalone architecture: one primary, no replica key.',
      },
    ];
    super(scope, props, {
      generatedCredentials: [credential],
      // What Vault lets its ExternalSecret read: exactly that entry.
      vaultRoles: vaultReaderRoles([dbSecret]),
      namespace: BACKSTAGE_NAMESPACE,
      // The namespace holds the PostgreSQL volume (the catalog).
      holdsState: true,
      source: BACKSTAGE_CHART,
      // What the chart renders (checked against helm template by `edge-idp render`).
      namespacedKinds: groupKinds('ConfigMap', 'Service', 'apps/Deployment', 'apps/StatefulSet'),
      upstreamValues: 'backstage',
      valuesAllowances: { freeForm: APPS_FREE_FORM_PATHS.backstage, undeclared: APPS_DECLARED_KEYS.backstage },
      parts,
      // The demo image offers guest sign-in only: no login the platform can vouch for.
      ui: [{ subdomain: 'backstage', service: BACKSTAGE_SERVICE.name, port: BACKSTAGE_SERVICE.port, login: 'none' }],
      network: {
        pods: {
          backstage: { labels: { 'app.kubernetes.io/name': 'backstage', 'app.kubernetes.io/instance': props.definition.name, 'app.kubernetes.io/component': 'backstage' } },
          postgresql: { labels: { 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/instance': props.definition.name, 'app.kubernetes.io/component': 'primary' } },
        },
        services: {
          [BACKSTAGE_SERVICE.name]: { pods: 'backstage', ports: [BACKSTAGE_SERVICE.port] },
          [BACKSTAGE_DB_SERVICE.name]: { pods: 'postgresql', ports: [BACKSTAGE_DB_SERVICE.port] },
        },
        flows: [calls('backstage', service(BACKSTAGE_DB_SERVICE), 'its catalog database')],
        openEgress: "its integrations read catalogs and call SCM hosts (GitHub, GitLab…) wherever its app-config points",
      },
      values: {
        backstage: {
          image: {
            registry: image.registry,
            repository: image.repository,
            ...(image.tag ? { tag: image.tag } : {}),
            ...(image.digest ? { digest: image.digest } : {}),
          },
          podSecurityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containerSecurityContext: {
            allowPrivilegeEscalation: false,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          extraVolumes: [{ name: BACKSTAGE_APP_TEMPLATE.volume, configMap: { name: BACKSTAGE_APP_TEMPLATE.configMap } }],
          extraVolumeMounts: [{ name: BACKSTAGE_APP_TEMPLATE.volume, mountPath: BACKSTAGE_APP_TEMPLATE.mountPath, readOnly: true }],
          appConfig: {
            app: { baseUrl: url },
            catalog: {
              locations: [{ type: 'file', target: `${BACKSTAGE_APP_TEMPLATE.mountPath}/${BACKSTAGE_APP_TEMPLATE.entityFile}`, rules: [{ allow: ['Template'] }] }],
            },
            backend: {
              baseUrl: url,
              cors: { origin: url },
              database: {
                client: 'pg',
                connection: {
                  host: '${POSTGRES_HOST}',
                  port: '${POSTGRES_PORT}',
                  user: '${POSTGRES_USER}',
                  password: '${POSTGRES_PASSWORD}',
                },
              },
            },
          },
        },
        postgresql: {
          enabled: true,
          auth: { existingSecret: BACKSTAGE_DB_SECRET },
          primary: {
            containerSecurityContext: {
              enabled: true,
              runAsUser: 1001,
              runAsNonRoot: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            },
          },
        },
      },
    });
    vaultExternalSecret(this, 'db-secret', dbSecret);
    new KubeConfigMap(this, 'app-template', {
      metadata: { name: BACKSTAGE_APP_TEMPLATE.configMap, namespace: BACKSTAGE_NAMESPACE },
      data: {
        [BACKSTAGE_APP_TEMPLATE.entityFile]: stringify(backstageAppTemplate(props.context.config, props.context.tenants), { lineWidth: 0 }),
        [BACKSTAGE_APP_TEMPLATE.skeletonFile]: APP_FILE_TEMPLATE,
      },
    });
  }
}

export const backstage = defineComponent({
  file: import.meta.url,
  name: 'backstage',
  layer: '03-apps',
  tier: 'workloads',
  description: 'Backstage developer portal (demo image, PostgreSQL subchart). Optional.',
  defaultEnabled: false,
  requires: vaultCredentialsRequire('its database passwords'),
  build: (scope, ctx) => new Backstage(scope, ctx),
});
