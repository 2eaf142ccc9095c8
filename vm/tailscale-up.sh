#!/usr/bin/env bash
# Join the tailnet at most once, then pin the peers this VM needs into the hosts file.
#
#   tailscale-up.sh                   boot: join if needed, wait for an IPv4, pin (boot-chain.sh)
#   tailscale-up.sh --refresh-hosts   refresh: re-pin only, never joins (launchd, every minute)
#
# Environment contract, bounds and exit codes: vm/README.md.
set -euo pipefail

readonly PROG=tailscale-up
readonly BLOCK_BEGIN='# BEGIN tuist-tailnet-hosts'
readonly BLOCK_END='# END tuist-tailnet-hosts'
readonly BLOCK_NOTE='# Managed by tailscale-up.sh from "tailscale status --json"; edits inside this block are overwritten.'
# boot-chain.sh retries only EXIT_RETRY; the others need a person.
readonly EXIT_RETRY=1 EXIT_CONFIG=2 EXIT_ADMIN=3

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PROG" "$*" >&2; }
die() {
  local code=$1
  shift
  log "error: $*"
  exit "$code"
}

usage() {
  cat <<'EOF'
usage: tailscale-up.sh [--refresh-hosts]
  (no argument)    join the tailnet if this node is not on it yet, then pin peers into HOSTS_FILE
  --refresh-hosts  re-pin peers only; never joins and needs no credential
See vm/README.md for the environment variables.
EOF
}

mode=boot
case $# in
  0) ;;
  1)
    case $1 in
      --refresh-hosts) mode=refresh ;;
      -h | --help) usage && exit 0 ;;
      *) usage >&2 && exit "$EXIT_CONFIG" ;;
    esac
    ;;
  *) usage >&2 && exit "$EXIT_CONFIG" ;;
esac

# --- configuration (validated before anything is touched) -------------------------------

TAILSCALE_BIN=${TAILSCALE_BIN:-tailscale}
JQ_BIN=${JQ_BIN:-jq}
HOSTS_FILE=${HOSTS_FILE:-/etc/hosts}
TAILSCALED_WAIT_SECONDS=${TAILSCALED_WAIT_SECONDS:-60}
TAILSCALE_UP_TIMEOUT=${TAILSCALE_UP_TIMEOUT:-60}
IPV4_WAIT_SECONDS=${IPV4_WAIT_SECONDS:-60}
TAILSCALE_CALL_TIMEOUT=${TAILSCALE_CALL_TIMEOUT:-15}
NOSTATE_SETTLE_SECONDS=${NOSTATE_SETTLE_SECONDS:-5}
TAILSCALE_POLL_SECONDS=${TAILSCALE_POLL_SECONDS:-1}
TAILSCALE_HOSTNAME=${TAILSCALE_HOSTNAME:-}
TAILSCALE_TAGS=${TAILSCALE_TAGS:-}
TAILSCALE_PEER_TAGS=${TAILSCALE_PEER_TAGS:-}

# The credential lives in this shell variable only: children (the CLI, jq) never inherit it.
auth_key=${TAILSCALE_AUTH_KEY:-}
unset TAILSCALE_AUTH_KEY

readonly LABEL_RE='^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$'
readonly TAGS_RE='^tag:[A-Za-z][A-Za-z0-9-]*(,tag:[A-Za-z][A-Za-z0-9-]*)*$'

for var in TAILSCALED_WAIT_SECONDS IPV4_WAIT_SECONDS NOSTATE_SETTLE_SECONDS; do
  [[ ${!var} =~ ^[0-9]+$ ]] || die "$EXIT_CONFIG" "$var must be a whole number of seconds, got $(printf '%q' "${!var}")"
done
# 0 would mean "no bound": `tailscale up --timeout=0s` blocks forever.
for var in TAILSCALE_UP_TIMEOUT TAILSCALE_CALL_TIMEOUT; do
  [[ ${!var} =~ ^[1-9][0-9]*$ ]] || die "$EXIT_CONFIG" "$var must be a positive whole number of seconds, got $(printf '%q' "${!var}")"
