# kubectl hrretry — build, test and demo. `make test` is what CI runs.
SHELL        := /usr/bin/env bash
GO           ?= go
BIN          := bin/kubectl-hrretry
VERSION      ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT       ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE         ?= $(shell git log -1 --format=%cI 2>/dev/null || echo unknown)
LDFLAGS      := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
KUBE_BIN_DIR ?= $(HOME)/.cache/kubectl-hrretry/kube-v1.37.2
export KUBE_BIN_DIR

.PHONY: build kube-bin flux-bin test unit unit-race lint lint-bin e2e fuzz demo demo-down clean bench bench-live bench-contexts

# CGO_ENABLED=0 as the release archives (hack/dist): the binary the tests and
# `make bench` run is the one users install. With cgo the linker also exports
# every symbol (kustomize, through cli-runtime, imports the plugin package),
# and the dynamic symbol table alone added ~20 MiB of peak RSS (BENCHMARKS.md).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/kubectl-hrretry

# The real control plane (kube-apiserver, etcd, kubectl), built once into $(KUBE_BIN_DIR).
kube-bin:
	@hack/kube-bin.sh >/dev/null

# The real flux CLI (pinned in .ci/flux) for test/flux, built once into
# ~/.cache/kubectl-hrretry/tools (cold: 17 min on 2 cores shared with other
# builds, 6.5 min of CPU).
flux-bin:
	@hack/flux-bin.sh >/dev/null

# The helpers of the tests and the demo (test/fixtures, hack/demo) have unit tests too.
UNIT_PKGS := ./cmd/... ./internal/... ./pkg/... ./test/fixtures/... ./hack/demo/...
# The ground truth's own unit tests need no controller: the verdict, the
# attempts, the stages' checks, the width budgets, and the mutation check on
# the real controller's recordings in test/groundtruth/testdata (every
# mutant of pkg/inspect must be caught). Its real-controller tests run
# in groundtruth-ci.
GT_UNIT_SKIP := ^(TestGroundTruth(Busy|Shards|EventLag)?|TestLeaderLease)$$
unit:
	$(GO) test $(UNIT_PKGS)
	$(GO) test ./test/groundtruth -skip '$(GT_UNIT_SKIP)'

# The unit and golden tests under the race detector: what `make test` runs.
# Cold (race-instrumented std and client-go) ~7 min on a busy 2-core
# machine, as long as a cold `make unit`; warm ~25 s against ~15 s.
unit-race:
	$(GO) test -race $(UNIT_PKGS)
	$(GO) test -race ./test/groundtruth -skip '$(GT_UNIT_SKIP)'

# golangci-lint, pinned in .ci/lint and built once into a cache outside the
# clone, over every package (production and test code); .golangci.yml says
# which linters and why. Fails on any finding.
lint: lint-bin
	@hack/lint.sh

lint-bin:
	@hack/lint.sh --build-only >/dev/null

# End-to-end tests against the real control plane; they fail (never skip) under CI=true.
# test/demo runs `make demo`'s program with the real helm-controller, up and down;
# test/flux installs the plugin with the real flux CLI and runs it through flux.
E2E_PKGS := ./test/e2e/... ./test/force/... ./test/krew/... ./test/demo/... ./test/flux/...
e2e: build kube-bin flux-bin
	@hack/kube-bin.sh --with-controller >/dev/null
	KUBEBUILDER_ASSETS=$(KUBE_BIN_DIR) HRRETRY_BIN=$(abspath $(BIN)) FLUX_BIN=$$(hack/flux-bin.sh) $(GO) test -count=1 -timeout 45m $(E2E_PKGS)

# Everything: unit and golden tests (under the race detector), end-to-end
# tests, and the predictions checked against the real helm-controller
# (jitter 5 % and one other setting in rotation, then the busy set with
# --concurrent=2: hack/groundtruth.sh ci).
# This is what .ci/run calls, after `make lint`.
test: unit-race e2e groundtruth-ci

fuzz:
	$(GO) test ./pkg/inspect -run '^$$' -fuzz '^FuzzAnalyze$$' -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./pkg/inspect -run '^$$' -fuzz '^FuzzAnalyzeFields$$' -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./pkg/inspect -run '^$$' -fuzz '^FuzzLeanDecode$$' -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./pkg/inspect -run '^$$' -fuzz '^FuzzQuickDecode$$' -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./pkg/inspect -run '^$$' -fuzz '^FuzzReadList$$' -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./pkg/inspect -run '^$$' -fuzz '^FuzzMatchRunning$$' -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./pkg/history -run '^$$' -fuzz '^FuzzDecodeSecrets$$' -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./pkg/history -run '^$$' -fuzz '^FuzzRollbackRisks$$' -fuzztime $${FUZZTIME:-60s}

