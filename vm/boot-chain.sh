#!/usr/bin/env bash
# launchd entry point of the xcresult-processor VM: join the tailnet (tailscale-up.sh, with
# bounded retries), install the release (fetch-release.sh, verified by sha256), then exec it
# from its directory. The release never starts before both succeeded. On a failure the
# diagnostics dump (diagnostics.sh) is appended to DIAGNOSTICS_LOG for `tailscale ssh` readers.
#
#   boot-chain.sh RELEASE_COMMAND [ARGS...]
#
# Why this cannot crash-loop like the reference (2,960 launchd runs): see vm/README.md.
set -euo pipefail

readonly PROG=boot-chain
log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PROG" "$*" >&2; }

if (($# == 0)); then
  echo "usage: boot-chain.sh RELEASE_COMMAND [ARGS...]" >&2
  exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
TAILSCALE_UP_SCRIPT=${TAILSCALE_UP_SCRIPT:-$here/tailscale-up.sh}
FETCH_RELEASE_SCRIPT=${FETCH_RELEASE_SCRIPT:-$here/fetch-release.sh}
DIAGNOSTICS_SCRIPT=${DIAGNOSTICS_SCRIPT:-$here/diagnostics.sh}
DIAGNOSTICS_LOG=${DIAGNOSTICS_LOG:-/var/log/xcresult-processor/diagnostics.log}
RELEASE_DIR=${RELEASE_DIR:-/opt/tuist/release}
export RELEASE_DIR

# On any failure: what the team needs to see, in the log they can read over tailscale ssh.
dump_diagnostics() {
  if [[ -x $DIAGNOSTICS_SCRIPT ]]; then
    { printf '=== %s boot-chain failed (exit %s) ===\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" && "$DIAGNOSTICS_SCRIPT"; } >>"$DIAGNOSTICS_LOG" 2>&1 || true
  fi
}
fail() {
  dump_diagnostics "$1"
  exit "$1"
}
BOOT_JOIN_ATTEMPTS=${BOOT_JOIN_ATTEMPTS:-5}
BOOT_RETRY_BASE_SECONDS=${BOOT_RETRY_BASE_SECONDS:-5}
BOOT_RETRY_MAX_SECONDS=${BOOT_RETRY_MAX_SECONDS:-60}
for var in BOOT_JOIN_ATTEMPTS BOOT_RETRY_BASE_SECONDS BOOT_RETRY_MAX_SECONDS; do
  if [[ ! ${!var} =~ ^[0-9]+$ ]]; then
    log "error: $var must be a whole number, got $(printf '%q' "${!var}")"
    exit 2
  fi
done
((BOOT_JOIN_ATTEMPTS >= 1)) || BOOT_JOIN_ATTEMPTS=1

attempt=1
delay=$BOOT_RETRY_BASE_SECONDS
while :; do
  rc=0
  "$TAILSCALE_UP_SCRIPT" || rc=$?
  ((rc != 0)) || break
  # Only exit 1 is transient; 2 (configuration) and 3 (admin approval) need a person.
  if ((rc != 1)); then
    log "tailscale-up.sh exited $rc (needs a configuration fix or an admin); not starting the release"
    fail "$rc"
  fi
  if ((attempt >= BOOT_JOIN_ATTEMPTS)); then
    log "tailscale-up.sh failed $attempt times; not starting the release (launchd retries after its ThrottleInterval)"
    fail 1
  fi
  log "tailscale-up.sh failed (attempt $attempt of $BOOT_JOIN_ATTEMPTS); retrying in ${delay}s"
  sleep "$delay"
  attempt=$((attempt + 1))
  delay=$((delay * 2 > BOOT_RETRY_MAX_SECONDS ? BOOT_RETRY_MAX_SECONDS : delay * 2))
done

# The release has no use for the tailnet credential; keep it out of its environment.
unset TAILSCALE_AUTH_KEY

rc=0
"$FETCH_RELEASE_SCRIPT" || rc=$?
if ((rc != 0)); then
  log "fetch-release.sh exited $rc; not starting the release (launchd retries after its ThrottleInterval)"
  fail "$rc"
fi
# launchd's WorkingDirectory is the directory the release was just swapped into: enter the new one.
cd "$RELEASE_DIR"
log "on the tailnet, release installed; starting it: $1"
exec "$@"
