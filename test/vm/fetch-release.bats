#!/usr/bin/env bats
# vm/fetch-release.sh against a fake `oras` (fixtures/bin/oras): verified before unpacking.

load helpers

setup() {
  export TMPDIR=$BATS_TEST_TMPDIR/tmp FAKE_ORAS_DIR=$BATS_TEST_TMPDIR/oras
  export RELEASE_DIR=$BATS_TEST_TMPDIR/opt/tuist/release PATH="$FIXTURES/bin:$PATH"
  mkdir -p "$TMPDIR" "$FAKE_ORAS_DIR" "$RELEASE_DIR"
  make_release "release one"
}

sha() { sha256sum "$1" | cut -d ' ' -f 1; }

# make_release TEXT: an archive with bin/tuist printing TEXT, its one-layer manifest, and the
# digest-pinned reference to it.
make_release() {
  local src=$BATS_TEST_TMPDIR/src
  rm -rf "$src" && mkdir -p "$src/bin"
  printf '#!/bin/sh\necho "%s"\n' "$1" >"$src/bin/tuist" && chmod +x "$src/bin/tuist"
  tar -czf "$FAKE_ORAS_DIR/blob" -C "$src" .
  jq -n --arg d "sha256:$(sha "$FAKE_ORAS_DIR/blob")" --argjson s "$(wc -c <"$FAKE_ORAS_DIR/blob")" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]}' >"$FAKE_ORAS_DIR/manifest.json"
  TUIST_XCRESULT_PROCESSOR_RELEASE="ghcr.io/tuist/xcresult-processor-release@sha256:$(sha "$FAKE_ORAS_DIR/manifest.json")"
  export TUIST_XCRESULT_PROCESSOR_RELEASE
}

run_fetch() { run "$VM_DIR/fetch-release.sh" 3>&-; }
assert_installed() { assert_equal "$("$RELEASE_DIR/bin/tuist")" "$1"; }
assert_no_leftovers() { assert_equal "$(ls -A "${RELEASE_DIR%/*}")" "release"; }

@test "installs a release whose manifest and archive match their digests, once per digest" {
  run_fetch
  assert_status 0
  assert_installed "release one"
  assert_equal "$(cat "$RELEASE_DIR/.release-digest")" "${TUIST_XCRESULT_PROCESSOR_RELEASE#*@}"
  assert_equal "$(grep -c . "$FAKE_ORAS_DIR/calls")" 2
  grep -qx "blob fetch --output .* ghcr.io/tuist/xcresult-processor-release@sha256:$(sha "$FAKE_ORAS_DIR/blob")" "$FAKE_ORAS_DIR/calls" ||
    fail "$(cat "$FAKE_ORAS_DIR/calls")"
  run_fetch
  assert_status 0
  assert_output_has "already installed"
  assert_equal "$(grep -c . "$FAKE_ORAS_DIR/calls")" 2
  make_release "release two"
  run_fetch
  assert_status 0
  assert_installed "release two"
  assert_no_leftovers
}

@test "an archive that does not match the manifest's digest refuses to start and unpacks nothing" {
  run_fetch
  make_release "release two"
  local ref=$TUIST_XCRESULT_PROCESSOR_RELEASE
  printf 'tampered' >>"$FAKE_ORAS_DIR/blob"
  TUIST_XCRESULT_PROCESSOR_RELEASE=$ref run_fetch
  assert_status 1
  assert_output_has "refusing to start (nothing was unpacked)"
  assert_installed "release one"
  assert_no_leftovers
}

@test "a manifest that does not match the reference's digest refuses to start" {
  run_fetch
  local ref=$TUIST_XCRESULT_PROCESSOR_RELEASE
  make_release "release two"
  TUIST_XCRESULT_PROCESSOR_RELEASE=${ref%@*}@sha256:$(printf '0%.0s' $(seq 64)) run_fetch
  assert_status 1
  assert_output_has "refusing to start"
  assert_installed "release one"
  assert_equal "$(grep -c '^blob' "$FAKE_ORAS_DIR/calls")" 1
}

@test "a manifest with other than one layer, or an archive without bin/tuist, is refused" {
  jq '.layers += .layers' "$FAKE_ORAS_DIR/manifest.json" >"$BATS_TEST_TMPDIR/m" && mv "$BATS_TEST_TMPDIR/m" "$FAKE_ORAS_DIR/manifest.json"
  TUIST_XCRESULT_PROCESSOR_RELEASE=${TUIST_XCRESULT_PROCESSOR_RELEASE%@*}@sha256:$(sha "$FAKE_ORAS_DIR/manifest.json") run_fetch
  assert_status 1
  assert_output_has "the manifest has 2 layers, expected exactly one"
  tar -czf "$FAKE_ORAS_DIR/blob" -C "$BATS_TEST_TMPDIR" tmp
  jq --arg d "sha256:$(sha "$FAKE_ORAS_DIR/blob")" '.layers = [.layers[0] | .digest = $d]' "$FAKE_ORAS_DIR/manifest.json" >"$BATS_TEST_TMPDIR/m"
  mv "$BATS_TEST_TMPDIR/m" "$FAKE_ORAS_DIR/manifest.json"
  TUIST_XCRESULT_PROCESSOR_RELEASE=${TUIST_XCRESULT_PROCESSOR_RELEASE%@*}@sha256:$(sha "$FAKE_ORAS_DIR/manifest.json") run_fetch
  assert_status 1
  assert_output_has "no executable bin/tuist"
  assert_no_leftovers
}

@test "fails when the reference is missing, a tag, or not digest-pinned" {
  local bad
  for bad in "" "ghcr.io/tuist/xcresult-processor-release:1.2.3" "ghcr.io/tuist/x@sha256:abc" "ghcr.io/tuist/x@sha512:$(printf 'a%.0s' $(seq 64))"; do
    TUIST_XCRESULT_PROCESSOR_RELEASE=$bad run_fetch
    assert_status 2
    assert_output_has "TUIST_XCRESULT_PROCESSOR_RELEASE"
  done
  [ ! -e "$FAKE_ORAS_DIR/calls" ]
}
