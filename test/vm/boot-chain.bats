#!/usr/bin/env bats
# vm/boot-chain.sh (join with bounded retries, then exec the release) and vm/pod-env.sh.
# shellcheck disable=SC2030,SC2031 # every @test runs in its own process; exports cannot leak

load helpers

setup() {
  setup_vm_env
  export BOOT_RETRY_BASE_SECONDS=0
  # The release records its argv and whether it can see the credential.
  RELEASE=$BATS_TEST_TMPDIR/release
  cat >"$RELEASE" <<'EOF'
#!/usr/bin/env bash
{ echo "argv: $*"; echo "key: ${TAILSCALE_AUTH_KEY:-<unset>}"; echo "db: ${DATABASE_URL:-<unset>}"; } >"${0}.ran"
echo "release $*" >>"$FAKE_TS_DIR/calls"
EOF
  chmod +x "$RELEASE"
}

# stub_up CODE...: a stand-in tailscale-up.sh that exits with the given codes in turn.
stub_up() {
  export TAILSCALE_UP_SCRIPT=$BATS_TEST_TMPDIR/stub-up
  printf '%s\n' "$@" >"$BATS_TEST_TMPDIR/stub-codes"
  cat >"$TAILSCALE_UP_SCRIPT" <<'EOF'
#!/usr/bin/env bash
dir=$(dirname "$0")
n=$(($(cat "$dir/stub-count" 2>/dev/null || echo 0) + 1))
echo "$n" >"$dir/stub-count"
exit "$(sed -n "${n}p" "$dir/stub-codes")"
EOF
  chmod +x "$TAILSCALE_UP_SCRIPT"
}

run_chain() { run "$VM_DIR/boot-chain.sh" "$@" 3>&-; }

@test "first boot: joins once, then execs the release with its arguments, which cannot see the credential" {
  tailnet_state needslogin
  after_join running
  run_chain "$RELEASE" start --foreground
  assert_status 0
  assert_equal "$(join_calls)" 1
  assert_equal "$(calls | tail -n 1)" "release start --foreground"
  assert_equal "$(head -n 2 "$RELEASE.ran")" "argv: start --foreground
key: <unset>"
  hosts_block | grep -q '^100.125.134.53 tuist-pg-pooler-staging '
  assert_credential_contained
}

@test "restarts of the release on a joined node never join again" {
  tailnet_state running
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    run_chain "$RELEASE" start
    assert_status 0
  done
  assert_equal "$(count_calls '^up')" 0
  assert_equal "$(count_calls '^release start')" 10
}

@test "a transient failure is retried with backoff, then the release starts" {
  stub_up 1 1 0
  export BOOT_RETRY_BASE_SECONDS=1
  local start=$SECONDS
  run_chain "$RELEASE" start
  assert_status 0
  assert_equal "$(cat "$BATS_TEST_TMPDIR/stub-count")" 3
  assert_output_has "attempt 1 of 5); retrying in 1s"
  assert_output_has "attempt 2 of 5); retrying in 2s"
  ((SECONDS - start >= 3)) || fail "no backoff: $((SECONDS - start))s"
  [ -f "$RELEASE.ran" ]
}

@test "gives up after BOOT_JOIN_ATTEMPTS and never starts the release" {
  stub_up 1 1 1 1 1 1 1
  BOOT_JOIN_ATTEMPTS=3 run_chain "$RELEASE" start
  assert_status 1
  assert_equal "$(cat "$BATS_TEST_TMPDIR/stub-count")" 3
  assert_output_has "failed 3 times; not starting the release"
  [ ! -e "$RELEASE.ran" ]
}

@test "a configuration error or a pending approval is not retried" {
  local code
  for code in 2 3; do
    rm -f "$BATS_TEST_TMPDIR/stub-count"
    stub_up "$code" 0
    run_chain "$RELEASE" start
    assert_status "$code"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/stub-count")" 1
    [ ! -e "$RELEASE.ran" ]
  done
}

