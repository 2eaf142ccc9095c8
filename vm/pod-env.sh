#!/usr/bin/env bash
# Run a command with the Pod's environment. launchd gives a job a fixed environment; the
# Pod's (TAILSCALE_*, DATABASE_URL, ...) reaches the guest as the file tart-kubelet shares,
# `/Volumes/My Shared Files/env/tuist.env`: one KEY=value line per variable, a newline in a
# value written as the two characters `\n` and a carriage return as `\r`. This script is the
# only place that knows that format (vm/README.md).
#
#   pod-env.sh COMMAND [ARGS...]
#
# Lines are data, never code: no quoting, no expansion, no `source`; the value is the rest
# of the line after the first `=`, byte for byte, with only `\n` and `\r` decoded. A variable
# already set (launchd's EnvironmentVariables) wins over the file. A file that is missing or
# unreadable once POD_ENV_WAIT_SECONDS have passed is an error (exit 1, launchd retries):
# starting without the Pod's environment would start without a credential.
set -euo pipefail

readonly PROG=pod-env
log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PROG" "$*" >&2; }

if (($# == 0)); then
  echo "usage: pod-env.sh COMMAND [ARGS...]" >&2
  exit 2
fi

file=${TUIST_POD_ENV_FILE:-/Volumes/My Shared Files/env/tuist.env}
wait_seconds=${POD_ENV_WAIT_SECONDS:-30}
if [[ ! $wait_seconds =~ ^[0-9]+$ ]]; then
  log "error: POD_ENV_WAIT_SECONDS must be a whole number of seconds, got $(printf '%q' "$wait_seconds")"
  exit 2
fi

# The shared folder is mounted by the guest's automounter, possibly after launchd started us.
deadline=$((SECONDS + wait_seconds))
until [[ -f $file && -r $file ]]; do
  if ((SECONDS >= deadline)); then
    if [[ -e $file ]]; then
      log "error: $file exists but is not a readable file; not starting without the Pod's environment (launchd retries)"
    else
      log "error: $file does not exist after ${wait_seconds}s (is the tart-kubelet shared folder mounted?); not starting without the Pod's environment (launchd retries)"
    fi
    exit 1
  fi
  sleep 1
done

n=0 loaded=0
newline=$'\n' cr=$'\r'
while IFS= read -r line || [[ -n $line ]]; do
  n=$((n + 1))
  [[ -z $line || $line == \#* ]] && continue
  if [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
    name=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    value=${value//\\n/$newline}
    value=${value//\\r/$cr}
    if [[ $name =~ ^(BASH.*|ENV|SHELLOPTS|IFS|PS4|LD_.*|DYLD_.*)$ ]]; then
      log "ignoring $name from $file: it would change how the boot scripts themselves run"
    elif [[ -z ${!name+x} ]]; then
      export "$name=$value"
      loaded=$((loaded + 1))
    fi
  else
    # Never print the line: it may hold a credential.
    log "ignoring line $n of $file: not KEY=value"
  fi
done <"$file"
log "loaded $loaded variables from $file"
exec "$@"
