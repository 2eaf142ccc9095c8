#!/usr/bin/env bash
# What the team needs to see when a VM misbehaves, readable over `tailscale ssh` as the
# diagnostics account (vm/README.md):
#
#   diagnostics.sh                                     with the environment it was started in
#   /usr/local/libexec/tuist/pod-env.sh diagnostics.sh with the Pod's environment
#
# Prints: tailscaled's backend state, the pinned hosts block, and for every endpoint the
# environment dials (each variable whose value is a URL, e.g. DATABASE_URL,
# TUIST_CLICKHOUSE_URL, OTEL_EXPORTER_OTLP_*ENDPOINT), the resolver's answer for its host
# and a bounded TCP probe of its port. Passwords, query strings and Tailscale keys are
# redacted; TAILSCALE_AUTH_KEY is never read. Every step is bounded; it always exits 0.
set -uo pipefail
export LC_ALL=C

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
# shellcheck source=vm/lib.sh
source "$SCRIPT_DIR/lib.sh"

TAILSCALE_BIN=${TAILSCALE_BIN:-tailscale}
JQ_BIN=${JQ_BIN:-jq}
HOSTS_FILE=${HOSTS_FILE:-/etc/hosts}
DIAG_CALL_TIMEOUT=${DIAG_CALL_TIMEOUT:-5}
DIAG_PROBE_TIMEOUT=${DIAG_PROBE_TIMEOUT:-3}
# dscacheutil asks macOS's resolver (the hosts file included), as the release's lookups do;
# getent is the same question on Linux (tests, e2e).
DIAG_RESOLVER=${DIAG_RESOLVER:-}
if [[ -z $DIAG_RESOLVER ]]; then
  if command -v dscacheutil >/dev/null 2>&1; then DIAG_RESOLVER=dscacheutil; else DIAG_RESOLVER=getent; fi
fi
unset TAILSCALE_AUTH_KEY

work=$(mktemp -d "${TMPDIR:-/tmp}/diagnostics.XXXXXX") || exit 0
trap 'if [[ -n $BOUNDED_CHILD ]]; then kill -TERM "$BOUNDED_CHILD" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Anything that might have come from a credential is masked before it is printed.
redact() { sed -E 's/tskey-[A-Za-z0-9_-]+/[REDACTED]/g'; }

section() { printf '\n== %s\n' "$1"; }

section "tailscaled"
if run_bounded "$DIAG_CALL_TIMEOUT" "$TAILSCALE_BIN" status --json >"$work/status.json" 2>"$work/status.err"; then
  "$JQ_BIN" -r '
    "BackendState: \(.BackendState // "?")",
    "Self: \(.Self.DNSName // "?") \((.Self.TailscaleIPs // []) | join(" ")) tags=\((.Self.Tags // []) | join(","))",
    "MagicDNSSuffix: \(.CurrentTailnet.MagicDNSSuffix? // .MagicDNSSuffix // "?")",
    ((.Health // [])[] | "health: \(.)")
  ' "$work/status.json" 2>&1 | redact
else
  printf "'tailscale status --json' failed or timed out after %ss: %s\n" "$DIAG_CALL_TIMEOUT" "$(head -c 300 "$work/status.err" | tr '\n' ' ' | redact)"
fi

section "pinned hosts ($HOSTS_FILE)"
if [[ -r $HOSTS_FILE ]]; then
  awk '$0 == "# BEGIN tuist-tailnet-hosts" { on = 1; n = 0; next }
       $0 == "# END tuist-tailnet-hosts" { on = 0; found = 1; next }
       on && !/^#/ { print; n++ }
       END { if (!found) print "(no tuist-tailnet-hosts block)" }' "$HOSTS_FILE"
else
  echo "(not readable)"
fi

# resolve NAME: the addresses the system resolver gives NAME, space-separated.
resolve() {
  case $DIAG_RESOLVER in
    dscacheutil) run_bounded "$DIAG_CALL_TIMEOUT" dscacheutil -q host -a name "$1" 2>/dev/null |
      awk '$1 == "ip_address:" || $1 == "ipv6_address:" { printf "%s%s", sep, $2; sep = " " }' ;;
    *) run_bounded "$DIAG_CALL_TIMEOUT" getent hosts "$1" 2>/dev/null | awk '{ printf "%s%s", sep, $1; sep = " " }' ;;
  esac
}

default_port() {
  case $1 in
    postgres | postgresql) echo 5432 ;;
    http) echo 80 ;;
    https) echo 443 ;;
    grpc) echo 4317 ;;
    *) echo "" ;;
  esac
}

section "endpoints the environment dials"
found=0
while IFS= read -r name; do
  [[ $name == TAILSCALE_* ]] && continue
  value=${!name-}
  [[ $value =~ ^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$ ]] || continue
  scheme=$(printf '%s' "${BASH_REMATCH[1]}" | tr '[:upper:]' '[:lower:]') rest=${BASH_REMATCH[2]}
  authority=${rest%%[/?#]*} tail=${rest:${#authority}}
  userinfo="" hostport=$authority
  if [[ $authority == *@* ]]; then userinfo=${authority%@*} hostport=${authority##*@}; fi
  if [[ $hostport =~ ^\[([0-9A-Fa-f:.]+)\](:([0-9]+))?$ ]] || [[ $hostport =~ ^([^:]+)(:([0-9]+))?$ ]]; then
    host=${BASH_REMATCH[1]} port=${BASH_REMATCH[3]}
  else
    host=$hostport port=""
  fi
  [[ -n $port ]] || port=$(default_port "$scheme")
  # The URL as printed: user kept, password and query string never.
  shown_user=""
  if [[ -n $userinfo ]]; then
    if [[ $userinfo == *:* ]]; then shown_user="${userinfo%%:*}:[REDACTED]@"; else shown_user="[REDACTED]@"; fi
  fi
  path=${tail%%[?#]*}
  query=""
  [[ $tail == *\?* ]] && query="?[REDACTED]"
  found=$((found + 1))
  printf '%s = %s://%s%s%s%s\n' "$name" "$scheme" "$shown_user" "$hostport" "$path" "$query" | redact
  if [[ ! $host =~ ^[A-Za-z0-9.:-]+$ ]]; then
    echo "  host: not a host name; not probed"
    continue
  fi
  answer=$(resolve "$host")
  echo "  resolver ($DIAG_RESOLVER): $host -> ${answer:-NO ANSWER}"
  if [[ -z $port ]]; then
    echo "  tcp: no port in the URL and no default for $scheme; not probed"
  elif [[ -z $answer && ! $host =~ ^[0-9.]+$ ]]; then
    echo "  tcp $host:$port: not probed (the name does not resolve)"
  else
    start=$SECONDS rc=0
    # bash's /dev/tcp: the same on macOS and Linux, no nc flavour to guess; bounded.
    # shellcheck disable=SC2016 # expanded by the inner bash
    run_bounded "$DIAG_PROBE_TIMEOUT" "$BASH" -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>"$work/probe.err" || rc=$?
    if ((rc == 0)); then
      echo "  tcp $host:$port: open"
    elif ((rc >= 128)); then
      echo "  tcp $host:$port: no answer within ${DIAG_PROBE_TIMEOUT}s (filtered, or a stale pin)"
    else
      echo "  tcp $host:$port: failed after $((SECONDS - start))s: $(sed -E 's/^.*: //' "$work/probe.err" | head -n 1)"
    fi
  fi
done < <(compgen -e | sort)
((found > 0)) || echo "(no variable of the environment holds a URL)"
exit 0
