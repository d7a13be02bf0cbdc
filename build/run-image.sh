#!/usr/bin/env bash
# Runs an image the way a kubelet runs the chart's container, on a machine without a working
# container runtime (podman and crun cannot start containers here: no setrlimit, hybrid cgroups):
#
#   run-image.sh IMAGE [--tmpfs PATH]... [--bind HOSTPATH:PATH[:ro]]... [--env NAME=VALUE]...
#                [--entrypoint PROGRAM] [-- ARG...]
#
# - the image's own config: ENTRYPOINT (then the ARGs; --entrypoint replaces it, as a Pod's
#   command does), WorkingDir, Env, and USER (numeric "uid:gid" only: no passwd lookup is made);
# - the root filesystem read-only (readOnlyRootFilesystem); writable only the --tmpfs paths (the
#   chart's emptyDirs) and the --bind paths without :ro;
# - new mount and PID namespaces: the entrypoint is PID 1 with its own /proc and a minimal /dev;
#   the network namespace is the host's, so 127.0.0.1 reaches the local clusters.
#
# SIGTERM or SIGINT to this script is passed on to the entrypoint (as SIGTERM, as the kubelet
# stops a container); the script exits with its status once it stopped and the working container
# is removed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bh() { "$here/buildah.sh" "$@"; }

[ $# -ge 1 ] || { echo "usage: $0 IMAGE [--tmpfs PATH]... [--bind HOST:PATH[:ro]]... [--env NAME=VALUE]... [--entrypoint PROGRAM] [-- ARG...]" >&2; exit 2; }
image=$1; shift
tmpfs=() binds=() extra_env=() args=() override=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tmpfs) tmpfs+=("$2"); shift 2 ;;
    --bind) binds+=("$2"); shift 2 ;;
    --env) extra_env+=("$2"); shift 2 ;;
    --entrypoint) override=("$2"); shift 2 ;;
    --) shift; args=("$@"); break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

config() { bh inspect --type image --format "$1" "$image"; }
user=$(config '{{.OCIv1.Config.User}}')
[[ "$user" =~ ^[0-9]+:[0-9]+$ ]] || { echo "the image's USER is '$user'; only a numeric uid:gid is supported" >&2; exit 1; }
workdir=$(config '{{.OCIv1.Config.WorkingDir}}')
mapfile -t entrypoint < <(config '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}' | sed '/^$/d')
mapfile -t env < <(config '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' | sed '/^$/d')
[ ${#override[@]} -eq 0 ] || entrypoint=("${override[@]}")
[ ${#entrypoint[@]} -gt 0 ] || { echo "the image has no ENTRYPOINT" >&2; exit 1; }

container=$(bh from --quiet --pull=never "$image")
cleanup() { bh rm "$container" >/dev/null 2>&1 || true; }
trap cleanup EXIT
rootfs=$(bh mount "$container")

# A mount point inside the image, created (as in the kubelet) before the root goes read-only.
# Paths are resolved inside the root (chroot), so a symlink such as /var/run -> /run never
# reaches out of it.
inside() { chroot "$rootfs" /bin/sh -c 'mkdir -p "$1" && readlink -f "$1"' - "$1"; }
mounts=()
for path in "${tmpfs[@]}"; do mounts+=("tmpfs" "$(inside "$path")" "" "rw"); done
for spec in "${binds[@]}"; do
  IFS=: read -r host path mode <<<"$spec"
  mounts+=("bind" "$(inside "$path")" "$(realpath "$host")" "${mode:-rw}")
done

# The inner part runs as PID 1 of the new namespaces: the mounts, then exec chroot as the
# image's user. Each mount is private to the namespace (nothing propagates to the host).
inner='
set -eu
rootfs=$1; user=$2; workdir=$3; shift 3
mount --make-rprivate /
mount --bind "$rootfs" "$rootfs"
while [ "$1" != "--" ]; do
  kind=$1 path=$2 source=$3 mode=$4; shift 4
  if [ "$kind" = tmpfs ]; then
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$rootfs$path"
  else
    mount --bind "$source" "$rootfs$path"
    [ "$mode" = ro ] && mount -o remount,bind,ro "$rootfs$path"
  fi
done
shift
mount -t proc -o nosuid,nodev,noexec proc "$rootfs/proc"
mount -t tmpfs -o mode=755,nosuid tmpfs "$rootfs/dev"
for dev in null zero full random urandom; do
  touch "$rootfs/dev/$dev" && mount --bind "/dev/$dev" "$rootfs/dev/$dev"
done
mount -o remount,bind,ro "$rootfs"
exec chroot --userspec="$user" --groups="${user#*:}" "$rootfs" /usr/bin/env -i -C "${workdir:-/}" "$@"
'
unshare --mount --pid --fork --kill-child=SIGTERM -- /bin/sh -c "$inner" - \
  "$rootfs" "$user" "$workdir" "${mounts[@]}" -- "${env[@]}" "${extra_env[@]}" "${entrypoint[@]}" "${args[@]}" &
child=$!
# unshare ignores SIGTERM and SIGINT itself: the signal goes to its child, the entrypoint.
interrupted=0
forward() { interrupted=1; kill -TERM $(cat "/proc/$child/task/$child/children" 2>/dev/null) 2>/dev/null || true; }
trap forward TERM INT
status=0
wait "$child" || status=$?
# A trapped signal ends `wait` early (status 128+n); wait again for the entrypoint's own status.
while [ "$interrupted" = 1 ]; do
  interrupted=0 status=0
  wait "$child" || status=$?
done
exit "$status"
