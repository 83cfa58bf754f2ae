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

.PHONY: build kube-bin test unit e2e fuzz demo demo-down clean bench

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/kubectl-hrretry

# The real control plane (kube-apiserver, etcd, kubectl), built once into $(KUBE_BIN_DIR).
kube-bin:
	@hack/kube-bin.sh >/dev/null

unit:
	$(GO) test ./cmd/... ./internal/... ./pkg/...

# End-to-end tests against the real control plane; they fail (never skip) under CI=true.
E2E_PKGS := ./test/e2e/... ./test/force/... ./test/krew/...
e2e: build kube-bin
	KUBEBUILDER_ASSETS=$(KUBE_BIN_DIR) HRRETRY_BIN=$(abspath $(BIN)) $(GO) test -count=1 -timeout 45m $(E2E_PKGS)

# Everything: unit and golden tests, end-to-end tests, and the predictions
# checked against the real helm-controller (jitter 5 % and one other setting
# in rotation: hack/groundtruth.sh ci). This is what .ci/run calls.
test: unit e2e groundtruth-ci

fuzz:
	$(GO) test ./pkg/inspect -run '^$$' -fuzz '^FuzzAnalyze$$' -fuzztime $${FUZZTIME:-60s}
	$(GO) test ./pkg/inspect -run '^$$' -fuzz '^FuzzAnalyzeFields$$' -fuzztime $${FUZZTIME:-60s}

# Fleet-scale figures on the real control plane (BENCHMARKS.md): N=1,000 and 5,000.
bench: build kube-bin
	$(GO) run ./hack/bench -n $${BENCH_N:-1000,5000} -repeat $${BENCH_REPEAT:-5} -plugin $(BIN)

# A demo control plane in the background (kube-apiserver, etcd, a dozen
# HelmReleases in every phase), then the plugin's view of it. Running it
# again replaces the old one. State in $HRRETRY_DEMO_DIR (~/.cache/kubectl-hrretry/demo).
demo: build kube-bin
	@$(GO) build -o bin/hrretry-demo ./hack/demo
	@bin/hrretry-demo up -plugin $(BIN) -bin-dir $(KUBE_BIN_DIR)

# Stops it: no kube-apiserver, etcd or demo process, and no port, is left.
demo-down:
	@$(GO) build -o bin/hrretry-demo ./hack/demo
	@bin/hrretry-demo down

clean:
	rm -rf bin dist

# Release archives (six os/arch pairs) into dist/ and plugin.yaml for VERSION,
# reproducibly, with nothing but the Go toolchain: make dist VERSION=v0.1.0
.PHONY: dist
dist:
	$(GO) run ./hack/dist -version $(VERSION) -commit $(COMMIT) -date $(DATE) -out dist -manifest plugin.yaml

# The plugin's predictions checked against the real helm-controller v1.6.4
# (test/groundtruth); the controller is built once into $(KUBE_BIN_DIR).
# `groundtruth` runs it at jitter 0, 5 and 20 % and with the
# DefaultToRetryOnFailure gate, one after the other; `groundtruth-ci` at 5 %
# and one of the others in rotation. Reports: the directory printed at the end
# ($$HRRETRY_GT_REPORT_DIR, default a new temporary directory).
GT_ENV = KUBEBUILDER_ASSETS=$(KUBE_BIN_DIR) HRRETRY_BIN=$(abspath $(BIN)) HELM_CONTROLLER_BIN=$(KUBE_BIN_DIR)/helm-controller

.PHONY: groundtruth groundtruth-ci
groundtruth: build kube-bin
	@hack/kube-bin.sh --with-controller >/dev/null
	$(GT_ENV) hack/groundtruth.sh all

groundtruth-ci: build kube-bin
	@hack/kube-bin.sh --with-controller >/dev/null
	$(GT_ENV) hack/groundtruth.sh ci
