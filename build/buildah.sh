#!/usr/bin/env bash
# buildah with the project's own storage: vfs (no overlay or fuse needed) under the user's cache
# folder, so the base, the builder and the image layers survive between runs and `rm -rf` of
# that folder is a full reset. Every build/ script and the image test call buildah through here.
set -euo pipefail
cache="${MECM_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mecm-operator/image}"
mkdir -p "$cache/storage"
exec buildah --root "$cache/storage" --runroot "$cache/run" --storage-driver vfs "$@"
