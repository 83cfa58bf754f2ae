// The real flux CLI the flux plugin end-to-end test (test/flux) runs: its
// version is pinned here and nowhere else. hack/flux-bin.sh builds it. It is
// not a tools.go module like .ci/kube: `go build` of flux2's cmd/flux from
// another module misses the install manifests it embeds (generated in its
// own repository, absent from the published module) and drops the `replace`
// in its go.mod, so the script builds the downloaded module as the main
// module instead, with placeholders for the manifests.
module github.com/hrretry/kubectl-hrretry/ci/flux

go 1.26.0

require github.com/fluxcd/flux2/v2 v2.9.5
