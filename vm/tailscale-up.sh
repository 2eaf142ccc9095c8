#!/usr/bin/env bash
# Join the tailnet at most once, then pin the peers this VM needs into the hosts file.
#
#   tailscale-up.sh                   boot: join if needed, wait for an IPv4, pin (boot-chain.sh)
#   tailscale-up.sh --refresh-hosts   refresh: re-pin only, never joins (launchd, every minute)
#
# Environment contract, bounds and exit codes: vm/README.md.
set -euo pipefail

export LC_ALL=C

readonly PROG=tailscale-up
case ${BASH_SOURCE[0]} in */*) SCRIPT_DIR=${BASH_SOURCE[0]%/*} ;; *) SCRIPT_DIR=. ;; esac
readonly SCRIPT_DIR
# shellcheck source=vm/lib.sh
source "$SCRIPT_DIR/lib.sh"
HOSTS_BLOCK_SCRIPT=${HOSTS_BLOCK_SCRIPT:-$SCRIPT_DIR/hosts-block.sh}
# boot-chain.sh retries only EXIT_RETRY; the others need a person.
readonly EXIT_RETRY=1 EXIT_CONFIG=2 EXIT_ADMIN=3


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
TAILSCALE_PIN_HOSTS=${TAILSCALE_PIN_HOSTS:-}
HOSTS_LOCK_WAIT_SECONDS=${HOSTS_LOCK_WAIT_SECONDS:-10}

# The credential lives in this shell variable only: children (the CLI, jq) never inherit it.
auth_key=${TAILSCALE_AUTH_KEY:-}
unset TAILSCALE_AUTH_KEY

readonly LABEL_RE='^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$'
readonly TAG='tag:[A-Za-z][A-Za-z0-9-]*'
readonly TAGS_RE="^$TAG(,$TAG)*\$"
# name=tag pairs: the DNS label a peer's MagicDNS name must start with, and the tag it must carry.
readonly PIN_HOSTS_RE="^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?=$TAG(,[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?=$TAG)*\$"

for var in TAILSCALED_WAIT_SECONDS IPV4_WAIT_SECONDS NOSTATE_SETTLE_SECONDS; do
  [[ ${!var} =~ ^[0-9]+$ ]] || die "$EXIT_CONFIG" "$var must be a whole number of seconds, got $(printf '%q' "${!var}")"
done
# 0 would mean "no bound": `tailscale up --timeout=0s` blocks forever.
for var in TAILSCALE_UP_TIMEOUT TAILSCALE_CALL_TIMEOUT HOSTS_LOCK_WAIT_SECONDS; do
  [[ ${!var} =~ ^[1-9][0-9]*$ ]] || die "$EXIT_CONFIG" "$var must be a positive whole number of seconds, got $(printf '%q' "${!var}")"
done
[[ $TAILSCALE_POLL_SECONDS =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
  die "$EXIT_CONFIG" "TAILSCALE_POLL_SECONDS must be a number of seconds, got $(printf '%q' "$TAILSCALE_POLL_SECONDS")"

[[ -n $TAILSCALE_PIN_HOSTS || -n $TAILSCALE_PEER_TAGS ]] ||
  die "$EXIT_CONFIG" "TAILSCALE_PIN_HOSTS and TAILSCALE_PEER_TAGS are both empty: set the names to pin and their tags, e.g. TAILSCALE_PIN_HOSTS=tuist-pg-pooler-staging=tag:tuist-pg-pooler-staging"
if [[ -n $TAILSCALE_PEER_TAGS && ! $TAILSCALE_PEER_TAGS =~ $TAGS_RE ]]; then
  die "$EXIT_CONFIG" "TAILSCALE_PEER_TAGS=$(printf '%q' "$TAILSCALE_PEER_TAGS") is not a comma-separated list of tag:<letter><letters, digits, ->"
fi
if [[ -n $TAILSCALE_PIN_HOSTS && ! $TAILSCALE_PIN_HOSTS =~ $PIN_HOSTS_RE ]]; then
  die "$EXIT_CONFIG" "TAILSCALE_PIN_HOSTS=$(printf '%q' "$TAILSCALE_PIN_HOSTS") is not a comma-separated list of <DNS label>=tag:<letter><letters, digits, -> (lowercase labels), e.g. tuist-pg-pooler-staging=tag:tuist-pg-pooler-staging"
fi

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
  fi
  # Always: an OAuth client secret registers only tagged devices (the CLI refuses it without
  # --advertise-tags), and a pre-auth key's tags must match what the node asks for.
  [[ -n $TAILSCALE_TAGS ]] ||
    die "$EXIT_CONFIG" "TAILSCALE_TAGS is empty: set the VM's tag (the Deployment renders it from the environment's VM tag), e.g. tag:tuist-macmini-staging"
  [[ $TAILSCALE_TAGS =~ $TAGS_RE ]] ||
    die "$EXIT_CONFIG" "TAILSCALE_TAGS=$(printf '%q' "$TAILSCALE_TAGS") is not a comma-separated list of tag:<letter><letters, digits, ->"
  [[ -n $TAILSCALE_HOSTNAME ]] || die "$EXIT_CONFIG" "TAILSCALE_HOSTNAME is empty: set it to the Pod name (Downward API metadata.name)"
  [[ $TAILSCALE_HOSTNAME =~ $LABEL_RE ]] ||
    die "$EXIT_CONFIG" "TAILSCALE_HOSTNAME=$(printf '%q' "$TAILSCALE_HOSTNAME") is not one DNS label (letters, digits, -, at most 63 characters)"
fi

command -v "$TAILSCALE_BIN" >/dev/null 2>&1 ||
  die "$EXIT_CONFIG" "tailscale CLI not found (TAILSCALE_BIN=$(printf '%q' "$TAILSCALE_BIN")); the image installs it with brew"
command -v "$JQ_BIN" >/dev/null 2>&1 ||
  die "$EXIT_CONFIG" "jq not found (JQ_BIN=$(printf '%q' "$JQ_BIN")); the image installs it with brew"
[[ $HOSTS_FILE == */* && -d ${HOSTS_FILE%/*}/ ]] || die "$EXIT_CONFIG" "the directory of HOSTS_FILE=$(printf '%q' "$HOSTS_FILE") does not exist"
[[ -x $HOSTS_BLOCK_SCRIPT ]] || die "$EXIT_CONFIG" "$(printf '%q' "$HOSTS_BLOCK_SCRIPT") is missing; the image installs it beside this script"

# --- private scratch space, removed on every exit path ------------------------------------

umask 077
workdir=$(mktemp -d "${TMPDIR:-/tmp}/tailscale-up.XXXXXX")
cleanup() {
  if [[ -n $BOUNDED_CHILD ]]; then kill -TERM "$BOUNDED_CHILD" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# One boot attempt ends within this many seconds (vm/README.md, "Time bounds"): every call
# and every wait below is clipped to it, so the sum holds even when each call times out.
attempt_deadline=$((SECONDS + TAILSCALED_WAIT_SECONDS + NOSTATE_SETTLE_SECONDS + TAILSCALE_UP_TIMEOUT + IPV4_WAIT_SECONDS + 4 * TAILSCALE_CALL_TIMEOUT))
# call_bound [DEADLINE]: the bound of one CLI call: CALL_TIMEOUT, clipped to DEADLINE and to the attempt.
call_bound() {
  local deadline=${1:-$attempt_deadline}
  if ((deadline > attempt_deadline)); then deadline=$attempt_deadline; fi
  remaining_secs "$deadline" "$TAILSCALE_CALL_TIMEOUT"
}
over_attempt_bound() { ((SECONDS >= attempt_deadline)); }

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
# read_status [DEADLINE]: one bounded `tailscale status --json`; sets backend_state.
read_status() {
  backend_state=""
  run_bounded "$(call_bound "${1:-}")" "$TAILSCALE_BIN" status --json >"$workdir/status.json" 2>"$workdir/status.err" || return 1
  backend_state=$("$JQ_BIN" -r '.BackendState | strings' "$workdir/status.json" 2>/dev/null) || return 1
  [[ $backend_state =~ ^[A-Za-z]+$ ]]
}

wait_for_tailscaled() {
  local deadline=$((SECONDS + TAILSCALED_WAIT_SECONDS))
  until read_status "$deadline"; do
    if ((SECONDS >= deadline)) || over_attempt_bound; then
      die "$EXIT_RETRY" "tailscaled did not answer 'tailscale status --json' within ${TAILSCALED_WAIT_SECONDS}s: $(first_line "$workdir/status.err")"
    fi
    sleep "$TAILSCALE_POLL_SECONDS"
  done
  # NoState is also what a restarting tailscaled reports before it has read its state file;
  # give it a moment so a node that is already joined is not registered again. A call that
  # fails or times out here says nothing about the state: it is never taken for NoState.
  if [[ $backend_state == NoState ]]; then
    deadline=$((SECONDS + NOSTATE_SETTLE_SECONDS))
    local last=NoState
    while [[ $last == NoState ]] && ((SECONDS < deadline)) && ! over_attempt_bound; do
      sleep "$TAILSCALE_POLL_SECONDS"
      if read_status "$deadline"; then last=$backend_state; else last=NoState; fi
    done
    backend_state=$last
  fi
  log "tailscaled answered: BackendState=$backend_state"
}

# Right before a join: the state must have been read successfully just now and still say
# "logged out". A state that settled during a timed-out call is seen here, not joined over.
confirm_logged_out() {
  read_status || die "$EXIT_RETRY" "tailscaled did not answer right before joining; not joining blind (the next attempt reads the state again)"
  case $backend_state in
    NeedsLogin | NoState) return 0 ;;
    Running | Starting)
      log "BackendState is now $backend_state (it settled while we waited): not joining"
      return 1
      ;;
    *) die "$EXIT_RETRY" "BackendState changed to $backend_state right before joining; not joining (the next attempt acts on it)" ;;
  esac
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
    if run_bounded "$(call_bound "$deadline")" "$TAILSCALE_BIN" ip -4 >"$workdir/ip4" 2>"$workdir/ip4.err"; then
      IFS= read -r ip <"$workdir/ip4" || true
      if valid_ipv4 "$ip"; then
        log "tailnet IPv4: $ip"
        return 0
      fi
    fi
    if ((SECONDS >= deadline)) || over_attempt_bound; then
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
    "--advertise-tags=$TAILSCALE_TAGS" "--timeout=${TAILSCALE_UP_TIMEOUT}s")
  # printf is a builtin: the secret reaches the file without ever being an argv. An OAuth
  # client secret gets the parameters the CLI reads from it (tailscale/tailscale
  # feature/oauthkey/oauthkey.go, resolveAuthKey: "tskey-client-xxxx[?ephemeral=BOOL&
  # preauthorized=BOOL&baseURL=...]", ephemeral defaults to true, preauthorized to false);
  # any other key is passed unchanged.
  if [[ $oauth == true ]]; then
    printf '%s?ephemeral=true&preauthorized=true\n' "$auth_key" >"$secret_file"
  else
    printf '%s\n' "$auth_key" >"$secret_file"
  fi
  log "joining the tailnet as $TAILSCALE_HOSTNAME (tags: $TAILSCALE_TAGS; at most ${TAILSCALE_UP_TIMEOUT}s)"
  run_bounded "$(remaining_secs "$attempt_deadline" $((TAILSCALE_UP_TIMEOUT + TAILSCALE_CALL_TIMEOUT)))" "$TAILSCALE_BIN" "${args[@]}" >"$workdir/up.out" 2>&1 || rc=$?
  rm -f "$secret_file"
  redact <"$workdir/up.out" >&2
  if ((rc != 0)); then
    # A join can succeed while its CLI call times out: look before calling it a failure, so
    # that the next attempt does not register the node a second time.
    if read_status && [[ $backend_state == Running || $backend_state == Starting ]]; then
      log "'tailscale up' exited $rc, but the node is $backend_state: joined"
      return 0
    fi
    die "$EXIT_RETRY" "'tailscale up' failed (exit $rc); the next attempt sees the node's state and joins only if it is still logged out"
  fi
  log "joined"
}

# A logged-in node that was taken down: bring it up with the settings it has.
bring_up() {
  local rc=0
  log "node is logged in but stopped; running 'tailscale up' with its existing settings (at most ${TAILSCALE_UP_TIMEOUT}s)"
  # Bare on purpose: any flag, --timeout included, makes `up` demand every current setting
  # again; run_bounded is the bound instead.
  run_bounded "$(remaining_secs "$attempt_deadline" "$TAILSCALE_UP_TIMEOUT")" "$TAILSCALE_BIN" up >"$workdir/up.out" 2>&1 || rc=$?
  redact <"$workdir/up.out" >&2
  ((rc == 0)) || die "$EXIT_RETRY" "'tailscale up' on a stopped node failed (exit $rc)"
}

# --- pinning -----------------------------------------------------------------------------

# Tailnet data is untrusted. A name is pinned only from a peer whose MagicDNS name is exactly
# "<name>.<the tailnet's MagicDNS suffix>." (the control plane assigns it and keeps it unique
# in the tailnet; HostName is only what a device claims, and is never used) and which carries
# the tag expected for that name: TAILSCALE_PIN_HOSTS' tag for the names it lists, one of
# TAILSCALE_PEER_TAGS for any other. Everything skipped is logged, quoted with tojson.
# Emits "H<TAB><ipv4> <name> <fqdn>" for the block and "L<TAB><message>" for the log, in one
# pass over the status (10,000 peers take well under a second).
# shellcheck disable=SC2016 # jq program, not shell
readonly PIN_JQ='
def ipv4_ok: test("\\A((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\z");
def ipv4_num: split(".") | map(tonumber) | .[0] * 16777216 + .[1] * 65536 + .[2] * 256 + .[3];
def label_ok: test("\\A[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\z");
def fqdn_ok: length <= 253 and (split(".") | length >= 2 and all(label_ok));
def reserved: IN("localhost", "broadcasthost", "ip6-localhost", "ip6-loopback");
def strs: if type == "array" then [.[] | strings] else [] end;

( [.CurrentTailnet.MagicDNSSuffix?, .MagicDNSSuffix] | map(strings | select(length > 0)) | unique ) as $suffixes
| if ($suffixes | length) != 1 or ($suffixes[0] | fqdn_ok | not) then
    "E\tthe status names no single valid MagicDNS suffix (MagicDNSSuffix / CurrentTailnet.MagicDNSSuffix: \($suffixes | tojson))"
  else
    $suffixes[0] as $suffix
    | ($pin_hosts | if . == "" then [] else split(",") | map(split("=") | {key: .[0], value: .[1]}) end | from_entries) as $expected
    | ($peer_tags | if . == "" then [] else split(",") end) as $generic
    | ($expected | [.[]]) as $pin_tags
    | [ (.Peer | if type == "object" then to_entries[] else empty end)
        | select(.value | type == "object")
        | .key as $key | .value as $p
        | ($p.Tags | strs) as $tags
        | select(any($tags[]; IN($generic[]) or IN($pin_tags[])))
        | ($p.DNSName | if type == "string" then . else "" end) as $dns
        | ($dns | rtrimstr("." + $suffix + ".")) as $name
        | if ($dns | endswith("." + $suffix + ".") | not) or ($name | label_ok | not) then
            {log: "skipped peer \($key | tojson): its MagicDNS name \($dns | tojson) is not <label>.\($suffix)."}
          elif ($name | reserved) then
            {log: "skipped peer \($key | tojson): MagicDNS name \($dns | tojson) is reserved"}
          elif ($expected | has($name)) and (any($tags[]; . == $expected[$name]) | not) then
            {log: "refused peer \($key | tojson) for \($name): it lacks the expected tag \($expected[$name]) (tags: \($tags | tojson))"}
          elif ($expected | has($name) | not) and (any($tags[]; IN($generic[])) | not) then
            empty
          else
            ([$p.TailscaleIPs | strs | .[] | select(ipv4_ok)] | sort_by(ipv4_num) | .[0]) as $ip
            | if $ip == null then {log: "skipped peer \($key | tojson) (\($name)): no IPv4 in TailscaleIPs"}
              else {name: $name, ip: $ip, key: $key} end
          end ] as $events
    | ($events | map(select(has("log")) | .log) | unique | .[] | "L\t\(.)"),
      ( $events | map(select(has("name"))) | group_by(.name) | map(
          if length > 1 then {log: "name \(.[0].name) is claimed by \(length) peers (\(map(.ip) | join(", "))): left unpinned"}
          else .[0] end ) ) as $pins
      | ($pins | map(select(has("log")) | "L\t\(.log)") | .[]),
        ( ($pins | map(select(has("name")) | .name)) as $held
          | $expected | keys[] | select(IN($held[]) | not)
          | "L\tname \(.) (expected tag \($expected[.])): no valid peer holds it; left unpinned" ),
        ( $pins | map(select(has("name"))) | sort_by([(.ip | ipv4_num), .name])[]
          | "H\t\(.ip) \(.name) \(.name).\($suffix)" )
  end
'

pin_hosts() {
  local pinned=0 summary="" rc=0 line=""
  "$JQ_BIN" -r --arg peer_tags "$TAILSCALE_PEER_TAGS" --arg pin_hosts "$TAILSCALE_PIN_HOSTS" "$PIN_JQ" \
    "$workdir/status.json" >"$workdir/pins" 2>"$workdir/pins.err" ||
    die "$EXIT_RETRY" "could not read the peers from 'tailscale status --json': $(first_line "$workdir/pins.err")"
  if IFS= read -r line <"$workdir/pins" && [[ $line == E$'\t'* ]]; then
    die "$EXIT_RETRY" "${line#E$'\t'}; not touching $HOSTS_FILE"
  fi
  # One awk pass splits the block from the log lines (no process per line) and sums it up.
  utc_now
  awk -F '\t' -v block="$workdir/block" -v prefix="$utc_now $PROG: " '
    $1 == "H" { print $2 > block; n++; if (length(s) < 2000) s = s (n > 1 ? "; " : "") $2; next }
    $1 == "L" { print prefix $2 > "/dev/stderr" }
    END { close(block); print n + 0; print s }
  ' "$workdir/pins" >"$workdir/pins.summary"
  { read -r pinned && IFS= read -r summary; } <"$workdir/pins.summary" || true
  [[ -e $workdir/block ]] || : >"$workdir/block"
  if ((pinned == 0)); then log "warning: no valid peer to pin; the block is empty"; fi
  HOSTS_FILE=$HOSTS_FILE HOSTS_LOCK_WAIT_SECONDS=$HOSTS_LOCK_WAIT_SECONDS "$HOSTS_BLOCK_SCRIPT" "$workdir/block" || rc=$?
  ((rc == 0)) || die "$EXIT_RETRY" "$HOSTS_FILE was not updated (see the hosts-block line above); $pinned peers would have been pinned"
  log "$pinned pinned: ${summary:0:2000}"
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
  NeedsLogin | NoState)
    if confirm_logged_out; then join_tailnet; fi
    ;;
  NeedsMachineAuth)
    die "$EXIT_ADMIN" "this device waits for approval (NeedsMachineAuth): approve it in the admin console, or use a pre-authorized credential"
    ;;
  *) die "$EXIT_ADMIN" "unexpected BackendState=$backend_state; not touching the node" ;;
esac
wait_for_ipv4
read_status || die "$EXIT_RETRY" "tailscaled stopped answering 'tailscale status --json': $(first_line "$workdir/status.err")"
pin_hosts
