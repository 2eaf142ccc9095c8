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
  # The release step and the diagnostics are tested on their own (fetch-release.bats,
  # diagnostics.bats); here they are stand-ins that record that they ran.
  export RELEASE_DIR=$BATS_TEST_TMPDIR/opt/tuist/release DIAGNOSTICS_LOG=$BATS_TEST_TMPDIR/diagnostics.log
  mkdir -p "$RELEASE_DIR"
  export FETCH_RELEASE_SCRIPT=$BATS_TEST_TMPDIR/stub-fetch DIAGNOSTICS_SCRIPT=$BATS_TEST_TMPDIR/stub-diagnostics
  # shellcheck disable=SC2016 # expanded when the stub runs
  printf '#!/usr/bin/env bash\necho "fetch $RELEASE_DIR" >>"$FAKE_TS_DIR/calls"\nexit "${STUB_FETCH_EXIT:-0}"\n' >"$FETCH_RELEASE_SCRIPT"
  printf '#!/usr/bin/env bash\necho "diagnostics dump"\n' >"$DIAGNOSTICS_SCRIPT"
  chmod +x "$FETCH_RELEASE_SCRIPT" "$DIAGNOSTICS_SCRIPT"
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
  assert_equal "$(calls | tail -n 2)" "fetch $RELEASE_DIR
release start --foreground"
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

