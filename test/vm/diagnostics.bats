#!/usr/bin/env bats
# vm/diagnostics.sh: state, pins, resolver answer and TCP probe per endpoint, redacted.

load helpers

setup() {
  setup_vm_env
  tailnet_state running
  printf '%s\n' "# BEGIN tuist-tailnet-hosts" "127.0.0.1 tuist-pg-pooler-staging tuist-pg-pooler-staging.tail4b2c1.ts.net" \
    "# END tuist-tailnet-hosts" >>"$HOSTS_FILE"
  # A listener for the endpoint that must probe open.
  python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$BATS_TEST_TMPDIR/port" 3>&- &
  LISTENER=$!
  for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/port" ] && break; sleep 0.1; done
  export DATABASE_URL='postgres://tuist_processor:s3cr%20et+pw@tuist-pg-pooler-staging:5432/tuist?sslmode=disable&password=qpw'
  export TUIST_CLICKHOUSE_URL='http://default:chpass@clickhouse-not-pinned:8123/tuist'
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")"
  export OTEL_EXPORTER_OTLP_ENDPOINT
  export TUIST_S3_ENDPOINT="https://$TEST_CLIENT_SECRET@storage.example"
}

teardown() { kill "$LISTENER" 2>/dev/null || true; }

@test "reports the backend state, the pinned hosts, and resolver answer and TCP probe per endpoint" {
  run "$VM_DIR/diagnostics.sh" 3>&-
  assert_status 0
  assert_output_has "BackendState: Running"
  assert_output_has "MagicDNSSuffix: tail4b2c1.ts.net"
  assert_output_has "127.0.0.1 tuist-pg-pooler-staging tuist-pg-pooler-staging.tail4b2c1.ts.net"
  assert_output_has "DATABASE_URL = postgres://tuist_processor:[REDACTED]@tuist-pg-pooler-staging:5432/tuist?[REDACTED]"
  assert_output_has "resolver (dscacheutil): tuist-pg-pooler-staging -> 127.0.0.1"
  assert_output_has "tcp tuist-pg-pooler-staging:5432: failed"
  assert_output_has "resolver (dscacheutil): clickhouse-not-pinned -> NO ANSWER"
  assert_output_has "tcp clickhouse-not-pinned:8123: not probed (the name does not resolve)"
  assert_output_has "tcp 127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port"): open"
  assert_output_has "TUIST_S3_ENDPOINT = https://[REDACTED]@storage.example"
  local secret
  for secret in "s3cr" "qpw" "sslmode" "chpass" "$TEST_KEY" "$TEST_CLIENT_SECRET" "tskey-"; do
    refute_output_has "$secret"
  done
  refute_output_has "TAILSCALE_AUTH_KEY"
}

@test "uses getent where dscacheutil is not the resolver, and survives a silent tailscaled" {
  rm "$FAKE_TS_DIR/status.json"
  DIAG_RESOLVER=getent run "$VM_DIR/diagnostics.sh" 3>&-
  assert_status 0
  assert_output_has "'tailscale status --json' failed or timed out"
  assert_output_has "resolver (getent): 127.0.0.1 -> 127.0.0.1"
}

@test "a wedged tailscaled and a silent endpoint are cut off by the bounds" {
  touch "$FAKE_TS_DIR/status.hang"
  local start=$SECONDS
  DIAG_CALL_TIMEOUT=1 run "$VM_DIR/diagnostics.sh" 3>&-
  assert_status 0
  assert_output_has "failed or timed out after 1s"
  ((SECONDS - start <= 6)) || fail "took $((SECONDS - start))s"
}
