#!/usr/bin/env bash
# End to end, on this machine only: the path the seed change validated on staging.
#
#   "VM" netns ── libc resolves the pooler's tailnet hostname through the /etc/hosts block
#   that vm/tailscale-up.sh pinned ──► :5432 ── veth ──► "cluster" netns: PgBouncer, set up
#   from the synthesized Pooler ──► PostgreSQL (the primary)
#
# connecting with exactly the URL the synthesized ExternalSecret template renders.
# Needs root (network and mount namespaces); where those are unavailable it says why and
# skips. Uses only loopback and LINK_NET, which exists only inside the namespaces it creates.
# Prints "e2e: N passed, M failed" last; exits non-zero on any failure.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test/e2e/lib/harness.bash
source "$REPO/test/e2e/lib/harness.bash"
# shellcheck source=test/e2e/lib/cluster.bash
source "$REPO/test/e2e/lib/cluster.bash"
# shellcheck source=test/e2e/lib/vm.bash
source "$REPO/test/e2e/lib/vm.bash"

ENVIRONMENT=${E2E_ENVIRONMENT:-staging}
readonly LINK_NET=10.213.0.0/29 CLUSTER_ADDR=10.213.0.1 VM_ADDR=10.213.0.2 LINK_PREFIX=29
# On the link, held by nobody: what a stale pin would point at.
readonly WRONG_ADDR=10.213.0.6
readonly PG_PORT=5433            # PostgreSQL on the cluster address; PgBouncer takes the URL's port
readonly CONNECT_TIMEOUT=3       # libpq's PGCONNECT_TIMEOUT (it treats less than 2 as 2)
readonly FAILURE_BOUND_MS=$(((CONNECT_TIMEOUT + 2) * 1000))
readonly TIMING_SAMPLES=20
# Unique per run, so parallel runs never collide (interface names: at most 15 characters).
readonly NS_CLUSTER=tuist-e2e-cluster-$$ NS_VM=tuist-e2e-vm-$$ VETH_CLUSTER=te2c$$ VETH_VM=te2v$$

# --- preflight: skip only without root or namespaces; a missing package is a failure --------

skip() {
  say "skipped: $*"
  exit 0
}
[[ $(id -u) == 0 ]] || skip "needs root for network and mount namespaces (running as uid $(id -u)); CI runs it as root"

missing=()
PG_BIN=${E2E_PG_BINDIR:-$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)}
for tool in initdb postgres pg_isready; do
  [[ -x $PG_BIN/$tool ]] || missing+=("$tool (Debian package postgresql)")
