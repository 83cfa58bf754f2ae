package e2e

import (
	"testing"
	"time"
)

// checkJSONDetails asserts the fields scripts rely on, for the releases
// whose story pins them down (fixtures/statuses.go), under the controller's
// default settings (jitter 5 %, no feature gate).
func checkJSONDetails(t *testing.T, docs map[string]stateDoc) {
	t.Helper()
	checkout := docs["shop/checkout"]
	if s := checkout.Strategy; s.Name != "RetryOnFailure" || s.Action != "upgrade" || s.Source != "spec" || s.RetryInterval != "5m0s" {
		t.Errorf("checkout strategy = %+v, want RetryOnFailure for upgrade from spec, 5m0s", s)
	}
	checkWindow(t, "checkout", checkout, 5*time.Minute, 5)

	redis := docs["data/redis"]
	if redis.LastAction != "install" || redis.Failures.Total != 3 || redis.Failures.Count != 0 || redis.Strategy.Action != "install" {
		t.Errorf("redis (template error): lastAttemptedAction %q, failures %+v, strategy %+v; want install, total 3, count 0",
			redis.LastAction, redis.Failures, redis.Strategy)
	}
	checkWindow(t, "redis", redis, 3*time.Minute, 5)

	search := docs["shop/search"]
	if search.StallReason != "RetriesExceeded" || search.Failures.Count != 3 || search.Failures.Allowed != 3 || !search.Failures.Exhausted {
		t.Errorf("search (stalled): stallReason %q failures %+v; want RetriesExceeded, 3 of 3, exhausted", search.StallReason, search.Failures)
	}
	if search.Next.Earliest != nil || search.Next.Latest != nil {
		t.Errorf("search (stalled) has a next window %v..%v; a stalled release is not scheduled", search.Next.Earliest, search.Next.Latest)
	}

	payments := docs["shop/payments"]
	if payments.Strategy.Name != "RemediateOnFailure" || payments.Failures.Count != 1 || payments.Failures.Allowed != 4 {
		t.Errorf("payments (remediating): strategy %+v failures %+v; want RemediateOnFailure, 1 of 4", payments.Strategy, payments.Failures)
	}

	if !hasWarning(docs["platform/cert-manager"], "InstallRetryUpgradeRemediate") {
		t.Errorf("cert-manager (install→upgrade stall trap) lacks warning InstallRetryUpgradeRemediate: %+v", docs["platform/cert-manager"].Warnings)
	}
	// A reconcile request the controller has not handled yet (kafka was
	// never reconciled) is flagged; a handled one (ingress) is not.
	if !hasWarning(docs["data/kafka"], "RequestNotHandled") || hasWarning(docs["platform/ingress"], "RequestNotHandled") {
		t.Errorf("RequestNotHandled: kafka %+v, ingress %+v; want it on kafka only", docs["data/kafka"].Warnings, docs["platform/ingress"].Warnings)
	}
	if docs["shop/frontend"].Strategy.Name != "RemediateOnFailure" || docs["shop/frontend"].Strategy.Source != "default" {
		t.Errorf("frontend (no strategy set): %+v, want RemediateOnFailure from default", docs["shop/frontend"].Strategy)
	}
}

// checkWindow asserts a RetryOnFailure window: anchored on the Reconciling
// condition, from d·(1−j) after it to d·(1+j) plus at most 2 s of
// allowance for the second-resolution lastTransitionTime.
func checkWindow(t *testing.T, name string, d stateDoc, interval time.Duration, jitterPercent int) {
	t.Helper()
	n := d.Next
	if n.Anchor == nil || n.Earliest == nil || n.Latest == nil {
		t.Errorf("%s: next %+v has no anchored window", name, n)
		return
	}
	if n.Anchor.Condition != "Reconciling" || n.Anchor.Reason != "ProgressingWithRetry" {
		t.Errorf("%s: anchored on %s/%s, want Reconciling/ProgressingWithRetry", name, n.Anchor.Condition, n.Anchor.Reason)
	}
	j := time.Duration(jitterPercent) * interval / 100
	earliest, latest := n.Anchor.Time.Add(interval-j), n.Anchor.Time.Add(interval+j)
	if !n.Earliest.Equal(earliest) {
		t.Errorf("%s: earliest %s, want anchor + %s = %s", name, n.Earliest, interval-j, earliest)
	}
	// The upper margin may add up to 2.2 s: retries on v1.6.4 came up to
	// 1.8 s after anchor + d(1+j) (shared/helm-controller-facts.md).
	if n.Latest.Before(latest) || n.Latest.After(latest.Add(2200*time.Millisecond)) {
		t.Errorf("%s: latest %s, want anchor + %s (+ ≤2.2s) = %s", name, n.Latest, interval+j, latest)
	}
}

func hasWarning(d stateDoc, code string) bool {
	for _, w := range d.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}
