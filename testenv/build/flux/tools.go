//go:build tools

// Package fluxbin pins the Flux controllers the GitOps tests run. Their go.mod files carry
// replace lines (their api submodules as ./api, a go-digest fork, kustomize pins), which
// `go install …@version` refuses; this wrapper copies them, with ./api pointed at the
// published api module of the same release. Both controllers share one wrapper: they come
// from the same Flux release and their dependencies differ only in patch versions, so the
// large shared part (controller-runtime, client-go, the cloud SDKs) compiles once.
package fluxbin

import (
	_ "github.com/fluxcd/kustomize-controller"
	_ "github.com/fluxcd/source-controller"
)