done
[[ $TAILSCALE_POLL_SECONDS =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
  die "$EXIT_CONFIG" "TAILSCALE_POLL_SECONDS must be a number of seconds, got $(printf '%q' "$TAILSCALE_POLL_SECONDS")"

[[ -n $TAILSCALE_PEER_TAGS ]] ||
  die "$EXIT_CONFIG" "TAILSCALE_PEER_TAGS is empty: set the tags of the peers to pin, e.g. tag:tuist-k8s-staging"
[[ $TAILSCALE_PEER_TAGS =~ $TAGS_RE ]] ||
  die "$EXIT_CONFIG" "TAILSCALE_PEER_TAGS=$(printf '%q' "$TAILSCALE_PEER_TAGS") is not a comma-separated list of tag:<letter><letters, digits, ->"

oauth=false
if [[ $mode == boot ]]; then
  [[ -n $auth_key ]] ||
    die "$EXIT_CONFIG" "TAILSCALE_AUTH_KEY is empty: refusing to start without a tailnet credential (the Deployment injects it from the macOS-fleet Secret)"
  # Printable, no whitespace: the CLI trims the file, and anything else is not a key.
  [[ $auth_key =~ ^[[:graph:]]+$ ]] || die "$EXIT_CONFIG" "TAILSCALE_AUTH_KEY is malformed (it contains whitespace or control characters)"
  if [[ $auth_key == tskey-client-* ]]; then
    oauth=true
    [[ $auth_key != *\?* ]] ||
      die "$EXIT_CONFIG" "TAILSCALE_AUTH_KEY is an OAuth client secret with parameters; pass the bare secret, this script adds ?ephemeral=true&preauthorized=true"
    [[ -n $TAILSCALE_TAGS ]] ||
      die "$EXIT_CONFIG" "TAILSCALE_AUTH_KEY is an OAuth client secret, which can only register tagged devices: set TAILSCALE_TAGS, e.g. tag:tuist-macmini-staging"
  fi
  if [[ -n $TAILSCALE_TAGS && ! $TAILSCALE_TAGS =~ $TAGS_RE ]]; then
    die "$EXIT_CONFIG" "TAILSCALE_TAGS=$(printf '%q' "$TAILSCALE_TAGS") is not a comma-separated list of tag:<letter><letters, digits, ->"
  fi
  [[ -n $TAILSCALE_HOSTNAME ]] || die "$EXIT_CONFIG" "TAILSCALE_HOSTNAME is empty: set it to the Pod name (Downward API metadata.name)"
  [[ $TAILSCALE_HOSTNAME =~ $LABEL_RE ]] ||
    die "$EXIT_CONFIG" "TAILSCALE_HOSTNAME=$(printf '%q' "$TAILSCALE_HOSTNAME") is not one DNS label (letters, digits, -, at most 63 characters)"
fi

command -v "$TAILSCALE_BIN" >/dev/null 2>&1 ||
  die "$EXIT_CONFIG" "tailscale CLI not found (TAILSCALE_BIN=$(printf '%q' "$TAILSCALE_BIN")); the image installs it with brew"
command -v "$JQ_BIN" >/dev/null 2>&1 ||
  die "$EXIT_CONFIG" "jq not found (JQ_BIN=$(printf '%q' "$JQ_BIN")); the image installs it with brew"
hosts_dir=$(dirname "$HOSTS_FILE")
[[ -d $hosts_dir ]] || die "$EXIT_CONFIG" "the directory of HOSTS_FILE=$(printf '%q' "$HOSTS_FILE") does not exist"

# --- private scratch space, removed on every exit path ------------------------------------

umask 077
workdir=$(mktemp -d "${TMPDIR:-/tmp}/tailscale-up.XXXXXX")
child_pid=""
hosts_tmp=""
cleanup() {
  if [[ -n $child_pid ]]; then kill -TERM "$child_pid" 2>/dev/null || true; fi
  if [[ -n $hosts_tmp ]]; then rm -f "$hosts_tmp"; fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# run_bounded SECONDS CMD...: a wedged tailscaled must not hang the boot (design item 8).
# The watchdog's output goes to /dev/null so no caller ever waits on it.
run_bounded() {
  local secs=$1
  shift
  "$@" &
  child_pid=$!
  (
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep "$secs" &
    sleeper=$!
    wait "$sleeper"
    kill -TERM "$child_pid" 2>/dev/null || exit 0
    sleep 2
    kill -KILL "$child_pid" 2>/dev/null || true
  ) >/dev/null 2>&1 &
  local watchdog=$! rc=0
  wait "$child_pid" || rc=$?
  kill -TERM "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  child_pid=""
  return "$rc"
}

# Whatever the CLI prints goes through here: a control-plane error may echo the key.
redact() {
  local line
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line//"$auth_key"/[REDACTED]}
    while [[ $line =~ tskey-[A-Za-z0-9_-]+ ]]; do
      line=${line//"${BASH_REMATCH[0]}"/[REDACTED]}
    done
    printf '  | %s\n' "$line"
  done
}

# First line of a CLI's stderr, for error messages.
first_line() {
  local line=""
  IFS= read -r line <"$1" || true
  printf '%s' "${line:0:200}"
}

# --- reading the state -------------------------------------------------------------------

backend_state=""
read_status() {
  backend_state=""
  run_bounded "$TAILSCALE_CALL_TIMEOUT" "$TAILSCALE_BIN" status --json >"$workdir/status.json" 2>"$workdir/status.err" || return 1
  backend_state=$("$JQ_BIN" -r '.BackendState | strings' "$workdir/status.json" 2>/dev/null) || return 1
  [[ $backend_state =~ ^[A-Za-z]+$ ]]
}

wait_for_tailscaled() {
  local deadline=$((SECONDS + TAILSCALED_WAIT_SECONDS))
  until read_status; do
    if ((SECONDS >= deadline)); then
      die "$EXIT_RETRY" "tailscaled did not answer 'tailscale status --json' within ${TAILSCALED_WAIT_SECONDS}s: $(first_line "$workdir/status.err")"
    fi
    sleep "$TAILSCALE_POLL_SECONDS"
  done
  # NoState is also what a restarting tailscaled reports before it has read its state file;
  # give it a moment so a node that is already joined is not registered again.
  if [[ $backend_state == NoState ]]; then
    deadline=$((SECONDS + NOSTATE_SETTLE_SECONDS))
    while [[ $backend_state == NoState ]] && ((SECONDS < deadline)); do
      sleep "$TAILSCALE_POLL_SECONDS"
      read_status || backend_state=NoState
    done
  fi
  log "tailscaled answered: BackendState=$backend_state"
}

valid_ipv4() {
  local IFS=. octet
  [[ $1 =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || return 1
  for octet in $1; do
    ((10#$octet <= 255)) || return 1
  done
}

wait_for_ipv4() {
  local deadline=$((SECONDS + IPV4_WAIT_SECONDS)) ip=""
  while :; do
    if run_bounded "$TAILSCALE_CALL_TIMEOUT" "$TAILSCALE_BIN" ip -4 >"$workdir/ip4" 2>"$workdir/ip4.err"; then
      IFS= read -r ip <"$workdir/ip4" || true
      if valid_ipv4 "$ip"; then
        log "tailnet IPv4: $ip"
        return 0
      fi
    fi
    if ((SECONDS >= deadline)); then
      die "$EXIT_RETRY" "no tailnet IPv4 within ${IPV4_WAIT_SECONDS}s: $(first_line "$workdir/ip4.err")"
    fi
    sleep "$TAILSCALE_POLL_SECONDS"
  done
}

# --- joining -----------------------------------------------------------------------------

join_tailnet() {
  local secret_file="$workdir/auth-key" rc=0
  # --reset only here, on a node that is not logged in: our flags are then the complete set
  # of settings. Never on a joined node (the reference re-registered on every restart).
  local -a args=(up --reset "--auth-key=file:$secret_file" "--hostname=$TAILSCALE_HOSTNAME" --ssh=true
    "--timeout=${TAILSCALE_UP_TIMEOUT}s")
  if [[ -n $TAILSCALE_TAGS ]]; then args+=("--advertise-tags=$TAILSCALE_TAGS"); fi
  # printf is a builtin: the secret reaches the file without ever being an argv.
  if [[ $oauth == true ]]; then
    printf '%s?ephemeral=true&preauthorized=true\n' "$auth_key" >"$secret_file"
  else
    printf '%s\n' "$auth_key" >"$secret_file"
  fi
  log "joining the tailnet as $TAILSCALE_HOSTNAME (tags: ${TAILSCALE_TAGS:-from the key}; at most ${TAILSCALE_UP_TIMEOUT}s)"
  run_bounded $((TAILSCALE_UP_TIMEOUT + TAILSCALE_CALL_TIMEOUT)) "$TAILSCALE_BIN" "${args[@]}" >"$workdir/up.out" 2>&1 || rc=$?
  rm -f "$secret_file"
  redact <"$workdir/up.out" >&2
  ((rc == 0)) || die "$EXIT_RETRY" "'tailscale up' failed (exit $rc); the next attempt sees the node's state and joins only if it is still logged out"
  log "joined"
}

# A logged-in node that was taken down: bring it up with the settings it has.
bring_up() {
  local rc=0
  log "node is logged in but stopped; running 'tailscale up' with its existing settings (at most ${TAILSCALE_UP_TIMEOUT}s)"
  # Bare on purpose: any flag, --timeout included, makes `up` demand every current setting
  # again; run_bounded is the bound instead.
  run_bounded "$TAILSCALE_UP_TIMEOUT" "$TAILSCALE_BIN" up >"$workdir/up.out" 2>&1 || rc=$?
  redact <"$workdir/up.out" >&2
  ((rc == 0)) || die "$EXIT_RETRY" "'tailscale up' on a stopped node failed (exit $rc)"
}

# --- pinning -----------------------------------------------------------------------------

# Tailnet data is untrusted: every name is validated, every message quotes with tojson.
# Emits "H<TAB><ipv4> <names...>" for the block and "L<TAB><message>" for the log.
# A name claimed by several peers goes to: an online peer first, then the peer whose MagicDNS
# name is exactly that name, then the lowest IPv4, then the lowest node key.
# shellcheck disable=SC2016 # jq program, not shell
readonly PIN_JQ='
def ipv4_ok: test("\\A((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\z");
def ipv4_num: split(".") | map(tonumber) | .[0] * 16777216 + .[1] * 65536 + .[2] * 256 + .[3];
def label_ok: test("\\A[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\z");
def fqdn_ok: length <= 253 and (split(".") | length >= 2 and all(label_ok));
def reserved: IN("localhost", "broadcasthost", "ip6-localhost", "ip6-loopback");

($peer_tags | split(",")) as $want
| [ (.Peer | if type == "object" then to_entries[] else empty end)
    | select(.value | type == "object")
    | select(any(.value.Tags | if type == "array" then .[] else empty end; IN($want[]))) ] as $peers
| [ $peers[]
    | . as $p
    | ([$p.value.TailscaleIPs | if type == "array" then .[] else empty end | strings | select(ipv4_ok)] | sort_by(ipv4_num) | .[0]) as $ip
    | if $ip == null then {log: "skipped peer \($p.key | tojson) (HostName \($p.value.HostName | tojson)): no IPv4 in TailscaleIPs"}
      else
        ( ($p.value.HostName | strings | ascii_downcase) as $h
          | if ($h | label_ok) and ($h | reserved | not) then {name: $h, fqdn: false}
            else {log: "skipped HostName \($p.value.HostName | tojson) of peer \($p.key | tojson): not a DNS label of at most 63 characters, or reserved"} end ),
        ( ($p.value.DNSName | strings | select(length > 0)) as $raw
          | ($raw | rtrimstr(".") | ascii_downcase) as $d
          | if ($d | fqdn_ok) and ($d | split(".")[0] | reserved | not)
            then {name: ($d | split(".")[0]), fqdn: false}, {name: $d, fqdn: true}
            else {log: "skipped DNSName \($raw | tojson) of peer \($p.key | tojson): not a valid DNS name, or reserved"} end )
        | if has("name") then . + {ip: $ip, key: $p.key, online: ($p.value.Online == true),
                                   canonical: ((($p.value.DNSName | strings | split(".")[0] | ascii_downcase) // "") == .name)}
          else . end
      end
] as $events
| ($events | map(select(has("log"))) | unique | .[] | "L\t\(.log)"),
  ( [ $events | map(select(has("name"))) | unique_by([.name, .key]) | group_by(.name)[]
      | sort_by([(.online | not), (.canonical | not), (.ip | ipv4_num), .key])
      | (if (map(.ip) | unique | length) > 1
         then {log: "name \(.[0].name) is claimed by \(length) peers; pinned \(.[0].ip) (online: \(.[0].online)), ignored \([.[1:][] | .ip] | join(", "))"}
         else empty end),
        .[0] ]
    | (map(select(has("log"))) | .[] | "L\t\(.log)"),
      ( map(select(has("name"))) | group_by(.ip) | sort_by(.[0].ip | ipv4_num)[]
        | "H\t\(.[0].ip) \(sort_by([.fqdn, .name]) | map(.name) | join(" "))" ) )
'

pin_hosts() {
  local kind rest pinned=0
  "$JQ_BIN" -r --arg peer_tags "$TAILSCALE_PEER_TAGS" "$PIN_JQ" "$workdir/status.json" >"$workdir/pins" ||
    die "$EXIT_RETRY" "could not read the peers from 'tailscale status --json'"
  {
    printf '%s\n%s\n' "$BLOCK_BEGIN" "$BLOCK_NOTE"
    while IFS=$'\t' read -r kind rest; do
      case $kind in
        H)
          printf '%s\n' "$rest"
          log "pin: $rest"
          pinned=$((pinned + 1))
          ;;
        L) log "$rest" ;;
      esac
    done <"$workdir/pins"
    printf '%s\n' "$BLOCK_END"
  } >"$workdir/block"
  if ((pinned == 0)); then log "warning: no peer tagged $TAILSCALE_PEER_TAGS has a usable IPv4 and name; the block is empty"; fi

  local current="$HOSTS_FILE"
  if [[ ! -e $HOSTS_FILE ]]; then
    current="$workdir/empty"
    : >"$current"
  fi
  hosts_tmp=$(mktemp "$hosts_dir/.hosts.tailscale-up.XXXXXX")
  # Lines outside the block are copied as they are; the block goes where it was, else last.
  local rc=0
  awk -v begin="$BLOCK_BEGIN" -v end="$BLOCK_END" -v blockfile="$workdir/block" '
    BEGIN { while ((getline line < blockfile) > 0) block = block line "\n" }
    index($0, begin) == 1 { if (inside) { bad = 1; exit } inside = 1; if (!placed) { printf "%s", block; placed = 1 } next }
    index($0, end) == 1   { if (!inside) { bad = 1; exit } inside = 0; next }
    inside { next }
    { print }
    END { if (bad || inside) exit 3; if (!placed) printf "%s", block }
  ' "$current" >"$hosts_tmp" || rc=$?
  if ((rc != 0)); then
    die "$EXIT_RETRY" "$HOSTS_FILE has unbalanced '$BLOCK_BEGIN' / '$BLOCK_END' markers; fix them by hand (nothing was written)"
  fi
  if [[ -e $HOSTS_FILE ]] && cmp -s "$hosts_tmp" "$HOSTS_FILE"; then
    log "$HOSTS_FILE already up to date ($pinned pinned)"
    return 0
  fi
  chmod 0644 "$hosts_tmp"
  if ! mv -f "$hosts_tmp" "$HOSTS_FILE" 2>"$workdir/mv.err"; then
    # A bind-mounted hosts file (containers, test namespaces) cannot be renamed over.
    log "renaming over $HOSTS_FILE failed ($(first_line "$workdir/mv.err")); rewriting it in place"
    cat "$hosts_tmp" >"$HOSTS_FILE" || die "$EXIT_RETRY" "could not write $HOSTS_FILE"
    rm -f "$hosts_tmp"
  fi
  hosts_tmp=""
  log "$HOSTS_FILE updated ($pinned pinned)"
}

# --- main --------------------------------------------------------------------------------

if [[ $mode == refresh ]]; then
  read_status || die "$EXIT_RETRY" "tailscaled did not answer 'tailscale status --json': $(first_line "$workdir/status.err")"
  if [[ $backend_state != Running ]]; then
    log "BackendState=$backend_state, not Running: leaving $HOSTS_FILE as it is (joining is the boot chain's job)"
    exit 0
  fi
  pin_hosts
  exit 0
fi

wait_for_tailscaled
case $backend_state in
  Running | Starting) log "already on the tailnet: not joining" ;;
  Stopped) bring_up ;;
  NeedsLogin | NoState) join_tailnet ;;
  NeedsMachineAuth)
    die "$EXIT_ADMIN" "this device waits for approval (NeedsMachineAuth): approve it in the admin console, or use a pre-authorized credential"
    ;;
  *) die "$EXIT_ADMIN" "unexpected BackendState=$backend_state; not touching the node" ;;
esac
wait_for_ipv4
read_status || die "$EXIT_RETRY" "tailscaled stopped answering 'tailscale status --json': $(first_line "$workdir/status.err")"
pin_hosts
