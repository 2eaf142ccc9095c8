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

shell_files=(vm/*.sh test/vm/run.sh test/vm/helpers.bash test/vm/fixtures/bin/* test/vm/fixtures/lockf-bin/* test/vm/fixtures/*.sh test/vm/*.bats test/e2e/run.sh test/e2e/lib/*.bash)
# The lint runs beside the bats suites (it is mostly waiting on one core); its report is
# printed, and counted, once they are done.
shellcheck_out=$(mktemp "${TMPDIR:-/tmp}/vm-shellcheck.XXXXXX")
trap 'rm -f "$shellcheck_out"' EXIT
shellcheck -x "${shell_files[@]}" >"$shellcheck_out" 2>&1 &
shellcheck_pid=$!
step "plists and Packer template" python3 test/vm/check_image.py

node test/vm/check_hcl_syntax.js
case $? in
  0) ;;
  3) hcl_note=" (HCL parser not installed: structural check only)" ;;
  *) failed+=("HCL parse") ;;
esac

# Most bats time is spent inside bounded waits (sleeping), so tests run concurrently when
# GNU parallel is there (.ci/run installs it); without it they run one by one. 16 at once:
# measured with 94 tests, which take about 85 s one after another (the longest 7 s) and use
# about 26 s of CPU (forks, jq), 8 jobs took 20 s on 2 cores, 16 take 17.5 s, 32 no less.
bats_jobs=()
if command -v parallel >/dev/null; then bats_jobs=(--jobs 16); fi
step "bats" bats "${bats_jobs[@]}" test/vm

echo "== shellcheck (${#shell_files[@]} files)"
if ! wait "$shellcheck_pid"; then failed+=("shellcheck"); fi
cat "$shellcheck_out"

if ((${#failed[@]})); then
  echo "test/vm: FAILED: ${failed[*]}"
  exit 1
fi
echo "test/vm: all VM checks passed${hcl_note:-}"
