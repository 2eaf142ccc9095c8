# Tart image for the xcresult-processor VMs: full Xcode (from the base), tailscaled as a system
# daemon, the boot chain and its launchd jobs, the diagnostics account. Build on a Mac with
# Tart and Packer (vm/README.md, "Building the image"):
#   packer init vm/packer
#   packer build -var vm_base_digest=sha256:<digest> vm/packer/xcresult-processor.pkr.hcl
# The release is not baked in: fetch-release.sh installs it at boot from the OCI artifact
# named by TUIST_XCRESULT_PROCESSOR_RELEASE, verified by sha256 (vm/README.md, "The release").

packer {
  required_plugins {
    tart = {
      version = ">= 1.12.0"
      source  = "github.com/cirruslabs/tart"
    }
  }
}

variable "vm_base_repository" {
  type        = string
  description = "The Xcode base image's repository, without tag or digest (the tag is vm_base_tag, the content vm_base_digest)."
  default     = "ghcr.io/tuist/macos-tahoe-xcode"
  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+$", var.vm_base_repository))
    error_message = "The vm_base_repository must be <registry>/<repository> without a tag or digest; the content is pinned by vm_base_digest."
  }
}

variable "vm_base_tag" {
  type        = string
  description = "The tag vm_base_digest was read from (for people and logs only: a tag can move, the digest cannot)."
  default     = "26-4-1"
}

# No default on purpose: a placeholder digest would build on whatever the tag points at today.
# Read it on a networked machine: crane digest ghcr.io/tuist/macos-tahoe-xcode:26-4-1
# (or: skopeo inspect --format '{{.Digest}}' docker://ghcr.io/tuist/macos-tahoe-xcode:26-4-1).
variable "vm_base_digest" {
  type        = string
  description = "The base image's manifest digest, sha256:<64 hex>, read from vm_base_tag with crane or skopeo."
  validation {
    condition     = can(regex("^sha256:[0-9a-f]{64}$", var.vm_base_digest))
    error_message = "The vm_base_digest must be sha256:<64 lowercase hex>; a floating tag is refused. Read it with: crane digest ghcr.io/tuist/macos-tahoe-xcode:<tag>."
  }
}

variable "vm_name" {
  type    = string
  default = "tuist-xcresult-processor"
}

# Must equal VM_DIAGNOSTICS_USER in src/config/vm.ts: the tailnet policy's SSH rule names it
# (test/vm/check_image.py compares them).
variable "diagnostics_user" {
  type    = string
  default = "tuist-diagnostics"
}

locals {
  # Must match the paths in vm/launchd/*.plist.
  libexec     = "/usr/local/libexec/tuist"
  log_dir     = "/var/log/xcresult-processor"
  release_dir = "/opt/tuist/release"
  staging     = "/private/tmp/tuist-vm"
  # A hidden system-range account (below 500: not on the login window).
  diagnostics_uid = 451
}

source "tart-cli" "xcresult-processor" {
  vm_base_name = "${var.vm_base_repository}@${var.vm_base_digest}"
  vm_name      = var.vm_name
  cpu_count    = 4
  memory_gb    = 8
  headless     = true
  ssh_username = "admin"
  ssh_password = "admin"
  ssh_timeout  = "180s"
}

build {
  sources = ["source.tart-cli.xcresult-processor"]

  provisioner "shell" {
    inline = [
      "set -eu",
      # The processor parses result bundles with xcresulttool: no working Xcode, no image.
      "xcrun xcresulttool version",
      "eval \"$(/opt/homebrew/bin/brew shellenv)\"",
      # bash: the scripts are tested with bash 5; jq: status parsing; oras: the release.
      "brew install tailscale jq bash oras",
      "sudo \"$(brew --prefix)/bin/tailscaled\" install-system-daemon",
      # install-system-daemon starts tailscaled, which writes a machine key. An image that
      # carries one would make every VM cloned from it the same machine to the control plane.
      "sudo launchctl bootout system/com.tailscale.tailscaled || true",
      "sudo rm -rf /Library/Tailscale",
      "mkdir -p ${local.staging}",
    ]
  }

  # The diagnostics account: no admin group, no sudoers entry, no password (Tailscale SSH
  # authenticates it), read access to the logs through its group.
  provisioner "shell" {
    inline = [
      "set -eu",
      "user=${var.diagnostics_user} uid=${local.diagnostics_uid}",
      "if dscl . -list /Users UniqueID | awk -v uid=$uid '$2 == uid' | grep -q .; then echo \"uid $uid is taken\" >&2; exit 1; fi",
      "sudo dseditgroup -o create -i $uid -r 'Tuist VM diagnostics' $user",
      "sudo dscl . -create /Users/$user",
      "sudo dscl . -create /Users/$user UniqueID $uid",
      "sudo dscl . -create /Users/$user PrimaryGroupID $uid",
      "sudo dscl . -create /Users/$user UserShell /bin/bash",
      "sudo dscl . -create /Users/$user NFSHomeDirectory /var/$user",
      "sudo dscl . -create /Users/$user Password '*'",
      "sudo install -d -o $user -g $user -m 0750 /var/$user",
      "if dseditgroup -o checkmember -m $user admin | grep -q '^yes'; then echo \"$user must not be an admin\" >&2; exit 1; fi",
      "if sudo -l -U $user 2>&1 | grep -qv 'not allowed'; then echo \"$user must not have sudo\" >&2; exit 1; fi",
      "sudo install -d -o root -g $user -m 0750 ${local.log_dir}",
      "sudo install -d -o root -g wheel -m 0755 ${local.release_dir}",
    ]
  }

  provisioner "file" {
    sources = [
      "${path.root}/../tailscale-up.sh",
      "${path.root}/../boot-chain.sh",
      "${path.root}/../pod-env.sh",
      "${path.root}/../hosts-block.sh",
      "${path.root}/../fetch-release.sh",
      "${path.root}/../diagnostics.sh",
      "${path.root}/../lib.sh",
      "${path.root}/../launchd/dev.tuist.xcresult-processor.plist",
      "${path.root}/../launchd/dev.tuist.tailnet-hosts-refresh.plist",
    ]
    destination = "${local.staging}/"
  }

  provisioner "shell" {
    inline = [
      "set -eu",
      "cd ${local.staging}",
      "sudo install -d -o root -g wheel -m 0755 ${local.libexec}",
      "sudo install -o root -g wheel -m 0755 tailscale-up.sh boot-chain.sh pod-env.sh hosts-block.sh fetch-release.sh diagnostics.sh lib.sh ${local.libexec}/",
      # launchd refuses daemon plists that are not root:wheel and unwritable by others.
      "sudo install -o root -g wheel -m 0644 dev.tuist.xcresult-processor.plist dev.tuist.tailnet-hosts-refresh.plist /Library/LaunchDaemons/",
      "plutil -lint /Library/LaunchDaemons/dev.tuist.xcresult-processor.plist /Library/LaunchDaemons/dev.tuist.tailnet-hosts-refresh.plist",
      "cd / && rm -rf ${local.staging}",
    ]
  }
}
