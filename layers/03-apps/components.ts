import { Type } from '@sinclair/typebox';
import { ConfigError } from '../../platform/config/errors.js';
import type { PlatformComponent, PlatformContext } from '../../platform/model/component.js';
import type { ComponentDefinition } from '../../platform/model/definition.js';
import { Backstage } from './backstage.js';
import { PlatformGateway } from './gateway.js';
import { Grafana } from './grafana.js';
import { SonarQube } from './sonarqube.js';

/**
 * Fails with a config error naming the toggle when a component this one needs is off (it
 * would sync objects whose CRD or backing service does not exist, and stay broken).
 */
function requireEnabled(
  p: { context: PlatformContext; built: readonly PlatformComponent[] },
  name: string,
  needs: readonly string[],
  why: string,
): void {
  const missing = needs.filter((n) => !p.built.some((c) => c.componentName === n));
  if (missing.length === 0) return;
  throw new ConfigError(p.context.configFile, [
    {
      path: `components.${name}.enabled`,
      message: `${name} needs ${missing.map((m) => `components.${m}`).join(' and ')} enabled (${why}); enable ${missing.length > 1 ? 'them' : 'it'} or set components.${name}.enabled: false`,
    },
  ]);
}

const VAULT_CREDENTIALS = ['vault', 'external-secrets'] as const;

/**
 * Layer 03-apps, in build order. The gateway comes last and is built in catalog order, not
 * with `buildLast`: it routes to the components built before it (every other enabled one),
 * and the namespaces component, itself `buildLast` and earlier in the catalog, must still see
 * the gateway's namespace (a second `buildLast` component is built after it and so missing
 * from the namespaces it creates).
 */
export const APPS_COMPONENTS: readonly ComponentDefinition[] = [
  {
    name: 'grafana',
    layer: '03-apps',
    description: 'Grafana (standalone chart) with Prometheus and Loki datasources; admin credentials from Vault.',
    defaultEnabled: true,
    create: (scope, p) => {
      requireEnabled(p, 'grafana', VAULT_CREDENTIALS, 'its admin credentials come from Vault through an ExternalSecret');
      return new Grafana(scope, 'grafana', p);
    },
  },
  {
    name: 'sonarqube',
    layer: '03-apps',
    description: 'SonarQube Community Build (embedded H2, evaluation only). Optional.',
    defaultEnabled: false,
    create: (scope, p) => {
      requireEnabled(p, 'sonarqube', VAULT_CREDENTIALS, 'its monitoring passcode comes from Vault through an ExternalSecret');
      return new SonarQube(scope, 'sonarqube', p);
    },
  },
  {
    name: 'backstage',
    layer: '03-apps',
    description: 'Backstage developer portal (demo image, PostgreSQL subchart). Optional.',
    defaultEnabled: false,
    create: (scope, p) => {
      requireEnabled(p, 'backstage', VAULT_CREDENTIALS, 'its database passwords come from Vault through an ExternalSecret');
      return new Backstage(scope, 'backstage', p);
    },
  },
  {
    name: 'gateway',
    layer: '03-apps',
    description: 'The site Gateway: wildcard TLS on *.<domain>, HTTP→HTTPS redirect, one route per enabled UI.',
    defaultEnabled: true,
    settings: {
      address: Type.Optional(
        Type.String({
          format: 'host',
          pattern: '^(\\d{1,3}\\.){3}\\d{1,3}$',
          description: 'Fixed IPv4 address for the Gateway (from a Cilium LB IPAM pool). Default: LB IPAM picks one.',
        }),
      ),
    },
    create: (scope, p) => {
      requireEnabled(p, 'gateway', ['cert-manager'], 'the wildcard certificate is a cert-manager Certificate signed by the site CA');
      return new PlatformGateway(scope, 'gateway', {
        ...p,
        components: p.built,
        ...(typeof p.settings.address === 'string' ? { address: p.settings.address } : {}),
      });
    },
  },
];
