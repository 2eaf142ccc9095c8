#!/usr/bin/env bats
# vm/tailscale-up.sh against a fake `tailscale` (fixtures/bin/tailscale) and realistic
# `tailscale status --json` fixtures.

# shellcheck disable=SC2030,SC2031 # every @test runs in its own process; exports cannot leak
load helpers

setup() { setup_vm_env; }

# --- states ------------------------------------------------------------------------------

@test "first boot (NeedsLogin) joins exactly once with hostname, ssh, a bound and a file credential" {
  tailnet_state needslogin
  after_join running
  run_up
  assert_status 0
  assert_equal "$(join_calls)" 1
  assert_equal "$(count_calls '^up')" 1
  local up
  up=$(calls | grep '^up')
  [[ $up == *" --hostname=tuist-xcresult-processor-7d9f8c6b5-x2k4q "* ]] || fail "$up"
  [[ $up == *" --ssh=true "* && $up == *" --timeout=3s"* && $up == *" --reset "* ]] || fail "$up"
  [[ $up == *"--auth-key=file:$TMPDIR/"* ]] || fail "credential not passed as a file in TMPDIR: $up"
  [[ $up == *" --advertise-tags=tag:tuist-macmini-staging "* ]] || fail "TAILSCALE_TAGS not advertised: $up"
  assert_equal "$(cat "$FAKE_TS_DIR/authkey.content")" "$TEST_KEY"
  assert_equal "$(cat "$FAKE_TS_DIR/authkey.mode")" "600 700"
  assert_credential_contained
  assert_equal "$(hosts_block | grep tuist-pg-pooler-staging)" \
    "100.125.134.53 tuist-pg-pooler-staging tuist-pg-pooler-staging.tail4b2c1.ts.net"
}

@test "first boot (NoState that stays NoState) joins exactly once" {
  tailnet_state nostate
  after_join running
  run_up
  assert_status 0
  assert_equal "$(join_calls)" 1
  assert_credential_contained
}

@test "NoState that settles to Running within NOSTATE_SETTLE_SECONDS is not joined again" {
  export NOSTATE_SETTLE_SECONDS=5
  tailnet_state nostate
  cp "$FIXTURES/status-running.json" "$FAKE_TS_DIR/status-after-3.json"
  run_up
  assert_status 0
  assert_equal "$(count_calls '^up')" 0
  assert_output_has "BackendState=Running"
}

@test "ten restarts on a joined node make zero join calls, exit 0 and never rewrite the hosts file" {
  tailnet_state running
  run_up
  assert_status 0
  local first inode_before
  first=$(cat "$HOSTS_FILE")
  inode_before=$(inode "$HOSTS_FILE")
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    run_up
    assert_status 0
    assert_output_has "already up to date"
  done
  assert_equal "$(count_calls '^up')" 0
  assert_equal "$(cat "$HOSTS_FILE")" "$first"
  assert_equal "$(inode "$HOSTS_FILE")" "$inode_before"
  assert_credential_contained
}

@test "Starting counts as joined: no join, waits for the IPv4 and pins" {
  jq '.BackendState = "Starting"' "$FIXTURES/status-running.json" >"$FAKE_TS_DIR/status.json"
  run_up
  assert_status 0
  assert_equal "$(count_calls '^up')" 0
  hosts_block | grep -q tuist-pg-pooler-staging
}

@test "Stopped is brought up with a bare 'tailscale up': no credential, no settings changed" {
  tailnet_state stopped
  after_join running
  run_up
  assert_status 0
  assert_equal "$(calls | grep '^up')" "up"
  [ ! -e "$FAKE_TS_DIR/authkey.path" ]
  hosts_block | grep -q tuist-pg-pooler-staging
  assert_credential_contained
}

@test "fails when the node waits for admin approval (NeedsMachineAuth), without joining" {
  tailnet_state needsmachineauth
  run_up
  assert_status 3
  assert_output_has "NeedsMachineAuth"
  assert_output_has "approve it in the admin console"
  assert_equal "$(count_calls '^up')" 0
  cmp -s "$HOSTS_FILE" "$FIXTURES/hosts.macos"
}

