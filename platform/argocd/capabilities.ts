/**
 * The API versions ArgoCD's chart renders see once the platform runs: ArgoCD's own plus every
 * API an enabled component installs. Bootstrap renders Cilium and ArgoCD with exactly this list
 * (bootstrap.env `HELM_API_VERSIONS`) and `edge-idp render` renders every chart with it, so the
 * objects bootstrap applies are the objects ArgoCD later renders and adopts.
 */
import { helmApiVersions } from '../model/api-versions.js';
import { ARGOCD_APIS } from './constants.js';

export function platformApiVersions(components: readonly { readonly providesApis: readonly string[] }[]): string[] {
  return helmApiVersions([...ARGOCD_APIS, ...components.flatMap((c) => c.providesApis)]);
}
