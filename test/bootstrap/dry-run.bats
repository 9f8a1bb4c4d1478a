#!/usr/bin/env bats
# bootstrap.sh --dry-run: needs no cluster and no tool, prints every step with its commands.

setup() {
  load test_helper
  setup_sandbox
}

@test "--dry-run calls no stub and prints the steps in order" {
  run_bootstrap --dry-run --context edge-lab
  assert_success
  [ ! -s "${STUB_LOG}" ]
  local -a order=(
    "Preflight: tools"
    "npm run -s check -- --site edge-lab"
    "git ls-remote --exit-code https://git.example.com/platform/edge-lab.git main"
    "kubectl --context edge-lab get --raw /version"
    "kubectl --context edge-lab get nodes"
    "1/6 PriorityClasses and namespaces"
    "kubectl --context edge-lab apply --server-side --field-manager=argocd-controller -f synth/edge-lab/root/priorityclass-edge-idp-core.yaml -f synth/edge-lab/root/priorityclass-edge-idp-critical.yaml -f synth/edge-lab/root/priorityclass-edge-idp-important.yaml -f synth/edge-lab/root/priorityclass-edge-idp-workloads.yaml -f synth/edge-lab/layers/00-core/namespaces/resources/namespace-cilium-secrets.yaml -f synth/edge-lab/layers/00-core/namespaces/resources/namespace-argocd.yaml"
    "2/6 Gateway API CRDs"
    "kubectl --context edge-lab apply --server-side --field-manager=argocd-controller -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml"
    "3/6 Cilium 1.20.0"
    "helm template cilium cilium --repo https://helm.cilium.io/ --version 1.20.0 --namespace kube-system --kube-version 1.33 --include-crds --api-versions gateway.networking.k8s.io/v1 --api-versions gateway.networking.k8s.io/v1/GatewayClass --api-versions monitoring.coreos.com/v1 --api-versions monitoring.coreos.com/v1/ServiceMonitor -f synth/edge-lab/layers/00-core/cilium/values.yaml"
    "| kubectl --context edge-lab apply --server-side --field-manager=argocd-controller --force-conflicts -f -"
    "kubectl --context edge-lab rollout status daemonset/cilium -n kube-system"
    "kubectl --context edge-lab rollout status deployment/cilium-operator -n kube-system"
    "4/6 ArgoCD (chart argo-cd 10.1.1)"
    "kubectl --context edge-lab create namespace argocd"
    "helm template argocd argo-cd --repo https://argoproj.github.io/argo-helm --version 10.1.1 --namespace argocd --kube-version 1.33 --include-crds --api-versions gateway.networking.k8s.io/v1 --api-versions gateway.networking.k8s.io/v1/GatewayClass --api-versions monitoring.coreos.com/v1 --api-versions monitoring.coreos.com/v1/ServiceMonitor -f synth/edge-lab/layers/02-engines/argocd/values.yaml"
    "5/6 root AppProject and Application (edge-idp-root)"
    "kubectl --context edge-lab apply --server-side --field-manager=argocd-controller -f synth/edge-lab/root/appproject.yaml -f synth/edge-lab/root/application.yaml"
    "6/6 ArgoCD syncs the layers, in order: edge-idp-core edge-idp-services edge-idp-engines edge-idp-apps"
    "https://grafana.edge-lab.example.com"
    "DRY RUN: nothing was executed."
  )
  local prev=0 n s
  for s in "${order[@]}"; do
    n=$(grep -nF -- "${s}" <<<"${output}" | sed -n '1s/:.*//p')
    [ -n "${n}" ] || { echo "missing: ${s}"; return 1; }
    [ "${n}" -gt "${prev}" ] || { echo "out of order: ${s}"; return 1; }
    prev=${n}
  done
}

@test "--dry-run works with no kubectl, helm or npm installed at all" {
  remove_stub kubectl
  remove_stub helm
  remove_stub npm
  run_bootstrap --dry-run
  assert_success
  assert_output --partial "DRY RUN: nothing was executed."
}

@test "--dry-run shows the node fixes it could make and never prints a secret" {
  run_bootstrap --dry-run --show-secrets
  assert_success
  assert_output --partial "kubectl taint nodes edge-cp-1 node-role.kubernetes.io/control-plane:NoSchedule --overwrite"
  assert_output --partial "kubectl label nodes edge-w-1 node-role.kubernetes.io/worker=true"
  assert_output --partial "base64 -d"
  [ ! -s "${STUB_LOG}" ]
}

@test "--dry-run --skip-synth-check says the check is skipped" {
  run_bootstrap --dry-run --skip-synth-check
  assert_success
  assert_output --partial "(skipped: --skip-synth-check)"
}

@test "every command the real run makes is printed verbatim by --dry-run (one source: edge-idp bootstrap plan)" {
  run_bootstrap --dry-run --context edge-lab
  assert_success
  local plan=${output}
  run_bootstrap --context edge-lab --no-follow
  assert_success
  local call
  while IFS= read -r call; do
    call=${call% <stdin:*}
    case "${call}" in
      "kubectl --context edge-lab version "* | "helm version "* | "npm "* | "git "* | "kubectl --context edge-lab wait "* | "kubectl --context edge-lab rollout "*) continue ;;
      "kubectl --context edge-lab get namespace "* | "kubectl --context edge-lab get -f "*" -o name") continue ;;
      "kubectl --context edge-lab get deployments,statefulsets -n argocd -l app.kubernetes.io/instance=argocd -o name") continue ;;
    esac
    [[ "${plan}" == *"${call}"* ]] || { echo "not in the dry run: ${call}"; return 1; }
  done <"${STUB_LOG}"
}