@test "fails on an unknown BackendState without touching the node" {
  jq '.BackendState = "InUseOtherUser"' "$FIXTURES/status-needslogin.json" >"$FAKE_TS_DIR/status.json"
  run_up
  assert_status 3
  assert_output_has "unexpected BackendState=InUseOtherUser"
  assert_equal "$(count_calls '^up')" 0
}

# --- the credential ------------------------------------------------------------------------

@test "fails when TAILSCALE_AUTH_KEY is missing or empty, before calling tailscale" {
  tailnet_state needslogin
  unset TAILSCALE_AUTH_KEY
  run_up
  assert_status 2
  assert_output_has "refusing to start without a tailnet credential"
  TAILSCALE_AUTH_KEY="" run_up
  assert_status 2
  assert_equal "$(calls)" ""
}

@test "fails when TAILSCALE_AUTH_KEY holds whitespace, without echoing it" {
  tailnet_state needslogin
  TAILSCALE_AUTH_KEY="$TEST_KEY extra" run_up
  assert_status 2
  assert_output_has "malformed"
  refute_output_has "$TEST_KEY"
  assert_equal "$(calls)" ""
}

@test "fails without TAILSCALE_TAGS, for an OAuth client secret and a pre-auth key alike" {
  tailnet_state needslogin
  unset TAILSCALE_TAGS
  local key
  for key in "$TEST_CLIENT_SECRET" "$TEST_KEY"; do
    TAILSCALE_AUTH_KEY=$key run_up
    assert_status 2
    assert_output_has "TAILSCALE_TAGS is empty"
    refute_output_has "$key"
  done
  assert_equal "$(calls)" ""
}

@test "OAuth client secret: advertises the tags and asks for an ephemeral, pre-authorized key through the file" {
  tailnet_state needslogin
  after_join running
  TAILSCALE_AUTH_KEY=$TEST_CLIENT_SECRET TAILSCALE_TAGS=tag:tuist-macmini-staging run_up
  assert_status 0
  assert_equal "$(join_calls)" 1
  calls | grep '^up' | grep -q -- ' --advertise-tags=tag:tuist-macmini-staging'
  assert_equal "$(cat "$FAKE_TS_DIR/authkey.content")" "$TEST_CLIENT_SECRET?ephemeral=true&preauthorized=true"
  assert_credential_contained "$TEST_CLIENT_SECRET"
}

@test "a pre-auth key is passed unchanged through the file, with the tags advertised" {
  tailnet_state needslogin
  after_join running
  run_up
  assert_status 0
  assert_equal "$(cat "$FAKE_TS_DIR/authkey.content")" "$TEST_KEY"
  calls | grep '^up' | grep -q -- ' --advertise-tags=tag:tuist-macmini-staging '
  assert_credential_contained
}

@test "OAuth client secret that already carries parameters is refused" {
  tailnet_state needslogin
  TAILSCALE_AUTH_KEY="$TEST_CLIENT_SECRET?ephemeral=false" TAILSCALE_TAGS=tag:tuist-macmini-staging run_up
  assert_status 2
  assert_output_has "pass the bare secret"
  refute_output_has "$TEST_CLIENT_SECRET"
}

@test "a failing join that echoes the key is redacted, and the credential file is gone" {
  tailnet_state needslogin
  echo "backend error: invalid key: KEY not valid" >"$FAKE_TS_DIR/up.fail"
  run_up
  assert_status 1
  assert_output_has "backend error: invalid key: [REDACTED] not valid"
  assert_output_has "'tailscale up' failed"
  assert_credential_contained
  cmp -s "$HOSTS_FILE" "$FIXTURES/hosts.macos"
}

@test "a key without the tskey- prefix (e.g. a self-hosted control server's) is redacted too" {
  tailnet_state needslogin
  echo "backend error: KEY rejected" >"$FAKE_TS_DIR/up.fail"
  local key=4f9c2a7e1b8d3f6a0c5e9b2d7a1f4c8e6b3d0a9f2e5c8b1d
  TAILSCALE_AUTH_KEY=$key run_up
  assert_status 1
  assert_output_has "backend error: [REDACTED] rejected"
  assert_credential_contained "$key"
}

