/**
 * A component definition: what the catalog knows about a component before the config is
 * read (its name, layer, default toggle and extra settings) plus how to build it.
 */
import type { Construct } from 'constructs';
import type { ComponentCatalogEntry } from '../config/load.js';
import type { LayerId } from './layers.js';
import type { PlatformComponent, PlatformContext } from './component.js';
import type { ComponentSettings } from '../config/schema.js';

export interface ComponentDefinition extends ComponentCatalogEntry {
  readonly layer: LayerId;
  /**
   * Built after every other component, because it is derived from them (namespaces, routes).
   * Default: false.
   */
  readonly buildLast?: boolean;
  /**
   * Builds the component. `built` holds the components created before this one (catalog
   * order), for components derived from others (namespaces, routes).
   */
  readonly create: (
    scope: Construct,
    props: { context: PlatformContext; settings: ComponentSettings; built: readonly PlatformComponent[] },
  ) => PlatformComponent;
}
