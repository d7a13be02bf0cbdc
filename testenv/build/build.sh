#!/usr/bin/env bash
# Builds the test environment's binaries from their Go modules and caches them under
#   ${XDG_CACHE_HOME:-~/.cache}/mecm-operator/testenv/<component>-<version>/
# A component whose cache folder is complete is not built again, so a warm start costs nothing.
# Prints the cache root on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../versions.env
source "$here/../versions.env"

cache_root="${MECM_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mecm-operator/testenv}"
export GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOTOOLCHAIN=local
mkdir -p "$cache_root"
# One build at a time per cache: a second caller waits, then finds the cache warm.
exec 9>"$cache_root/.lock"
flock 9

log() { printf '[testenv build] %s\n' "$*" >&2; }

# build_into NAME VERSION CMD... : runs CMD with $out set to a temp folder, then moves it into
# the cache atomically so an interrupted build never leaves a half-filled cache entry.
build_into() {
  local name=$1 version=$2; shift 2
  local dest="$cache_root/$name-$version"
  if [ -f "$dest/.complete" ]; then return 0; fi
  log "building $name $version (cold cache; this takes a while on 2 cores)"
  local start=$SECONDS
  out=$(mktemp -d "$cache_root/.tmp-$name-XXXXXX")
  "$@"
  touch "$out/.complete"
  rm -rf "$dest"
  mv "$out" "$dest"
  log "built $name $version in $((SECONDS - start))s"
}

kube() {
  local minor=${KUBERNETES_VERSION#*.}; minor=${minor%%.*}
  (cd "$here/kube" && go build -trimpath -o "$out/" -ldflags "-s -w \
      -X k8s.io/component-base/version.gitVersion=v$KUBERNETES_VERSION \
      -X k8s.io/component-base/version.gitMajor=1 \
      -X k8s.io/component-base/version.gitMinor=$minor \
      -X k8s.io/component-base/version.gitTreeState=clean \
      -X k8s.io/client-go/pkg/version.gitVersion=v$KUBERNETES_VERSION \
      -X k8s.io/client-go/pkg/version.gitMajor=1 \
      -X k8s.io/client-go/pkg/version.gitMinor=$minor" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
}
etcd() { (cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3); }
# Modules without local replace lines install straight from the proxy at a pinned version.
install_at() { GOBIN="$out" go install -trimpath -ldflags "-s -w $2" "$1"; }
helm() {
  install_at "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION" \
    "-X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION"
}
registry() { install_at "github.com/distribution/distribution/v3/cmd/registry@v$DISTRIBUTION_VERSION" ""; }
# kwok needs Stage objects to act like a kubelet; its module ships the "fast" set as YAML.
# They are gathered from the downloaded module into one file next to the binary.
kwok() {
  install_at "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION" ""
  local dir stage
  dir=$(go mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
               pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    printf -- '---\n' >> "$out/stages.yaml"
    cat "$dir/kustomize/stage/$stage.yaml" >> "$out/stages.yaml"
  done
}

build_into etcd "$ETCD_VERSION" etcd
build_into helm "$HELM_VERSION" helm
build_into registry "$DISTRIBUTION_VERSION" registry
build_into kwok "$KWOK_VERSION" kwok
build_into kubernetes "$KUBERNETES_VERSION" kube
echo "$cache_root"