@test "SIGTERM during the join removes the credential file" {
  tailnet_state needslogin
  touch "$FAKE_TS_DIR/up.hang"
  export TAILSCALE_UP_TIMEOUT=30
  "$VM_DIR/tailscale-up.sh" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
  local pid=$!
  for _ in $(seq 50); do [ -s "$FAKE_TS_DIR/authkey.path" ] && break; sleep 0.1; done
  [ -s "$FAKE_TS_DIR/authkey.path" ] || fail "the join never started"
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  assert_equal "$rc" 143
  output=$(cat "$BATS_TEST_TMPDIR/out")
  assert_credential_contained
}

# --- configuration -------------------------------------------------------------------------

@test "fails when TAILSCALE_HOSTNAME is missing or not one DNS label" {
  tailnet_state needslogin
  local bad
  for bad in "" "has space" "under_score" "-dash" "a.b" "$(printf 'a%.0s' $(seq 64))" $'two\nlines'; do
    TAILSCALE_HOSTNAME=$bad run_up
    assert_status 2
    assert_output_has "TAILSCALE_HOSTNAME"
  done
  assert_equal "$(calls)" ""
}

@test "fails when TAILSCALE_PEER_TAGS, TAILSCALE_TAGS or TAILSCALE_PIN_HOSTS are malformed" {
  tailnet_state needslogin
  local bad
  for bad in "tuist-k8s-staging" "tag:1abc" "tag:a, tag:b" "tag:a,,tag:b" "tag:a;rm"; do
    TAILSCALE_PEER_TAGS=$bad run_up
    assert_status 2
    assert_output_has "TAILSCALE_PEER_TAGS"
    TAILSCALE_TAGS=$bad run_up
    assert_status 2
    assert_output_has "TAILSCALE_TAGS"
  done
  for bad in "tuist-pg-pooler-staging" "Tuist-Pg=tag:a" "a.b=tag:a" "pooler=tag:a,,x=tag:b" "pooler=tag:a x=tag:b" "pooler=tag:1a" "=tag:a"; do
    TAILSCALE_PIN_HOSTS=$bad run_up
    assert_status 2
    assert_output_has "TAILSCALE_PIN_HOSTS=$(printf '%q' "$bad") is not"
  done
  TAILSCALE_PIN_HOSTS="" TAILSCALE_PEER_TAGS="" run_up
  assert_status 2
  assert_output_has "both empty"
  assert_equal "$(calls)" ""
}

@test "fails when a bound is not a whole number, or the join bound is 0 (which means forever)" {
  tailnet_state needslogin
  TAILSCALED_WAIT_SECONDS=abc run_up
  assert_status 2
  TAILSCALE_UP_TIMEOUT=0 run_up
  assert_status 2
  assert_output_has "TAILSCALE_UP_TIMEOUT must be a positive"
  IPV4_WAIT_SECONDS=-1 run_up
  assert_status 2
  assert_equal "$(calls)" ""
}

@test "TAILSCALE_BIN and JQ_BIN are injectable; a missing one is a clear configuration error" {
  tailnet_state running
  PATH=/usr/bin:/bin TAILSCALE_BIN=$FIXTURES/bin/tailscale JQ_BIN=$(command -v jq) run_up
  assert_status 0
  TAILSCALE_BIN=/nonexistent/tailscale run_up
  assert_status 2
  assert_output_has "tailscale CLI not found"
  JQ_BIN=/nonexistent/jq run_up
  assert_status 2
  assert_output_has "jq not found"
}

@test "rejects unknown arguments" {
  run_up --reset
  assert_status 2
  assert_output_has "usage: tailscale-up.sh"
}

# --- bounds --------------------------------------------------------------------------------

