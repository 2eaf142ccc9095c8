# shellcheck shell=bash
# Output, assertions, bounded waits and process/namespace teardown for test/e2e/run.sh.

say() { printf 'e2e: %s\n' "$*"; }

# Milliseconds since the epoch (bash 5's EPOCHREALTIME: no fork, so timings stay honest).
now_ms() {
  local t=${EPOCHREALTIME/[.,]/}
  printf '%s' $((t / 1000))
}

# Each assertion names what it checked, what was expected and what came, then fails the case.
expect_eq() { # WHAT EXPECTED ACTUAL
  [[ $2 == "$3" ]] && return 0
  printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3" >&2
  return 1
}
expect_match() { # WHAT EXTENDED-REGEX ACTUAL
  [[ $3 =~ $2 ]] && return 0
  printf 'FAIL: %s\n  expected to match: %s\n  actual: %s\n' "$1" "$2" "$3" >&2
  return 1
}
expect_below() { # WHAT LIMIT VALUE
  (($3 < $2)) && return 0
  printf 'FAIL: %s\n  expected below %s, got %s\n' "$1" "$2" "$3" >&2
  return 1
}

# wait_until [--while-alive PID] SECONDS WHAT CMD...: runs CMD every 0.1 s until it succeeds;
# fails after SECONDS, or as soon as PID (the process that should make CMD succeed) is gone.
wait_until() {
  local pid="" seconds what deadline
  if [[ $1 == --while-alive ]]; then
    pid=$2
    shift 2
  fi
  seconds=$1 what=$2
  shift 2
  deadline=$(($(now_ms) + seconds * 1000))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $pid ]] && ! alive "$pid"; then
      printf 'FAIL: %s: the process that should provide it (pid %s) exited\n' "$what" "$pid" >&2
      return 1
    fi
    if (($(now_ms) >= deadline)); then
      printf 'FAIL: %s: not within %s s\n' "$what" "$seconds" >&2
      return 1
    fi
    sleep 0.1
  done
}

# A zombie still answers kill -0; it is gone for our purposes.
alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state=$(<"/proc/$1/stat") 2>/dev/null || return 1
  # The state follows the command name, which is in parentheses and may hold spaces.
  state=${state##*) }
  [[ ${state:0:1} != Z ]]
}

# stop_pid PID [SIGNAL]: SIGNAL (default TERM), then KILL after 5 s. Only ever given PIDs
# this run started.
stop_pid() {
  local pid=$1 signal=${2:-TERM} i
  alive "$pid" || return 0
  kill "-$signal" "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# remove_netns NAME: stops what still runs inside (the namespace is this run's own, so is
# every process in it), then deletes it.
remove_netns() {
  local ns=$1 pid
  [[ -e /run/netns/$ns ]] || return 0
  for pid in $(ip netns pids "$ns" 2>/dev/null); do
    stop_pid "$pid"
  done
  ip netns delete "$ns" 2>/dev/null || say "warning: could not delete network namespace $ns; remove it with: ip netns delete $ns"
}
