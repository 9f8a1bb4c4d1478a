#!/usr/bin/env bats
# What a fresh k3s cluster needs before the first chart lands (issue "Converge for real"):
# PriorityClasses and the charts' namespaces first, the API versions ArgoCD will see, objects
# of APIs not served yet left to ArgoCD, the git repository checked, offline charts and CRDs.

setup() {
  load test_helper
  setup_sandbox
}

@test "the PriorityClasses and the charts' namespaces are applied before Cilium, with ArgoCD's field manager" {
  run_bootstrap
  assert_success
  assert_calls_in_order \
    '^kubectl apply --server-side --field-manager=argocd-controller -f synth/edge-lab/root/priorityclass-edge-idp-core.yaml -f synth/edge-lab/root/priorityclass-edge-idp-critical.yaml -f synth/edge-lab/root/priorityclass-edge-idp-important.yaml -f synth/edge-lab/root/priorityclass-edge-idp-workloads.yaml -f synth/edge-lab/layers/00-core/namespaces/resources/namespace-cilium-secrets.yaml' \
    '<stdin:cilium>' \
    '<stdin:argo-cd>'
}

@test "basics already present: not applied again" {
  touch "${STUB_STATE_DIR}/basics"
  run_bootstrap
  assert_success
  assert_output --partial "present (4 PriorityClasses, 2 namespaces): skipping"
  run grep -c 'apply .*priorityclass' "${STUB_LOG}"
  assert_output 0
}

@test "a PriorityClass file named in bootstrap.env must exist (exit 2)" {
  rm "${REPO}/synth/edge-lab/root/priorityclass-edge-idp-critical.yaml"
  run_bootstrap
  assert_failure 2
  assert_output --partial "priorityclass-edge-idp-critical.yaml' (PRIORITY_CLASSES or BOOTSTRAP_NAMESPACES) does not exist"
}

@test "charts are rendered with the API versions ArgoCD will see; objects of unserved APIs are left to ArgoCD" {
  run_bootstrap
  assert_success
  grep -q '^helm template argocd .* --api-versions monitoring.coreos.com/v1 --api-versions monitoring.coreos.com/v1/ServiceMonitor ' "${STUB_LOG}"
  grep -q '^helm template cilium .* --api-versions gateway.networking.k8s.io/v1/GatewayClass ' "${STUB_LOG}"
  assert_output --partial "left to ArgoCD"
  assert_output --partial "ServiceMonitor/argocd-server (monitoring.coreos.com/v1)"
  # The served objects are applied, the ServiceMonitor is not.
  grep -q '^kind: StatefulSet' "${STUB_STATE_DIR}/applied-argo-cd.yaml"
  grep -q '^kind: CustomResourceDefinition' "${STUB_STATE_DIR}/applied-argo-cd.yaml"
  run grep -c 'ServiceMonitor' "${STUB_STATE_DIR}/applied-argo-cd.yaml"
  assert_output 0
}

@test "EDGE_IDP_CHARTS_DIR: charts are rendered from the unpacked directory, no repository" {
  mkdir -p "${BATS_TEST_TMPDIR}/charts/cilium-1.20.0" "${BATS_TEST_TMPDIR}/charts/argo-cd"
  printf 'name: cilium\nversion: 1.20.0\n' >"${BATS_TEST_TMPDIR}/charts/cilium-1.20.0/Chart.yaml"
  printf 'name: argo-cd\nversion: 10.1.1\n' >"${BATS_TEST_TMPDIR}/charts/argo-cd/Chart.yaml"
  export EDGE_IDP_CHARTS_DIR="${BATS_TEST_TMPDIR}/charts"
  run_bootstrap
  assert_success
  grep -q "^helm template cilium ${EDGE_IDP_CHARTS_DIR}/cilium-1.20.0 --namespace kube-system " "${STUB_LOG}"
  grep -q "^helm template argocd ${EDGE_IDP_CHARTS_DIR}/argo-cd --namespace argocd " "${STUB_LOG}"
  run grep -c -- '--repo' "${STUB_LOG}"
  assert_output 0
}

@test "EDGE_IDP_GATEWAY_API_CRDS: the CRDs come from a local copy" {
  printf 'kind: CustomResourceDefinition\n' >"${BATS_TEST_TMPDIR}/standard-install.yaml"
  export EDGE_IDP_GATEWAY_API_CRDS="${BATS_TEST_TMPDIR}/standard-install.yaml"
  run_bootstrap --dry-run
  assert_success
  assert_output --partial "apply --server-side --field-manager=argocd-controller -f ${EDGE_IDP_GATEWAY_API_CRDS}"
  refute_output --partial "apply --server-side --field-manager=argocd-controller -f https://"
}

@test "git repository unreachable: exit 11 before any change, naming the URL and the fixes" {
  export STUB_GIT_FAIL=unreachable
  run_bootstrap
  assert_failure 11
  assert_output --partial "cannot read the git repository https://git.example.com/platform/edge-lab.git anonymously"
  assert_output --partial "EDGE_IDP_GIT_USERNAME"
  assert_output --partial "--skip-git-check"
  run mutating_calls
  assert_output ""
}

@test "git revision missing: exit 11 naming the revision" {
  export STUB_GIT_FAIL=norev
  run_bootstrap
  assert_failure 11
  assert_output --partial "has no branch or tag 'main'"
}

@test "--skip-git-check: no git call, a warning" {
  export STUB_GIT_FAIL=unreachable
  run_bootstrap --skip-git-check
  assert_success
  assert_output --partial "WARNING: --skip-git-check"
  run grep -c '^git ls-remote' "${STUB_LOG}"
  assert_output 0
}

@test "HTTPS credentials: used for the check, become the ArgoCD repository Secret, never on a command line" {
  export EDGE_IDP_GIT_USERNAME=deploy EDGE_IDP_GIT_PASSWORD='t0k3n-s3cr3t'
  run_bootstrap
  assert_success
  grep -q '^git ls-remote --exit-code https://git.example.com/platform/edge-lab.git main <auth:basic>$' "${STUB_LOG}"
  run grep -c 't0k3n-s3cr3t' "${STUB_LOG}"
  assert_output 0
  refute_output --partial 't0k3n-s3cr3t'
  local secret="${STUB_STATE_DIR}/repo-secret.yaml"
  grep -q 'argocd.argoproj.io/secret-type: repository' "${secret}"
  grep -q "password: $(printf '%s' 't0k3n-s3cr3t' | base64)" "${secret}"
  grep -q "url: $(printf '%s' 'https://git.example.com/platform/edge-lab.git' | base64 | tr -d '\n')" "${secret}"
  assert_calls_in_order '<stdin:argo-cd>' 'repo-secret.yaml' 'root/application.yaml'
}

@test "only one of username and password: usage error (exit 2)" {
  export EDGE_IDP_GIT_USERNAME=deploy
  run_bootstrap
  assert_failure 2
  assert_output --partial "set both EDGE_IDP_GIT_USERNAME and EDGE_IDP_GIT_PASSWORD"
}

@test "--no-follow: stops once the root Application is applied, never polls the layers" {
  run_bootstrap --no-follow
  assert_success
  assert_output --partial "ArgoCD installed, root Application applied"
  run grep -c 'applications.argoproj.io,applicationsets.argoproj.io' "${STUB_LOG}"
  assert_output 0
  run grep -c 'root/application.yaml' "${STUB_LOG}"
  assert_output 1
}
