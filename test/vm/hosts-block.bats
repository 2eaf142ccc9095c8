#!/usr/bin/env bats
# vm/hosts-block.sh: the hosts file is never damaged (concurrent writers, the in-place path,
# a full disk, look-alike markers, a symlinked file), and 10,000 peers pin in bounded time.

load helpers

setup() {
  setup_vm_env
  # 40 lines outside our block, as on the host where a concurrent trial lost them all.
  for i in $(seq 1 40); do printf '10.1.0.%d\tforeign-%02d.example\n' "$i" "$i"; done >"$HOSTS_FILE"
  cp "$HOSTS_FILE" "$BATS_TEST_TMPDIR/foreign"
  printf '100.64.0.1 tuist-pg-pooler-staging tuist-pg-pooler-staging.tail4b2c1.ts.net\n' >"$BATS_TEST_TMPDIR/body"
}

write_block() { run "$VM_DIR/hosts-block.sh" "$BATS_TEST_TMPDIR/body" 3>&-; }
foreign_intact() { assert_equal "$(hosts_foreign)" "$(cat "$BATS_TEST_TMPDIR/foreign")"; }

# writers N ROUNDS: N concurrent writers, each writing its own body ROUNDS times.
writers() {
  local n=$1 rounds=$2 w pids=()
  for ((w = 1; w <= n; w++)); do
    printf '100.64.1.%d writer-%d writer-%d.tail4b2c1.ts.net\n' "$w" "$w" "$w" >"$BATS_TEST_TMPDIR/body.$w"
    (for ((r = 0; r < rounds; r++)); do "$VM_DIR/hosts-block.sh" "$BATS_TEST_TMPDIR/body.$w" 2>/dev/null || echo "writer $w failed" >>"$BATS_TEST_TMPDIR/failures"; done) 3>&- &
    pids+=($!)
  done
  wait "${pids[@]}"
}