@test "a tailscaled that never answers ends in a clear failure within the bound" {
  local start=$SECONDS
  run_up
  assert_status 1
  assert_output_has "tailscaled did not answer 'tailscale status --json' within 3s"
  assert_output_has "doesn't appear to be running"
  ((SECONDS - start <= 3 + 2 + 2)) || fail "took $((SECONDS - start))s"
  assert_credential_contained
}

@test "a tailscaled that hangs is cut off by the per-call bound and fails within the wait bound" {
  tailnet_state running
  touch "$FAKE_TS_DIR/status.hang"
  local start=$SECONDS
  run_up
  assert_status 1
  assert_output_has "tailscaled did not answer"
  ((SECONDS - start <= 3 + 2 + 2 + 2)) || fail "took $((SECONDS - start))s"
  assert_credential_contained
}

@test "a tailscaled that answers late is waited for" {
  cp "$FIXTURES/status-running.json" "$FAKE_TS_DIR/status-after-4.json"
  run_up
  assert_status 0
  [ "$(cat "$FAKE_TS_DIR/status.count")" -ge 4 ]
  assert_equal "$(count_calls '^up')" 0
}

@test "no IPv4 within IPV4_WAIT_SECONDS is a clear, retryable failure" {
  tailnet_state running
  touch "$FAKE_TS_DIR/ip.never"
  local start=$SECONDS
  run_up
  assert_status 1
  assert_output_has "no tailnet IPv4 within 3s"
  ((SECONDS - start <= 3 + 2 + 2)) || fail "took $((SECONDS - start))s"
  cmp -s "$HOSTS_FILE" "$FIXTURES/hosts.macos"
}

@test "a 'tailscale up' that hangs is killed within TAILSCALE_UP_TIMEOUT + TAILSCALE_CALL_TIMEOUT" {
  tailnet_state needslogin
  touch "$FAKE_TS_DIR/up.hang"
  local start=$SECONDS
  run_up
  assert_status 1
  assert_output_has "'tailscale up' failed (exit 143)"
  ((SECONDS - start <= 3 + 2 + 3)) || fail "took $((SECONDS - start))s"
  assert_credential_contained
}

# The documented bound of one boot attempt (vm/README.md, "Time bounds"), in this test's
# configuration: TAILSCALED_WAIT + NOSTATE_SETTLE + UP_TIMEOUT + IPV4_WAIT + 4 x CALL_TIMEOUT
# + HOSTS_LOCK_WAIT + 1 s of clock granularity.
attempt_bound() {
  echo $((TAILSCALED_WAIT_SECONDS + NOSTATE_SETTLE_SECONDS + TAILSCALE_UP_TIMEOUT + IPV4_WAIT_SECONDS + 4 * TAILSCALE_CALL_TIMEOUT + HOSTS_LOCK_WAIT_SECONDS + 1))
}

@test "the composite worst case, each phase ending in a timed-out call, stays within the documented bound and joins once" {
  export TAILSCALE_UP_TIMEOUT=1 IPV4_WAIT_SECONDS=2 TAILSCALE_CALL_TIMEOUT=1 HOSTS_LOCK_WAIT_SECONDS=1
  tailnet_state nostate
  # status: call 1 times out, 2 answers NoState, 3 (settling) times out, then NoState again;
  # up: joins, then its CLI hangs until killed; ip -4: every call times out.
  touch "$FAKE_TS_DIR/status.hang-1" "$FAKE_TS_DIR/status.hang-3" "$FAKE_TS_DIR/up.join-then-hang" "$FAKE_TS_DIR/ip.hang"
  local start=$SECONDS
  run_up
  local took=$((SECONDS - start))
  assert_status 1
  assert_output_has "but the node is Running: joined"
  assert_output_has "no tailnet IPv4 within 2s"
  assert_equal "$(join_calls)" 1
  ((took <= $(attempt_bound))) || fail "took ${took}s, documented bound $(attempt_bound)s"
  assert_credential_contained
}