@test "the real tailscale-up.sh refusing to start without a credential stops the chain" {
  unset TAILSCALE_AUTH_KEY
  tailnet_state needslogin
  run_chain "$RELEASE" start
  assert_status 2
  [ ! -e "$RELEASE.ran" ]
}

@test "fails without a release command, or with a malformed retry setting" {
  run_chain
  assert_status 2
  assert_output_has "usage: boot-chain.sh"
  BOOT_JOIN_ATTEMPTS=many run_chain "$RELEASE"
  assert_status 2
  [ ! -e "$RELEASE.ran" ]
}

@test "pod-env.sh loads KEY=VALUE lines as data, lets the environment win, and never echoes a line" {
  export TUIST_POD_ENV_FILE=$BATS_TEST_TMPDIR/pod.env
  unset TAILSCALE_AUTH_KEY TAILSCALE_PEER_TAGS
  export TAILSCALE_HOSTNAME=from-the-environment
  cat >"$TUIST_POD_ENV_FILE" <<EOF
# written by the runtime
TAILSCALE_AUTH_KEY=$TEST_KEY
TAILSCALE_PEER_TAGS=tag:tuist-k8s-staging
TAILSCALE_HOSTNAME=from-the-file
DATABASE_URL=postgres://tuist_processor:p%40ss@tuist-pg-pooler-staging:5432/tuist?sslmode=disable
INJECTED=\$(touch $BATS_TEST_TMPDIR/pwned)
BASH_ENV=$BATS_TEST_TMPDIR/evil.sh
not a line $TEST_KEY
EOF
  # shellcheck disable=SC2016 # expanded by the inner bash, after pod-env.sh loaded the file
  run "$VM_DIR/pod-env.sh" bash -c 'printf "%s|" "$TAILSCALE_AUTH_KEY" "$TAILSCALE_PEER_TAGS" "$TAILSCALE_HOSTNAME" "$DATABASE_URL" "$INJECTED" "${BASH_ENV:-}"' 3>&-
  assert_status 0
  [[ $output == *"$TEST_KEY|tag:tuist-k8s-staging|from-the-environment|postgres://tuist_processor:p%40ss@tuist-pg-pooler-staging:5432/tuist?sslmode=disable|\$(touch $BATS_TEST_TMPDIR/pwned)||" ]] ||
    fail "unexpected environment: $output"
  [ ! -e "$BATS_TEST_TMPDIR/pwned" ]
  assert_output_has "ignoring line 8"
  assert_output_has "ignoring BASH_ENV"
  [[ $(grep -c "$TEST_KEY" <<<"$output") -eq 1 ]] || fail "a line was echoed: $output"
}

@test "pod-env.sh without a file runs the command with the launchd environment" {
  TUIST_POD_ENV_FILE=$BATS_TEST_TMPDIR/missing run "$VM_DIR/pod-env.sh" printenv TAILSCALE_HOSTNAME 3>&-
  assert_status 0
  assert_output_has "no readable"
  assert_output_has "tuist-xcresult-processor-7d9f8c6b5-x2k4q"
}

@test "the whole launchd chain: pod-env.sh -> boot-chain.sh -> release, from a Pod env file" {
  export TUIST_POD_ENV_FILE=$BATS_TEST_TMPDIR/pod.env
  printf 'TAILSCALE_AUTH_KEY=%s\nDATABASE_URL=postgres://u:p@tuist-pg-pooler-staging:5432/tuist\n' "$TEST_KEY" >"$TUIST_POD_ENV_FILE"
  unset TAILSCALE_AUTH_KEY
  tailnet_state needslogin
  after_join running
  run "$VM_DIR/pod-env.sh" "$VM_DIR/boot-chain.sh" "$RELEASE" start 3>&-
  assert_status 0
  assert_equal "$(join_calls)" 1
  assert_equal "$(cat "$RELEASE.ran")" "argv: start
key: <unset>
db: postgres://u:p@tuist-pg-pooler-staging:5432/tuist"
  assert_credential_contained
}