@test "the release runs from RELEASE_DIR after it was installed; a failed install never starts it and dumps diagnostics" {
  tailnet_state running
  cat >"$RELEASE" <<'EOF'
#!/usr/bin/env bash
pwd >"${0}.ran"
EOF
  run_chain "$RELEASE" start
  assert_status 0
  assert_equal "$(cat "$RELEASE.ran")" "$RELEASE_DIR"
  rm "$RELEASE.ran"
  STUB_FETCH_EXIT=1 run_chain "$RELEASE" start
  assert_status 1
  assert_output_has "fetch-release.sh exited 1; not starting the release"
  [ ! -e "$RELEASE.ran" ]
  grep -q "boot-chain failed (exit 1)" "$DIAGNOSTICS_LOG"
  grep -q "diagnostics dump" "$DIAGNOSTICS_LOG"
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
  grep -q "diagnostics dump" "$DIAGNOSTICS_LOG"
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

# tart_env FILE NAME VALUE...: writes FILE as tart-kubelet does (KEY=value lines; a newline in
# a value as the two characters \n, a carriage return as \r).
tart_env() {
  local file=$1 value
  shift
  : >"$file"
  while (($#)); do
    value=${2//$'\n'/\\n}
    value=${value//$'\r'/\\r}
    printf '%s=%s\n' "$1" "$value" >>"$file"
    shift 2
  done
}

@test "pod-env.sh: values in tart-kubelet's format arrive byte for byte and are never evaluated" {
  export TUIST_POD_ENV_FILE=$BATS_TEST_TMPDIR/My\ Shared\ Files/env/tuist.env
  mkdir -p "${TUIST_POD_ENV_FILE%/*}"
  unset TAILSCALE_AUTH_KEY DATABASE_URL
  local pem=$'-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----'
  local -a names=(TAILSCALE_AUTH_KEY DATABASE_URL EQUALS QUOTES HASH SPACES PEM CRLF INJECT TICKS BACKSLASH EMPTY)
  local -a values=("$TEST_CLIENT_SECRET"
    "postgres://tuist_processor:p%40ss%20w=rd@tuist-pg-pooler-staging:5432/tuist?sslmode=disable&x=1"
    "a=b==c=" "\"double\" 'single' \`tick\`" "value # not a comment" "  two leading, two trailing  "
    "$pem" $'line one\r\nline two' "\$(touch $BATS_TEST_TMPDIR/pwned)" "\`touch $BATS_TEST_TMPDIR/pwned\`"
    'C:\temp\table' "")
  local -a pairs=() i
  for i in "${!names[@]}"; do pairs+=("${names[$i]}" "${values[$i]}"); done
  tart_env "$TUIST_POD_ENV_FILE" "${pairs[@]}"
  export OUT=$BATS_TEST_TMPDIR/values
  # shellcheck disable=SC2016 # expanded by the inner bash, after pod-env.sh loaded the file
  run "$VM_DIR/pod-env.sh" bash -c 'for n in "$@"; do printf "%s\0" "${!n-<unset>}"; done >"$OUT"' _ "${names[@]}" 3>&-
  assert_status 0
  assert_output_has "loaded ${#names[@]} variables"
  printf '%s\0' "${values[@]}" >"$BATS_TEST_TMPDIR/expected"
  cmp "$BATS_TEST_TMPDIR/expected" "$OUT" || fail "values differ:" "$(od -c "$OUT" | head -40)"
  [ ! -e "$BATS_TEST_TMPDIR/pwned" ]
  refute_output_has "$TEST_CLIENT_SECRET"
}

@test "pod-env.sh: comments, malformed lines and dangerous names are skipped without echoing; the environment wins" {
  export TUIST_POD_ENV_FILE=$BATS_TEST_TMPDIR/tuist.env
  unset TAILSCALE_AUTH_KEY
  export TAILSCALE_HOSTNAME=from-the-environment
  cat >"$TUIST_POD_ENV_FILE" <<EOF
# written by the runtime
TAILSCALE_AUTH_KEY=$TEST_KEY
TAILSCALE_HOSTNAME=from-the-file
BASH_ENV=$BATS_TEST_TMPDIR/evil.sh
DYLD_INSERT_LIBRARIES=/tmp/evil.dylib
not a line $TEST_KEY
1BAD=$TEST_KEY
EOF
  # shellcheck disable=SC2016 # expanded by the inner bash
  run "$VM_DIR/pod-env.sh" bash -c 'printf "%s|" "$TAILSCALE_AUTH_KEY" "$TAILSCALE_HOSTNAME" "${BASH_ENV:-}" "${DYLD_INSERT_LIBRARIES:-}"' 3>&-
  assert_status 0
  [[ $output == *"$TEST_KEY|from-the-environment|||" ]] || fail "unexpected environment: $output"
  assert_output_has "ignoring line 6"
  assert_output_has "ignoring line 7"
  assert_output_has "ignoring BASH_ENV"
  assert_output_has "ignoring DYLD_INSERT_LIBRARIES"
  [[ $(grep -c "$TEST_KEY" <<<"$output") -eq 1 ]] || fail "a line was echoed: $output"
}

@test "pod-env.sh: a missing or unreadable file is a logged failure (launchd retries), never a start without it" {
  local marker=$BATS_TEST_TMPDIR/started
  POD_ENV_WAIT_SECONDS=0 TUIST_POD_ENV_FILE=$BATS_TEST_TMPDIR/missing run "$VM_DIR/pod-env.sh" touch "$marker" 3>&-
  assert_status 1
  assert_output_has "does not exist after 0s"
  assert_output_has "not starting without the Pod's environment"
  [ ! -e "$marker" ]
  mkdir "$BATS_TEST_TMPDIR/a-directory"
  POD_ENV_WAIT_SECONDS=0 TUIST_POD_ENV_FILE=$BATS_TEST_TMPDIR/a-directory run "$VM_DIR/pod-env.sh" touch "$marker" 3>&-
  assert_status 1
  assert_output_has "is not a readable file"
  [ ! -e "$marker" ]
  POD_ENV_WAIT_SECONDS=soon run "$VM_DIR/pod-env.sh" true 3>&-
  assert_status 2
}

@test "pod-env.sh: the default path is tart-kubelet's shared folder" {
  POD_ENV_WAIT_SECONDS=0 run env -u TUIST_POD_ENV_FILE "$VM_DIR/pod-env.sh" true 3>&-
  assert_status 1
  assert_output_has "/Volumes/My Shared Files/env/tuist.env does not exist"
}

@test "pod-env.sh: a shared folder mounted late is waited for, within POD_ENV_WAIT_SECONDS" {
  export TUIST_POD_ENV_FILE=$BATS_TEST_TMPDIR/late.env
  (sleep 1.2 && printf 'LATE=yes\n' >"$TUIST_POD_ENV_FILE") 3>&- &
  POD_ENV_WAIT_SECONDS=5 run "$VM_DIR/pod-env.sh" printenv LATE 3>&-
  assert_status 0
  assert_output_has "yes"
}

@test "the whole launchd chain: pod-env.sh -> boot-chain.sh -> release, from tart-kubelet's env file" {
  export TUIST_POD_ENV_FILE=$BATS_TEST_TMPDIR/tuist.env
  tart_env "$TUIST_POD_ENV_FILE" TAILSCALE_AUTH_KEY "$TEST_KEY" DATABASE_URL "postgres://u:p@tuist-pg-pooler-staging:5432/tuist"
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
