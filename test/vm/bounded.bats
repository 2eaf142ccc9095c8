#!/usr/bin/env bats
# run_bounded (vm/lib.sh): every tailnet CLI call of the VM scripts goes through it.

load helpers

setup() { export TMPDIR=$BATS_TEST_TMPDIR/tmp && mkdir -p "$TMPDIR"; }

# bounded CODE: runs CODE in a fresh bash that sourced vm/lib.sh.
bounded() { run bash -c "source '$VM_DIR/lib.sh'; $1" 3>&-; }

@test "stress: 250 bounded calls on a loaded machine lose none of the caller's files" {
  # Load: a niced busy loop besides the suite's own parallel tests, so forks and signal
  # delivery interleave as on a busy VM. (The watchdog design this replaced lost ~1 in 3 here.)
  nice -n 19 timeout 10 bash -c 'while :; do :; done' 3>&- &
  local loader=$!
  local start=$SECONDS
  run "$FIXTURES/bounded-stress.sh" "$VM_DIR/lib.sh" 250 3>&-
  kill "$loader" 2>/dev/null || true
  assert_status 0
  assert_output_has "lost 0 of 250"
  ((SECONDS - start <= 30)) || fail "took $((SECONDS - start))s"
}

@test "returns the command's own status and output" {
  bounded 'run_bounded 5 sh -c "echo out; exit 7"; echo "rc=$?"'
  assert_equal "$output" "out
rc=7"
}

@test "a command that outlives its bound is terminated at the bound" {
  local start=$SECONDS
  bounded 'run_bounded 1 sleep 30; echo "rc=$?"'
  assert_output_has "rc=143"
  ((SECONDS - start <= 2)) || fail "took $((SECONDS - start))s"
}

@test "a command that ignores SIGTERM is killed after the grace" {
  local start=$SECONDS
  bounded 'run_bounded 1 bash -c "trap \"\" TERM; sleep 30"; echo "rc=$?"'
  assert_output_has "rc=137"
  ((SECONDS - start <= 1 + 2 + 1)) || fail "took $((SECONDS - start))s"
}

@test "the watchdog never runs the caller's traps, and a caller killed outright takes its call down" {
  local marker=$BATS_TEST_TMPDIR/marker pid
  # shellcheck disable=SC2016 # expanded by the inner bash
  bash -c 'source "$1"; trap "touch \"$2.exit\"" EXIT; run_bounded 60 sleep 6161; echo done >"$2"' _ "$VM_DIR/lib.sh" "$marker" 3>&- &
  pid=$!
  for _ in $(seq 50); do pgrep -f '^sleep 6161$' >/dev/null && break; sleep 0.1; done
  pgrep -f '^sleep 6161$' >/dev/null || fail "the bounded call never started"
  kill -KILL "$pid"
  wait "$pid" || true
  for _ in $(seq 50); do pgrep -f '^sleep 6161$' >/dev/null || break; sleep 0.1; done
  if pgrep -f '^sleep 6161$' >/dev/null; then fail "the call outlived its killed caller"; fi
  [ ! -e "$marker.exit" ] || fail "the caller's EXIT trap ran in another process"
}
