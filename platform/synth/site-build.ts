/** What building one site gives (shared by the builder and what reads its result). */
import type { PlatformConfig } from '../config/schema.js';
import type { PlatformComponent } from '../model/component.js';
import type { ComponentDelivery } from '../argocd/root.js';
import type { CapacityPlan } from '../planner/index.js';
import type { SiteTenant } from '../model/tenants.js';

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

export interface SiteBuild {
  readonly config: PlatformConfig;
  /** The teams that run on the site, with their apps there. */
  readonly tenants: readonly SiteTenant[];
  readonly components: readonly PlatformComponent[];
  readonly deliveries: readonly ComponentDelivery[];
  /** Objects under root/, in emission order. */
  readonly rootObjects: readonly KubeObject[];
  /** Extra resources per component name. */
  readonly resources: ReadonlyMap<string, readonly KubeObject[]>;
  /** Repository-relative path → file content. */
  readonly files: ReadonlyMap<string, string>;
  /** The capacity plan over the failure scenarios. */
  readonly plan: CapacityPlan;
  /** Set when the site had no inventory and the image list came from another site's (a rename). */
  readonly inventoryCarriedFrom?: string;
}
