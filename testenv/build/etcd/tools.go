//go:build tools

// Package etcdbin pins the etcd server the test environment builds. It is kept apart from
// the Kubernetes wrapper so the etcd client libraries kube-apiserver uses are not bumped.
package etcdbin

import _ "go.etcd.io/etcd/server/v3"
