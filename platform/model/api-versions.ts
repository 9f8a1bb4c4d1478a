/**
 * What Helm's `.Capabilities.APIVersions` holds on a cluster that runs the platform. ArgoCD
 * renders every chart with the live cluster's API versions; bootstrap and `edge-idp render`
 * render with this list, so that charts which gate objects on a CRD being served (Cilium's
 * GatewayClass, ArgoCD's ServiceMonitors) render the same objects everywhere.
 */

/**
 * The `--api-versions` arguments for `helm template`: every `group/version/Kind` given, plus its
 * `group/version` (discovery lists both forms, and charts test either), sorted and unique.
 */
export function helmApiVersions(apis: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const api of apis) {
    const parts = api.split('/');
    if (parts.length !== 3 || parts.some((p) => p === '')) {
      throw new Error(`'${api}' is not an API as group/version/Kind (e.g. monitoring.coreos.com/v1/ServiceMonitor)`);
    }
    out.add(api);
    out.add(`${parts[0]}/${parts[1]}`);
  }
  return [...out].sort();
}
