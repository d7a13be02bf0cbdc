#!/usr/bin/env bash
# Builds the test environment's binaries from their Go modules and caches them under
#   ${XDG_CACHE_HOME:-~/.cache}/mecm-operator/testenv/<component>-<version>/
# A component whose cache folder is complete is not built again, so a warm start costs nothing.
# Prints the cache root on its last line.
#
#   build.sh                 everything but flux-helm (what `make binaries` builds before the suite),
#                            in two lanes at once, each led by one of the two longest builds
#   build.sh core            etcd, helm, registry, kwok, Kubernetes: the clusters
#   build.sh lua-health      the runner of Argo CD's Lua health checks (GitOps tests)
#   build.sh flux            Flux's source-controller and kustomize-controller (GitOps tests)
#   build.sh flux-helm       Flux's helm-controller, the peer of bench/fleet.ts (its own module)
# The test code asks only for what it runs, so a suite that needs no Flux never waits for its build.
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
  local start=$SECONDS me=$BASHPID cpu
  cpu=$(children_cpu "$me")
  out=$(mktemp -d "$cache_root/.tmp-$name-XXXXXX")
  "$@"
  touch "$out/.complete"
  rm -rf "$dest"
  mv "$out" "$dest"
  # CPU time says what a build costs whatever else the machine runs; wall time depends on that.
  log "built $name $version in $((SECONDS - start))s ($(( ($(children_cpu "$me") - cpu) / $(getconf CLK_TCK) ))s of CPU)"
}
# User + system CPU time, in clock ticks, of the finished children of shell $1.
children_cpu() {
  local stat
  read -r -a stat < "/proc/$1/stat"
  echo $(( stat[15] + stat[16] ))
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

# Flux's controllers, for the GitOps tests (docs/gitops.md). Their go.mod files have replace lines,
# so one wrapper module (testenv/build/flux) builds both; it must pin the versions.env versions.
# Their CRDs are copied from the module cache next to the binaries.
flux() {
  local module version pinned
  for module in source-controller kustomize-controller; do
    case $module in
      source-controller) version=$FLUX_SOURCE_CONTROLLER_VERSION ;;
      kustomize-controller) version=$FLUX_KUSTOMIZE_CONTROLLER_VERSION ;;
    esac
    pinned=$(cd "$here/flux" && go list -m -f '{{.Version}}' "github.com/fluxcd/$module")
    if [ "$pinned" != "v$version" ]; then
      log "testenv/build/flux/go.mod pins $module $pinned but versions.env says v$version"
      return 1
    fi
  done
  (cd "$here/flux" && go build -trimpath -ldflags "-s -w" -o "$out/" \
    github.com/fluxcd/source-controller github.com/fluxcd/kustomize-controller)
  mkdir -p "$out/crds"
  for module in source-controller kustomize-controller; do
    cp "$(cd "$here/flux" && go list -m -f '{{.Dir}}' "github.com/fluxcd/$module")"/config/crd/bases/*.yaml "$out/crds/"
  done
  chmod -R u+w "$out/crds"
}
# Flux's helm-controller for bench/fleet.ts, from its own wrapper module (testenv/build/flux/helm-controller).
flux_helm() {
  local dir=$here/flux/helm-controller pinned
  pinned=$(cd "$dir" && go list -m -f '{{.Version}}' github.com/fluxcd/helm-controller)
  if [ "$pinned" != "v$FLUX_HELM_CONTROLLER_VERSION" ]; then
    log "$dir/go.mod pins helm-controller $pinned but versions.env says v$FLUX_HELM_CONTROLLER_VERSION"
    return 1
  fi
  (cd "$dir" && go build -trimpath -ldflags "-s -w" -o "$out/" github.com/fluxcd/helm-controller)
  mkdir -p "$out/crds"
  cp "$(cd "$dir" && go list -m -f '{{.Dir}}' github.com/fluxcd/helm-controller)"/config/crd/bases/*.yaml "$out/crds/"
  chmod -R u+w "$out/crds"
}
# Our runner of Argo CD's Lua health checks: its own code, so it is cached by a hash of its
# sources (testenv/src/lua-health.ts computes the same key).
lua_health() { (cd "$here/lua-health" && go build -trimpath -ldflags "-s -w" -o "$out/lua-health" .); }
lua_health_key=$(cd "$here/lua-health" && cat $(LC_ALL=C ls ./*.go) go.mod go.sum | sha256sum | cut -c1-12)

# The wrapper modules a component builds from (the go-install ones resolve their own).
modules_of() {
  case $1 in
    core) echo etcd kube ;;
    lua-health) echo lua-health ;;
    flux) echo flux ;;
    flux-helm) echo flux/helm-controller ;;
  esac
}
is_built() {
  case $1 in
    core) [ -f "$cache_root/etcd-$ETCD_VERSION/.complete" ] && [ -f "$cache_root/helm-$HELM_VERSION/.complete" ] \
            && [ -f "$cache_root/registry-$DISTRIBUTION_VERSION/.complete" ] && [ -f "$cache_root/kwok-$KWOK_VERSION/.complete" ] \
            && [ -f "$cache_root/kubernetes-$KUBERNETES_VERSION/.complete" ] ;;
    lua-health) [ -f "$cache_root/lua-health-$lua_health_key/.complete" ] ;;
    flux) [ -f "$cache_root/flux-source-$FLUX_SOURCE_CONTROLLER_VERSION-kustomize-$FLUX_KUSTOMIZE_CONTROLLER_VERSION/.complete" ] ;;
    flux-helm) [ -f "$cache_root/flux-helm-controller-$FLUX_HELM_CONTROLLER_VERSION/.complete" ] ;;
  esac
}

build_component() {
  case $1 in
    core) for part in etcd helm registry kwok kubernetes; do build_component "$part"; done ;;
    etcd) build_into etcd "$ETCD_VERSION" etcd ;;
    helm) build_into helm "$HELM_VERSION" helm ;;
    registry) build_into registry "$DISTRIBUTION_VERSION" registry ;;
    kwok) build_into kwok "$KWOK_VERSION" kwok ;;
    kubernetes) build_into kubernetes "$KUBERNETES_VERSION" kube ;;
    lua-health) build_into lua-health "$lua_health_key" lua_health ;;
    flux) build_into flux "source-$FLUX_SOURCE_CONTROLLER_VERSION-kustomize-$FLUX_KUSTOMIZE_CONTROLLER_VERSION" flux ;;
    flux-helm) build_into flux-helm-controller "$FLUX_HELM_CONTROLLER_VERSION" flux_helm ;;
    *) log "unknown component $1 (core, lua-health, flux, flux-helm)"; exit 2 ;;
  esac
}

lanes=()
if [ $# -eq 0 ]; then
  # Two lanes at once: a Go build keeps both cores busy only while it compiles; its module
  # downloads, the serial tail of its compile and its links leave a core idle, which the other
  # lane's build fills. Longest first: Kubernetes (~880 s of CPU) leads one lane and Flux
  # (~770 s) the other, the small ones (150–220 s each) follow, so both lanes end together
  # instead of Kubernetes starting after the rest (docs/testenv.md has the figures).
  lanes=("kubernetes etcd registry lua-health" "flux helm kwok")
  set -- core lua-health flux
else
  lanes=("$*")
fi
for component in "$@"; do
  case $component in core|lua-health|flux|flux-helm) ;; *) build_component "$component" ;; esac
done

# A cold build first downloads every module of the components still to build, all at once in
# the background: the downloads wait on the network, not the CPU, and overlap the compiles of
# the components before them (kube's hundreds of modules arrive while etcd, helm, registry and
# kwok compile). `go build` waits for a module another go command is fetching, never fetches twice.
prefetch=()
for component in "$@"; do
  is_built "$component" && continue
  for module in $(modules_of "$component"); do
    (cd "$here/$module" && go mod download >/dev/null 2>&1 || true) &
    prefetch+=($!)
  done
done

pids=()
for lane in "${lanes[@]}"; do
  ( for component in $lane; do build_component "$component"; done ) &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for pid in "${prefetch[@]}"; do wait "$pid" || true; done
[ "$status" = 0 ] || { log "a build failed (see above)"; exit 1; }
echo "$cache_root"
