#!/usr/bin/env bats
# bootstrap.sh on a fresh cluster: order of operations, exact commands, waits, failures and
# resuming after them.

setup() {
  load test_helper
  setup_sandbox
}

GW_URL='https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml'

@test "fresh cluster: Gateway CRDs, then Cilium, then ArgoCD, then root, each waited for" {
  run_bootstrap
  assert_success
  assert_calls_in_order \
    '^npm run -s check -- --site edge-lab ' \
    '^git ls-remote --exit-code https://git.example.com/platform/edge-lab.git main$' \
    '^kubectl get --raw /version' \
    '^kubectl get nodes ' \
    '^kubectl apply --server-side --field-manager=argocd-controller -f synth/edge-lab/root/priorityclass-edge-idp-core.yaml .* -f synth/edge-lab/layers/00-core/namespaces/resources/namespace-cilium-secrets.yaml -f synth/edge-lab/layers/00-core/namespaces/resources/namespace-argocd.yaml$' \
    "^kubectl apply --server-side --field-manager=argocd-controller -f ${GW_URL}\$" \
    '^kubectl wait --for=condition=Established customresourcedefinition.apiextensions.k8s.io/' \
    '^helm template cilium ' \
    '^kubectl apply --server-side --field-manager=argocd-controller --force-conflicts -f - <stdin:cilium>$' \
    '^kubectl rollout status daemonset/cilium -n kube-system --timeout=[0-9]+s$' \
    '^kubectl rollout status deployment/cilium-operator -n kube-system --timeout=[0-9]+s$' \
    '^kubectl wait --for=condition=Ready nodes --all --timeout=[0-9]+s$' \
    '^helm template argocd ' \
    '^kubectl apply --server-side --field-manager=argocd-controller --force-conflicts -f - <stdin:argo-cd>$' \
    '^kubectl wait --for=condition=Established crd/applications.argoproj.io crd/applicationsets.argoproj.io crd/appprojects.argoproj.io --timeout=' \
    '^kubectl rollout status statefulset.apps/argocd-application-controller -n argocd --timeout=' \
    '^kubectl apply --server-side --field-manager=argocd-controller -f synth/edge-lab/root/appproject.yaml -f synth/edge-lab/root/application.yaml$' \
    '^kubectl get applications.argoproj.io,applicationsets.argoproj.io -n argocd '
  assert_output --partial "Done: 5 change(s) applied. ArgoCD owns everything"
}

@test "the Gateway API wait skips the ValidatingAdmissionPolicy of the release file" {
  run_bootstrap
  assert_success
  run grep '^kubectl wait --for=condition=Established customresourcedefinition' "${STUB_LOG}"
  assert_output --partial "customresourcedefinition.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io"
  refute_output --partial "validatingadmissionpolicy"
}

@test "charts are rendered with helm template from bootstrap.env, never installed" {
  run_bootstrap
  assert_success
  grep -qx 'helm template cilium cilium --repo https://helm.cilium.io/ --version 1.20.0 --namespace kube-system --kube-version 1.33 --include-crds --api-versions gateway.networking.k8s.io/v1 --api-versions gateway.networking.k8s.io/v1/GatewayClass --api-versions monitoring.coreos.com/v1 --api-versions monitoring.coreos.com/v1/ServiceMonitor -f synth/edge-lab/layers/00-core/cilium/values.yaml' "${STUB_LOG}"
  grep -qx 'helm template argocd argo-cd --repo https://argoproj.github.io/argo-helm --version 10.1.1 --namespace argocd --kube-version 1.33 --include-crds --api-versions gateway.networking.k8s.io/v1 --api-versions gateway.networking.k8s.io/v1/GatewayClass --api-versions monitoring.coreos.com/v1 --api-versions monitoring.coreos.com/v1/ServiceMonitor -f synth/edge-lab/layers/02-engines/argocd/values.yaml' "${STUB_LOG}"
  run grep -E '^helm (install|upgrade)' "${STUB_LOG}"
  assert_failure
}

