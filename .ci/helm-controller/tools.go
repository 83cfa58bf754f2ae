//go:build tools

// Package helmcontroller pins the real helm-controller that the ground-truth
// tests (test/groundtruth) run. It is a separate module so that the
// controller's dependency graph (Helm, cloud SDKs, Kubernetes) never enters
// the plugin's own go.mod, and does not have to agree with .ci/kube.
package helmcontroller

import (
	_ "github.com/fluxcd/helm-controller"
)
