#!/usr/bin/env bash
# Builds appset-render once per source version and prints the binary's path as
# the last line of stdout; progress goes to stderr.
#
#   bin=$(tools/appset-render/build.sh | tail -n1)
#   "$bin" synth/edge-01/root/applicationset-edge-idp-core.yaml
#
# The binary lives in ${EDGE_IDP_TOOLS_CACHE:-$HOME/.cache/edge-idp/tools}/
# appset-render-<hash>/appset-render, where <hash> covers go.mod, go.sum and
# main.go; if it is there already nothing is built. Needs Go >= 1.26.1 (or
# GOTOOLCHAIN=auto to fetch it) and the Go module proxy; the first build
# downloads and compiles Argo CD's API types and their dependencies.
set -euo pipefail

log() { printf 'appset-render build: %s\n' "$*" >&2; }

src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${EDGE_IDP_TOOLS_CACHE:-${HOME}/.cache/edge-idp/tools}

sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum
	else
		shasum -a 256
	fi
}

# Hash each file with its name, then the list, so moving bytes between files counts.
hash=$(cd "${src}" && for f in go.mod go.sum main.go; do
	printf '%s %s\n' "${f}" "$(sha256 <"${f}" | cut -d' ' -f1)"
done | sha256 | cut -c1-16)

dir=${cache_root}/appset-render-${hash}
bin=${dir}/appset-render

if [[ -x ${bin} ]]; then
	log "up to date: ${bin}"
	printf '%s\n' "${bin}"
	exit 0
fi

command -v go >/dev/null 2>&1 || {
	log "the go command is not on PATH (Go >= 1.26.1 is needed)"
	exit 1
}

mkdir -p "${dir}"
tmp=$(mktemp "${dir}/.appset-render.XXXXXX")
trap 'rm -f "${tmp}"' EXIT

log "building ${bin} with $(go version | cut -d' ' -f3-) (the first build takes minutes)"
start=${SECONDS}
(
	cd "${src}"
	CGO_ENABLED=0 GOWORK=off go build -trimpath -buildvcs=false -ldflags='-s -w' -o "${tmp}" .
) >&2
chmod 0755 "${tmp}"
mv -f "${tmp}" "${bin}"
trap - EXIT
log "built in $((SECONDS - start))s: $(du -h "${bin}" | cut -f1)"
printf '%s\n' "${bin}"
