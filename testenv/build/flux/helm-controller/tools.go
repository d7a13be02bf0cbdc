//go:build tools

// Package fluxhelmbin pins Flux's helm-controller, the peer bench/fleet.ts measures the
// AppInstance controller against (docs/performance.md). Like the wrapper one folder up it copies
// the controller's replace lines (./api pointed at the published api module of the same
// release). It is a module of its own, not a third import of ../tools.go: the source- and
// kustomize-controller the GitOps tests run stay built exactly as before, and a suite that
// needs no helm-controller never waits for it.
package fluxhelmbin

import (
	_ "github.com/fluxcd/helm-controller"
)
