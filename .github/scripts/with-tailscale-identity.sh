#!/usr/bin/env bash
# Runs a command (`pulumi preview|up …`) with TAILSCALE_IDENTITY_TOKEN set to a fresh GitHub
# OIDC token for the Tailscale federated identity of this GitHub environment, which the
# Pulumi program exchanges, with the stack config `tailscaleClientId`, for a short-lived
# Tailscale API token (src/pulumi/providers.ts). No workflow holds a long-lived Tailscale secret.
#
# Needs the job permission `id-token: write` (GitHub then sets ACTIONS_ID_TOKEN_REQUEST_URL
# and _TOKEN) and the GitHub environment variable TAILSCALE_AUDIENCE, the federated
# identity's audience (docs/deploying.md). The tokens travel in the environment and a
# private file, never in a process's arguments.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: with-tailscale-identity.sh <command> [args…]" >&2
  exit 2
fi
if [ -z "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ] || [ -z "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" ]; then
  echo "::error title=No OIDC token::this job cannot request a GitHub OIDC token. Fix: give the job 'permissions: id-token: write' (only deploy and preview jobs have it)." >&2
  exit 1
fi
if [ -z "${TAILSCALE_AUDIENCE:-}" ]; then
  echo "::error title=No Tailscale audience::TAILSCALE_AUDIENCE is not set. Fix: set the variable TAILSCALE_AUDIENCE of this GitHub environment to the audience of its Tailscale federated identity (docs/deploying.md)." >&2
  exit 1
fi

umask 077
header=$(mktemp)
trap 'rm -f "$header"' EXIT
printf 'Authorization: bearer %s\n' "$ACTIONS_ID_TOKEN_REQUEST_TOKEN" > "$header"
audience=$(jq -rn --arg audience "$TAILSCALE_AUDIENCE" '$audience | @uri')
response=$(curl -fsS --retry 3 -H "@$header" "${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${audience}")
token=$(jq -r '.value // empty' <<< "$response")
if [ -z "$token" ]; then
  echo "::error title=No OIDC token::GitHub answered the OIDC token request without a token." >&2
  exit 1
fi
echo "::add-mask::$token"
export TAILSCALE_IDENTITY_TOKEN="$token"
"$@"
