#!/usr/bin/env bash
# make image: builds the operator's image from the Containerfile with buildah, on the local bases
# (build/base.sh), and prints its name on the last line: localhost/mecm-operator:<inputs digest>.
#
# The tag is a digest of everything the image is made of (the Containerfile, package*.json,
# tsconfig*.json, operator/src, the bases, the helm version), so a second run with the same
# inputs only looks the image up. Its helm and deps stages (helm built, `npm ci`) are tagged too,
# by a digest of what they are made of, so their layers stay in the layer cache: after a change
# of operator/src only the operator is compiled again. Older images and unused layers are removed
# after a new build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
bh() { "$here/buildah.sh" "$@"; }
log() { printf '[image] %s\n' "$*" >&2; }

bash scripts/check-prereqs.sh image
bases=$(bash "$here/base.sh")
base=$(sed -n 's/^BASE=//p' <<<"$bases")
go_image=$(sed -n 's/^GO_IMAGE=//p' <<<"$bases")
helm_version=$(sed -n 's/^HELM_VERSION=//p' testenv/versions.env)

cache="${MECM_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mecm-operator/image}"
exec 8>"$cache/.image.lock"
flock 8

digest=$( {
  printf '%s\n' "$base" "$go_image" "$helm_version"
  find Containerfile .containerignore package.json package-lock.json tsconfig.json tsconfig.build.json operator/src -type f -print0 |
    sort -z | xargs -0 sha256sum
} | sha256sum | cut -c1-16)
image="localhost/mecm-operator:$digest"

if bh inspect --type image "$image" >/dev/null 2>&1; then
  log "$image is up to date"
else
  log "building $image"
  start=$SECONDS
  # RUN steps trust what this machine trusts (a TLS-intercepting proxy's CA, where there is one):
  # its CA bundle is mounted during the steps, for Go and (the base's npmrc names it) npm. They
  # also get this machine's Go module and build caches and npm cache, which the test binaries
  # and `npm ci` filled already, so helm and node_modules come mostly from disk. None of it stays
  # in the image (only empty mount points under /root).
  ca_bundle=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
  go_mod=$(go env GOMODCACHE) go_build=$(go env GOCACHE) npm_cache=$(npm config get cache)
  mkdir -p "$go_mod" "$go_build" "$npm_cache"
  # chroot isolation: the OCI runtime cannot start containers here (no cgroup controllers to
  # drop, no setrlimit), and RUN steps need no more than a chroot with the host's network.
  # --force-rm: a failed step leaves no working container (and its full vfs copy) behind.
  bud() {
    bh bud --quiet --layers --force-rm --isolation chroot --network host \
      --volume "$ca_bundle:/etc/ssl/certs/ca-certificates.crt:ro" \
      --volume "$go_mod:/root/go/pkg/mod" --volume "$go_build:/root/.cache/go-build" --volume "$npm_cache:/root/.npm" \
      --build-arg "BASE=$base" --build-arg "GO_IMAGE=$go_image" --build-arg "HELM_VERSION=$helm_version" \
      -f Containerfile "$@" . >/dev/null
  }
  # The stages first, each tagged (a layer-cache hit when it is there already), then the image,
  # which finds both in the layer cache.
  stage_key=$( {
    printf '%s\n' "$base" "$go_image" "$helm_version"
    sha256sum Containerfile .containerignore package.json package-lock.json
  } | sha256sum | cut -c1-12)
  stages=("localhost/mecm-operator-stage:helm-$stage_key" "localhost/mecm-operator-stage:deps-$stage_key")
  bud --target helm -t "${stages[0]}"
  bud --target deps -t "${stages[1]}"
  bud -t "$image"
  log "built $image in $((SECONDS - start))s"
  # Keep the newest image and stages only, and no layers they do not use: vfs stores every layer
  # as a full copy of its file system, so old builds would fill the disk.
  for old in $(bh images --format '{{.Name}}:{{.Tag}}' --filter reference=localhost/mecm-operator --filter reference=localhost/mecm-operator-stage); do
    [ "$old" = "$image" ] || [ "$old" = "${stages[0]}" ] || [ "$old" = "${stages[1]}" ] || bh rmi "$old" >/dev/null 2>&1 || true
  done
  bh rmi --prune >/dev/null 2>&1 || true
fi
echo "$image"
