# Tart image for the xcresult-processor VMs: tailscaled as a system daemon, the boot chain and
# its launchd jobs. Build on a Mac with Tart and Packer (vm/README.md):
#   packer init vm/packer && packer build vm/packer/xcresult-processor.pkr.hcl
# The release itself is installed at /opt/tuist/release by the image's release step.

packer {
  required_plugins {
    tart = {
      version = ">= 1.12.0"
      source  = "github.com/cirruslabs/tart"
    }
  }
}

variable "vm_base_name" {
  type        = string
  description = "Tart image to build on; it must have Homebrew at /opt/homebrew."
  default     = "ghcr.io/cirruslabs/macos-sequoia-base:latest"
}

variable "vm_name" {
  type    = string
  default = "tuist-xcresult-processor"
}

locals {
  # Must match the paths in vm/launchd/*.plist.
  libexec = "/usr/local/libexec/tuist"
  staging = "/private/tmp/tuist-vm"
}

source "tart-cli" "xcresult-processor" {
  vm_base_name = var.vm_base_name
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
      "eval \"$(/opt/homebrew/bin/brew shellenv)\"",
      # bash: the scripts are tested with bash 5, not macOS's bash 3.2; jq: status parsing.
      "brew install tailscale jq bash",
      "sudo \"$(brew --prefix)/bin/tailscaled\" install-system-daemon",
      # install-system-daemon starts tailscaled, which writes a machine key. An image that
      # carries one would make every VM cloned from it the same machine to the control plane.
      "sudo launchctl bootout system/com.tailscale.tailscaled || true",
      "sudo rm -rf /Library/Tailscale",
      "mkdir -p ${local.staging}",
    ]
  }

  provisioner "file" {
    sources = [
      "${path.root}/../tailscale-up.sh",
      "${path.root}/../boot-chain.sh",
      "${path.root}/../pod-env.sh",
      "${path.root}/../hosts-block.sh",
      "${path.root}/../lib.sh",
      "${path.root}/../launchd/dev.tuist.xcresult-processor.plist",
      "${path.root}/../launchd/dev.tuist.tailnet-hosts-refresh.plist",
    ]
    destination = "${local.staging}/"
  }

  provisioner "shell" {
    inline = [
      "cd ${local.staging}",
      "sudo install -d -o root -g wheel -m 0755 ${local.libexec}",
      "sudo install -o root -g wheel -m 0755 tailscale-up.sh boot-chain.sh pod-env.sh hosts-block.sh lib.sh ${local.libexec}/",
      # launchd refuses daemon plists that are not root:wheel and unwritable by others.
      "sudo install -o root -g wheel -m 0644 dev.tuist.xcresult-processor.plist dev.tuist.tailnet-hosts-refresh.plist /Library/LaunchDaemons/",
      "plutil -lint /Library/LaunchDaemons/dev.tuist.xcresult-processor.plist /Library/LaunchDaemons/dev.tuist.tailnet-hosts-refresh.plist",
      "cd / && rm -rf ${local.staging}",
    ]
  }
}
