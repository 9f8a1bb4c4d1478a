#!/usr/bin/env bats
# Preflight of bootstrap.sh: options, site, tools, synth/ check, cluster, nodes, Secrets' encryption.
# Each failure class has its own exit code (see ./bootstrap.sh --help).

setup() {
  load test_helper
  setup_sandbox
}

@test "--help documents options and the exit-code table, and calls nothing" {
  run_bootstrap --help
  assert_success
  assert_output --partial "Usage: ./bootstrap.sh [--context NAME] [--site NAME] [--dry-run] [--timeout DURATION]"
  assert_output --partial "Exit codes:"
  for code in 0 1 2 3 4 5 6 7 8 9 10 11 12; do
    assert_line --regexp "^  ${code} +[a-z]"
  done
  assert_output --partial "How a converged cluster is detected"
  [ ! -s "${STUB_LOG}" ]
}

@test "an unknown option is a usage error (exit 2)" {
  run_bootstrap --frobnicate
  assert_failure 2
  assert_output --partial "unknown argument '--frobnicate'"
  [ ! -s "${STUB_LOG}" ]
}

@test "an invalid --timeout is a usage error (exit 2); 30m, 900s, 1h, 1h30m are accepted" {
  for bad in 10x 0s -5m m 1.5h ""; do
    run_bootstrap --dry-run --timeout="${bad}"
    assert_failure 2
    assert_output --partial "invalid --timeout"
  done
  for good in 30m 900s 1h 1h30m 120; do
    run_bootstrap --dry-run --timeout "${good}"
    assert_success
  done
  run_bootstrap --dry-run --timeout 1h30m
  assert_output --partial "what is left of 5400s"
}

@test "the site defaults to the only one; several sites need --site (exit 2)" {
  cp -R "${REPO}/synth/edge-lab" "${REPO}/synth/edge-lab-2"
  run_bootstrap --dry-run
  assert_failure 2
  assert_output --partial "several sites under synth/ (edge-lab edge-lab-2): choose one with --site NAME"

  run_bootstrap --dry-run --site edge-lab
  assert_success
  assert_output --partial "site edge-lab (synth/edge-lab/bootstrap/bootstrap.env)"

  run_bootstrap --dry-run --site nowhere
  assert_failure 2
  assert_output --partial "no synth/nowhere/bootstrap/bootstrap.env for site 'nowhere'"
}

@test "no synth/ at all: run npm run synth first (exit 2)" {
  rm -rf "${REPO}/synth"
  run_bootstrap --dry-run
  assert_failure 2
  assert_output --partial "run 'npm run synth' first"
}

@test "an incomplete bootstrap.env names the missing keys (exit 2)" {
  sed -i '/^CILIUM_VERSION=/d; /^URLS=/d' "${REPO}/synth/edge-lab/bootstrap/bootstrap.env"
  run_bootstrap
  assert_failure 2
  assert_output --partial "synth/edge-lab/bootstrap/bootstrap.env lacks CILIUM_VERSION URLS"
  [ ! -s "${STUB_LOG}" ]
}

@test "bootstrap.env is parsed, never executed" {
  printf "EVIL=\$(touch %s/pwned)\n" "${BATS_TEST_TMPDIR}" >>"${REPO}/synth/edge-lab/bootstrap/bootstrap.env"
  run_bootstrap --dry-run
  assert_failure 2
  assert_output --partial "the value of EVIL must be single-quoted"
  [ ! -e "${BATS_TEST_TMPDIR}/pwned" ]
}

@test "a file named by bootstrap.env must exist (exit 2)" {
  rm "${REPO}/synth/edge-lab/layers/00-core/cilium/values.yaml"
  run_bootstrap --dry-run
  assert_failure 2
  assert_output --partial "CILIUM_VALUES='synth/edge-lab/layers/00-core/cilium/values.yaml' does not exist"
}

@test "helm missing: exit 3, before any cluster call" {
  remove_stub helm
  run_bootstrap
  assert_failure 3
  assert_output --partial "helm not found (need >= 3.12)"
  run grep -cE '^kubectl (get|apply|create|label|taint|wait|rollout)' "${STUB_LOG}"
  assert_output 0
}

@test "kubectl missing: exit 3" {
  remove_stub kubectl
  run_bootstrap
  assert_failure 3
  assert_output --partial "kubectl not found (need >= 1.28)"
}

@test "kubectl older than 1.28: exit 3" {
  export STUB_KUBECTL_VERSION=v1.27.9
  run_bootstrap
  assert_failure 3
  assert_output --partial "kubectl v1.27.9 at ${STUB_BIN}/kubectl is too old: need >= 1.28"
}

@test "helm older than 3.12: exit 3; helm 4 is fine" {
  export STUB_HELM_VERSION=v3.11.3
  run_bootstrap
  assert_failure 3
  assert_output --partial "helm v3.11.3 at ${STUB_BIN}/helm is too old: need >= 3.12"

  export STUB_HELM_VERSION=v4.0.1
  converged_cluster
  run_bootstrap
  assert_success
}

