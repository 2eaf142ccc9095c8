#!/usr/bin/env bash
# Every check of the VM side: shellcheck, the bats suites, the plist/Packer checks.
# Runs all steps, then fails if any failed. CI installs the tools with apt.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1

missing=()
for tool in shellcheck bats jq python3 node; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "test/vm/run.sh: missing ${missing[*]}: apt-get install shellcheck bats jq (python3 and node come with the toolchain)" >&2
  exit 1
fi

failed=()
step() {
  local name=$1
  shift
  echo "== $name"
  "$@" || failed+=("$name")
}

shell_files=(vm/*.sh test/vm/run.sh test/vm/helpers.bash test/vm/fixtures/bin/tailscale test/vm/*.bats)
step "shellcheck (${#shell_files[@]} files)" shellcheck -x "${shell_files[@]}"
step "plists and Packer template" python3 test/vm/check_image.py

node test/vm/check_hcl_syntax.js
case $? in
  0) ;;
  3) hcl_note=" (HCL parser not installed: structural check only)" ;;
  *) failed+=("HCL parse") ;;
esac

step "bats" bats test/vm

if ((${#failed[@]})); then
  echo "test/vm: FAILED: ${failed[*]}"
  exit 1
fi
echo "test/vm: all VM checks passed${hcl_note:-}"
