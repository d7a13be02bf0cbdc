#!/usr/bin/env bash
# The fleet bench's baseline (bench/fleet.ts): plain helm, no operator. Installs one release per
# line of JOBS, PARALLEL at once, each `helm upgrade --install --wait` (returns once the release's
# workloads are Ready), and fails if any of them fails. Its last line is the CPU seconds of all the
# helm processes (user+system, from bash's `times`).
#
#   fleet-baseline.sh HELM JOBS [PARALLEL]
#   JOBS: one release per line: KUBECONFIG RELEASE NAMESPACE CHART VERSION
#         (CHART an oci:// reference in a plain-HTTP registry, as the edges' registries are)
set -euo pipefail
helm=$1 jobs=$2 parallel=${3:-8}
# xargs appends a line's five words to the sh -c script as $1..$5; $0 is the helm binary. Helm's
# output is shown only when it fails.
xargs -P "$parallel" -L 1 sh -c \
  'out=$("$0" upgrade --install "$2" "$4" --version "$5" --plain-http --namespace "$3" --create-namespace \
     --wait --timeout 600s --kubeconfig "$1" 2>&1) || { printf "%s: %s\n" "$2" "$out" >&2; exit 1; }' "$helm" < "$jobs"
# `times` prints the shell's own user/system time, then its children's: "0m1.230s 0m0.450s". It
# runs in this shell (in a pipeline it would run in a subshell, which has no children).
times_file=$(mktemp)
times > "$times_file"
tail -1 "$times_file" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "cpu %.2f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }'
rm -f "$times_file"