@test "every call hanging ends within the documented bound" {
  export TAILSCALED_WAIT_SECONDS=2 TAILSCALE_CALL_TIMEOUT=1
  tailnet_state needslogin
  touch "$FAKE_TS_DIR/status.hang" "$FAKE_TS_DIR/up.hang" "$FAKE_TS_DIR/ip.hang"
  local start=$SECONDS
  run_up
  assert_status 1
  ((SECONDS - start <= $(attempt_bound))) || fail "took $((SECONDS - start))s, documented bound $(attempt_bound)s"
  assert_equal "$(join_calls)" 0
}

@test "a NoState that settles to Running during a timed-out call is not joined over" {
  export NOSTATE_SETTLE_SECONDS=1
  tailnet_state nostate
  # The 2nd status call (inside the settle window) hangs past the window while tailscaled
  # settles to Running; the old code took the failed call for NoState and joined again.
  cp "$FIXTURES/status-running.json" "$FAKE_TS_DIR/status-after-2.json"
  touch "$FAKE_TS_DIR/status.hang-2"
  run_up
  assert_status 0
  assert_output_has "BackendState is now Running (it settled while we waited): not joining"
  assert_equal "$(count_calls '^up')" 0
}

@test "a join whose CLI call timed out but which registered the node is not repeated by the next attempt" {
  export TAILSCALE_UP_TIMEOUT=1 TAILSCALE_CALL_TIMEOUT=1
  tailnet_state needslogin
  after_join running
  touch "$FAKE_TS_DIR/up.join-then-hang"
  run_up
  assert_status 0
  assert_output_has "but the node is Running: joined"
  rm "$FAKE_TS_DIR/up.join-then-hang"
  run_up
  assert_status 0
  assert_equal "$(join_calls)" 1
}

# --- the hosts file ------------------------------------------------------------------------

