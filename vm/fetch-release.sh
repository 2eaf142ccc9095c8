#!/usr/bin/env bash
# Install the release named by TUIST_XCRESULT_PROCESSOR_RELEASE into RELEASE_DIR, verified
# by sha256 before anything is unpacked (vm/README.md, "The release"):
#
#   TUIST_XCRESULT_PROCESSOR_RELEASE=<registry>/<repository>@sha256:<manifest digest>
#
# 1. the manifest is fetched and its sha256 must be the digest in the reference (so the
#    reference pins the content, not a tag that can move);
# 2. it must name exactly one layer; that blob is fetched and its sha256 must be the layer's
#    digest;
# 3. only then is it unpacked, beside RELEASE_DIR, and swapped in. A mismatch anywhere
#    refuses to start (exit 1) and leaves the installed release as it was.
# A release already installed from the same digest is not fetched again (restarts are cheap).
#
# Exit: 0 installed (or already); 1 fetch or verification failed (launchd retries); 2 configuration.
set -euo pipefail
export LC_ALL=C

readonly PROG=fetch-release
case ${BASH_SOURCE[0]} in */*) SCRIPT_DIR=${BASH_SOURCE[0]%/*} ;; *) SCRIPT_DIR=. ;; esac
readonly SCRIPT_DIR
# shellcheck source=vm/lib.sh
source "$SCRIPT_DIR/lib.sh"


ref=${TUIST_XCRESULT_PROCESSOR_RELEASE:-}
RELEASE_DIR=${RELEASE_DIR:-/opt/tuist/release}
ORAS_BIN=${ORAS_BIN:-oras}
# The archive's bound; the manifest (a few hundred bytes) gets at most 60 s of it. Together
# with five join attempts they stay within the Deployment's progressDeadlineSeconds (vm/README.md).
RELEASE_FETCH_TIMEOUT=${RELEASE_FETCH_TIMEOUT:-300}
readonly MARKER=.release-digest

[[ $RELEASE_FETCH_TIMEOUT =~ ^[1-9][0-9]*$ ]] ||
  die 2 "RELEASE_FETCH_TIMEOUT must be a positive whole number of seconds, got $(printf '%q' "$RELEASE_FETCH_TIMEOUT")"
[[ -n $ref ]] ||
  die 2 "TUIST_XCRESULT_PROCESSOR_RELEASE is empty: set it to the release artifact, <registry>/<repository>@sha256:<digest>"
if [[ ! $ref =~ ^([a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+)@sha256:([0-9a-f]{64})$ ]]; then
  die 2 "TUIST_XCRESULT_PROCESSOR_RELEASE=$(printf '%q' "$ref") is not <registry>/<repository>@sha256:<64 hex>; a tag is refused (it can move under a running fleet)"
fi
repo=${BASH_REMATCH[1]} digest=sha256:${BASH_REMATCH[3]}
command -v "$ORAS_BIN" >/dev/null 2>&1 || die 2 "oras not found (ORAS_BIN=$(printf '%q' "$ORAS_BIN")); the image installs it with brew"

sha256_of() {
  if command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d ' ' -f 1; else sha256sum "$1" | cut -d ' ' -f 1; fi
}

if [[ -f $RELEASE_DIR/$MARKER && $(<"$RELEASE_DIR/$MARKER") == "$digest" ]]; then
  log "release $digest already installed in $RELEASE_DIR"
  exit 0
fi

parent=$(dirname "$RELEASE_DIR")
[[ -d $parent ]] || die 2 "the directory of RELEASE_DIR=$(printf '%q' "$RELEASE_DIR") does not exist"
umask 022
work=$(mktemp -d "$parent/.release.XXXXXX")
trap 'if [[ -n $BOUNDED_CHILD ]]; then kill -TERM "$BOUNDED_CHILD" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

log "fetching the release manifest $ref"
run_bounded "$((RELEASE_FETCH_TIMEOUT < 60 ? RELEASE_FETCH_TIMEOUT : 60))" "$ORAS_BIN" manifest fetch --output "$work/manifest.json" "$ref" 2>"$work/err" ||
  die 1 "could not fetch the manifest of $ref: $(head -c 300 "$work/err" | tr '\n' ' ')"
got=sha256:$(sha256_of "$work/manifest.json")
[[ $got == "$digest" ]] || die 1 "the manifest of $ref has digest $got, not $digest: refusing to start (nothing was unpacked)"

layer=$(jq -er '[.layers // [] | .[]] | if length == 1 then .[0].digest else error("the manifest has \(length) layers, expected exactly one") end' "$work/manifest.json" 2>"$work/err") ||
  die 1 "$ref: $(head -c 300 "$work/err" | tr '\n' ' ')"
[[ $layer =~ ^sha256:[0-9a-f]{64}$ ]] || die 1 "$ref: the layer digest $(printf '%q' "$layer") is not sha256:<64 hex>"

log "fetching the release archive $layer"
run_bounded "$RELEASE_FETCH_TIMEOUT" "$ORAS_BIN" blob fetch --output "$work/release.tar.gz" "$repo@$layer" 2>"$work/err" ||
  die 1 "could not fetch $repo@$layer: $(head -c 300 "$work/err" | tr '\n' ' ')"
got=sha256:$(sha256_of "$work/release.tar.gz")
[[ $got == "$layer" ]] || die 1 "the release archive has sha256 $got, not $layer: refusing to start (nothing was unpacked)"

mkdir "$work/release"
# Verified: now unpack. Absolute names and .. are refused by tar's defaults on both platforms.
tar -xzf "$work/release.tar.gz" -C "$work/release" 2>"$work/err" || die 1 "could not unpack the release: $(head -c 300 "$work/err" | tr '\n' ' ')"
[[ -x $work/release/bin/tuist ]] || die 1 "the release archive has no executable bin/tuist"
printf '%s\n' "$digest" >"$work/release/$MARKER"

# Swap in. launchd's WorkingDirectory is RELEASE_DIR, so it exists (empty) from the image on.
if [[ -e $RELEASE_DIR ]]; then mv "$RELEASE_DIR" "$work/previous"; fi
mv "$work/release" "$RELEASE_DIR"
log "release $digest installed in $RELEASE_DIR"
