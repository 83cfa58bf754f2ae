// Package e2e runs the built kubectl-hrretry binary against a real
// kube-apiserver and etcd (started once by TestMain through envtest) with the
// real HelmRelease CRD, HelmReleases whose status is written the way
// helm-controller writes it (test/fixtures), and users restricted by RBAC.
//
// Run it with `make e2e`; it fails, never skips, when the control plane
// cannot start.
package e2e