done
for tool in pgbouncer:pgbouncer psql:postgresql-client jq:jq ip:iproute2 unshare:util-linux nsenter:util-linux setpriv:util-linux \
  python3:python3 node:nodejs timeout:coreutils getent:libc-bin; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool%%:*} (Debian package ${tool#*:})")
done
id -u postgres >/dev/null 2>&1 || missing+=("the postgres user (Debian package postgresql)")
[[ -x $REPO/node_modules/.bin/esbuild ]] || missing+=("node_modules (run npm ci)")
PYTHON=$(command -v python3 || true)
if [[ -n $PYTHON ]] && ! "$PYTHON" -c 'import ctypes, ctypes.util; ctypes.CDLL(ctypes.util.find_library("pq") or "libpq.so.5")' 2>/dev/null; then
  missing+=("libpq for python3 (Debian package libpq5)")
fi
if ((${#missing[@]})); then
  printf -v list '%s; ' "${missing[@]}"
  say "missing: ${list%; }"
  say "install them with: apt-get install -y postgresql pgbouncer postgresql-client iproute2 util-linux jq python3 (.ci/run does)"
  say "0 passed, 1 failed"
  exit 1
fi

probe_error=$( { ip netns add "tuist-e2e-probe-$$" && ip netns delete "tuist-e2e-probe-$$"; } 2>&1) ||
  skip "network namespaces are unavailable here (ip netns add: ${probe_error:-failed})"
probe_error=$(unshare --mount true 2>&1) || skip "mount namespaces are unavailable here (unshare --mount: ${probe_error:-failed})"

# --- teardown: every namespace, process and file, on every exit path ------------------------

HOSTS_SUM=$(sha256sum /etc/hosts)
WORK=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM ERR
  set +e
  stop_vm
  if [[ -n $WORK ]]; then
    stop_pgbouncer
    stop_postgres
  fi
  remove_netns "$NS_VM"
  remove_netns "$NS_CLUSTER"
  [[ -n $WORK ]] && rm -rf "$WORK"
  if [[ $(sha256sum /etc/hosts) != "$HOSTS_SUM" ]]; then
    say "FAIL: this machine's /etc/hosts changed during the run"
    rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- set-up: any failure here ends the run with the closing line ----------------------------

set -E
trap 'say "setup failed at line $LINENO: $BASH_COMMAND"; say "0 passed, 1 failed"' ERR

WORK=$(mktemp -d /tmp/tuist-e2e.XXXXXX)
chmod 0711 "$WORK" # the postgres user reaches its own directories below, nothing else
FIXTURE=$WORK/fixture PG_DIR=$WORK/postgres PGB_DIR=$WORK/pgbouncer VM_DIR=$WORK/vm
install -d -m 0711 "$FIXTURE"

say "synthesizing $ENVIRONMENT and deriving the fixture from its objects"
"$REPO/node_modules/.bin/esbuild" "$REPO/test/e2e/support/fixture.ts" --bundle --platform=node --target=node20 \
  --packages=external --log-level=warning --outfile="$WORK/fixture.js"
NODE_PATH=$REPO/node_modules timeout 60 node "$WORK/fixture.js" --environment "$ENVIRONMENT" --out "$FIXTURE" \
  --cluster-addr "$CLUSTER_ADDR" --vm-addr "$VM_ADDR" --wrong-addr "$WRONG_ADDR" \
  --pg-port "$PG_PORT" --pg-socket-dir "$PG_DIR/run" --pgbouncer-dir "$PGB_DIR"
fact() { jq -er "$1" "$FIXTURE/facts.json"; }
POOLER_HOST=$(fact .url.host)
POOLER_HOSTNAME=$(fact .pooler.hostname)
POOLER_PORT=$(fact .url.port)
PEER_TAGS=$(fact .vm.peerTags)
PIN_HOSTS=$(fact .vm.pinHosts)
VM_TAGS=$(fact .vm.tags)
VM_HOSTNAME=$(fact .vm.hostname)
DECOY_HOSTNAME=$(fact '.decoyHostname // ""')
DB_ROLE=$(fact .url.role)
DB_NAME=$(fact .url.database)
say "pooler $POOLER_HOSTNAME ($(fact .pooler.tags | jq -r 'join(",")'), pool mode $(fact .pooler.poolMode)); VM URL host $POOLER_HOST:$POOLER_PORT, role $DB_ROLE, database $DB_NAME"

say "network: $NS_CLUSTER ($CLUSTER_ADDR) <-> $NS_VM ($VM_ADDR) on $LINK_NET, no route anywhere else"
ip netns add "$NS_CLUSTER"
ip netns add "$NS_VM"
# Both ends are created inside the namespaces: the machine's own network never sees them.
ip link add "$VETH_CLUSTER" netns "$NS_CLUSTER" type veth peer name "$VETH_VM" netns "$NS_VM"
ip -n "$NS_CLUSTER" addr add "$CLUSTER_ADDR/$LINK_PREFIX" dev "$VETH_CLUSTER"
ip -n "$NS_VM" addr add "$VM_ADDR/$LINK_PREFIX" dev "$VETH_VM"
for link in "$NS_CLUSTER $VETH_CLUSTER" "$NS_VM $VETH_VM"; do
  read -r ns dev <<<"$link"
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "$dev" up
done

say "cluster: PostgreSQL $(basename "$(dirname "$PG_BIN")") on $CLUSTER_ADDR:$PG_PORT, PgBouncer on $CLUSTER_ADDR:$POOLER_PORT"
start_postgres
start_pgbouncer
say "VM: private /etc/hosts and /etc/resolv.conf in its own mount namespace"
start_vm

trap - ERR
set +E

# --- cases ---------------------------------------------------------------------------------

pinned_block() { awk '$0 == "# BEGIN tuist-tailnet-hosts" {on=1;next} $0 == "# END tuist-tailnet-hosts" {on=0} on && !/^#/' "$VM_DIR/etc/hosts"; }

expect_pinned_to() { # ADDRESS
  local block
  block=$(pinned_block)
  printf 'pinned: %s\n' "$block"
  expect_eq "address the VM's hosts block gives $POOLER_HOSTNAME" "$1" \
    "$(awk -v name="$POOLER_HOSTNAME" '{ for (i = 2; i <= NF; i++) if ($i == name) print $1 }' <<<"$block")"
  expect_eq "libc in the VM resolves $POOLER_HOST" "$1" "$(vm_resolve "$POOLER_HOST")"
}

restart_path_pins_the_pooler_without_joining() {
  local state=$VM_DIR/tailnet-restart
  reset_vm_hosts
  mkdir -p "$state"
  cp "$FIXTURE/tailnet/running.json" "$state/status.json"
  vm_tailscale_up "$state"
  expect_eq "tailscale up calls on a node already Running" "0" "$(grep -c '^up' "$state/calls" || true)"
  expect_pinned_to "$CLUSTER_ADDR"
  # The impostor (the pooler's HostName and tags, outside the MagicDNS suffix) and the other
  # environment's pooler both sit at WRONG_ADDR: nothing may be pinned there.
  expect_eq "lines pinned to $WRONG_ADDR (impostor, other environment)" "" "$(pinned_block | awk -v a="$WRONG_ADDR" '$1 == a')"
  if [[ -n $DECOY_HOSTNAME ]]; then
    expect_eq "another environment's pooler ($DECOY_HOSTNAME) is not pinned" "" "$(vm_resolve "$DECOY_HOSTNAME" || true)"
  fi
}

first_boot_joins_once_then_pins() {
  local state=$VM_DIR/tailnet-first-boot joins
  reset_vm_hosts
  mkdir -p "$state"
  cp "$FIXTURE/tailnet/needs-login.json" "$state/status.json"
  cp "$FIXTURE/tailnet/running.json" "$state/status-after-up.json"
  vm_tailscale_up "$state"
  joins=$(grep '^up ' "$state/calls" || true)
  printf 'tailscale %s\n' "$joins"
  expect_eq "tailscale up calls on first boot" "1" "$(grep -c . <<<"$joins")"
  expect_match "the join's flags" "^up --reset --auth-key=file:[^ ]+ --hostname=$VM_HOSTNAME --ssh=true --advertise-tags=$VM_TAGS --timeout=[0-9]+s" "$joins"
  expect_eq "the credential on a command line" "0" "$(grep -cF -f <(printf '%s\n' "$FAKE_AUTH_KEY") "$state/calls" || true)"
  expect_pinned_to "$CLUSTER_ADDR"
}

vm_transacts_through_pgbouncer_on_the_primary() {
  local fifo=$WORK/hold out=$WORK/session.out err=$WORK/session.err secrets=$WORK/secrets hold probe
  local clients pool config expected_config line written leaked
  pin_from running
  rm -f "$fifo"
  mkfifo -m 0600 "$fifo"
  # Read-write open never blocks on a FIFO; closing it is the probe's signal to hang up.
  exec {hold}<>"$fifo"
  vm_probe "$FIXTURE/database-url" session "$FIXTURE/transaction.sql" 30 <"$fifo" >"$out" 2>"$err" {hold}>&- &
  probe=$!
  wait_until --while-alive "$probe" 15 "the VM's transaction" grep -qx ready "$out" || { cat "$err" >&2 && return 1; }
  expect_eq "rows of this run seen inside the transaction" "1" "$(head -n 1 "$out")"

  # While the client is connected and idle after COMMIT:
  clients=$(pgbouncer_show CLIENTS user database addr local_addr local_port | grep "^$DB_ROLE"$'\t' || true)
  printf 'SHOW CLIENTS: %s\n' "$clients"
  expect_eq "PgBouncer's client: the VM, on the pooler address and port" \
    "$DB_ROLE"$'\t'"$DB_NAME"$'\t'"$VM_ADDR"$'\t'"$CLUSTER_ADDR"$'\t'"$POOLER_PORT" "$clients"
  pool=$(pgbouncer_show POOLS database user cl_active sv_active pool_mode | grep "^$DB_NAME"$'\t'"$DB_ROLE"$'\t' || true)
  printf 'SHOW POOLS: %s\n' "$pool"
  # cl_active 1, sv_active 0: the idle client holds no server connection, i.e. transaction pooling.
  expect_eq "the pool: one idle client, no server connection held, pool_mode" \
    "$DB_NAME"$'\t'"$DB_ROLE"$'\t1\t0\t'"$(fact .pooler.poolMode)" "$pool"
  config=$(pgbouncer_show CONFIG key value)
  expected_config=$(fact '{pool_mode: .pooler.poolMode} + .pooler.parameters | to_entries[] | "\(.key)\t\(.value)"')
  while IFS= read -r line; do
    printf 'SHOW CONFIG: %s\n' "$line"
    expect_eq "SHOW CONFIG ${line%%$'\t'*} (the Pooler's poolMode and parameters)" "$line" "$(grep -F -x -- "$line" <<<"$config" || true)"
  done <<<"$expected_config"

  # The password and the URL are in no process's arguments (the probe has them in its environment).
  { cat "$FIXTURE/password" && echo && cat "$FIXTURE/database-url" && echo; } >"$secrets"
  leaked=$(grep -laF -f "$secrets" /proc/[0-9]*/cmdline 2>/dev/null || true)
  expect_eq "processes with the password or URL in their arguments" "" "$leaked"

  exec {hold}>&-
  wait "$probe" || { cat "$err" >&2 && return 1; }
  written=$(superuser_psql -d "$DB_NAME" -At -F $'\t' -f "$FIXTURE/written-by.sql")
  printf 'row written by: %s\n' "$written"
  # No client address on the primary: PgBouncer's socket connection carried the transaction.
  expect_eq "the primary's view of the writer" "$DB_ROLE"$'\t'"socket" "$written"
  expect_eq "log lines holding the password or URL" "" \
    "$(grep -aF -f "$secrets" "$PG_DIR/postgres.log" "$PGB_DIR/pgbouncer.log" || true)"
}

# expect_fast_failure WHAT URL_FILE REGEX: the probe fails, with REGEX in its message, within the bound.
expect_fast_failure() {
  local start elapsed out rc=0
  start=$(now_ms)
  out=$(vm_probe "$2" connect 2>&1) || rc=$?
  elapsed=$(($(now_ms) - start))
  printf '%s (%d ms)\n' "$out" "$elapsed"
  expect_eq "$1: probe exit status" "1" "$rc"
  expect_match "$1: the error" "$3" "$out"
  expect_below "$1: milliseconds until the failure" "$FAILURE_BOUND_MS" "$elapsed"
}

url_without_the_replace_stage_fails_authentication() {
  pin_from running
  # The same template minus '| replace "+" "%20"': the space arrives as "+", which libpq keeps.
  expect_fast_failure "URL with urlquery's '+' for the space" "$FIXTURE/database-url-without-replace" "authentication failed"
}

missing_hosts_block_fails_fast_then_refresh_repairs() {
  local stripped
  pin_from running
  stripped=$(awk '$0 == "# BEGIN tuist-tailnet-hosts" {on=1} !on; $0 == "# END tuist-tailnet-hosts" {on=0}' "$VM_DIR/etc/hosts")
  printf '%s\n' "$stripped" >"$VM_DIR/etc/hosts"
  expect_eq "hosts block lines left" "0" "$(grep -c tuist-tailnet-hosts "$VM_DIR/etc/hosts" || true)"
  expect_fast_failure "no hosts block" "$FIXTURE/database-url" "could not translate host name \"$POOLER_HOST\""
  pin_from running
  vm_probe "$FIXTURE/database-url" connect
}

stale_address_fails_within_connect_timeout_then_refresh_repairs() {
  pin_from wrong-address
  expect_pinned_to "$WRONG_ADDR"
  expect_fast_failure "pooler pinned to $WRONG_ADDR" "$FIXTURE/database-url" "timeout expired"
  pin_from running
  expect_pinned_to "$CLUSTER_ADDR"
  vm_probe "$FIXTURE/database-url" connect
}

connection_setup_time_pooled_and_direct() {
  local pooled direct
  pin_from running
  pooled=$(vm_probe "$FIXTURE/database-url" time "$TIMING_SAMPLES")
  direct=$(vm_probe "$FIXTURE/database-url-direct" time "$TIMING_SAMPLES")
  figures() { jq -r '"median \(.median_ms) ms (min \(.min_ms), p90 \(.p90_ms), max \(.max_ms); n=\(.n))"' <<<"$1"; }
  {
    say "connection set-up through PgBouncer ($POOLER_HOST:$POOLER_PORT via the VM's /etc/hosts): $(figures "$pooled")"
    say "connection set-up direct to PostgreSQL ($CLUSTER_ADDR:$PG_PORT): $(figures "$direct")"
  } | tee "$WORK/timings"
}

passed=0 failed=0 failures=()
run_case() {
  local name=$1 rc
  say "case: ${name//_/ }"
  set +e
  (
    set -e
    "$name"
  ) 2>&1 | sed -u 's/^/    /'
  rc=${PIPESTATUS[0]}
  set -e
  if ((rc == 0)); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    say "  FAILED (exit $rc); last lines of PgBouncer's and PostgreSQL's logs:"
    tail -n 5 "$PGB_DIR/pgbouncer.log" "$PG_DIR/postgres.log" 2>/dev/null | sed 's/^/    /'
  fi
}

for name in \
  restart_path_pins_the_pooler_without_joining \
  first_boot_joins_once_then_pins \
  vm_transacts_through_pgbouncer_on_the_primary \
  url_without_the_replace_stage_fails_authentication \
  missing_hosts_block_fails_fast_then_refresh_repairs \
  stale_address_fails_within_connect_timeout_then_refresh_repairs \
  connection_setup_time_pooled_and_direct; do
  run_case "$name"
done

[[ -s $WORK/timings ]] && cat "$WORK/timings"
((failed == 0)) || say "failed: ${failures[*]}"
say "$passed passed, $failed failed"
((failed == 0))