# Fleet-scale figures on the real control plane (BENCHMARKS.md): N=1,000, 5,000 and 20,000.
bench: build kube-bin
	CGO_ENABLED=0 $(GO) run ./hack/bench -n $${BENCH_N:-1000,5000,20000} -repeat $${BENCH_REPEAT:-5} -plugin $(BIN) -live $${BENCH_LIVE_N:-5000,20000}

# The live-view figure alone (BENCHMARKS.md, "Live view"): `status -A --watch`
# piped at 5,000 and 20,000 releases while 20 statuses a second change for a
# minute; BENCH_BEFORE=path/to/another/build measures it in the same run.
bench-live: build kube-bin
	CGO_ENABLED=0 $(GO) run ./hack/bench -n $${BENCH_LIVE_N:-5000,20000} -live $${BENCH_LIVE_N:-5000,20000} -live-only -plugin $(BIN) $${BENCH_BEFORE:+-before $${BENCH_BEFORE}}

# The many-clusters figure (BENCHMARKS.md, "Many clusters"): 10 clusters of
# 1,000 releases, `status -A --contexts` against each cluster alone, on the
# real servers, 50 ms away, then replayed from another CPU (about 9 minutes).
bench-contexts: build kube-bin
	CGO_ENABLED=0 $(GO) run ./hack/bench -clusters $${BENCH_CLUSTERS:-10} -n $${BENCH_N:-1000} -repeat $${BENCH_REPEAT:-5} -replay -plugin $(BIN)

# A demo in the background: kube-apiserver, etcd, the real helm-controller
# and charts served from 127.0.0.1, with HelmReleases that fail, retry,
# remediate, stall and wait for real; then the plugin's view of it and what
# to try. Running it again replaces the old one. State and logs in
# $HRRETRY_DEMO_DIR (~/.cache/kubectl-hrretry/demo).
demo: build kube-bin
	@hack/kube-bin.sh --with-controller >/dev/null
	@$(GO) build -o bin/hrretry-demo ./hack/demo
	@bin/hrretry-demo up -plugin $(BIN) -bin-dir $(KUBE_BIN_DIR)

# Stops it: no helm-controller, kube-apiserver, etcd or demo process, and no
# port, is left (test/demo checks it).
demo-down:
	@$(GO) build -o bin/hrretry-demo ./hack/demo
	@bin/hrretry-demo down

clean:
	rm -rf bin dist

# Release archives (six os/arch pairs) into dist/, plugin.yaml (krew) and
# hrretry.yaml (the flux CLI's plugin catalog) for VERSION, reproducibly, with
# nothing but the Go toolchain: make dist VERSION=v0.1.0
.PHONY: dist
dist:
	$(GO) run ./hack/dist -version $(VERSION) -commit $(COMMIT) -date $(DATE) -out dist -manifest plugin.yaml -flux-manifest hrretry.yaml

# The plugin's predictions checked against the real helm-controller v1.6.4
# (test/groundtruth); the controller is built once into $(KUBE_BIN_DIR).
# `groundtruth` runs it at jitter 0, 5 and 20 % and with the
# DefaultToRetryOnFailure gate, one after the other; `groundtruth-ci` at 5 %
# and one of the others in rotation. Both then run the busy set once
# (TestGroundTruthBusy: --concurrent=2, queued attempts). Reports: the directory printed at the end
# ($$HRRETRY_GT_REPORT_DIR, default a new temporary directory).
GT_ENV = KUBEBUILDER_ASSETS=$(KUBE_BIN_DIR) HRRETRY_BIN=$(abspath $(BIN)) HELM_CONTROLLER_BIN=$(KUBE_BIN_DIR)/helm-controller

.PHONY: groundtruth groundtruth-ci
groundtruth: build kube-bin
	@hack/kube-bin.sh --with-controller >/dev/null
	$(GT_ENV) hack/groundtruth.sh all

groundtruth-ci: build kube-bin
	@hack/kube-bin.sh --with-controller >/dev/null
	$(GT_ENV) hack/groundtruth.sh ci
