import type { ComponentDefinition } from '../../platform/model/definition.js';
import { ExternalSecrets } from './external-secrets.js';

/** External Secrets (with the Vault ClusterSecretStore), in build order. */
export const SECRETS_COMPONENTS: readonly ComponentDefinition[] = [
  {
    name: 'external-secrets',
    layer: '02-engines',
    description: 'External Secrets Operator and the Vault ClusterSecretStore (when Vault is enabled).',
    defaultEnabled: true,
    create: (scope, p) =>
      new ExternalSecrets(scope, 'external-secrets', {
        ...p,
        // The store logs in to Vault: without Vault there is nothing to point it at.
        vaultStore: p.context.config.components.vault?.enabled ?? false,
      }),
  },
];
