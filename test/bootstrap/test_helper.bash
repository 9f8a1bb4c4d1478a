# Shared setup for test/bootstrap/*.bats.
#
# Every test gets its own copy of the repository layout bootstrap.sh expects (bootstrap.sh +
# the synth/ fixture, and bin/ for the edge-idp CLI) and a PATH made of the kubectl/helm/npm stubs plus symlinks to the few
# system tools bootstrap.sh needs (node among them), so a real kubectl, helm or npm on the machine can never be
# reached, and "helm missing" is simply the stub not being there.

TEST_ROOT="$(cd "${BATS_TEST_DIRNAME}" && pwd)"
PROJECT_ROOT="$(cd "${TEST_ROOT}/../.." && pwd)"

load "${PROJECT_ROOT}/node_modules/bats-support/load"
load "${PROJECT_ROOT}/node_modules/bats-assert/load"

# Tools bootstrap.sh and the stubs use (besides bash builtins).
SYSTEM_TOOLS=(bash env cat sed grep tr cut sort tee mktemp rm mv mkdir touch sleep base64 dirname awk cp node)

setup_sandbox() {
  REPO="${BATS_TEST_TMPDIR}/repo"
  STUB_BIN="${BATS_TEST_TMPDIR}/stubs"
  SYS_BIN="${BATS_TEST_TMPDIR}/sysbin"
  mkdir -p "${REPO}" "${STUB_BIN}" "${SYS_BIN}"
  cp "${PROJECT_ROOT}/bootstrap.sh" "${REPO}/bootstrap.sh"
  chmod +x "${REPO}/bootstrap.sh"
  cp -R "${TEST_ROOT}/fixtures/synth" "${REPO}/synth"
  # The edge-idp CLI bootstrap.sh delegates its decisions to (node resolves the link: the
  # project's own bundle and node_modules are used).
  ln -s "${PROJECT_ROOT}/bin" "${REPO}/bin"
  local stub tool path
  for stub in kubectl helm npm git; do
    cp "${TEST_ROOT}/stubs/${stub}" "${STUB_BIN}/${stub}"
    chmod +x "${STUB_BIN}/${stub}"
  done
  for tool in "${SYSTEM_TOOLS[@]}"; do
    path=$(command -v "${tool}") || continue
    ln -s "${path}" "${SYS_BIN}/${tool}"
  done

  export STUB_LOG="${BATS_TEST_TMPDIR}/calls.log"
  export STUB_STATE_DIR="${BATS_TEST_TMPDIR}/cluster"
  export STUB_NODES_FILE="${TEST_ROOT}/fixtures/nodes/three-nodes.json"
  : >"${STUB_LOG}"
  mkdir -p "${STUB_STATE_DIR}"
  export EDGE_IDP_POLL_SECONDS=0
  export TMPDIR="${BATS_TEST_TMPDIR}"
  unset EDGE_IDP_KUBECTL EDGE_IDP_HELM STUB_UNREACHABLE STUB_CILIUM_NEVER_READY STUB_APPS \
    STUB_FAIL_APPLY STUB_SYNTH_STALE STUB_HELM_FAIL STUB_HELM_VERSION STUB_KUBECTL_VERSION \
    STUB_SERVER_VERSION STUB_GIT_FAIL EDGE_IDP_CHARTS_DIR EDGE_IDP_GATEWAY_API_CRDS EDGE_IDP_GIT_USERNAME \
    EDGE_IDP_GIT_PASSWORD EDGE_IDP_GIT_SSH_KEY
}

# A cluster where bootstrap already ran to completion.
converged_cluster() {
  touch "${STUB_STATE_DIR}"/{basics,gateway,cilium,argocd,ns-argocd,ns-cilium-secrets,root}
}

# Runs bootstrap.sh from the sandbox repo, non-interactively (stdin is not a terminal).
run_bootstrap() {
  run env PATH="${STUB_BIN}:${SYS_BIN}" "${REPO}/bootstrap.sh" "$@" </dev/null
}

remove_stub() { rm -f "${STUB_BIN}/$1"; }

# The kubectl/helm calls that change the cluster.
mutating_calls() {
  grep -E '^kubectl( --context [^ ]+)? (apply|create|patch|label|taint|annotate|delete|replace|edit|scale|set|cordon|uncordon|drain|rollout (restart|undo|pause|resume))( |$)|^helm (install|upgrade|uninstall|rollback)( |$)' "${STUB_LOG}" || true
}

# Line number of the first call matching an extended regex (fails when there is none).
call_line() {
  local n
  n=$(grep -nE "$1" "${STUB_LOG}" | sed -n '1s/:.*//p')
  if [[ -z "${n}" ]]; then
    printf 'no call matching /%s/ in:\n' "$1" >&2
    cat "${STUB_LOG}" >&2
    return 1
  fi
  printf '%s\n' "${n}"
}

# assert_calls_in_order REGEX...: each first match comes after the previous one.
assert_calls_in_order() {
  local prev=0 n re
  for re in "$@"; do
    n=$(call_line "${re}") || return 1
    if ((n <= prev)); then
      printf 'call /%s/ (line %s) is not after the previous one (line %s):\n' "${re}" "${n}" "${prev}" >&2
      cat -n "${STUB_LOG}" >&2
      return 1
    fi
    prev=${n}
  done
}
