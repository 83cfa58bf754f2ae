package main

import (
	"testing"
	"time"
)

// Every release's spec is valid YAML for HelmReleaseSpec (strictly: a
// misspelt field fails) and says what the README promises.
func TestFleetSpecs(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range fleet() {
		hr, err := r.object()
		if err != nil {
			t.Fatal(err)
		}
		key := r.ns + "/" + r.name
		if seen[key] {
			t.Errorf("%s twice", key)
		}
		seen[key] = true
		if ref := hr.Spec.ChartRef; ref == nil || ref.Kind != "OCIRepository" || ref.Name != r.name {
			t.Errorf("%s: chartRef %+v; want the OCIRepository %s", key, ref, r.name)
		}
		switch key {
		case "shop/checkout":
			s := hr.Spec.Install.Strategy
			if s == nil || s.Name != "RetryOnFailure" || s.RetryInterval.Duration != 30*time.Second {
				t.Errorf("checkout: install strategy %+v; want RetryOnFailure every 30s", s)
			}
		case "shop/payments":
			if hr.Spec.Timeout.Duration != 5*time.Second || hr.Spec.Install.Remediation.Retries != 2 {
				t.Errorf("payments: timeout %v, install remediation %+v; want 5s and 2 retries", hr.Spec.Timeout, hr.Spec.Install.Remediation)
			}
		case "shop/reviews":
			if len(hr.Spec.DependsOn) != 1 || hr.Spec.DependsOn[0].Name != "checkout" {
				t.Errorf("reviews: dependsOn %+v; want checkout", hr.Spec.DependsOn)
			}
		}
	}
	if len(seen) != 8 {
		t.Errorf("%d releases; the README and test/demo describe 8", len(seen))
	}
}
