#!/usr/bin/env bats
# Static checks of bootstrap.sh.

setup() {
  load test_helper
}

@test "bootstrap.sh is shellcheck clean (required in CI)" {
  if ! command -v shellcheck >/dev/null 2>&1; then
    if [[ -n "${CI:-}" ]]; then
      fail "shellcheck is not installed, and CI is set: install it (apt-get install -y shellcheck)"
    fi
    skip "shellcheck not installed (apt-get install -y shellcheck)"
  fi
  cd "${PROJECT_ROOT}"
  run shellcheck -x bootstrap.sh
  assert_success
  assert_output ""
}

@test "shellcheck runs on the test stubs too" {
  command -v shellcheck >/dev/null 2>&1 || skip "shellcheck not installed"
  cd "${TEST_ROOT}"
  run shellcheck stubs/kubectl stubs/helm stubs/npm
  assert_success
}

@test "bootstrap.sh is executable and runs under set -euo pipefail" {
  [ -x "${PROJECT_ROOT}/bootstrap.sh" ]
  grep -qx 'set -euo pipefail' "${PROJECT_ROOT}/bootstrap.sh"
  run bash -n "${PROJECT_ROOT}/bootstrap.sh"
  assert_success
}
