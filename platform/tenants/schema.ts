/**
 * The two files a team writes: `tenants/<team>/tenant.yaml` (who the team is, where it runs,
 * what it may use) and `tenants/<team>/apps/<app>.yaml` (one app: an image and, only where it
 * needs them, everything else). One TypeBox definition each gives the JSON Schema ajv checks,
 * the TypeScript types and the generated reference (README "Teams and apps", `npm run docs`);
 * every optional key says its default in its description. What a schema cannot say (names equal
 * to file names, pinned images, placement, hostnames, quotas) the loader checks (`load.ts`).
 */
import { Type, type Static } from '@sinclair/typebox';

/** The folder of the tenants (`tenants/<team>/`). */
export const TENANTS_DIR = 'tenants';
/** A tenant's own file, in its folder. */
export const TENANT_FILE = 'tenant.yaml';
/** The folder of a tenant's apps (`tenants/<team>/apps/<app>.yaml`). */
export const APPS_DIR = 'apps';

const fmt = (format: string, description: string, extra: Record<string, unknown> = {}) => Type.String({ format, description, ...extra });

/** A group or user name of the identity provider, as its tokens carry it (a valid RBAC subject name). */
const Subject = (description: string) => Type.String({ minLength: 1, maxLength: 253, pattern: '^[^\\s,]+$', description });

/** Stands for the site's domain in a hostname (`*.payments.{site}`). */
export const SITE_DOMAIN_PLACEHOLDER = '{site}';

const LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
/** A DNS name of at least two labels, or labels followed by `{site}` (or `{site}` alone). */
const NAME = `(${LABEL}\\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?|(${LABEL}\\.)*${SITE_DOMAIN_PLACEHOLDER.replace(/[{}]/g, '\\$&')}`;

/**
 * A hostname pattern: a DNS name, optionally starting with one `*.` wildcard label, and
 * optionally ending in `{site}` (the site's domain), e.g. `*.payments.{site}` or `shop.example.com`.
 */
export const HOSTNAME_PATTERN = `^(\\*\\.)?(${NAME})$`;

/** A route's host: a hostname (`{site}` allowed as in {@link HOSTNAME_PATTERN}), or one label. */
export const ROUTE_HOST_PATTERN = `^(${NAME}|${LABEL})$`;

export const TenantQuotaSchema = Type.Object(
  {
    cpu: fmt('cpu-quantity', "CPU every pod of the team may request in total, on each site it runs on (ResourceQuota `requests.cpu`)."),
    memory: fmt(
      'memory-quantity',
      'Memory every pod of the team may request in total, on each site (ResourceQuota `requests.memory` and `limits.memory`: app containers get a memory limit equal to their request).',
    ),
    pods: Type.Integer({ minimum: 1, maximum: 1000, description: 'Pods the team may run at once, on each site (ResourceQuota `pods`; a scheduled app counts one, finished Job pods do not count).' }),
    storage: Type.Optional(
      fmt('memory-quantity', 'Persistent volume storage the team may claim in total, on each site (ResourceQuota `requests.storage`). Default: `0` (no volumes).'),
    ),
  },
  { additionalProperties: false, description: "What the team may use on each site it runs on: the capacity plan reserves all of it for the team." },
);

export const TenantSchema = Type.Object(
  {
    name: fmt(
      'dns-label',
      "The team's name: its folder's name, its namespace on every site, and its AppProject (`tenant-<name>`). It may not be a platform namespace nor one of Kubernetes' (`default`, `kube-*`).",
    ),
    description: Type.Optional(Type.String({ maxLength: 200, description: 'One line about the team, shown in `edge-idp apps` and the AppProject. Default: none.' })),
    owners: Type.Object(
      {
        groups: Type.Optional(
          Type.Array(Subject('A group of the identity provider (its `groups` claim).'), {
            uniqueItems: true,
            description:
              "Groups whose members own the team: they get the team's `tenant-owner` Role in its namespace (read its objects and logs, port-forward, delete pods to restart them; no Secrets, no writes: changes go through git) and the `owners` role of its AppProject in ArgoCD (read and sync its apps, read their logs). Default: none.",
          }),
        ),
        users: Type.Optional(
          Type.Array(Subject('A user name of the identity provider, as the API server sees it.'), {
            uniqueItems: true,
            description: 'Users who own the team: the same `tenant-owner` Role in its namespace (ArgoCD access goes through groups). Default: none.',
          }),
        ),
      },
      { additionalProperties: false, description: 'Who owns the team: at least one group or user.' },
    ),
    runsOn: Type.Optional(
      Type.Object(
        {
          groups: Type.Optional(Type.Array(fmt('dns-label', 'A group of fleet.yaml.'), { uniqueItems: true, description: 'Sites in these groups of fleet.yaml. Default: none.' })),
          sites: Type.Optional(Type.Array(fmt('dns-label', 'A site name.'), { uniqueItems: true, description: 'These sites, by name. Default: none.' })),
        },
        {
          additionalProperties: false,
          description: 'Where the team runs: the sites of the listed groups and the listed sites. Default: every site of the repository.',
        },
      ),
    ),
    quota: TenantQuotaSchema,
    hostnames: Type.Optional(
      Type.Array(Type.String({ pattern: HOSTNAME_PATTERN, maxLength: 253, description: 'A hostname, or a wildcard `*.<domain>` (the `*` stands for exactly one label); `{site}` may end it.' }), {
        minItems: 1,
        uniqueItems: true,
        description:
          "Hostnames the team's routes may serve on a site; `{site}` stands for the site's domain. Never the platform's: at least two labels below a site's domain (`*.<domain>` and `<ui>.<domain>` are the platform's), or outside it; no two teams' may overlap. Default: `*.<name>.{site}` (e.g. `*.payments.store-001.example.com`).",
      }),
    ),
  },
  { additionalProperties: false, title: 'edge-idp tenants/<team>/tenant.yaml' },
);

