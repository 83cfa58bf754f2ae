//go:build tools

// Package kube pins the Kubernetes control-plane binaries that the tests and
// `make demo` run. It is a separate module so that k8s.io/kubernetes never
// enters the plugin's own dependency graph.
package kube

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
