import { Type } from '@sinclair/typebox';
import { StringEnum } from '../../platform/config/schema.js';
import type { ComponentDefinition } from '../../platform/model/definition.js';
import { TIERS } from '../../platform/model/tiers.js';
import { ArgoCd } from './argocd.js';
import { ARGO_WORKFLOWS_AUTH_MODES, ArgoWorkflows, type ArgoWorkflowsAuthMode } from './argo-workflows.js';
import { Kyverno } from './kyverno.js';

/** ArgoCD, Kyverno, Argo Workflows, in build order. */
export const GITOPS_COMPONENTS: readonly ComponentDefinition[] = [
  {
    name: 'argocd',
    layer: '02-engines',
    description: 'ArgoCD: the GitOps engine, managing itself and every layer from git.',
    defaultEnabled: true,
    required: true,
    settings: {
      notifications: Type.Optional(
        Type.Boolean({ description: 'Run the ArgoCD notifications controller. Default: false.' }),
      ),
    },
    create: (scope, p) =>
      new ArgoCd(scope, 'argocd', { ...p, notifications: p.settings.notifications as boolean | undefined }),
  },
  {
    name: 'kyverno',
    layer: '02-engines',
    description: 'Kyverno policy engine (webhooks fail open and never see system, ArgoCD or core/critical namespaces).',
    defaultEnabled: true,
    settings: {
      admissionReplicas: Type.Optional(
        Type.Integer({ minimum: 1, description: 'Kyverno admission controller replicas (at most the node count). Default: 1.' }),
      ),
      serviceMonitors: Type.Optional(
        Type.Boolean({ description: 'Create ServiceMonitors for the Kyverno controllers (needs the Prometheus Operator CRDs). Default: true.' }),
      ),
    },
    create: (scope, p) =>
      new Kyverno(scope, 'kyverno', {
        ...p,
        admissionReplicas: p.settings.admissionReplicas as number | undefined,
        serviceMonitors: p.settings.serviceMonitors as boolean | undefined,
        // Namespaces of the lifeboat tiers built so far, by name (the tier label covers the rest).
        exemptNamespaces: p.built
          .filter((c) => TIERS[c.tier].lifeboat)
          .flatMap((c) => [c.targetNamespace, ...c.extraNamespaces]),
      }),
  },
  {
    name: 'argo-workflows',
    layer: '02-engines',
    description: 'Argo Workflows: workflow controller and Argo Server UI.',
    defaultEnabled: true,
    settings: {
      authMode: Type.Optional(
        StringEnum(ARGO_WORKFLOWS_AUTH_MODES, {
          description: "Argo Server auth mode: 'client' (the caller's own Kubernetes token) or 'server' (the server's service account; labs only). Default: client.",
        }),
      ),
      workflowTtlSeconds: Type.Optional(
        Type.Integer({ minimum: 60, description: 'Seconds a finished workflow is kept before deletion. Default: 86400.' }),
      ),
    },
    create: (scope, p) =>
      new ArgoWorkflows(scope, 'argo-workflows', {
        ...p,
        authMode: p.settings.authMode as ArgoWorkflowsAuthMode | undefined,
        workflowTtlSeconds: p.settings.workflowTtlSeconds as number | undefined,
      }),
  },
];
