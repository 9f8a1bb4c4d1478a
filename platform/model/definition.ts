/**
 * A component definition: everything the platform knows about a component, stated once in the
 * component's own file with {@link defineComponent}: who it is (name, layer, tier,
 * description), how the config turns it on, its typed settings (a TypeBox schema, so the config
 * schema, the reference docs and the `build` function's types come from one place) and how to
 * build it. Layers list their definitions in their `index.ts`; the CLI hands the catalog in
 * (see `catalog.ts`).
 */
import type { Static, TObject, TProperties } from '@sinclair/typebox';
import type { Construct } from 'constructs';
import type { ComponentCatalogEntry } from '../config/load.js';
import type { ConfigProblem } from '../config/errors.js';
import type { ComponentIdentity, PlatformComponent, PlatformContext } from './component.js';

/** A component's settings after the schema: its own typed keys, plus `enabled` and `version`. */
export type SettingsOf<S extends TProperties> = Static<TObject<S>> & { readonly enabled: boolean; readonly version?: string };

/** What `build` receives: the context, the component's own identity and its typed settings. */
export interface BuildContext<S extends TProperties = TProperties> {
  readonly context: PlatformContext;
  readonly definition: ComponentIdentity;
  readonly settings: SettingsOf<S>;
  /**
   * Whether another component is enabled in this config: known before anything is built, so
   * reading it cannot depend on build order. Use it for optional integrations (a ServiceMonitor
   * when the CRDs will exist); derive anything from other components' facts in phase 2
   * (`PlatformComponent.aggregate`) instead.
   */
  readonly enabled: (component: string) => boolean;
}

export interface ComponentDefinitionInput<S extends TProperties> extends ComponentIdentity, Omit<ComponentCatalogEntry, 'check' | 'settings'> {
  /** The defining module (`import.meta.url`): named in catalog errors. */
  readonly file: string;
  /** Extra settings beyond `enabled` and `version` (each `Type.Optional`, its default said in its description). Default: none. */
  readonly settings?: S;
  /**
   * Problems of the component's own settings that the schema cannot express (a retention larger
   * than the volume), each with the path under `components.<name>` and the fix. Runs after the
   * schema passed. Default: none.
   */
  readonly check?: (settings: Partial<Static<TObject<S>>>) => readonly ConfigProblem[];
  /**
   * Whether the site gives the component anything to do, decided from the context alone (the
   * tenants component: a site no team runs on has no tenant objects). An enabled component that
   * is not present is built as if disabled. Default: always present.
   */
  readonly present?: (context: PlatformContext) => boolean;
  /** Phase 1: builds the component from its own settings. */
  readonly build: (scope: Construct, ctx: BuildContext<S>) => PlatformComponent;
}

/** A definition as the catalog holds it (its settings type erased; the schema still checks them). */
export interface ComponentDefinition extends ComponentDefinitionInput<TProperties> {
  readonly [DEFINITION]: true;
}

const DEFINITION: unique symbol = Symbol.for('edge-idp.component-definition');

/**
 * Defines a component. The settings schema types `build`'s settings, so no setting is cast;
 * the config schema is generated from the same object, so what `build` reads was validated.
 */
export function defineComponent<S extends TProperties = Record<never, never>>(def: ComponentDefinitionInput<S>): ComponentDefinition {
  // The one widening: `build` and `check` get exactly the settings the schema built from `def.settings` accepted.
  return Object.freeze({ ...(def as unknown as ComponentDefinitionInput<TProperties>), [DEFINITION]: true as const });
}

export function isComponentDefinition(value: unknown): value is ComponentDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEFINITION] === true;
}
