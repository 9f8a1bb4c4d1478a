/**
 * What the "every key exists upstream" check needs to know about the layer-03 charts beyond
 * their values.yaml and values.schema.json. Every entry says why; each is a key the chart's
 * templates really read (checked in the chart sources at the pinned version).
 */
import type { FreeFormPath, ValuesKeyOptions } from '../../platform/conformance/values-keys.js';
import { schemaDeclaresPath } from '../../platform/conformance/values-keys.js';

/**
 * Keys a chart documents only as a comment in values.yaml (so they are absent from the parsed
 * defaults) or that belong to a subchart whose values.yaml is not in the upstream data. A path
 * allows itself and everything under it.
 */
export interface DeclaredKey {
  readonly path: readonly string[];
  readonly why: string;
}

export const APPS_DECLARED_KEYS = {
  grafana: [{ path: ['priorityClassName'], why: 'commented out in values.yaml ("# priorityClassName:"), read by templates/_pod.tpl' }],
  sonarqube: [
    { path: ['priorityClassName'], why: 'commented out in values.yaml, read by templates/_pod.tpl' },
    { path: ['monitoringPasscodeSecretName'], why: 'commented out in values.yaml, read by templates/_pod.tpl and validation.yaml' },
    { path: ['monitoringPasscodeSecretKey'], why: 'commented out in values.yaml, read by templates/_pod.tpl and validation.yaml' },
  ],
  backstage: [
    {
      path: ['postgresql', 'primary'],
      why: 'values of the Bitnami postgresql 12.10.0 subchart (primary.{priorityClassName,tolerations,resources,containerSecurityContext}); the backstage values.yaml only lists the keys it overrides',
    },
  ],
} satisfies Readonly<Record<string, readonly DeclaredKey[]>>;

/** Maps the chart passes through verbatim (their inner keys are not the chart's). */
export const APPS_FREE_FORM_PATHS = {
  grafana: [
    { path: ['datasources'], why: 'each entry is written verbatim as a provisioning file (datasources.yaml)' },
    { path: ['envValueFrom'], why: 'each key is an environment variable name, its value an EnvVarSource, copied into the container verbatim' },
    { path: ['grafana.ini'], why: 'rendered key by key into grafana.ini' },
  ],
  backstage: [{ path: ['backstage', 'appConfig'], why: 'rendered verbatim into the app-config ConfigMap' }],
} satisfies Readonly<Record<string, readonly FreeFormPath[]>>;

function isUnder(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => p === path[i]);
}

/** The options of `unknownValueKeys` for one layer-03 chart. */
export function appsValuesKeyOptions(upstreamName: string, schema: Record<string, unknown> | undefined): ValuesKeyOptions {
  const declared: readonly DeclaredKey[] = (APPS_DECLARED_KEYS as Record<string, readonly DeclaredKey[]>)[upstreamName] ?? [];
  return {
    freeFormPaths: (APPS_FREE_FORM_PATHS as Record<string, readonly FreeFormPath[]>)[upstreamName] ?? [],
    schemaDeclares: (p) => schemaDeclaresPath(schema, p) || declared.some((d) => isUnder(p, d.path)),
  };
}