@test "EDGE_IDP_HELM points at a helm that is not on PATH" {
  mkdir -p "${BATS_TEST_TMPDIR}/elsewhere"
  mv "${STUB_BIN}/helm" "${BATS_TEST_TMPDIR}/elsewhere/helm"
  export EDGE_IDP_HELM="${BATS_TEST_TMPDIR}/elsewhere/helm"
  converged_cluster
  run_bootstrap
  assert_success
  assert_output --partial "helm v3.18.4 (${BATS_TEST_TMPDIR}/elsewhere/helm)"
}

@test "npm missing: exit 3 and points at --skip-synth-check" {
  remove_stub npm
  run_bootstrap
  assert_failure 3
  assert_output --partial "npm not found"
  assert_output --partial "--skip-synth-check"
}

@test "synth/ out of date: refuses with exit 7, shows the check's output, changes nothing" {
  export STUB_SYNTH_STALE=1
  run_bootstrap
  assert_failure 7
  assert_output --partial "synth/edge-lab is out of date with the source (npm run -s check exited 1)"
  assert_output --partial "synth/edge-lab/layers/01-services/loki/values.yaml differs"
  assert_output --partial "run 'npm run synth'"
  grep -q "^npm run -s check -- --site edge-lab (in ${REPO})$" "${STUB_LOG}"
  run mutating_calls
  assert_output ""
}

@test "--skip-synth-check: no npm call, a warning, and the run goes on" {
  export STUB_SYNTH_STALE=1
  remove_stub npm
  converged_cluster
  run_bootstrap --skip-synth-check
  assert_success
  assert_output --partial "WARNING: --skip-synth-check: not checking that synth/ matches the source"
}

@test "cluster unreachable: exit 4 with the kubectl error and what to inspect" {
  export STUB_UNREACHABLE=1
  run_bootstrap --context edge-lab
  assert_failure 4
  assert_output --partial "cannot reach the cluster (context edge-lab): The connection to the server 10.0.10.11:6443 was refused"
  assert_output --partial "kubectl --context edge-lab cluster-info"
}

@test "a server version other than KUBERNETES_VERSION is a warning, not a failure" {
  export STUB_SERVER_VERSION=v1.32.5+k3s1
  converged_cluster
  run_bootstrap
  assert_success
  assert_output --partial "WARNING: the cluster runs Kubernetes v1.32.5+k3s1 but synth/edge-lab is rendered for 1.33"
}

@test "wrong node count: exit 5 naming the missing node, before any change" {
  export STUB_NODES_FILE="${TEST_ROOT}/fixtures/nodes/two-nodes.json"
  run_bootstrap
  assert_failure 5
  assert_output --partial "the cluster's nodes do not match NODES in synth/edge-lab/bootstrap/bootstrap.env: expected 3 (edge-cp-1 edge-w-1 edge-w-2), found 2 (edge-cp-1 edge-w-1). Missing: edge-w-2."
  assert_output --partial "kubectl get nodes -o wide"
  run mutating_calls
  assert_output ""
}

@test "a node that is not in NODES: exit 5" {
  sed -i "s/^NODES=.*/NODES='edge-cp-1:control-plane edge-w-1:worker'/" "${REPO}/synth/edge-lab/bootstrap/bootstrap.env"
  run_bootstrap
  assert_failure 5
  assert_output --partial "Not in NODES: edge-w-2."
}

@test "a worker in NODES that is a control-plane node in the cluster: exit 5" {
  sed -i "s/^NODES=.*/NODES='edge-w-1:control-plane edge-cp-1:worker edge-w-2:worker'/" "${REPO}/synth/edge-lab/bootstrap/bootstrap.env"
  run_bootstrap
  assert_failure 5
  assert_output --partial "node edge-cp-1 is a worker in NODES but a control-plane node in the cluster"
}

@test "missing taint and role labels, non-interactive without --yes: exit 6 with the exact commands" {
  export STUB_NODES_FILE="${TEST_ROOT}/fixtures/nodes/k3s-unlabelled.json"
  run_bootstrap --context edge-lab
  assert_failure 6
  assert_output --partial "edge-cp-1: control-plane node without the taint node-role.kubernetes.io/control-plane:NoSchedule"
  assert_output --partial "node taints/role labels are missing and stdin is not a terminal: re-run with --yes, or run these commands first:"
  assert_line "  kubectl --context edge-lab taint nodes edge-cp-1 node-role.kubernetes.io/control-plane:NoSchedule --overwrite"
  assert_line "  kubectl --context edge-lab label nodes edge-w-1 node-role.kubernetes.io/worker=true"
  assert_line "  kubectl --context edge-lab label nodes edge-w-2 node-role.kubernetes.io/worker=true"
  run mutating_calls
  assert_output ""
}

@test "missing taint and role labels with --yes: applied, then the install goes on" {
  export STUB_NODES_FILE="${TEST_ROOT}/fixtures/nodes/k3s-unlabelled.json"
  run_bootstrap --yes
  assert_success
  assert_calls_in_order \
    '^kubectl taint nodes edge-cp-1 node-role.kubernetes.io/control-plane:NoSchedule --overwrite$' \
    '^kubectl label nodes edge-w-1 node-role.kubernetes.io/worker=true$' \
    '^kubectl label nodes edge-w-2 node-role.kubernetes.io/worker=true$' \
    '^kubectl apply --server-side --field-manager=argocd-controller -f https://'
}

