#!/usr/bin/env bash
# Runs golangci-lint (pinned in .ci/lint/go.mod, config in .golangci.yml) over
# the whole module. The linter is built from the Go module proxy into a cache
# outside the clone, only when missing, as hack/kube-bin.sh does for the
# control plane; the version is in the file name, so bumping the pin rebuilds.
# With --build-only it builds and prints the binary's path. Extra arguments
# go to `golangci-lint run`.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
version=$(cd "$here/.ci/lint" && go list -m -f '{{.Version}}' github.com/golangci/golangci-lint/v2)
tools_dir=${TOOLS_DIR:-$HOME/.cache/kubectl-hrretry/tools}
bin=$tools_dir/golangci-lint-$version
mkdir -p "$tools_dir"

if [ ! -x "$bin" ]; then
  echo "lint: building golangci-lint $version (first time only; several minutes on 2 cores)" >&2
  start=$SECONDS
  (cd "$here/.ci/lint" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X main.version=${version#v} -X main.commit=module-proxy -X main.date=1970-01-01T00:00:00Z" \
    -o "$bin.tmp.$$" github.com/golangci/golangci-lint/v2/cmd/golangci-lint)
  mv "$bin.tmp.$$" "$bin" # atomic: a concurrent run sees no half-written binary
  echo "lint: built golangci-lint in $((SECONDS - start))s" >&2
fi

if [ "${1:-}" = "--build-only" ]; then
  echo "$bin"
  exit 0
fi
cd "$here"
exec "$bin" run "$@" ./...
