#!/usr/bin/env bash
# Run a command with the Pod's environment. launchd gives a job a fixed environment, so the
# Pod's env (TAILSCALE_*, DATABASE_URL, ...) reaches the VM as a file of KEY=VALUE lines that
# the runtime writes; this is the only place that knows the format (vm/README.md).
#
#   pod-env.sh COMMAND [ARGS...]
#
# Lines are data, never code: no quoting, no expansion, the value is the rest of the line.
# A variable already set in the environment wins over the file.
set -euo pipefail

readonly PROG=pod-env
log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PROG" "$*" >&2; }

if (($# == 0)); then
  echo "usage: pod-env.sh COMMAND [ARGS...]" >&2
  exit 2
fi

file=${TUIST_POD_ENV_FILE:-/etc/tuist/pod.env}
if [[ -r $file ]]; then
  n=0
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    [[ -z $line || $line == \#* ]] && continue
    if [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
      name=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
      if [[ $name =~ ^(BASH.*|ENV|SHELLOPTS|IFS|PS4|LD_.*|DYLD_.*)$ ]]; then
        log "ignoring $name from $file: it would change how the boot scripts themselves run"
      elif [[ -z ${!name+x} ]]; then
        export "$name=$value"
      fi
    else
      # Never print the line: it may hold a credential.
      log "ignoring line $n of $file: not KEY=VALUE"
    fi
  done <"$file"
else
  log "no readable $file; running with the launchd environment only"
fi
exec "$@"
