// Package flux_test checks that kubectl hrretry is a flux CLI plugin as flux
// installs and runs plugins (fluxcd/flux2 RFC-0013): the real flux CLI
// (v2.9.5, built by hack/flux-bin.sh) reads hrretry.yaml from a catalog served
// on 127.0.0.1, verifies the archive's checksum (and refuses a wrong one),
// installs flux-hrretry, lists it, runs `flux hrretry status -A` and `flux
// hrretry force` against a real kube-apiserver, and completes through
// `flux __complete hrretry …`. Everything the plugin prints then says
// `flux hrretry`.
//
// Run with `make e2e` (or `make test`); alone:
//
//	FLUX_BIN=$(hack/flux-bin.sh) KUBEBUILDER_ASSETS=~/.cache/kubectl-hrretry/kube-v1.37.2 go test ./test/flux/
//
// Without flux or the control plane the tests skip; under CI=true they fail.
package flux_test
