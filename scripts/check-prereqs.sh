#!/usr/bin/env bash
# Checks the few things a machine must bring, and installs the Debian ones when missing.
set -euo pipefail
fail() { echo "prerequisite missing: $*" >&2; exit 1; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || fail "Node.js 20 (https://nodejs.org)"
[ "$node_major" -ge 20 ] || fail "Node.js >= 20 (found $(node --version))"
command -v go >/dev/null || fail "Go >= 1.26 with access to the Go module proxy (builds the test binaries)"
go_minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
[ "$go_minor" -ge 26 ] || fail "Go >= 1.26 (found $(go env GOVERSION))"

missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v flock >/dev/null || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"
  else
    fail "${missing[*]} (install with your package manager)"
  fi
fi