@test "an OCI chart repository is used as the chart reference" {
  sed -i "s|^CILIUM_CHART_REPO=.*|CILIUM_CHART_REPO='oci://registry.example.com/charts'|" "${REPO}/synth/edge-lab/bootstrap/bootstrap.env"
  run_bootstrap --dry-run
  assert_success
  assert_output --partial "helm template cilium oci://registry.example.com/charts/cilium --version 1.20.0"
}

@test "--context is passed to every kubectl call and shown in every printed command" {
  run_bootstrap --context edge-lab
  assert_success
  # Every call but the client-only version check talks to the cluster: all carry the context.
  run grep -vE '^kubectl --context edge-lab |^kubectl version --client -o json$|^helm |^npm |^git ' "${STUB_LOG}"
  assert_output ""
  run grep -c '^kubectl --context edge-lab ' "${STUB_LOG}"
  [ "${output}" -gt 20 ]
}

@test "layers are followed in order and each is reported ready in turn" {
  export STUB_APPS=progressive
  run_bootstrap
  assert_success
  assert_line --index 0 --partial "edge-idp bootstrap, site edge-lab"
  local core services engines apps
  core=$(grep -n 'layer 1/4\] edge-idp-core: ready (2/2' <<<"${output}" | cut -d: -f1)
  services=$(grep -n 'layer 2/4\] edge-idp-services: ready (5/5' <<<"${output}" | cut -d: -f1)
  engines=$(grep -n 'layer 3/4\] edge-idp-engines: ready (3/3' <<<"${output}" | cut -d: -f1)
  apps=$(grep -n 'layer 4/4\] edge-idp-apps: ready (3/3' <<<"${output}" | cut -d: -f1)
  [ -n "${core}" ] && [ "${core}" -lt "${services}" ] && [ "${services}" -lt "${engines}" ] && [ "${engines}" -lt "${apps}" ]
  assert_output --partial "[layer 2/4] edge-idp-services: 0/5 Applications Synced and Healthy; waiting for cert-manager-pki (OutOfSync/Progressing), vault (OutOfSync/Progressing)"
  assert_output --partial "Applications of edge-idp-root: 0/4 Synced and Healthy; waiting for gateway-api (OutOfSync/Missing), prometheus-operator-crds (OutOfSync/Missing)"
  assert_output --partial "Applications of edge-idp-root: ready (4/4 Synced and Healthy)"
  assert_output --partial "root Application edge-idp-root: Synced/Healthy"
}

@test "Cilium never ready: exit 10, says what timed out and how to inspect it; ArgoCD is not touched" {
  export STUB_CILIUM_NEVER_READY=1
  run_bootstrap --timeout 5m
  assert_failure 10
  assert_output --partial "ERROR: timed out (--timeout 5m) waiting for Cilium daemonset/cilium in kube-system to be ready"
  assert_output --partial "kubectl get pods -n kube-system -o wide"
  assert_output --partial "kubectl logs daemonset/cilium -n kube-system --all-containers --tail=50"
  assert_output --partial "Then re-run ./bootstrap.sh: steps already done are skipped."
  run mutating_calls
  assert_output --partial '<stdin:cilium>'
  refute_output --partial '<stdin:argo-cd>'
  refute_output --partial 'namespace argocd'
  refute_output --partial 'root/app'
  run grep -c '^helm template argocd' "${STUB_LOG}"
  assert_output 0
}

