/**
 * Tenants as a site sees them: the teams that run on it and their apps, resolved (defaults
 * applied, placement decided, hostnames expanded for this site's domain). The loader
 * (`platform/tenants/load.ts`) makes them from `tenants/<team>/…`; the tenants component, the
 * root (projects, the tenant ApplicationSet), the capacity planner and the CLI read them.
 */
import type { Chart } from 'cdk8s';
import type { TierName } from './tiers.js';

/** The team's quota on one site, as Kubernetes quantities (defaults applied). */
export interface TenantQuota {
  readonly cpu: string;
  readonly memory: string;
  readonly pods: number;
  /** `0` when the team claims no volumes. */
  readonly storage: string;
}

/** A Vault entry an app reads, relative to the team's folder. */
export interface TenantSecretRef {
  /** `db` → `tenants/<team>/db` under the KV mount. */
  readonly key: string;
  readonly property: string;
}

/** An app on one site, every default resolved. */
export interface TenantApp {
  readonly name: string;
  readonly team: string;
  /** `tenants/<team>/apps/<app>.yaml`, repository-relative: named in messages. */
  readonly file: string;
  readonly image: string;
  /** Absent only for a scheduled app. */
  readonly port?: number;
  /** 1 for a scheduled app or an app with a volume. */
  readonly replicas: number;
  readonly cpu: string;
  readonly memory: string;
  readonly env: Readonly<Record<string, string>>;
  /** Env var → Vault entry; sorted by env var. */
  readonly secrets: Readonly<Record<string, TenantSecretRef>>;
  /** Absent: not routed. */
  readonly route?: { readonly host: string; readonly path: string };
  /** Absent: a TCP probe on the port (none for a scheduled app). */
  readonly probePath?: string;
  readonly metrics?: { readonly path: string; readonly port: number };
  readonly volume?: { readonly size: string; readonly mountPath: string };
  /** Cron schedule: a CronJob instead of a Deployment. */
  readonly schedule?: string;
  readonly command?: readonly string[];
}

/** A team on one site, with the apps it runs there. */
export interface SiteTenant {
  readonly name: string;
  /** `tenants/<team>/tenant.yaml`, repository-relative. */
  readonly file: string;
  readonly description?: string;
  /** Its namespace on the site (its name). */
  readonly namespace: string;
  readonly owners: { readonly groups: readonly string[]; readonly users: readonly string[] };
  readonly quota: TenantQuota;
  /** Hostnames its routes may serve on this site, `{site}` expanded; sorted. */
  readonly hostnames: readonly string[];
  /** Its apps placed on this site, sorted by name. */
  readonly apps: readonly TenantApp[];
}

/** The tier of every team's pods: the workloads tier never preempts and stays off the control plane. */
export const TENANT_TIER = 'workloads' as const satisfies TierName;

/** The name of the component that builds the teams' objects (`layers/04-tenants/tenants.ts`): a config key and a contract. */
export const TENANTS_COMPONENT = 'tenants';

/** The AppProject of a team (`tenant-<team>`). */
export function tenantProject(team: string): string {
  return `tenant-${team}`;
}

/**
 * The Application of one app of a team (`tenant-<team>-<app>`), in the team's project. The
 * loader keeps it within 63 characters (it is a label value too).
 */
export function tenantApplication(team: string, app: string): string {
  return `tenant-${team}-${app}`;
}

/**
 * One app's objects as the tenants component publishes them: a cdk8s Chart of its own (a child
 * of the component's, so phase-2 aggregators such as External Secrets' see its objects, but
 * outside the component's own resources). Synth writes it to `tenantAppDir`; the root gives it
 * an Application in the team's project.
 */
export interface TenantAppDelivery {
  readonly team: string;
  readonly app: string;
  /** The team's namespace: the Application's destination. */
  readonly namespace: string;
  readonly chart: Chart;
}

