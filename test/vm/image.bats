#!/usr/bin/env bats
# The launchd plists and the Packer template, checked statically (no launchd, no Packer here),
# and proof that the checks fail on the mistakes they exist for.

# shellcheck disable=SC2016 # the single-quoted ${...} are HCL and Python, not shell
load helpers

setup() {
  COPY=$BATS_TEST_TMPDIR/vm
  cp -R "$VM_DIR" "$COPY"
  TEMPLATE=$COPY/packer/xcresult-processor.pkr.hcl
  BOOT_PLIST=$COPY/launchd/dev.tuist.xcresult-processor.plist
  REFRESH_PLIST=$COPY/launchd/dev.tuist.tailnet-hosts-refresh.plist
}

check_copy() { run python3 "$BATS_TEST_DIRNAME/check_image.py" "$COPY" 3>&-; }
hcl_parser_available() { node "$BATS_TEST_DIRNAME/check_hcl_syntax.js" "$COPY" >/dev/null 2>&1 3>&-; [ $? -ne 3 ]; }

@test "the repository's plists and Packer template pass every check" {
  run python3 "$BATS_TEST_DIRNAME/check_image.py" 3>&-
  assert_status 0
  assert_output_has "0 failed"
}

@test "fails when the boot job is relaunched only on failure, or without a throttle" {
  python3 - "$BOOT_PLIST" <<'PY'
import plistlib, sys
p = plistlib.load(open(sys.argv[1], "rb")); p["KeepAlive"] = {"SuccessfulExit": False}; del p["ThrottleInterval"]
plistlib.dump(p, open(sys.argv[1], "wb"))
PY
  check_copy
  assert_status 1
  assert_output_has "boot job: KeepAlive true (relaunched after any exit"
  assert_output_has "boot job: ThrottleInterval"
}

@test "fails when the boot job lacks SECRETS_DIRECTORY, the working directory or the log paths" {
  python3 - "$BOOT_PLIST" <<'PY'
import plistlib, sys
p = plistlib.load(open(sys.argv[1], "rb"))
del p["EnvironmentVariables"]["SECRETS_DIRECTORY"]; del p["WorkingDirectory"]; p["StandardOutPath"] = "/var/log/x.log"
plistlib.dump(p, open(sys.argv[1], "wb"))
PY
  check_copy
  assert_status 1
  assert_output_has "boot job: SECRETS_DIRECTORY"
  assert_output_has "boot job: WorkingDirectory /opt/tuist/release"
  assert_output_has "boot job: StandardOutPath is /var/log/xcresult-processor/stdout.log"
}

@test "fails when the refresh job stops being periodic or gains KeepAlive" {
  python3 - "$REFRESH_PLIST" <<'PY'
import plistlib, sys
p = plistlib.load(open(sys.argv[1], "rb")); del p["StartInterval"]; p["KeepAlive"] = True
plistlib.dump(p, open(sys.argv[1], "wb"))
PY
  check_copy
  assert_status 1
  assert_output_has "refresh job: StartInterval"
  assert_output_has "refresh job: no KeepAlive"
}

@test "fails when a plist does not parse" {
  sed -i 's|</dict>|</dikt>|' "$REFRESH_PLIST"
  check_copy
  assert_status 1
  assert_output_has "does not parse as a plist"
}

@test "fails when a plist runs a script the image does not install" {
  sed -i 's|/usr/local/libexec/tuist/boot-chain.sh|/usr/local/libexec/tuist/boot.sh|' "$BOOT_PLIST"
  check_copy
  assert_status 1
  assert_output_has "runs /usr/local/libexec/tuist/boot.sh, which the image installs"
}

@test "fails when the template uploads a file that does not exist, or forgets a script" {
  sed -i 's|../pod-env.sh|../pod-environment.sh|' "$TEMPLATE"
  touch "$COPY/new-helper.sh"
  check_copy
  assert_status 1
  assert_output_has "uploads vm/pod-environment.sh, which exists"
  assert_output_has "uploads vm/new-helper.sh"
}

@test "fails when the template drops jq, the system daemon or the root:wheel 0644 install" {
  sed -i -e 's|brew install tailscale jq bash|brew install tailscale bash|' \
    -e 's|install-system-daemon|version|' \
    -e 's|-m 0644|-m 0664|' "$TEMPLATE"
  check_copy
  assert_status 1
  assert_output_has "brew installs tailscale, jq, bash and oras"
  assert_output_has "installs tailscaled as a system daemon"
  assert_output_has "/Library/LaunchDaemons 0644 root:wheel"
}

@test "fails on unbalanced HCL, an unterminated string and an undeclared variable" {
  local original
  original=$(cat "$TEMPLATE")
  printf '%s\n}\n' "$original" >"$TEMPLATE"
  check_copy
  assert_status 1
  assert_output_has "unexpected '}'"
  printf '%s\n' "${original/\"180s\"/\"180s}" >"$TEMPLATE"
  check_copy
  assert_status 1
  assert_output_has "unterminated string"
  printf '%s\n' "${original/var.vm_name/var.vm_nam}" >"$TEMPLATE"
  check_copy
  assert_status 1
  assert_output_has "var.vm_nam is declared"
}

@test "HashiCorp's HCL parser accepts the template and rejects a broken one" {
  hcl_parser_available || skip "@cdktf/hcl2json not installed (see vm/README.md)"
  run node "$BATS_TEST_DIRNAME/check_hcl_syntax.js" "$COPY" 3>&-
  assert_status 0
  sed -i 's|cpu_count    = 4|cpu_count      4|' "$TEMPLATE"
  run node "$BATS_TEST_DIRNAME/check_hcl_syntax.js" "$COPY" 3>&-
  assert_status 1
  assert_output_has "FAIL vm/packer/xcresult-processor.pkr.hcl"
}

@test "fails when the base image floats: a tag in vm_base_name, a default digest, or no digest validation" {
  sed -i -e 's|vm_base_name = "${var.vm_base_repository}@${var.vm_base_digest}"|vm_base_name = "${var.vm_base_repository}:26-4-1"|' "$TEMPLATE"
  python3 - "$TEMPLATE" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
t = t.replace('description = "The base image\'s manifest digest', 'default = "sha256:0000"\n  description = "The base image\'s manifest digest', 1)
t = t.replace('^sha256:[0-9a-f]{64}$', '^sha256:', 1)
open(sys.argv[1], "w").write(t)
PY
  check_copy
  assert_status 1
  assert_output_has 'vm_base_name is <repository>@${var.vm_base_digest}'
  assert_output_has "vm_base_digest has no default"
  assert_output_has "vm_base_digest has a validation accepting only sha256:<64 hex>"
}

@test "fails when the diagnostics account is not VM_DIAGNOSTICS_USER, or Xcode is not checked" {
  sed -i -e 's|default = "tuist-diagnostics"|default = "admin"|' -e '/"xcrun xcresulttool version",/d' "$TEMPLATE"
  check_copy
  assert_status 1
  assert_output_has "diagnostics_user is VM_DIAGNOSTICS_USER of src/config/vm.ts (tuist-diagnostics), got 'admin'"
  assert_output_has "xcrun xcresulttool version"
}

@test "fails when the diagnostics account could get sudo or the logs are not readable to it" {
  sed -i -e '/must not have sudo/d' -e 's|-g $user -m 0750 ${local.log_dir}|-g wheel -m 0750 ${local.log_dir}|' "$TEMPLATE"
  check_copy
  assert_status 1
  assert_output_has "the build fails if the diagnostics account is an admin or has sudo"
  assert_output_has "the log directory is readable by the diagnostics account's group"
}
