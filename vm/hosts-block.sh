#!/usr/bin/env bash
# Replace this project's marked block of the hosts file, and nothing else, without ever
# leaving the file damaged:
#
#   hosts-block.sh BODY_FILE     the block becomes BODY_FILE's lines (tailscale-up.sh calls it)
#
# - writers are serialised by a kernel lock (flock(1) on Linux, lockf(1) on macOS), held for
#   the whole read-modify-write, released by the kernel if the holder dies;
# - the complete new content exists in a temporary file in the target's directory before the
#   target is touched, then replaces it by rename (atomic for readers);
# - a hosts file bind-mounted from elsewhere (containers, test namespaces) cannot be renamed
#   over: it is then rewritten in place from the complete temporary file and verified;
# - a symlinked hosts file stays a symlink: the target it points to is what is replaced;
# - only the exact marker lines are ours (`# BEGIN tuist-tailnet-hosts-legacy` is not);
# - a full disk is reported as a full disk, and the file is left as it was.
#
# Exit: 0 written or already up to date; 1 not written (the reason is logged); 2 usage.
set -euo pipefail
export LC_ALL=C # byte semantics: lengths, comparisons and awk see bytes, not characters

readonly PROG=hosts-block
readonly BLOCK_BEGIN='# BEGIN tuist-tailnet-hosts'
readonly BLOCK_END='# END tuist-tailnet-hosts'
case ${BASH_SOURCE[0]} in */*) SCRIPT_DIR=${BASH_SOURCE[0]%/*} ;; *) SCRIPT_DIR=. ;; esac
# shellcheck source=vm/lib.sh
source "$SCRIPT_DIR/lib.sh"
readonly BLOCK_NOTE='# Managed by tailscale-up.sh from "tailscale status --json"; edits inside this block are overwritten.'

fail() {
  log "error: $*"
  exit 1
}

if (($# != 1)) || [[ ! -r $1 ]]; then
  echo "usage: hosts-block.sh BODY_FILE (a readable file of hosts lines)" >&2
  exit 2
fi
body_file=$1
HOSTS_FILE=${HOSTS_FILE:-/etc/hosts}
HOSTS_LOCK_FILE=${HOSTS_LOCK_FILE:-/var/run/tuist-tailnet-hosts.lock}
HOSTS_LOCK_WAIT_SECONDS=${HOSTS_LOCK_WAIT_SECONDS:-10}
[[ $HOSTS_LOCK_WAIT_SECONDS =~ ^[1-9][0-9]*$ ]] ||
  fail "HOSTS_LOCK_WAIT_SECONDS must be a positive whole number of seconds, got $(printf '%q' "$HOSTS_LOCK_WAIT_SECONDS")"

# --- the lock: re-run this script under it -------------------------------------------------

if [[ ${TUIST_HOSTS_LOCK_HELD:-} != "$HOSTS_LOCK_FILE" ]]; then
  tool=${HOSTS_LOCK_TOOL:-}
  if [[ -z $tool ]]; then
    if command -v flock >/dev/null 2>&1; then tool=flock; elif command -v lockf >/dev/null 2>&1; then tool=lockf; fi
  fi
  export TUIST_HOSTS_LOCK_HELD=$HOSTS_LOCK_FILE
  case $tool in
    # flock(1), util-linux: -w SECONDS. Exit 1 on timeout (-E changes that code).
    flock) exec flock -E 75 -w "$HOSTS_LOCK_WAIT_SECONDS" "$HOSTS_LOCK_FILE" "$BASH" "$0" "$@" ;;
    # lockf(1), macOS/BSD: -k keeps the lock file, -t SECONDS; exit 75 (EX_TEMPFAIL) on timeout.
    lockf) exec lockf -k -t "$HOSTS_LOCK_WAIT_SECONDS" "$HOSTS_LOCK_FILE" "$BASH" "$0" "$@" ;;
    *) fail "neither flock(1) nor lockf(1) is installed: cannot serialise writers of $HOSTS_FILE" ;;
  esac
fi

# --- under the lock ------------------------------------------------------------------------

# Follow a symlinked hosts file to the file it names (readlink without -f: macOS-portable).
target=$HOSTS_FILE
hops=0
while [[ -L $target ]]; do
  hops=$((hops + 1))
  ((hops <= 16)) || fail "$HOSTS_FILE: too many levels of symbolic links"
  link=$(readlink "$target")
  case $link in
    /*) target=$link ;;
    *) target=${target%/*}/$link ;;
  esac
done
case $target in */*) dir=${target%/*} ;; *) dir=. ;; esac
[[ -n $dir ]] || dir=/
[[ -d $dir ]] || fail "the directory of $target does not exist"
if [[ $target != "$HOSTS_FILE" ]]; then log "$HOSTS_FILE is a symbolic link: writing through to $target"; fi

tmp=""
trap 'if [[ -n $tmp ]]; then rm -f "$tmp"; fi' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# fail_write ERRFILE WHAT: the failure, named as a full disk when the disk is full.
fail_write() {
  local avail
  avail=$(df -Pk "$dir" 2>/dev/null | awk 'NR == 2 { print $4 }') || avail=""
  if grep -q 'No space left on device' "$1" 2>/dev/null || [[ $avail == 0 ]]; then
    fail "the disk holding $dir is full (ENOSPC): could not $2; $target was left as it was"
  fi
  fail "could not $2 ($(head -c 200 "$1" 2>/dev/null | tr '\n' ' ')); $target was left as it was"
}

current=/dev/null
if [[ -e $target ]]; then
  [[ -r $target ]] || fail "$target is not readable"
  current=$target
fi

umask 022
errfile=$(mktemp "${TMPDIR:-/tmp}/hosts-block.err.XXXXXX") || fail "could not create a temporary file in ${TMPDIR:-/tmp}"
trap 'if [[ -n $tmp ]]; then rm -f "$tmp"; fi; rm -f "$errfile"' EXIT
tmp=$(mktemp "$dir/.hosts.tuist.XXXXXX" 2>"$errfile") || fail_write "$errfile" "create a temporary file in $dir"

# Lines outside the block are copied byte for byte; the block goes where it was, else last.
# awk writes the content to the file and prints, on stdout, how many bytes it wrote: a short
# file (a full disk that awk did not report) is then caught by comparing sizes.
# Exit 3: unbalanced markers.
rc=0
expected=$(awk -v begin="$BLOCK_BEGIN" -v end="$BLOCK_END" -v note="$BLOCK_NOTE" -v bodyfile="$body_file" -v out="$tmp" '
  function put(s) { print s > out; n += length(s) + 1 }
  function emit(  line) {
    put(begin); put(note)
    while ((getline line < bodyfile) > 0) put(line)
    close(bodyfile)
    put(end)
    placed = 1
  }
  $0 == begin { if (inside) { bad = 1; exit } inside = 1; if (!placed) emit(); next }
  $0 == end   { if (!inside) { bad = 1; exit } inside = 0; next }
  inside { next }
  { put($0) }
  END {
    if (bad || inside) exit 3
    if (!placed) emit()
    if (close(out) != 0) exit 4
    print n
  }
' "$current" 2>"$errfile") || rc=$?
if ((rc == 3)); then
  fail "$target has unbalanced '$BLOCK_BEGIN' / '$BLOCK_END' lines; fix them by hand (nothing was written)"
fi
written=$(wc -c <"$tmp")
if ((rc != 0)) || [[ -z $expected ]] || ((written != expected)); then
  fail_write "$errfile" "write the complete new content beside $target ($((written)) bytes written)"
fi

if [[ -e $target ]] && cmp -s "$tmp" "$target"; then
  log "$target already up to date"
  exit 0
fi

chmod 0644 "$tmp"
if mv -f "$tmp" "$target" 2>"$errfile"; then
  tmp=""
  log "$target updated"
  exit 0
fi

# A bind-mounted file cannot be renamed over. The complete content exists; only now is the
# target truncated and rewritten from it, then verified. (Readers may see it short for that
# instant: the price of a file that cannot be replaced.)
log "renaming over $target failed ($(head -c 200 "$errfile" | tr '\n' ' ')); rewriting it in place"
backup=$(mktemp "${TMPDIR:-/tmp}/hosts-block.backup.XXXXXX") || fail "could not create a backup of $target"
trap 'if [[ -n $tmp ]]; then rm -f "$tmp"; fi; rm -f "$errfile" "$backup"' EXIT
cat "$current" >"$backup" 2>"$errfile" || fail_write "$errfile" "back up $target before rewriting it in place"
if { cat "$tmp" >"$target"; } 2>"$errfile" && cmp -s "$tmp" "$target"; then
  log "$target updated in place"
  exit 0
fi
# Put back what was there (it fitted before, so it fits again).
if ! { cat "$backup" >"$target"; } 2>/dev/null || ! cmp -s "$backup" "$target"; then
  log "error: could not restore $target; its previous content is in $backup"
  trap 'if [[ -n $tmp ]]; then rm -f "$tmp"; fi; rm -f "$errfile"' EXIT
fi
fail_write "$errfile" "rewrite $target in place"