@test "pins into one marked block: foreign lines survive, mode 0644, a second run is byte-identical" {
  tailnet_state running
  run_up
  assert_status 0
  assert_equal "$(hosts_foreign)" "$(cat "$FIXTURES/hosts.macos")"
  assert_equal "$(grep -c '^# BEGIN tuist-tailnet-hosts' "$HOSTS_FILE")" 1
  assert_equal "$(hosts_block)" "100.101.23.8 tailscale-operator-staging tailscale-operator-staging.tail4b2c1.ts.net
100.125.134.53 tuist-pg-pooler-staging tuist-pg-pooler-staging.tail4b2c1.ts.net"
  assert_equal "$(stat -c %a "$HOSTS_FILE")" 644
  cp "$HOSTS_FILE" "$BATS_TEST_TMPDIR/first"
  run_up
  assert_status 0
  cmp "$HOSTS_FILE" "$BATS_TEST_TMPDIR/first"
  # the temporary file was built beside the original and nothing is left there
  assert_equal "$(ls -A "${HOSTS_FILE%/*}")" "hosts"
}

@test "a stale block is replaced where it is, keeping the lines after it" {
  cp "$FIXTURES/hosts.stale-block" "$HOSTS_FILE"
  tailnet_state running
  run_up
  assert_status 0
  refute_output_has "100.99.1.1"
  if grep -q 100.99.1.1 "$HOSTS_FILE"; then fail "stale address kept"; fi
  assert_equal "$(tail -n 2 "$HOSTS_FILE")" "192.168.64.1	tart-host.local
10.20.30.40	added-after-the-block # by hand, after the block"
  assert_equal "$(grep -n '^# BEGIN' "$HOSTS_FILE" | cut -d: -f1)" 7
}

@test "a hosts file without a final newline, or none at all, is handled" {
  printf '127.0.0.1\tlocalhost' >"$HOSTS_FILE"
  tailnet_state running
  run_up
  assert_status 0
  assert_equal "$(head -n 2 "$HOSTS_FILE")" "127.0.0.1	localhost
# BEGIN tuist-tailnet-hosts"
  rm "$HOSTS_FILE"
  run_up
  assert_status 0
  assert_equal "$(head -n 1 "$HOSTS_FILE")" "# BEGIN tuist-tailnet-hosts"
  assert_equal "$(stat -c %a "$HOSTS_FILE")" 644
}

@test "unbalanced markers: fails and writes nothing" {
  printf '127.0.0.1 localhost\n# BEGIN tuist-tailnet-hosts\n10.0.0.1 keep-me\n' >"$HOSTS_FILE"
  cp "$HOSTS_FILE" "$BATS_TEST_TMPDIR/before"
  tailnet_state running
  run_up
  assert_status 1
  assert_output_has "unbalanced"
  cmp "$HOSTS_FILE" "$BATS_TEST_TMPDIR/before"
  assert_equal "$(ls -A "${HOSTS_FILE%/*}")" "hosts"
}

@test "hostile names are never written, and each skip is logged with its reason" {
  tailnet_state hostile
  run_up
  assert_status 0
  local line bad
  while IFS= read -r line; do
    [[ $line =~ ^100\.[0-9]+\.[0-9]+\.[0-9]+\ [a-z0-9-]+\ [a-z0-9-]+\.tail4b2c1\.ts\.net$ ]] || fail "unexpected block line: $line"
  done < <(hosts_block)
  for bad in "evil host" "pooler#evil" "100.66.66.66" "localhost" "under_score" "-leading-dash" "bad..name" "ipv6-only" "fd7a:" "999.1.2.3" "tags-not-array" "tab" "attacker" "ghcr" "Upper" "deep.sub" "100.66.1."; do
    if hosts_block | grep -qF -- "$bad"; then fail "written: $bad" "$(hosts_block)"; fi
  done
  if hosts_block | grep -q $'\xc3\xb6'; then fail "non-ASCII name written"; fi
  assert_output_has 'its MagicDNS name "tuist-pg-pooler-staging.attacker.example." is not <label>.tail4b2c1.ts.net.'
  assert_output_has 'its MagicDNS name "ghcr.io." is not <label>.tail4b2c1.ts.net.'
  assert_output_has 'its MagicDNS name "Upper-Case.tail4b2c1.ts.net." is not'
  assert_output_has 'its MagicDNS name "deep.sub.tail4b2c1.ts.net." is not'
  assert_output_has 'MagicDNS name "localhost.tail4b2c1.ts.net." is reserved'
  assert_output_has 'its MagicDNS name "bad..name.ts.net." is not'
  assert_output_has '(ipv6-only-peer): no IPv4'
  # HostName is what a device claims: never used. A valid MagicDNS name pins a peer whose
  # HostName is hostile, under that MagicDNS name only.
  hosts_block | grep -qx '100.66.0.1 evil-host evil-host.tail4b2c1.ts.net'
  hosts_block | grep -qx '100.64.0.9 tuist-pg-pooler-staging-2 tuist-pg-pooler-staging-2.tail4b2c1.ts.net'
  hosts_block | grep -qx '100.125.134.53 tuist-pg-pooler-staging tuist-pg-pooler-staging.tail4b2c1.ts.net'
  assert_equal "$(hosts_foreign)" "$(cat "$FIXTURES/hosts.macos")"
}

@test "an impostor cannot take the pooler's name: wrong tag, wrong suffix, or a claimed HostName" {
  # The real proxy is offline and a same-tag peer claims its HostName; a cluster-tag peer
  # presents the exact MagicDNS name (hostile data); a pooler-tagged peer lives in another suffix.
  jq '(.Peer[] | select(.DNSName == "tuist-pg-pooler-staging.tail4b2c1.ts.net.")) |= (.Online = false)
    | .Peer += {
      "nodekey:b1": {"HostName": "tuist-pg-pooler-staging", "DNSName": "tuist-pg-pooler-staging-1.tail4b2c1.ts.net.",
                     "TailscaleIPs": ["100.64.0.1"], "Tags": ["tag:tuist-pg-pooler-staging"], "Online": true},
      "nodekey:b2": {"HostName": "x", "DNSName": "tuist-pg-pooler-staging.tail4b2c1.ts.net.",
                     "TailscaleIPs": ["100.64.0.2"], "Tags": ["tag:tuist-k8s-staging"], "Online": true},
      "nodekey:b3": {"HostName": "tuist-pg-pooler-staging", "DNSName": "tuist-pg-pooler-staging.attacker.example.",
                     "TailscaleIPs": ["100.64.0.3"], "Tags": ["tag:tuist-pg-pooler-staging"], "Online": true}}' \
    "$FIXTURES/status-running.json" >"$FAKE_TS_DIR/status.json"
  run_up
  assert_status 0
  # The name stays with the device MagicDNS gives it to, online or not.
  assert_equal "$(hosts_block | grep -w 'tuist-pg-pooler-staging')" \
    "100.125.134.53 tuist-pg-pooler-staging tuist-pg-pooler-staging.tail4b2c1.ts.net"
  if hosts_block | grep -q '100.64.0.'; then fail "an impostor was pinned" "$(hosts_block)"; fi
  assert_output_has 'refused peer "nodekey:b2" for tuist-pg-pooler-staging: it lacks the expected tag tag:tuist-pg-pooler-staging'
  assert_output_has 'its MagicDNS name "tuist-pg-pooler-staging.attacker.example." is not <label>.tail4b2c1.ts.net.'
}

@test "a name no valid peer holds is left unpinned and logged; two holders of one name pin neither" {
  jq 'del(.Peer[] | select(.DNSName == "tuist-pg-pooler-staging.tail4b2c1.ts.net."))
    | .Peer += {
      "nodekey:c1": {"HostName": "tuist-pg-pooler-staging", "DNSName": "impostor.tail4b2c1.ts.net.",
                     "TailscaleIPs": ["100.64.0.1"], "Tags": ["tag:tuist-pg-pooler-staging"], "Online": true},
      "nodekey:c2": {"DNSName": "twin.tail4b2c1.ts.net.", "TailscaleIPs": ["100.64.0.2"], "Tags": ["tag:tuist-k8s-staging"]},
      "nodekey:c3": {"DNSName": "twin.tail4b2c1.ts.net.", "TailscaleIPs": ["100.64.0.3"], "Tags": ["tag:tuist-k8s-staging"]}}' \
    "$FIXTURES/status-running.json" >"$FAKE_TS_DIR/status.json"
  run_up
  assert_status 0
  if hosts_block | grep -q 'tuist-pg-pooler-staging\|twin'; then fail "pinned without a valid holder" "$(hosts_block)"; fi
  assert_output_has "name tuist-pg-pooler-staging (expected tag tag:tuist-pg-pooler-staging): no valid peer holds it; left unpinned"
  assert_output_has "name twin is claimed by 2 peers (100.64.0.2, 100.64.0.3): left unpinned"
}

@test "no MagicDNS suffix, or two different ones, leaves the hosts file alone" {
  local variant
  for variant in 'del(.MagicDNSSuffix, .CurrentTailnet)' '.CurrentTailnet.MagicDNSSuffix = "other.ts.net"' '.MagicDNSSuffix = "bad..suffix" | del(.CurrentTailnet)'; do
    jq "$variant" "$FIXTURES/status-running.json" >"$FAKE_TS_DIR/status.json"
    run_up
    assert_status 1
    assert_output_has "no single valid MagicDNS suffix"
    cmp -s "$HOSTS_FILE" "$FIXTURES/hosts.macos"
  done
}

@test "pins only peers carrying the expected tag, and IPv4 only" {
  tailnet_state running
  run_up
  assert_status 0
  assert_equal "$(hosts_block)" "100.101.23.8 tailscale-operator-staging tailscale-operator-staging.tail4b2c1.ts.net
100.125.134.53 tuist-pg-pooler-staging tuist-pg-pooler-staging.tail4b2c1.ts.net"
  TAILSCALE_PIN_HOSTS=tuist-pg-pooler-staging=tag:tuist-pg-pooler-staging,tuist-pg-pooler-canary=tag:tuist-pg-pooler-canary run_up
  assert_status 0
  hosts_block | grep -qx '100.77.201.19 tuist-pg-pooler-canary tuist-pg-pooler-canary.tail4b2c1.ts.net'
  if hosts_block | grep -q 'macmini-staging-01\|pedros-macbook-pro\|:'; then fail "untagged, wrong-tag or IPv6 pinned" "$(hosts_block)"; fi
  # The pooler's name demands the pooler's tag: the cluster tag alone is not enough.
  TAILSCALE_PIN_HOSTS=tuist-pg-pooler-staging=tag:tuist-k8s-production TAILSCALE_PEER_TAGS=tag:tuist-k8s-production run_up
  assert_status 0
  assert_output_has "warning: no valid peer to pin"
  assert_output_has "name tuist-pg-pooler-staging (expected tag tag:tuist-k8s-production): no valid peer holds it"
  assert_equal "$(hosts_block)" ""
  assert_equal "$(hosts_foreign)" "$(cat "$FIXTURES/hosts.macos")"
}

@test "refresh re-pins a proxy whose address changed, without joining or a credential" {
  tailnet_state running
  run_up
  assert_status 0
  jq '(.Peer[] | select(.DNSName == "tuist-pg-pooler-staging.tail4b2c1.ts.net.") | .TailscaleIPs) = ["100.71.9.4"]' \
    "$FIXTURES/status-running.json" >"$FAKE_TS_DIR/status.json"
  unset TAILSCALE_AUTH_KEY TAILSCALE_HOSTNAME TAILSCALE_TAGS
  run_up --refresh-hosts
  assert_status 0
  hosts_block | grep -qx '100.71.9.4 tuist-pg-pooler-staging tuist-pg-pooler-staging.tail4b2c1.ts.net'
  if grep -q 100.125.134.53 "$HOSTS_FILE"; then fail "stale address kept"; fi
  assert_equal "$(count_calls '^up')" 0
  assert_equal "$(count_calls '^ip')" 1
  assert_equal "$(hosts_foreign)" "$(cat "$FIXTURES/hosts.macos")"
}

@test "refresh: a re-registered proxy under a suffixed MagicDNS name does not take the name from its predecessor" {
  tailnet_state reregistered
  unset TAILSCALE_AUTH_KEY TAILSCALE_HOSTNAME TAILSCALE_TAGS
  run_up --refresh-hosts
  assert_status 0
  # What MagicDNS itself answers: the name belongs to the device it was given to.
  assert_equal "$(hosts_block | grep -w tuist-pg-pooler-staging)" \
    "100.125.134.53 tuist-pg-pooler-staging tuist-pg-pooler-staging.tail4b2c1.ts.net"
  if hosts_block | grep -q 100.71.9.4; then fail "the suffixed newcomer was pinned"; fi
}

@test "refresh leaves the hosts file alone when the node is not Running" {
  tailnet_state needslogin
  run_up --refresh-hosts
  assert_status 0
  assert_output_has "not Running"
  assert_equal "$(count_calls '^up')" 0
  cmp -s "$HOSTS_FILE" "$FIXTURES/hosts.macos"
}

@test "refresh fails, without writing, when tailscaled does not answer" {
  run_up --refresh-hosts
  assert_status 1
  assert_output_has "tailscaled did not answer"
  cmp -s "$HOSTS_FILE" "$FIXTURES/hosts.macos"
}

@test "a bind-mounted hosts file (as in a private mount namespace) is rewritten in place" {
  [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null || skip "needs root and unshare -m"
  tailnet_state running
  local target=$BATS_TEST_TMPDIR/etc/hosts
  cp "$FIXTURES/hosts.macos" "$BATS_TEST_TMPDIR/hosts.real"
  # shellcheck disable=SC2016 # expanded by the inner bash
  run unshare -m bash -c 'mount --bind "$1" "$2" && "$3/tailscale-up.sh"' _ "$BATS_TEST_TMPDIR/hosts.real" "$target" "$VM_DIR" 3>&-
  assert_status 0
  assert_output_has "rewriting it in place"
  grep -q '^100.125.134.53 tuist-pg-pooler-staging ' "$BATS_TEST_TMPDIR/hosts.real"
  assert_equal "$(ls -A "$BATS_TEST_TMPDIR/etc")" "hosts"
}