export const AppSecretSchema = Type.Object(
  {
    key: Type.String({
      pattern: '^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?(/[a-z0-9]([-a-z0-9_.]*[a-z0-9])?)*$',
      maxLength: 200,
      description: "The Vault entry, relative to the team's folder: `db` reads `tenants/<team>/db` of the platform's KV mount.",
    }),
    property: Type.String({ pattern: '^[A-Za-z0-9_.-]+$', maxLength: 200, description: 'The property of that entry.' }),
  },
  { additionalProperties: false },
);

export const AppRouteSchema = Type.Object(
  {
    host: Type.Optional(
      Type.String({
        pattern: ROUTE_HOST_PATTERN,
        maxLength: 253,
        description:
          "The hostname (one of the team's `hostnames` must cover it; `{site}` may end it), or one label placed in the team's first wildcard hostname (`web` → `web.<team>.<site domain>`). Default: the app's name as that label.",
      }),
    ),
    path: Type.Optional(Type.String({ pattern: '^/[A-Za-z0-9._~%!$&\'()*+,;=:@/-]*$', maxLength: 1024, description: 'Path prefix routed to the app. Default: `/`.' })),
  },
  { additionalProperties: false },
);

export const AppSchema = Type.Object(
  {
    name: fmt('dns-label', "The app's name: its file's name, and the name of its Deployment (or CronJob), Service and route."),
    image: Type.String({
      minLength: 3,
      maxLength: 512,
      // A lower-case name (registry, port, path), then a tag (letters of either case, digits, `_.-`)
      // and/or a digest (its syntax is the loader's to check: it says what is wrong with it).
      pattern: '^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@[A-Za-z0-9+._:=-]*)?$',
      description: 'The container image, pinned: a tag other than `latest` (`registry/app:1.4.2`), or a digest (`registry/app@sha256:…`).',
    }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'The port the container serves on: the Service, the route and the default probe use it. Default: none (an app with a `schedule` serves nothing); required for any other app.' })),
    replicas: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 20,
        description: 'Pods of the app: with more than one, a PodDisruptionBudget keeps all but one up and the pods spread over the workers; an app with a volume runs one. Default: `1`.',
      }),
    ),
    cpu: Type.Optional(fmt('cpu-quantity', 'CPU each pod requests (no CPU limit: bursts use idle cores). Default: `100m`.')),
    memory: Type.Optional(fmt('memory-quantity', 'Memory each pod requests, and its memory limit. Default: `128Mi`.')),
    env: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String({ maxLength: 4096 }), {
        additionalProperties: false,
        description: 'Environment variables (plain values; credentials go in `secrets`). Default: none.',
      }),
    ),
    secrets: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), AppSecretSchema, {
        additionalProperties: false,
        description:
          "Environment variables read from Vault: an ExternalSecret makes a Secret of them in the team's namespace, through a store that can read only the team's entries. Default: none.",
      }),
    ),
    route: Type.Optional(
      Type.Union([Type.Boolean(), AppRouteSchema], {
        description: "Serve the app on the site's gateway over HTTPS (`true`, or a host and path): an HTTPRoute, TLS from the team's wildcard certificate. Default: not routed.",
      }),
    ),
    probe: Type.Optional(
      Type.Object(
        { path: Type.String({ pattern: '^/[A-Za-z0-9._~%!$&\'()*+,;=:@/-]*$', maxLength: 1024, description: 'HTTP path answering 200 when the app is ready.' }) },
        { additionalProperties: false, description: 'Readiness and liveness probe: an HTTP GET of `path` on the port. Default: a TCP connection to the port.' },
      ),
    ),
    metrics: Type.Optional(
      Type.Object(
        {
          path: Type.Optional(Type.String({ pattern: '^/[A-Za-z0-9._~%!$&\'()*+,;=:@/-]*$', maxLength: 1024, description: 'The path Prometheus scrapes. Default: `/metrics`.' })),
          port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: "The port Prometheus scrapes. Default: the app's port." })),
        },
        { additionalProperties: false, description: "Prometheus scrapes the app (a ServiceMonitor). Default: not scraped." },
      ),
    ),
    volume: Type.Optional(
      Type.Object(
        {
          size: fmt('memory-quantity', 'Size of the volume (counted against the team\'s `quota.storage`).'),
          mountPath: Type.String({ pattern: '^/[A-Za-z0-9._/-]*$', maxLength: 1024, description: 'Where the container sees it.' }),
        },
        {
          additionalProperties: false,
          description: "A persistent volume (a PersistentVolumeClaim of the site's storage class, ReadWriteOnce): the app then runs one replica and is replaced, not rolled. Default: none.",
        },
      ),
    ),
    schedule: Type.Optional(
      Type.String({
        pattern: '^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\\S+\\s+){4}\\S+)$',
        description: 'Run as a CronJob on this cron schedule (UTC) instead of a Deployment (one run at a time): no port, route, replicas, volume, probe or metrics. Default: none (a Deployment).',
      }),
    ),
    command: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { description: "The container's arguments (`args`), replacing the image's command arguments. Default: the image's." })),
    sites: Type.Optional(
      Type.Array(fmt('dns-label', 'A site name.'), {
        uniqueItems: true,
        minItems: 1,
        description: 'Only these sites, each one the team runs on. Default: every site the team runs on.',
      }),
    ),
  },
  { additionalProperties: false, title: 'edge-idp tenants/<team>/apps/<app>.yaml' },
);

export type TenantFile = Static<typeof TenantSchema>;
export type AppFile = Static<typeof AppSchema>;