@test "waits are bounded by the remaining --timeout" {
  run_bootstrap --timeout 15m
  assert_success
  run grep -oE -- '--timeout=[0-9]+s' "${STUB_LOG}"
  local t
  for t in ${output}; do
    t=${t#--timeout=}
    t=${t%s}
    [ "${t}" -le 900 ] && [ "${t}" -gt 850 ]
  done
}

@test "a re-run after the Cilium timeout resumes where it stopped" {
  export STUB_CILIUM_NEVER_READY=1
  run_bootstrap
  assert_failure 10

  # Still not ready: Gateway CRDs skipped, Cilium re-applied (a no-op) and waited for again.
  : >"${STUB_LOG}"
  run_bootstrap
  assert_failure 10
  assert_output --partial "already installed (v1.6.1): skipping"
  run mutating_calls
  assert_output "kubectl apply --server-side --field-manager=argocd-controller --force-conflicts -f - <stdin:cilium>"

  # Cilium came up meanwhile: skipped too; ArgoCD and root are applied.
  unset STUB_CILIUM_NEVER_READY
  : >"${STUB_LOG}"
  run_bootstrap
  assert_success
  assert_output --partial "already running quay.io/cilium/cilium:v1.20.0@sha256:"
  run mutating_calls
  refute_output --partial "standard-install.yaml"
  refute_output --partial "<stdin:cilium>"
  assert_calls_in_order '<stdin:argo-cd>' 'rollout status statefulset.apps/argocd-application-controller' 'root/application.yaml'
}

@test "an apply failure: exit 9 with the failing command; a re-run resumes at that step" {
  export STUB_FAIL_APPLY=argo-cd
  run_bootstrap
  assert_failure 9
  assert_output --partial "ERROR: applying argocd failed (exit 1); the command was: kubectl apply --server-side --field-manager=argocd-controller --force-conflicts -f -"
  assert_output --partial "conflict with \"helm\""
  assert_output --partial "kubectl get all -n argocd"

  : >"${STUB_LOG}"
  run_bootstrap
  assert_success
  run mutating_calls
  refute_output --partial "<stdin:cilium>"
  refute_output --partial "create namespace argocd"
  assert_output --partial "<stdin:argo-cd>"
  assert_output --partial "root/application.yaml"
}

@test "a chart that cannot be rendered: exit 8, nothing applied for it" {
  export STUB_HELM_FAIL=1
  run_bootstrap
  assert_failure 8
  assert_output --partial "rendering cilium failed (helm template exited 1)"
  assert_output --partial "is not a valid chart repository"
  run grep -c '<stdin:' "${STUB_LOG}"
  assert_output 0
}

@test "ArgoCD never syncs a layer: exit 10 listing what is not ready" {
  # Everything installed already, so the whole budget goes to following the layers.
  converged_cluster
  export STUB_APPS=stuck EDGE_IDP_POLL_SECONDS=0.2
  run_bootstrap --timeout 2s
  assert_failure 10
  assert_output --partial "root Application already present (Synced/Progressing)"
  assert_output --partial "not ready: edge-idp-engines: 2/3 ready; waiting for kyverno (OutOfSync/Degraded)"
  assert_output --partial "ERROR: timed out (--timeout 2s) waiting for ArgoCD to sync every layer"
  assert_output --partial "kubectl get applications -n argocd"
  assert_output --partial "kubectl describe application NAME -n argocd"
}

@test "the admin password is not printed unless --show-secrets" {
  run_bootstrap
  assert_success
  refute_output --partial "s3cr3t-Passw0rd"
  assert_output --partial "kubectl get secret argocd-initial-admin-secret -n argocd -o 'jsonpath={.data.password}' | base64 -d; echo"
  assert_output --partial "https://argocd.edge-lab.example.com"
  run grep -c 'secret argocd-initial-admin-secret' "${STUB_LOG}"
  assert_output 0

  run_bootstrap --show-secrets
  assert_success
  assert_output --partial "ArgoCD initial admin password (user admin): s3cr3t-Passw0rd"
}

@test "a Cilium namespace that does not exist is created before Cilium is applied" {
  sed -i "s|^CILIUM_NAMESPACE=.*|CILIUM_NAMESPACE='cilium-system'|" "${REPO}/synth/edge-lab/bootstrap/bootstrap.env"
  run_bootstrap
  assert_success
  assert_calls_in_order '^kubectl create namespace cilium-system$' '<stdin:cilium>' 'rollout status daemonset/cilium -n cilium-system'
  run grep -c '^kubectl create namespace kube-system' "${STUB_LOG}"
  assert_output 0
}
