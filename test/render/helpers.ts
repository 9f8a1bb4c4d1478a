/**
 * Shared setup of the render tests: the real helm binary (or a loud failure on CI / a clear
 * skip elsewhere), fixture paths, and components built with the real component model so the
 * checks read the same keyPaths that synth writes values to.
 */
import { App } from 'cdk8s';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import type { ComponentSettings, PlatformConfig } from '../../platform/config/schema.js';
import { PlatformComponent, type ComponentDeclaration } from '../../platform/model/component.js';
import type { LayerId } from '../../platform/model/layers.js';
import type { TierName } from '../../platform/model/tiers.js';
import { findHelm, type HelmBinary } from '../../platform/render/helm.js';

/** Directory of the hand-written fixture charts. */
export const CHARTS = fileURLToPath(new URL('../fixtures/charts/', import.meta.url));

/** Kubernetes version the fixtures are rendered for. */
export const KUBE_VERSION = '1.31.0';

const onCI = !!process.env.CI && process.env.CI !== 'false';

/** The helm to test with, or the reason there is none. */
export const helmLookup: { helm: HelmBinary } | { error: Error } = await findHelm().then(
  (helm) => ({ helm }),
  (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
);

/**
 * `describe` for suites that need the real helm. Without helm: on CI (CI set) one failing test
 * carries the HelmNotFoundError, so a missing install step cannot pass unnoticed; elsewhere the
 * suite is skipped under a name that says why and how to fix it.
 */
export function describeWithHelm(name: string, body: (helm: HelmBinary) => void): void {
  if ('helm' in helmLookup) {
    const { helm } = helmLookup;
    describe(name, () => body(helm));
    return;
  }
  const { error } = helmLookup;
  if (onCI) {
    describe(name, () => {
      it('needs helm (CI is set, so a missing helm is a failure)', () => {
        throw error;
      });
    });
    return;
  }
  const why = error.message.split('\n')[0]!.replace(/\.$/, '');
  // The default reporter shows a skipped file without its test names: say it where it is seen.
  console.warn(`[render tests] '${name}' skipped: ${why}. Run 'bash scripts/install-helm.sh' (CI=true makes this a failure).`);
  describe.skip(`${name} [skipped: ${why}; run 'bash scripts/install-helm.sh']`, () => {
    it('needs helm', () => undefined);
  });
}

/** A component declared with the real model: parts resolve to tier settings and keyPaths. */
export function makeComponent(
  id: string,
  decl: Pick<ComponentDeclaration, 'namespace' | 'parts'> & Partial<ComponentDeclaration> & { tier: TierName; layer?: LayerId },
): PlatformComponent {
  // Only podSecurity is read by the constructor; the rest of the config does not matter here.
  const config = { podSecurity: { defaultLevel: 'baseline' } } as unknown as PlatformConfig;
  const settings: ComponentSettings = { enabled: true };
  const { tier, layer = '01-services', ...rest } = decl;
  const definition = { name: id, layer, tier, description: `render test component ${id}` };
  return new PlatformComponent(new App(), { context: { config, configFile: 'platform.yaml', tenants: [] }, definition, settings }, rest);
}