@test "concurrent writers are serialised: no foreign line lost, one block, readers never see a short file" {
  local lines_expected
  # The foreign lines, then (once written) BEGIN, the note, one pin, END.
  lines_expected=$(($(wc -l <"$BATS_TEST_TMPDIR/foreign") + 4))
  # A reader that checks every state it sees.
  (
    while [ ! -e "$BATS_TEST_TMPDIR/done" ]; do
      n=$(wc -l <"$HOSTS_FILE")
      if [ "$n" -ne "$lines_expected" ] && [ "$n" -ne $((lines_expected - 4)) ]; then echo "$n" >>"$BATS_TEST_TMPDIR/short"; fi
      sleep 0.01
    done
  ) 3>&- &
  local reader=$!
  export HOSTS_LOCK_WAIT_SECONDS=30
  writers 3 6
  touch "$BATS_TEST_TMPDIR/done"
  wait "$reader"
  [ ! -e "$BATS_TEST_TMPDIR/failures" ] || fail "$(cat "$BATS_TEST_TMPDIR/failures")"
  [ ! -e "$BATS_TEST_TMPDIR/short" ] || fail "readers saw short files: $(sort -u "$BATS_TEST_TMPDIR/short" | tr '\n' ' ')"
  foreign_intact
  assert_equal "$(grep -cx '# BEGIN tuist-tailnet-hosts' "$HOSTS_FILE")" 1
  [[ $(hosts_block) =~ ^100\.64\.1\.[1-3]\ writer-[1-3]\ writer-[1-3]\.tail4b2c1\.ts\.net$ ]] || fail "block: $(hosts_block)"
  assert_equal "$(ls -A "${HOSTS_FILE%/*}")" "hosts"
}

@test "the in-place path (a bind-mounted hosts file) under concurrent writers loses nothing" {
  [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null || skip "needs root and unshare -m"
  # Writers inside the namespace, where rename over the mount point fails (EBUSY).
  cat >"$BATS_TEST_TMPDIR/inplace.sh" <<EOS
#!/usr/bin/env bash
mount --bind "$HOSTS_FILE" "$HOSTS_FILE" || exit 99
pids=()
for w in 1 2 3; do
  printf '100.64.1.%d writer-%d writer-%d.tail4b2c1.ts.net\n' "\$w" "\$w" "\$w" >"$BATS_TEST_TMPDIR/body.\$w"
  (for r in 1 2 3 4 5; do "$VM_DIR/hosts-block.sh" "$BATS_TEST_TMPDIR/body.\$w" 2>>"$BATS_TEST_TMPDIR/log" || echo "writer \$w" >>"$BATS_TEST_TMPDIR/failures"; done) &
  pids+=(\$!)
done
wait "\${pids[@]}"
EOS
  chmod +x "$BATS_TEST_TMPDIR/inplace.sh"
  HOSTS_LOCK_WAIT_SECONDS=30 run unshare -m "$BATS_TEST_TMPDIR/inplace.sh" 3>&-
  assert_status 0
  grep -q "rewriting it in place" "$BATS_TEST_TMPDIR/log" || fail "the in-place path was not taken: $(head -3 "$BATS_TEST_TMPDIR/log")"
  [ ! -e "$BATS_TEST_TMPDIR/failures" ] || fail "$(cat "$BATS_TEST_TMPDIR/failures")"
  foreign_intact
  assert_equal "$(grep -cx '# BEGIN tuist-tailnet-hosts' "$HOSTS_FILE")" 1
}

@test "a full disk is reported as a full disk, and the hosts file is left as it was" {
  [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null || skip "needs root and unshare -m"
  local dir=$BATS_TEST_TMPDIR/small
  mkdir -p "$dir"
  cat >"$BATS_TEST_TMPDIR/full.sh" <<EOS
#!/usr/bin/env bash
mount -t tmpfs -o size=64k tmpfs "$dir" || exit 99
cp "$BATS_TEST_TMPDIR/foreign" "$dir/hosts"
cp "$dir/hosts" "$BATS_TEST_TMPDIR/before"
# Fill the disk, leaving no room for the new content.
dd if=/dev/zero of="$dir/filler" bs=1k 2>/dev/null
HOSTS_FILE="$dir/hosts" "$VM_DIR/hosts-block.sh" "$BATS_TEST_TMPDIR/big-body"
rc=\$?
cmp -s "$dir/hosts" "$BATS_TEST_TMPDIR/before" || echo "DAMAGED"
ls -A "$dir"
exit \$rc
EOS
  chmod +x "$BATS_TEST_TMPDIR/full.sh"
  for i in $(seq 1 2000); do printf '100.64.%d.%d peer-%d peer-%d.tail4b2c1.ts.net\n' $((i / 250)) $((i % 250)) "$i" "$i"; done >"$BATS_TEST_TMPDIR/big-body"
  run unshare -m "$BATS_TEST_TMPDIR/full.sh" 3>&-
  assert_status 1
  assert_output_has "is full (ENOSPC)"
  refute_output_has "unbalanced"
  refute_output_has "DAMAGED"
  # Nothing left behind on the full disk: no temporary file.
  assert_equal "$(printf '%s\n' "${lines[@]}" | grep -v 'hosts-block:' | sort | tr '\n' ' ')" "filler hosts "
}

@test "only the exact marker lines are ours: a suffixed or indented look-alike is kept as a foreign line" {
  printf '# BEGIN tuist-tailnet-hosts-legacy\n10.9.9.9 legacy\n# END tuist-tailnet-hosts-legacy\n # BEGIN tuist-tailnet-hosts\n' >>"$HOSTS_FILE"
  cp "$HOSTS_FILE" "$BATS_TEST_TMPDIR/foreign"
  write_block
  assert_status 0
  foreign_intact
  assert_equal "$(hosts_block)" "$(cat "$BATS_TEST_TMPDIR/body")"
  write_block
  assert_status 0
  assert_output_has "already up to date"
  assert_equal "$(grep -cx '# BEGIN tuist-tailnet-hosts' "$HOSTS_FILE")" 1
}

@test "unbalanced exact markers: fails and writes nothing" {
  printf '# BEGIN tuist-tailnet-hosts\n10.0.0.1 keep-me\n' >>"$HOSTS_FILE"
  cp "$HOSTS_FILE" "$BATS_TEST_TMPDIR/before"
  write_block
  assert_status 1
  assert_output_has "unbalanced"
  cmp "$HOSTS_FILE" "$BATS_TEST_TMPDIR/before"
  assert_equal "$(ls -A "${HOSTS_FILE%/*}")" "hosts"
}

@test "a symlinked hosts file stays a symlink; its target is what is replaced" {
  local real=$BATS_TEST_TMPDIR/private-etc/hosts
  mkdir -p "${real%/*}"
  mv "$HOSTS_FILE" "$real"
  ln -s ../private-etc/hosts "$HOSTS_FILE"
  write_block
  assert_status 0
  assert_output_has "is a symbolic link: writing through to"
  [ -L "$HOSTS_FILE" ] || fail "the symlink was replaced by a regular file"
  assert_equal "$(readlink "$HOSTS_FILE")" "../private-etc/hosts"
  assert_equal "$(hosts_block)" "$(cat "$BATS_TEST_TMPDIR/body")"
  assert_equal "$(stat -c %a "$real")" 644
}

@test "the lock is taken with macOS's lockf(1) syntax where flock(1) is absent" {
  # fixtures/lockf-bin/lockf checks BSD lockf's arguments and locks with flock underneath.
  PATH="$FIXTURES/lockf-bin:$PATH" HOSTS_LOCK_TOOL=lockf write_block
  assert_status 0
  assert_equal "$(cat "$BATS_TEST_TMPDIR/lockf.args")" "-k -t 2 $HOSTS_LOCK_FILE"
  assert_equal "$(hosts_block)" "$(cat "$BATS_TEST_TMPDIR/body")"
}

@test "a writer that cannot get the lock within HOSTS_LOCK_WAIT_SECONDS gives up without writing" {
  cp "$HOSTS_FILE" "$BATS_TEST_TMPDIR/before"
  flock "$HOSTS_LOCK_FILE" sleep 4 3>&- &
  local holder=$!
  sleep 0.3
  local start=$SECONDS
  HOSTS_LOCK_WAIT_SECONDS=1 write_block
  kill "$holder" 2>/dev/null || true
  [ "$status" -ne 0 ] || fail "wrote without the lock"
  cmp "$HOSTS_FILE" "$BATS_TEST_TMPDIR/before"
  ((SECONDS - start <= 2)) || fail "took $((SECONDS - start))s"
}

@test "10,000 tagged peers are pinned in bounded time, by tailscale-up.sh end to end" {
  jq -n '{BackendState: "Running", MagicDNSSuffix: "tail4b2c1.ts.net",
          CurrentTailnet: {MagicDNSSuffix: "tail4b2c1.ts.net"},
          Self: {TailscaleIPs: ["100.112.76.33"]},
          Peer: ([range(10000) | {key: "nodekey:\(.)",
                   value: {HostName: "peer-\(.)", DNSName: "peer-\(.).tail4b2c1.ts.net.",
                           TailscaleIPs: ["100.\(64 + (. / 65536 | floor)).\(. / 256 | floor % 256).\(. % 256)"],
                           Tags: ["tag:tuist-k8s-staging"], Online: true}}] | from_entries)}' >"$FAKE_TS_DIR/status.json"
  # Every external command the scripts run is counted through a shim on PATH: the bound is
  # structural (a fixed number of processes, not one per peer), so machine load cannot fake it.
  local shims=$BATS_TEST_TMPDIR/shims tool real
  mkdir -p "$shims"
  for tool in date awk jq sed tr head cat mv cmp mktemp chmod rm wc dirname flock grep readlink df sleep; do
    real=$(command -v "$tool") || continue
    printf '#!/bin/sh\necho %s >>"%s/count"\nexec %s "$@"\n' "$tool" "$BATS_TEST_TMPDIR" "$real" >"$shims/$tool"
    chmod +x "$shims/$tool"
  done
  local start=$SECONDS
  PATH="$shims:$PATH" run_up --refresh-hosts
  local took=$((SECONDS - start))
  assert_status 0
  assert_output_has "10000 pinned"
  assert_equal "$(hosts_block | wc -l | tr -d ' ')" 10000
  hosts_block | grep -qx '100.64.39.15 peer-9999 peer-9999.tail4b2c1.ts.net'
  local processes
  processes=$(wc -l <"$BATS_TEST_TMPDIR/count")
  ((processes < 100)) || fail "$processes processes for 10,000 peers: $(sort "$BATS_TEST_TMPDIR/count" | uniq -c | sort -rn | head -5)"
  # A generous wall-clock bound as well (the per-line design took minutes at this size).
  ((took <= 60)) || fail "took ${took}s for 10,000 peers"
  foreign_intact
}
