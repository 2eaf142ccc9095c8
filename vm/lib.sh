# shellcheck shell=bash
# Helpers sourced by the VM scripts (tailscale-up.sh, diagnostics.sh). Portable to macOS's
# /bin/bash 3.2: no `wait -n`, no `{fd}` redirections, no fractional `read -t`.

# run_bounded holds the watchdog's pipe on file descriptor 7; nothing else may use it.
# How long a CLI that ignores SIGTERM has before SIGKILL.
readonly BOUNDED_KILL_GRACE=2
BOUNDED_CHILD=""

# run_bounded SECONDS CMD...: runs CMD in the background, waits for it, and kills it when it
# outlives SECONDS (a wedged tailscaled can block any CLI call). Returns CMD's status
# (143/137 when it was killed). While it runs, BOUNDED_CHILD is CMD's PID, for the caller's
# cleanup on a signal.
#
# Why it looks like this: the watchdog is a process substitution reading a pipe whose write
# end only this shell holds. We never signal the watchdog: it stops itself when it reads our
# "done" line, or acts when its `read -t` times out or the pipe closes because we died.
# Signalling a freshly forked subshell (the earlier design) races with its first command:
# a signal that arrives before the subshell has replaced the inherited traps runs the
# parent's TERM/EXIT trap in the subshell, which deleted the caller's working directory.
run_bounded() {
  local secs=$1 rc=0
  shift
  # The child must not hold the pipe's write end, or the watchdog never sees it close.
  "$@" 7>&- &
  BOUNDED_CHILD=$!
  exec 7> >(bounded_watchdog "$secs" "$BOUNDED_CHILD" >/dev/null 2>&1)
  wait "$BOUNDED_CHILD" || rc=$?
  BOUNDED_CHILD=""
  # The child is reaped: tell the watchdog before it could ever signal a reused PID.
  # SIGPIPE ignored for this one write only (should the watchdog be gone): no child inherits it.
  trap '' PIPE
  printf 'done\n' >&7 2>/dev/null || true
  trap - PIPE
  exec 7>&-
  return "$rc"
}

# The watchdog side of run_bounded; runs in the process substitution with the pipe on stdin.
bounded_watchdog() {
  local secs=$1 child=$2
  # Not the caller's traps: this process cleans up nothing and must never run their cleanup.
  trap - EXIT HUP INT TERM
  read -r -t "$secs" _ && return 0
  if kill -TERM "$child" 2>/dev/null && ! read -r -t "$BOUNDED_KILL_GRACE" _; then
    kill -KILL "$child" 2>/dev/null || true
  fi
  # Keep the pipe open until run_bounded says "done" (or dies), so its write never hits a
  # pipe without a reader.
  read -r _ || true
}

# utc_now: sets $utc_now to the current UTC time, ISO 8601. bash >= 4.2 formats it itself
# (no process per log line, which mattered at 10,000 pinned peers); 3.2 asks date(1).
# shellcheck disable=SC2034 # utc_now is read by the scripts that source this file
if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 402)); then
  utc_now() { TZ=UTC0 printf -v utc_now '%(%Y-%m-%dT%H:%M:%SZ)T' -1; }
else
  utc_now() { utc_now=$(date -u +%Y-%m-%dT%H:%M:%SZ); }
fi

# log MESSAGE...: one timestamped line on stderr, `<UTC time> <PROG>: <message>` (PROG is the
# sourcing script's name); launchd writes stderr to the job's log.
log() {
  utc_now
  printf '%s %s: %s\n' "$utc_now" "$PROG" "$*" >&2
}

# die CODE MESSAGE...: logs the error and exits with CODE.
die() {
  local code=$1
  shift
  log "error: $*"
  exit "$code"
}

# remaining_secs DEADLINE CAP: whole seconds until DEADLINE ($SECONDS-based), at most CAP and at
# least 1, so a call made just before a deadline is still bounded and still gets a chance.
remaining_secs() {
  local left=$(($1 - SECONDS))
  if ((left > $2)); then left=$2; fi
  if ((left < 1)); then left=1; fi
  printf '%s' "$left"
}
