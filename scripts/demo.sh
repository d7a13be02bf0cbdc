#!/usr/bin/env bash
# make demo: local hub + 2 edges, CRDs, the edges registered as EdgeHosts, then the operator
# in the foreground (Ctrl-C stops it; `make testenv-down` stops the clusters).
set -euo pipefail
cd "$(dirname "$0")/.."
# The project's pinned Node 24 (node_modules/.bin/node) runs everything below, as under make.
export PATH="$PWD/node_modules/.bin:$PATH"
root=${MECM_TESTENV_DIR:-.testenv}
export MECM_TESTENV_DIR=$root

npm run --silent testenv -- up
kubectl=$(bash testenv/build/build.sh 2>/dev/null | tail -1)/kubernetes-$(sed -n 's/^KUBERNETES_VERSION=//p' testenv/versions.env)/kubectl
hub=(--kubeconfig "$root/hub.kubeconfig")

"$kubectl" "${hub[@]}" apply -f crds/ >/dev/null
"$kubectl" "${hub[@]}" wait --for=condition=Established --timeout=60s crd/edgehosts.mecm.io crd/tenants.mecm.io crd/apppackages.mecm.io crd/appinstances.mecm.io crd/apprules.mecm.io >/dev/null
"$kubectl" "${hub[@]}" create namespace mecm-system --dry-run=client -o yaml | "$kubectl" "${hub[@]}" apply -f - >/dev/null

# Simulated appstore and one MEP per edge (the only simulators; everything else is real).
edges=$(ls "$root"/edge-*.kubeconfig | wc -l)
services_log=$(mktemp)
npx tsx scripts/demo-services.ts "$edges" > "$services_log" &
services_pid=$!
trap 'kill $services_pid 2>/dev/null' EXIT
until [ -s "$services_log" ]; do sleep 0.2; done
appstore=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).appstore)' "$services_log")

i=0
for kubeconfig in "$root"/edge-*.kubeconfig; do
  name=$(basename "$kubeconfig" .kubeconfig)
  mep=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).meps[Number(process.argv[2])])' "$services_log" "$i")
  i=$((i + 1))
  registry=$(node -e 'const s=require(process.argv[1]);console.log(s.clusters.find(c=>c.name===process.argv[2]).registryUrl)' \
    "$(realpath "$root/state.json")" "$name")
  "$kubectl" "${hub[@]}" -n mecm-system create secret generic "$name-kubeconfig" \
    --from-file=kubeconfig="$kubeconfig" --dry-run=client -o yaml | "$kubectl" "${hub[@]}" apply -f - >/dev/null
  "$kubectl" "${hub[@]}" apply -f - >/dev/null <<YAML
apiVersion: mecm.io/v1alpha1
kind: EdgeHost
metadata:
  name: $name
  labels: {mecm.io/region: demo}
spec:
  displayName: Demo edge $name
  location: {city: Demo City, zipCode: "00000", address: "127.0.0.1"}
  infrastructure:
    type: kubernetes
    kubeconfigSecretRef: {name: $name-kubeconfig, namespace: mecm-system, key: kubeconfig}
  repository: {url: "${registry/http:\/\//oci://}", insecure: true}
  mep: {url: "$mep"}
YAML
  echo "Registered EdgeHost $name (registry $registry)."
done

"$kubectl" "${hub[@]}" create namespace tenant-demo --dry-run=client -o yaml | "$kubectl" "${hub[@]}" apply -f - >/dev/null
# The admin's grant to the demo tenant (tenancy is enforced by default): the demo edges, the
# etherpad namespace on them, and exactly the MEP rules etherpad's APPD asks for.
"$kubectl" "${hub[@]}" apply -f - >/dev/null <<YAML
apiVersion: mecm.io/v1alpha1
kind: Tenant
metadata: {name: tenant-demo}
spec:
  namespaces: [tenant-demo]
  hosts: {selector: {matchLabels: {mecm.io/region: demo}}}
  edgeNamespaces: [etherpad]
  mep:
    trafficActions: [PASSTHROUGH]
    deliveryCidrs: [0.0.0.0/32, 10.10.10.10/32, 11.11.11.11/32]
    deliveryMacAddresses: ["02-00-00-00-00-00"]
    dnsSuffixes: [positioningservice.org]
    dnsAnswerCidrs: [0.0.0.0/32]
  limits: {appInstances: 10, appPackages: 10}
YAML
echo "Granted namespace tenant-demo the demo edges (Tenant tenant-demo)."
"$kubectl" "${hub[@]}" apply -f - >/dev/null <<YAML
apiVersion: mecm.io/v1alpha1
kind: AppPackage
metadata: {name: etherpad, namespace: tenant-demo}
spec:
  source: {appstore: {url: "$appstore", appId: etherpad, packageId: v1}}
  distribution: {hostSelector: {matchLabels: {mecm.io/region: demo}}}
  images: {mirror: Skip}
---
apiVersion: mecm.io/v1alpha1
kind: AppInstance
metadata: {name: etherpad, namespace: tenant-demo}
spec:
  packageRef: {name: etherpad}
  hostRef: {name: edge-1}
  namespace: etherpad
YAML
echo "Onboarding etherpad from the appstore at $appstore, distributing it to the edges and running it on edge-1."

echo
echo "Hub kubeconfig: $root/hub.kubeconfig   kubectl: $kubectl"
echo "Try, in another shell:  $kubectl --kubeconfig $root/hub.kubeconfig get mecm -A"
echo "Starting the operator (Ctrl-C to stop)..."
npm run --silent operator -- --kubeconfig "$root/hub.kubeconfig" --namespace mecm-system --helm-binary "$(dirname "$kubectl")/../helm-$(sed -n 's/^HELM_VERSION=//p' testenv/versions.env)/helm"
