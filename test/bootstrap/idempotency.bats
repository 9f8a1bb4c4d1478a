#!/usr/bin/env bats
# bootstrap.sh on a converged cluster makes no change and says so.

setup() {
  load test_helper
  setup_sandbox
}

@test "converged cluster: no mutating call, every step skipped, and it says so" {
  converged_cluster
  run_bootstrap
  assert_success
  run mutating_calls
  assert_output ""
  run grep -c '^helm template' "${STUB_LOG}"
  assert_output 0
  run_bootstrap
  assert_output --partial "==> Cluster already converged"
  assert_output --partial "Gateway API CRDs v1.6.1, Cilium quay.io/cilium/cilium:v1.20.0@sha256:"
  assert_output --partial "ArgoCD argo-cd-10.1.1, root Application Synced/Healthy: skipping every apply step"
  assert_output --partial "Done: the cluster was already converged; no changes were made."
}

@test "second run after a fresh install: no mutating call" {
  run_bootstrap
  assert_success
  run mutating_calls
  refute_output ""

  : >"${STUB_LOG}"
  run_bootstrap
  assert_success
  assert_output --partial "no changes were made"
  run mutating_calls
  assert_output ""
  # It still checks, read-only: preflight, then the state of every component.
  grep -q '^npm run -s check -- --site edge-lab' "${STUB_LOG}"
  grep -q '^kubectl get nodes ' "${STUB_LOG}"
  grep -q '^kubectl get applications.argoproj.io,applicationsets.argoproj.io ' "${STUB_LOG}"
}

@test "root Application present but a component not rolled out: bootstrap waits for ArgoCD, never re-applies" {
  converged_cluster
  export STUB_CILIUM_NEVER_READY=1
  run_bootstrap --timeout 2m
  assert_failure 10
  assert_output --partial "owned by ArgoCD (root Application present): not re-applying, waiting for it"
  run mutating_calls
  assert_output ""
}
