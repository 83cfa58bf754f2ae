#!/usr/bin/env bash
# Builds the real flux CLI (the version pinned in .ci/flux/go.mod) that the
# flux plugin end-to-end test (test/flux) drives, from the Go module proxy
# into a cache outside the clone, only when missing; the version is in the
# file name, so bumping the pin rebuilds. Prints the binary's path on stdout;
# progress goes to stderr.
#
# `go install github.com/fluxcd/flux2/v2/cmd/flux@v2.9.5` refuses the module
# (its go.mod has a `replace`), and building it from another module fails on
# `//go:embed manifests/*.yaml` in cmd/flux: the install manifests are
# generated in flux2's own repository and are not in the published module.
# So the downloaded module is copied to a writable temporary folder, given a
# placeholder manifest (the test never runs `flux install`) and built as the
# main module with its own go.mod and go.sum, the way flux2's release does.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
mod=github.com/fluxcd/flux2/v2
version=$(cd "$here/.ci/flux" && go list -m -f '{{.Version}}' "$mod")
tools_dir=${TOOLS_DIR:-$HOME/.cache/kubectl-hrretry/tools}
bin=$tools_dir/flux-$version
mkdir -p "$tools_dir"

if [ ! -x "$bin" ]; then
  echo "flux-bin: building flux $version (first time only; ~10 min cold on 2 cores)" >&2
  start=$SECONDS
  (cd "$here/.ci/flux" && go mod download "$mod")
  src=$(cd "$here/.ci/flux" && go list -m -f '{{.Dir}}' "$mod")
  work=$(mktemp -d)
  trap 'chmod -R u+w "$work" && rm -rf "$work"' EXIT
  cp -R "$src" "$work/flux2"
  chmod -R u+w "$work/flux2"
  mkdir -p "$work/flux2/cmd/flux/manifests"
  printf '# placeholder: the install manifests are not part of the published module\n' \
    >"$work/flux2/cmd/flux/manifests/placeholder.yaml"
  (cd "$work/flux2" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X main.VERSION=${version#v}" -o "$bin.tmp.$$" ./cmd/flux)
  mv "$bin.tmp.$$" "$bin" # atomic: a concurrent run sees no half-written binary
  echo "flux-bin: built flux $version in $((SECONDS - start))s" >&2
fi
echo "$bin"
