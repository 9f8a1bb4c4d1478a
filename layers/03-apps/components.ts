import { Type } from '@sinclair/typebox';
import type { ComponentDefinition } from '../../platform/model/definition.js';
import { Backstage } from './backstage.js';
import { PlatformGateway } from './gateway.js';
import { Grafana } from './grafana.js';
import { SonarQube } from './sonarqube.js';

/** Credentials come from Vault through an ExternalSecret. */
function vaultCredentials(what: string): { component: string; why: string }[] {
  const why = `${what} come from Vault through an ExternalSecret`;
  return [
    { component: 'vault', why },
    { component: 'external-secrets', why },
  ];
}

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
    requires: vaultCredentials('its admin credentials'),
    create: (scope, p) => new Grafana(scope, 'grafana', p),
  },
  {
    name: 'sonarqube',
    layer: '03-apps',
    description: 'SonarQube Community Build (embedded H2, evaluation only). Optional.',
    defaultEnabled: false,
    requires: vaultCredentials('its monitoring passcode'),
    create: (scope, p) => new SonarQube(scope, 'sonarqube', p),
  },
  {
    name: 'backstage',
    layer: '03-apps',
    description: 'Backstage developer portal (demo image, PostgreSQL subchart). Optional.',
    defaultEnabled: false,
    requires: vaultCredentials('its database passwords'),
    create: (scope, p) => new Backstage(scope, 'backstage', p),
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
    requires: [{ component: 'cert-manager', why: 'the wildcard certificate is a cert-manager Certificate signed by the site CA' }],
    create: (scope, p) => {
      return new PlatformGateway(scope, 'gateway', {
        ...p,
        components: p.built,
        ...(typeof p.settings.address === 'string' ? { address: p.settings.address } : {}),
      });
    },
  },
];