@test "a worker carrying the control-plane taint gets it removed (with --yes)" {
  export STUB_NODES_FILE="${TEST_ROOT}/fixtures/nodes/worker-tainted.json"
  converged_cluster
  run_bootstrap --yes
  assert_success
  grep -qx 'kubectl taint nodes edge-w-1 node-role.kubernetes.io/control-plane:NoSchedule-' "${STUB_LOG}"
}

@test "on a terminal, missing taints/labels are offered: 'n' refuses (exit 6), 'y' applies them" {
  command -v script >/dev/null 2>&1 || skip "util-linux script not installed (needed for a pseudo-terminal)"
  export STUB_NODES_FILE="${TEST_ROOT}/fixtures/nodes/k3s-unlabelled.json"
  local cmd="env PATH='${STUB_BIN}:${SYS_BIN}' '${REPO}/bootstrap.sh'"

  run bash -c "printf 'n\n' | script -qec \"${cmd}\" /dev/null"
  assert_failure 6
  assert_output --partial "Apply them now? [y/N]"
  assert_output --partial "node taints/role labels not applied (declined)"
  run mutating_calls
  assert_output ""

  run bash -c "printf 'y\n' | script -qec \"${cmd}\" /dev/null"
  assert_success
  grep -qx 'kubectl taint nodes edge-cp-1 node-role.kubernetes.io/control-plane:NoSchedule --overwrite' "${STUB_LOG}"
}

@test "Secrets encrypted at rest (k3s --secrets-encryption, the API server's metrics): the install goes on" {
  run_bootstrap --yes
  assert_success
  assert_output --partial "==> Preflight: Secrets encrypted at rest (SECRETS_ENCRYPTION=required)"
  assert_output --partial "encrypted: edge-cp-1: the k3s server runs with --secrets-encryption"
  assert_output --partial "Secrets are encrypted at rest"
  assert_calls_in_order "kubectl get nodes -o json" "kubectl get --raw /metrics" "kubectl apply --server-side"
}

@test "no sign of encryption with SECRETS_ENCRYPTION=required: exit 12 before any change, naming the fixes" {
  export STUB_NODES_FILE="${TEST_ROOT}/fixtures/nodes/plain-nodes.json" STUB_METRICS=none
  run_bootstrap --yes
  assert_failure 12
  assert_output --partial "cannot tell whether the cluster encrypts Secrets at rest"
  assert_output --partial "On k3s start the server with --secrets-encryption"
  assert_output --partial "'verified' when you checked it another way, 'none' to accept the risk"
  run mutating_calls
  assert_output ""
}

@test "Secrets stored in clear: exit 12 even when the config says verified" {
  sed -i "s/^SECRETS_ENCRYPTION=.*/SECRETS_ENCRYPTION='verified'/" "${REPO}/synth/edge-lab/bootstrap/bootstrap.env"
  export STUB_METRICS=identity
  run_bootstrap --yes
  assert_failure 12
  assert_output --partial "Secrets are not encrypted at rest (the API server wrote Secrets in clear"
  assert_output --partial "cluster.secretsEncryption is 'verified'"
  run mutating_calls
  assert_output ""
}

@test "verified with nothing to see (metrics forbidden, no k3s): taken on the config's word" {
  sed -i "s/^SECRETS_ENCRYPTION=.*/SECRETS_ENCRYPTION='verified'/" "${REPO}/synth/edge-lab/bootstrap/bootstrap.env"
  export STUB_NODES_FILE="${TEST_ROOT}/fixtures/nodes/plain-nodes.json" STUB_METRICS=forbidden
  run_bootstrap --yes
  assert_success
  assert_output --partial "the API server's /metrics could not be read: Error from server (Forbidden)"
  assert_output --partial "taken on the config's word (cluster.secretsEncryption: verified)"
}

@test "none: a loud warning, and the install goes on" {
  sed -i "s/^SECRETS_ENCRYPTION=.*/SECRETS_ENCRYPTION='none'/" "${REPO}/synth/edge-lab/bootstrap/bootstrap.env"
  export STUB_NODES_FILE="${TEST_ROOT}/fixtures/nodes/plain-nodes.json" STUB_METRICS=none
  run_bootstrap --yes
  assert_success
  assert_output --partial "WARNING: Secrets are not required to be encrypted at rest (cluster.secretsEncryption: none). Vault's unseal key is a Kubernetes Secret"
}

@test "a SECRETS_ENCRYPTION the decisions do not know is a configuration error (exit 2)" {
  sed -i "s/^SECRETS_ENCRYPTION=.*/SECRETS_ENCRYPTION='maybe'/" "${REPO}/synth/edge-lab/bootstrap/bootstrap.env"
  run_bootstrap --yes
  assert_failure 2
  assert_output --partial "SECRETS_ENCRYPTION='maybe' is not one of required, verified, none"
}
