package main

import (
	"fmt"
	"strings"

	v2 "github.com/fluxcd/helm-controller/api/v2"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// release is one HelmRelease of the demo, with the chart it starts from
// and the first state it must reach before the demo says it is ready.
type release struct {
	ns, name string
	chart    string // a folder of testdata/charts, served as name:0.1.0
	spec     string // YAML, after chartRef and interval
	// then, once the release is first ready: the step that moves it on
	// (a new chart version, a suspension).
	then  step
	first string                     // the first state, for the log
	done  func(*v2.HelmRelease) bool // it has reached it
}

// step is what the demo does to a release, as a user or Flux would.
type step int

const (
	none       step = iota
	newVersion      // publish 0.2.0 of the same chart: helm-controller upgrades
	suspend         // spec.suspend: true
)

// Flags of the demo's helm-controller besides the ones every run has. A
// dependency is rechecked every 10 s instead of 30 s, so that waiting is
// seen to move; the other settings are Flux's defaults.
var controllerFlags = []string{
	"--requeue-dependency=10s",
	"--concurrent=10",
	"--graceful-shutdown-timeout=5s",
}

// retryEvery30s is RetryOnFailure for install and upgrade.
const retryEvery30s = `
install:
  strategy: {name: RetryOnFailure, retryInterval: 30s}
upgrade:
  strategy: {name: RetryOnFailure, retryInterval: 30s}
`

// fleet: a few healthy releases, and one of each way a release fails or
// waits that the plugin is for.
func fleet() []release {
	healthy := func(ns, name string) release {
		return release{ns: ns, name: name, chart: "ok", first: "ready", done: isReady}
	}
	return []release{
		healthy("shop", "frontend"),
		{ns: "shop", name: "checkout", chart: "template-error", spec: retryEvery30s,
			first: "a failed install, retried every 30s", done: failed},
		{ns: "shop", name: "payments", chart: "wait-timeout", spec: "timeout: 5s\ninstall:\n  remediation: {retries: 2}\n",
			first: "installing, the 5s wait running (then uninstalled, retried, stalled after 3)", done: installing},
		{ns: "shop", name: "orders", chart: "immutable-config", spec: "upgrade:\n  remediation: {retries: 2}\n",
			then: newVersion, first: "an upgrade to 0.2.0 failed and rolled back", done: rolledBack},
		{ns: "shop", name: "reviews", chart: "ok", spec: "dependsOn: [{name: checkout}]\n",
			first: "waiting for checkout", done: waitingDependency},
		healthy("platform", "ingress"),
		healthy("platform", "cert-manager"),
		{ns: "platform", name: "external-dns", chart: "ok", then: suspend, first: "installed, then suspended", done: suspended},
	}
}

// object is the HelmRelease r creates.
func (r release) object() (*v2.HelmRelease, error) {
	hr := &v2.HelmRelease{ObjectMeta: metav1.ObjectMeta{Name: r.name, Namespace: r.ns,
		Labels: map[string]string{"team": r.ns}}}
	spec := fmt.Sprintf("chartRef: {kind: OCIRepository, name: %s}\ninterval: 5m\n%s", r.name, strings.TrimPrefix(r.spec, "\n"))
	if err := yaml.UnmarshalStrict([]byte(spec), &hr.Spec); err != nil {
		return nil, fmt.Errorf("spec of %s/%s: %w", r.ns, r.name, err)
	}
	return hr, nil
}

// The first states, from the conditions and counters helm-controller
// writes (not from the plugin: the demo shows what the plugin makes of
// them).

func isReady(hr *v2.HelmRelease) bool {
	return hr.Status.ObservedGeneration == hr.Generation && apimeta.IsStatusConditionTrue(hr.Status.Conditions, "Ready")
}

func readyReason(hr *v2.HelmRelease) string {
	if c := apimeta.FindStatusCondition(hr.Status.Conditions, "Ready"); c != nil && c.Status == metav1.ConditionFalse {
		return c.Reason
	}
	return ""
}

// failed: an install failed. A template error leaves nothing in Helm
// storage, so only status.failures counts it, not installFailures.
func failed(hr *v2.HelmRelease) bool {
	return hr.Status.Failures > 0 && readyReason(hr) == v2.InstallFailedReason
}

// installing: the first install is running (or has run). Its wait times
// out a few seconds later: the demo shows the prediction, not the
// outcome, so that it is ready sooner and the user can watch the rest
// (timeout, uninstall, the retries in their windows, the stall).
func installing(hr *v2.HelmRelease) bool {
	c := apimeta.FindStatusCondition(hr.Status.Conditions, "Reconciling")
	running := c != nil && c.Status == metav1.ConditionTrue && strings.HasPrefix(c.Message, "Running 'install'")
	return running || hr.Status.InstallFailures > 0
}

func rolledBack(hr *v2.HelmRelease) bool {
	return hr.Status.UpgradeFailures > 0 && (readyReason(hr) == v2.RollbackSucceededReason ||
		apimeta.IsStatusConditionTrue(hr.Status.Conditions, "Stalled"))
}

func waitingDependency(hr *v2.HelmRelease) bool {
	return readyReason(hr) == v2.DependencyNotReadyReason
}

func suspended(hr *v2.HelmRelease) bool {
	return hr.Spec.Suspend && apimeta.IsStatusConditionTrue(hr.Status.Conditions, "Ready")
}
